// Restore refuses hostile archives and damaged backups before anything changes: path traversal, absolute paths,
// backslashes, links of every kind, device nodes and FIFOs, a decompression bomb, a backup that needs more space
// than there is; a flipped byte, a truncation and a wrong passphrase each with its own error. After each refusal the
// whole device tree is byte for byte what it was, and nothing exists outside it.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readArchive, writeArchive } from "~/system/backup/archive";
import { prepareBackup } from "~/system/backup/create";
import { restoreBackup } from "~/system/backup/restore";
import { isAppError } from "~/system/errors";
import { createLogger } from "~/system/logging/logger";
import { openSystem, type System } from "~/system/system";
import { REPO } from "../helpers/appliance";

let sys: System;
let root: string;
let work: string;

/** One ustar header block, built by hand so the test can write what our writer never would. */
function header(name: string, type: string, size: number, linkname = ""): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, "utf8");
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(size.toString(8).padStart(11, "0") + "\0", 124);
  h.write("00000000000\0", 136);
  h.write("        ", 148);
  h.write(type, 156);
  h.write(linkname, 157, 100, "utf8");
  h.write("ustar\0" + "00", 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}

function entry(name: string, type: string, data: Buffer = Buffer.alloc(0), linkname = ""): Buffer {
  return Buffer.concat([header(name, type, data.length, linkname), data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

const HEADER = (o: { files?: number; bytes?: number } = {}) =>
  entry("maculaos-backup.json", "0", Buffer.from(JSON.stringify({ format: "maculaos-backup/1", version: "0.1.0", hostname: "evil", createdAt: new Date().toISOString(), parts: ["config", "database", "svc"], files: o.files ?? 10, bytes: o.bytes ?? 1_000_000 })));
const MANIFEST = entry("manifest.json", "0", Buffer.from(JSON.stringify({ format: "maculaos-backup/1", version: "0.1.0", hostname: "evil", files: {} })));

/** A gzip'd archive: our header entry, the given entries, a manifest and the end marker. */
async function archive(name: string, entries: Buffer[], o: { files?: number; bytes?: number } = {}): Promise<string> {
  const file = join(work, name);
  await writeFile(file, gzipSync(Buffer.concat([HEADER(o), ...entries, MANIFEST, Buffer.alloc(1024)])));
  return file;
}

/** sha256 of every file and the kind of every entry under `dir`. */
async function fingerprint(dir: string): Promise<string> {
  const h = createHash("sha256");
  const walk = async (d: string) => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.endsWith(".db-shm")) continue; // SQLite's shared-memory index: any reader (the service watcher's tick) rewrites it
      const p = join(d, e.name);
      h.update(`${p}:${e.isDirectory() ? "d" : e.isSymbolicLink() ? "l" : "f"}\n`);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) h.update(await readFile(p));
    }
  };
  await walk(dir);
  return h.digest("hex");
}

/** Restores `file` expecting a refusal; returns the error message after checking that nothing changed. */
async function refused(file: string, passphrase?: string): Promise<{ message: string; reason: unknown; code: string }> {
  const before = await fingerprint(join(root, "var"));
  const e = await restoreBackup(sys, file, { passphrase }).then(
    () => {
      throw new Error(`${file} was restored`);
    },
    (err: unknown) => err,
  );
  if (!isAppError(e)) throw e;
  expect(await fingerprint(join(root, "var"))).toBe(before);
  for (const escaped of ["evil", "abs", "etc-evil"]) expect(existsSync(join(dirname(root), escaped))).toBe(false);
  return { message: e.message, reason: e.details?.reason, code: e.code };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "hostile-root-"));
  work = await mkdtemp(join(tmpdir(), "hostile-work-"));
  sys = await openSystem({ root, env: {}, migrationsDir: join(REPO, "prisma/migrations"), version: "0.1.0", log: createLogger("test", "error", () => undefined) });
  await mkdir(join(sys.paths.dataDir, "svc"), { recursive: true });
  await writeFile(join(sys.paths.dataDir, "svc/state"), "the old state");
  await sys.db.meta.create({ data: { key: "marker", value: "old" } });
});

afterAll(async () => {
  await sys.close();
  await rm(root, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe("a hostile archive corpus is refused with nothing written", () => {
  const cases: [string, () => Buffer[], RegExp][] = [
    ["../ traversal", () => [entry("data/../../evil", "0", Buffer.from("x"))], /'\.\.' component/],
    ["//// absolute path", () => [entry("////abs/evil", "0", Buffer.from("x"))], /absolute path/],
    ["backslashes", () => [entry("data\\..\\..\\evil", "0", Buffer.from("x"))], /backslash/],
    ["a directory then a symlink with the same name", () => [entry("data/svc/", "5"), entry("data/svc", "2", Buffer.alloc(0), "/etc")], /symbolic link/],
    ["a file written through a symlink", () => [entry("data/link", "2", Buffer.alloc(0), "../../.."), entry("data/link/evil", "0", Buffer.from("x"))], /symbolic link/],
    ["a hardlink out", () => [entry("data/hl", "1", Buffer.alloc(0), "/etc/passwd")], /hard link/],
    ["a link to the target itself", () => [entry("data/self", "2", Buffer.alloc(0), ".")], /symbolic link/],
    ["a character device", () => [entry("data/tty", "3")], /character device/],
    ["a block device", () => [entry("data/sda", "4")], /block device/],
    ["a FIFO", () => [entry("data/fifo", "6")], /FIFO/],
    ["an entry outside data/", () => [entry("etc-evil", "0", Buffer.from("x"))], /outside data\//],
    ["the same name twice", () => [entry("data/a", "0", Buffer.from("1")), entry("data/a", "0", Buffer.from("2"))], /appears twice/],
    ["a pax path with ..", () => [entry("PaxHeader", "x", Buffer.from("24 path=data/../../evil\n")), entry("data/ok", "0", Buffer.from("x"))], /'\.\.' component/],
    ["a GNU long name", () => [entry("././@LongLink", "L", Buffer.from("data/../../evil\0")), entry("data/x", "0", Buffer.from("x"))], /GNU long name/],
  ];
  it.each(cases)("%s", async (name, build, why) => {
    const r = await refused(await archive(`${name.replace(/\W+/g, "-")}.tar.gz`, build()));
    expect(r.message).toMatch(/^refused: /);
    expect(r.message).toMatch(why);
  });

  it("a decompression bomb: an entry far beyond the sizes the header declares", async () => {
    const bomb = Buffer.alloc(64 * 1024 * 1024); // 64 MiB of zeros, about 64 KiB compressed
    const file = await archive("bomb.tar.gz", [entry("data/svc/zeros", "0", bomb)], { bytes: 1024 });
    expect((await readFile(file)).length).toBeLessThan(200 * 1024);
    const r = await refused(file);
    expect(r.message).toMatch(/past the 10 files and 1024 bytes its header declares/);
  });

  it("a backup that declares more than the free space: NO_SPACE naming what it needs and has", async () => {
    const r = await refused(await archive("huge.tar.gz", [], { bytes: 2 ** 50 }));
    expect(r.code).toBe("NO_SPACE");
    expect(r.message).toMatch(/not enough space: needs 1\.0 PiB, has [\d.]+ [KMGT]?i?B free on \S+ \(restoring 10 files of 1\.0 PiB\)/);
  });

  it("not a MaculaOS backup: a plain tar.gz of other things", async () => {
    const file = join(work, "other.tar.gz");
    await writeFile(file, gzipSync(Buffer.concat([entry("etc/passwd", "0", Buffer.from("root:x:0:0")), Buffer.alloc(1024)])));
    const r = await refused(file);
    expect(r.message).toMatch(/^not a MaculaOS backup: it does not start with maculaos-backup\.json/);
  });
});

describe("damaged backups are refused before anything changes, each with its own error", () => {
  let plain: string;
  let encrypted: string;
  beforeAll(async () => {
    await writeFile(join(sys.paths.dataDir, "svc/big"), Buffer.from(Array.from({ length: 400_000 }, (_, i) => (i * 7919) % 251)));
    for (const [name, pass] of [["good.tar.gz", undefined], ["good.tar.gz.enc", "the passphrase"]] as const) {
      const p = await prepareBackup(sys, {});
      await writeArchive(join(work, name), p.tar, { compression: "gzip", passphrase: pass });
      await p.cleanup();
    }
    plain = join(work, "good.tar.gz");
    encrypted = join(work, "good.tar.gz.enc");
    expect((await readArchive(plain)).files).toBeGreaterThan(1);
    expect((await readArchive(encrypted, { passphrase: "the passphrase" })).encrypted).toBe(true);
  });

  async function flipped(file: string, at: number): Promise<string> {
    const b = Buffer.from(await readFile(file));
    b[Math.floor(b.length * at)]! ^= 0x20;
    const out = `${file}.flipped-${at}`;
    await writeFile(out, b);
    return out;
  }

  async function cut(file: string): Promise<string> {
    const b = await readFile(file);
    const out = `${file}.cut`;
    await writeFile(out, b.subarray(0, Math.floor(b.length * 0.6)));
    return out;
  }

  it.each([0.3, 0.5, 0.8, 0.999])("a flipped byte at %s of a gzip backup: corrupt", async (at) => {
    const r = await refused(await flipped(plain, at));
    expect(r.message).toMatch(/corrupt/);
    expect(r.reason).toBe("corrupt");
  });

  it("a truncated gzip backup: truncated", async () => {
    const r = await refused(await cut(plain));
    expect(r.message).toMatch(/^truncated: the archive ends early/);
  });

  it.each([0.3, 0.6, 0.95])("a flipped byte at %s of an encrypted backup: corrupt at that chunk", async (at) => {
    const r = await refused(await flipped(encrypted, at), "the passphrase");
    expect(r.message).toMatch(/^corrupt at byte \d+ \(encrypted chunk \d+\): it fails authentication/);
  });

  it("a truncated encrypted backup: truncated", async () => {
    const r = await refused(await cut(encrypted), "the passphrase");
    expect(r.message).toMatch(/^truncated: the archive ends early \(it has \d+ of its \d+ bytes\)/);
  });

  it("a wrong passphrase: wrong passphrase", async () => {
    const r = await refused(encrypted, "not the passphrase");
    expect(r.message).toBe("wrong passphrase for this encrypted backup");
    expect(r.reason).toBe("passphrase");
  });

  it("the good backups restore (the refusals above were not a broken restore)", async () => {
    await writeFile(join(sys.paths.dataDir, "svc/state"), "a newer state");
    await sys.db.meta.update({ where: { key: "marker" }, data: { value: "newer" } });
    await restoreBackup(sys, encrypted, { passphrase: "the passphrase" });
    expect(await readFile(join(sys.paths.dataDir, "svc/state"), "utf8")).toBe("the old state");
    expect((await sys.db.meta.findUnique({ where: { key: "marker" } }))?.value).toBe("old");
    // the swapped-out copy is deleted in the background, after the restore has ended
    for (let i = 0; i < 100 && (await readdir(dirname(sys.paths.dataDir))).length > 1; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await readdir(dirname(sys.paths.dataDir))).toEqual(["maculaos"]);
  });
});
