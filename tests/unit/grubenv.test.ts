// Our GRUB environment block is the real format: grub-editenv reads what we write, and we read what it writes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initialBootState, toVars } from "~/system/boot/boot-state";
import { GRUBENV_SIZE, parseGrubEnv, readGrubEnv, serializeGrubEnv, writeGrubEnv } from "~/system/host/grubenv";

describe("grubenv", () => {
  it("round-trips through grub-editenv", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "grubenv-")), "grubenv");
    await writeGrubEnv(file, toVars(initialBootState()));
    expect(statSync(file).size).toBe(GRUBENV_SIZE);
    expect(execFileSync("grub-editenv", [file, "list"], { encoding: "utf8" })).toBe("ORDER=A B\nA_OK=1\nA_TRY=\nB_OK=0\nB_TRY=\n");
    execFileSync("grub-editenv", [file, "set", "B_TRY=xxx", "ORDER=B A"]);
    const env = await readGrubEnv(file);
    expect(env.get("B_TRY")).toBe("xxx");
    expect(env.get("ORDER")).toBe("B A");
    expect(serializeGrubEnv(env).length).toBe(GRUBENV_SIZE);
  });

  it("reads a block grub-editenv created, comment lines and all", () => {
    const file = join(mkdtempSync(join(tmpdir(), "grubenv-")), "grubenv");
    execFileSync("grub-editenv", [file, "create"]);
    execFileSync("grub-editenv", [file, "set", "ORDER=A B", "A_OK=1"]);
    expect(parseGrubEnv(readFileSync(file))).toEqual(new Map([["ORDER", "A B"], ["A_OK", "1"]]));
  });

  it("rejects a block of the wrong size, without the header, or with a malformed line", () => {
    const good = serializeGrubEnv(new Map([["A_OK", "1"]]));
    expect(() => parseGrubEnv(good.subarray(0, 1000))).toThrow(/1000 bytes/);
    expect(() => parseGrubEnv(Buffer.concat([Buffer.from("X"), good.subarray(1)]))).toThrow(/header/);
    const broken = Buffer.from(good);
    broken.write("junk\n", 25, "latin1");
    expect(() => parseGrubEnv(broken)).toThrow(/malformed/);
  });

  it("refuses variables that do not fit", () => {
    expect(() => serializeGrubEnv(new Map([["BIG", "x".repeat(1100)]]))).toThrow(/more than 1024/);
    expect(() => serializeGrubEnv(new Map([["bad name", "1"]]))).toThrow(/cannot be stored/);
  });
});
