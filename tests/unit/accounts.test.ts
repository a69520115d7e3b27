// Password hashes and the login throttle.
import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "~/system/accounts/passwords";
import { Throttle } from "~/system/accounts/throttle";

describe("passwords", () => {
  it("hashes with scrypt and a fresh salt, and verifies only the right password", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse battery", a)).toBe(true);
    expect(await verifyPassword("correct horse batterY", a)).toBe(false);
    expect(await verifyPassword("anything", "not-a-hash")).toBe(false);
  });
});

describe("throttle", () => {
  it("refuses a key after the limit within the window, and forgets after it", () => {
    let now = 0;
    const t = new Throttle(3, 1000, () => now);
    for (let i = 0; i < 3; i++) t.fail("k");
    expect(() => t.check("k")).toThrow(/try again in 1 s/);
    expect(() => t.check("other")).not.toThrow();
    now = 1001;
    expect(() => t.check("k")).not.toThrow();
    t.fail("k");
    t.clear("k");
    expect(() => t.check("k")).not.toThrow();
  });
});
