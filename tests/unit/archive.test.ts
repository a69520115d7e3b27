// Hostile archives are refused and leave nothing outside the target; OCI whiteouts apply across layers.
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pack, type Header as Headers } from "tar-stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { extractTar } from "~/system/host/archive";

type Entry = Partial<Headers> & { name: string; body?: string };

/** A real tar (gzipped when asked) holding `entries`, written to `file`. */
async function makeTar(file: string, entries: Entry[], gzip = true): Promise<void> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c) => void chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on("end", () => r()));
  for (const { body, ...h } of entries) await new Promise<void>((res, rej) => p.entry({ mode: 0o644, ...h }, body ?? "", (e) => (e ? rej(e) : res())));
  p.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  await writeFile(file, gzip ? gzipSync(tar) : tar);
}

let dir: string;
let target: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "maculaos-archive-"));
  target = join(dir, "a", "target");
  await mkdir(target, { recursive: true });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Every path under `base`, never following symlinks. */
async function walk(base: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(base, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    out.push(p);
    if (e.isDirectory()) out.push(...(await walk(base, p)));
  }
  return out;
}

/** Every path under `dir` except the target's own tree and the archive. */
async function outside(): Promise<string[]> {
  const all = await walk(dir);
  return all.filter((p) => !p.startsWith("a/target") && p !== "a" && p !== "x.tar.gz").sort();
}

const HOSTILE: Array<[string, Entry[]]> = [
  ["../ escape", [{ name: "ok.txt", body: "fine" }, { name: "../../evil.txt", body: "x" }]],
  ["an absolute path", [{ name: "////abs/evil.txt", body: "x" }]],
  ["a symlink then a file through it", [{ name: "link", type: "symlink", linkname: "../.." }, { name: "link/evil.txt", body: "x" }]],
  ["an absolute symlink then a file through it", [{ name: "etc", type: "symlink", linkname: "/tmp" }, { name: "etc/evil.txt", body: "x" }]],
  ["a hard link out", [{ name: "hl", type: "link", linkname: "../../outside-file" }]],
  ["a device node", [{ name: "dev/sda", type: "block-device", devmajor: 8, devminor: 0 }]],
  ["a character device", [{ name: "null", type: "character-device", devmajor: 1, devminor: 3 }]],
  ["a symlink that points out (release)", [{ name: "out", type: "symlink", linkname: "../../../etc/passwd" }]],
];

describe("hostile archives", () => {
  for (const [what, entries] of HOSTILE) {
    it(`refuses ${what} and writes nothing outside the target`, async () => {
      await writeFile(join(dir, "outside-file"), "secret");
      const file = join(dir, "x.tar.gz");
      await makeTar(file, entries);
      await expect(extractTar(file, target, { kind: "release" })).rejects.toMatchObject({ code: "INTEGRITY_FAILED", message: expect.stringContaining("refused") });
      expect(await outside()).toEqual(["outside-file"]);
      expect(await readFile(join(dir, "outside-file"), "utf8")).toBe("secret");
    });
  }

  it("refuses a file written through a symlink in an image layer too, though the absolute symlink itself is fine there", async () => {
    const file = join(dir, "x.tar.gz");
    await makeTar(file, [{ name: "bin/sh", type: "symlink", linkname: "/bin/busybox" }]);
    await extractTar(file, target, { kind: "layer" });
    expect(await readlink(join(target, "bin/sh"))).toBe("/bin/busybox");
    await makeTar(file, [{ name: "etc", type: "symlink", linkname: "/tmp" }, { name: "etc/passwd", body: "x" }]);
    await expect(extractTar(file, target, { kind: "layer" })).rejects.toThrow(/through the symlink etc/);
    expect(await outside()).toEqual([]);
  });
});

describe("layers", () => {
  it("applies whiteouts and opaque directories of upper layers, keeping the upper layer's own files", async () => {
    const l1 = join(dir, "l1.tar");
    const l2 = join(dir, "l2.tar.gz");
    await makeTar(l1, [{ name: "./etc/", type: "directory", mode: 0o755 }, { name: "./etc/a", body: "a" }, { name: "./etc/b", body: "b" }, { name: "./opt/x/old", body: "old" }, { name: "./bin/tool", body: "#!", mode: 0o755 }, { name: "./bin/tool2", type: "link", linkname: "bin/tool" }], false);
    await makeTar(l2, [{ name: "etc/.wh.a" }, { name: "opt/x/new", body: "new" }, { name: "opt/x/.wh..wh..opq" }]);
    await extractTar(l1, target, { kind: "layer" });
    expect(await readFile(join(target, "bin/tool2"), "utf8")).toBe("#!");
    await extractTar(l2, target, { kind: "layer" });
    expect((await readdir(join(target, "etc"))).sort()).toEqual(["b"]);
    expect(await readdir(join(target, "opt/x"))).toEqual(["new"]);
  });

  it("refuses something that is not a tar", async () => {
    const file = join(dir, "x.tar.gz");
    await writeFile(file, gzipSync(Buffer.from("this is not a tar archive at all, just text".repeat(20))));
    await expect(extractTar(file, target, { kind: "release" })).rejects.toMatchObject({ code: "INTEGRITY_FAILED" });
  });
});
