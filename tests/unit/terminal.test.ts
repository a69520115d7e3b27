// The terminal's scrollback ring (absolute offsets across wrap-around, replay from an offset, the oldest kept byte when
// a client asks for more than is kept, and a replay of dropped-into output starting clean: never inside an escape
// sequence or a UTF-8 character), output batching into reused message buffers, the terminal config keys, and which
// login shell a terminal runs.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loginShell } from "~/system/host/pty";
import { configFileSchema, durationMs } from "~/system/config/schema";
import { BATCH_BYTES, OutputBatch } from "~/system/terminal/batch";
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

/** Output of `n` coloured lines with UTF-8 text, hyperlinks (OSC 8 ended by ST), a title (OSC ended by BEL) with a
 * line feed inside it, and a DCS query; with the offset each line starts at. */
function colouredLines(n: number): { bytes: Buffer; lineStarts: number[] } {
  const parts: Buffer[] = [];
  const lineStarts: number[] = [];
  let length = 0;
  for (let i = 0; i < n; i++) {
    const line = [
      `\x1b[38;5;${i % 256}mline ${i} grüße € 日本\x1b[0m\r\n`,
      `\x1b]8;;https://example.com/${i}\x1b\\link ${i}\x1b]8;;\x1b\\ ✓\r\n`,
      `\x1b]0;a title with\na line feed inside ${i}\x07\x1b[1;4${i % 8}mtitled ${i}\x1b[m\r\n`,
      `\x1bP+q544e\x1b\\\x1b(Bplain ${i} 🙂\r\n`,
    ][i % 4]!;
    lineStarts.push(length);
    const b = Buffer.from(line, "utf8");
    parts.push(b);
    length += b.length;
  }
  return { bytes: Buffer.concat(parts), lineStarts };
}

/** Appends `bytes` to `ring` in chunks of varying sizes, calling `check` after each. */
function feed(ring: Scrollback, bytes: Buffer, check: () => void): void {
  const sizes = [1, 7, 64, 333, 4096, 2, 1500];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = sizes[k % sizes.length]!;
    ring.append(bytes.subarray(at, at + n));
    at += n;
    check();
  }
}

describe("replay after the ring dropped output", () => {
  it("starts at the first whole line kept, whatever sequence or character the ring cut", () => {
    const { bytes, lineStarts } = colouredLines(2000);
    for (const capacity of [300, 1000, 4096]) {
      const ring = new Scrollback(capacity);
      let checked = 0;
      feed(ring, bytes, () => {
        if (ring.start === 0) return;
        const { offset, data } = ring.since(0);
        expect(offset).toBe(lineStarts.find((s) => s >= ring.start) ?? ring.total);
        expect(data.equals(bytes.subarray(offset, ring.total))).toBe(true);
        // Valid UTF-8 from its first byte (the end may stop inside a character still being printed).
        expect(() => new TextDecoder("utf-8", { fatal: true }).decode(data, { stream: true })).not.toThrow();
        checked++;
      });
      expect(checked).toBeGreaterThan(100);
      // What the ring holds when it ends: a whole coloured line first.
      expect(ring.since(0).data.toString("utf8")).toMatch(/^(\x1b\[38;5;\d+mline|\x1b\]8;;https|\x1b\]0;a title|\x1bP\+q)/);
    }
  });

  it("without line breaks, starts outside any sequence at the start of a character", () => {
    // A full-screen program's output: cursor moves, colours, a title, and text, never a line feed.
    const parts: Buffer[] = [];
    const clean: number[] = [];
    let length = 0;
    for (let i = 0; i < 300; i++) {
      for (const token of [`\x1b[${(i % 24) + 1};${(i % 80) + 1}H`, `\x1b[1;3${i % 8}m`, "é€日🙂x", `\x1b]2;t${i}\x07`]) {
        const b = Buffer.from(token, "utf8");
        if (token.startsWith("\x1b")) clean.push(length);
        else for (const ch of token) clean.push(length + Buffer.byteLength(token.slice(0, token.indexOf(ch))));
        parts.push(b);
        length += b.length;
      }
    }
    const bytes = Buffer.concat(parts);
    const ring = new Scrollback(500);
    feed(ring, bytes, () => {
      if (ring.start === 0) return;
      const { offset, data } = ring.since(0);
      expect(offset).toBe(clean.find((s) => s >= ring.start) ?? ring.total);
      expect(data.equals(bytes.subarray(offset, ring.total))).toBe(true);
    });
  });

  it("replays exactly from an offset still kept, cut or not (the client has seen what came before)", () => {
    const { bytes } = colouredLines(100);
    const ring = new Scrollback(1000);
    ring.append(bytes);
    const from = ring.start + 3;
    expect(ring.since(from)).toEqual({ offset: from, data: bytes.subarray(from) });
  });
});

describe("output batches", () => {
  it("gathers reads into full messages and reuses a message's bytes only once it was sent", () => {
    const sent: { data: Buffer; copy: Buffer; done: () => void }[] = [];
    const batch = new OutputBatch((data, done) => sent.push({ data, copy: Buffer.from(data), done }));
    const read = (i: number) => Buffer.alloc(4096, i);
    const reads = (3.5 * BATCH_BYTES) / 4096;
    for (let i = 0; i < reads; i++) batch.add(read(i));
    batch.flush();
    // Three and a half messages' worth: three full ones and the rest; every byte in order, none changed since sent.
    expect(sent.map((s) => s.data.length)).toEqual([BATCH_BYTES, BATCH_BYTES, BATCH_BYTES, BATCH_BYTES / 2]);
    expect(Buffer.concat(sent.map((s) => s.data)).equals(Buffer.concat(Array.from({ length: reads }, (_, i) => read(i))))).toBe(true);
    for (const s of sent) expect(s.data.equals(s.copy)).toBe(true);
    // A message whose `sent` was called gives its buffer to the next one (twice called, still once).
    const first = sent[0]!;
    first.done();
    first.done();
    batch.add(read(7));
    batch.flush();
    batch.add(read(8));
    batch.flush();
    expect(sent[4]!.data.buffer).toBe(first.data.buffer);
    expect(sent[5]!.data.buffer).not.toBe(first.data.buffer);
    for (const s of sent.slice(1, 4)) expect(s.data.equals(s.copy)).toBe(true);
    for (const s of sent) s.done();
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
