// The terminal's scrollback ring (absolute offsets across wrap-around, replay from an offset, the oldest kept byte when
// a client asks for more than is kept), the terminal config keys, and which login shell a terminal runs.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loginShell } from "~/system/host/pty";
import { configFileSchema, durationMs } from "~/system/config/schema";
import { Scrollback } from "~/system/terminal/scrollback";
import { clampSize } from "~/system/terminal/terminals";

const bytes = (s: string) => Buffer.from(s, "latin1");

describe("scrollback ring", () => {
  it("replays exactly what follows an offset, across wrap-around", () => {
    const ring = new Scrollback(8);
    ring.append(bytes("abcde"));
    expect(ring.since(2)).toEqual({ offset: 2, data: bytes("cde") });
    ring.append(bytes("fghij"));
    expect(ring.total).toBe(10);
    expect(ring.start).toBe(2);
    expect(ring.since(4)).toEqual({ offset: 4, data: bytes("efghij") });
    expect(ring.since(10)).toEqual({ offset: 10, data: bytes("") });
  });

  it("starts at the oldest kept byte when asked for older output, and clamps offsets past the end", () => {
    const ring = new Scrollback(4);
    ring.append(bytes("0123456789"));
    expect(ring.since(0)).toEqual({ offset: 6, data: bytes("6789") });
    expect(ring.since(99)).toEqual({ offset: 10, data: bytes("") });
  });

  it("keeps the same bytes whatever the chunking", () => {
    const text = Array.from({ length: 500 }, (_, i) => String.fromCharCode(33 + (i % 90))).join("");
    for (const chunk of [1, 3, 7, 64, 499]) {
      const ring = new Scrollback(100);
      for (let i = 0; i < text.length; i += chunk) ring.append(bytes(text.slice(i, i + chunk)));
      expect(ring.since(0).data.toString("latin1")).toBe(text.slice(-100));
      expect(ring.since(450).data.toString("latin1")).toBe(text.slice(450));
    }
  });
});

describe("terminal settings", () => {
  it("parses durations and clamps window sizes", () => {
    expect(durationMs("15m")).toBe(900_000);
    expect(durationMs("1h30m")).toBe(5_400_000);
    expect(durationMs("15 minutes")).toBeUndefined();
    expect(clampSize(0, 9999)).toEqual({ cols: 2, rows: 500 });
    expect(clampSize(Number.NaN, 40)).toEqual({ cols: 80, rows: 40 });
  });

  it("defaults the idle time and refuses a relative shell or a bad duration", () => {
    expect(configFileSchema.parse({}).maculaos.terminal).toEqual({ idle_timeout: "15m" });
    const bad = configFileSchema.safeParse({ maculaos: { terminal: { shell: "bash", idle_timeout: "soon" } } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join("."))).toEqual(["maculaos.terminal.shell", "maculaos.terminal.idle_timeout"]);
  });
});

describe("login shell", () => {
  it("is root's from <root>/etc/passwd on a node, the appliance user's on a development device, or terminal.shell", async () => {
    const root = await mkdtemp(join(tmpdir(), "maculaos-pty-"));
    try {
      await mkdir(join(root, "etc"));
      await writeFile(join(root, "etc/passwd"), "daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\nroot:x:0:0:root:/root:/bin/sh\n");
      expect(await loginShell(root, "node", undefined)).toEqual({ user: "root", home: "/root", shell: "/bin/sh" });
      expect((await loginShell(root, "node", "/bin/bash")).shell).toBe("/bin/bash");
      expect(await loginShell(root, "development", undefined)).toMatchObject({ user: userInfo().username, home: join(root, "root") });
      await expect(loginShell(root, "node", "/no/such/shell")).rejects.toMatchObject({ code: "UNAVAILABLE", message: expect.stringContaining("/no/such/shell") });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
