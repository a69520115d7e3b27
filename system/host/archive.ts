// Safe extraction of tar archives from users: image layers and release tarballs. Nothing lands outside the target:
// absolute paths, `..`, writes through symlinks, hard links from outside and device files are refused, and a release
// may not hold a symlink that points out. Image layers get OCI whiteouts applied.
import { createReadStream } from "node:fs";
import { chmod, chown, lchown, link, lstat, mkdir, open, readdir, rm, symlink } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { extract, type Header as Headers } from "tar-stream";
import { AppError } from "../errors";

/** What the archive is: an image layer (absolute symlinks are fine, they resolve inside the chroot) or a release. */
export type ArchiveKind = "layer" | "release";

/** How to extract. */
export interface ExtractOptions {
  kind: ArchiveKind;
  /** Called with the compressed bytes read so far. */
  onBytes?: (n: number) => void;
}

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";

const refuse = (archive: string, what: string) => new AppError("INTEGRITY_FAILED", `${archive}: refused: ${what}`);

/** Splits an entry name into safe components; refuses absolute paths and `..`. */
function components(archive: string, name: string): string[] {
  if (name.startsWith("/")) throw refuse(archive, `absolute path ${JSON.stringify(name)}`);
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw refuse(archive, `path with .. ${JSON.stringify(name)}`);
  return parts;
}

/** Reads an entry's data to its end (tar-stream moves on only then). */
async function drain(body: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of body); // eslint-disable-line @typescript-eslint/no-unused-vars
}

/** True when the first bytes of `file` are the gzip magic. */
async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, "r");
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** What a free space check needs to know of an archive file: its size, whether it is gzip, and gzip's ISIZE
 * trailer (the uncompressed size modulo 4 GiB). */
export async function archiveSizes(file: string): Promise<{ size: number; gzip: boolean; isize: number | null }> {
  const gzip = await isGzip(file);
  const fh = await open(file, "r");
  try {
    const { size } = await fh.stat();
    if (!gzip || size < 18) return { size, gzip, isize: null };
    const { buffer } = await fh.read(Buffer.alloc(4), 0, 4, size - 4);
    return { size, gzip, isize: buffer.readUInt32LE(0) };
  } finally {
    await fh.close();
  }
}

/** Extracts the tar (or tar.gz) `file` into the existing directory `target`; `label` names the archive in errors. */
export async function extractTar(file: string, target: string, opts: ExtractOptions, label = file): Promise<number> {
  const gz = await isGzip(file);
  return extractTarStream(createReadStream(file, { highWaterMark: 1 << 20 }), gz, target, opts, label);
}

/** Extracts a tar stream (gzipped when `gz`) into the existing directory `target`. */
export async function extractTarStream(source: Readable, gz: boolean, target: string, opts: ExtractOptions, label: string): Promise<number> {
  let read = 0;
  source.on("data", (c: Buffer) => opts.onBytes?.((read += c.length)));
  const tar = extract();
  const input = gz ? source.pipe(createGunzip({ chunkSize: 1 << 20 })) : source;
  for (const s of new Set([source, input])) s.on("error", (e: Error) => tar.destroy(e));
  input.pipe(tar);
  const x = new Extractor(target, opts.kind, label);
  let entries = 0;
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      source.destroy();
      tar.destroy();
      const full = (e as NodeJS.ErrnoException).code === "ENOSPC" || (e as NodeJS.ErrnoException).code === "EDQUOT";
      if (e instanceof AppError) reject(e);
      else if (full) reject(new AppError("NO_SPACE", `${label}: the disk is full`, { cause: e }));
      else reject(new AppError("INTEGRITY_FAILED", `${label}: not a readable tar archive: ${(e as Error).message}`, { cause: e }));
    };
    tar.on("entry", (header, body, next) => {
      x.entry(header, body).then(() => {
        entries++;
        next();
      }, fail);
    });
    tar.on("finish", () => failed || resolve());
    tar.on("error", fail);
  });
  return entries;
}

/** Writes entries one by one, never following a symlink on the way. */
class Extractor {
  /** Directories known to be real directories inside the target (relative paths). */
  private readonly dirs = new Set<string>([""]);
  /** Paths this layer wrote, which an opaque whiteout in the same layer keeps. */
  private readonly written = new Set<string>();

  constructor(
    private readonly target: string,
    private readonly kind: ArchiveKind,
    private readonly label: string,
  ) {}

  /** Makes sure every parent of `parts` is a real directory (created when missing); returns the relative path. */
  private async parents(parts: string[]): Promise<string> {
    let rel = "";
    for (const part of parts.slice(0, -1)) {
      rel = rel ? `${rel}/${part}` : part;
      if (this.dirs.has(rel)) continue;
      const st = await lstat(join(this.target, rel)).catch(() => null);
      if (!st) await mkdir(join(this.target, rel), 0o755);
      else if (st.isSymbolicLink()) throw refuse(this.label, `${parts.join("/")} would be written through the symlink ${rel}`);
      else if (!st.isDirectory()) throw refuse(this.label, `${parts.join("/")} is under ${rel}, which is not a directory`);
      this.dirs.add(rel);
    }
    return parts.join("/");
  }

  /** Removes whatever is at `rel` (without following it) and forgets directories under it. */
  private async clear(rel: string): Promise<void> {
    await rm(join(this.target, rel), { recursive: true, force: true });
    for (const d of this.dirs) if (d === rel || d.startsWith(`${rel}/`)) this.dirs.delete(d);
  }

  /** Extracts one entry whose data is `body`. */
  async entry(h: Headers, body: AsyncIterable<unknown>): Promise<void> {
    const parts = components(this.label, h.name);
    if (parts.length === 0) return drain(body); // the archive's "./" itself
    const base = parts.at(-1) ?? "";
    if (this.kind === "layer" && base.startsWith(WHITEOUT)) {
      await drain(body);
      return this.whiteout(parts, base);
    }
    const rel = await this.parents(parts);
    const path = join(this.target, rel);
    const mode = (h.mode ?? 0o644) & 0o7777;
    const existing = await lstat(path).catch(() => null);
    if (h.type === "directory") {
      await drain(body);
      if (existing && !existing.isDirectory()) await this.clear(rel);
      if (!existing || !existing.isDirectory()) await mkdir(path, mode);
      else await chmod(path, mode);
      this.dirs.add(rel);
    } else {
      if (existing) await this.clear(rel);
      if (h.type === "file" || h.type === "contiguous-file") await this.file(path, mode, body);
      else if (h.type === "symlink") {
        await drain(body);
        await symlink(this.linkTarget(rel, h.linkname ?? ""), path);
      } else if (h.type === "link") {
        await drain(body);
        await link(await this.hardlinkSource(rel, h.linkname ?? ""), path);
      } else {
        await drain(body);
        throw refuse(this.label, `${rel} is a ${h.type ?? "special file"}; device files, fifos and the like are not allowed`);
      }
    }
    if (this.kind === "layer") await (h.type === "symlink" ? lchown : chown)(path, h.uid ?? 0, h.gid ?? 0);
    this.written.add(rel);
  }

  private async file(path: string, mode: number, body: AsyncIterable<unknown>): Promise<void> {
    const fh = await open(path, "wx", mode);
    try {
      // gather tar-stream's small chunks into writes of up to 1 MiB
      let pending: Buffer[] = [];
      let bytes = 0;
      for await (const chunk of body) {
        pending.push(chunk as Buffer);
        bytes += (chunk as Buffer).length;
        if (bytes >= 1 << 20) {
          await fh.writev(pending);
          pending = [];
          bytes = 0;
        }
      }
      if (pending.length) await fh.writev(pending);
      await fh.chmod(mode);
    } finally {
      await fh.close();
    }
  }

  /** A symlink's target: in a release it must stay inside the release. */
  private linkTarget(rel: string, target: string): string {
    if (this.kind === "release") {
      if (target.startsWith("/")) throw refuse(this.label, `symlink ${rel} points to the absolute path ${target}`);
      const resolved = posix.normalize(posix.join(posix.dirname(rel), target));
      if (resolved === ".." || resolved.startsWith("../")) throw refuse(this.label, `symlink ${rel} points outside the archive (${target})`);
    }
    return target;
  }

  /** A hard link's source: a file already extracted inside the target, reached without symlinks. */
  private async hardlinkSource(rel: string, name: string): Promise<string> {
    const parts = components(this.label, name);
    const src = join(this.target, await this.parents(parts).catch(() => {
      throw refuse(this.label, `hard link ${rel} points outside the archive (${name})`);
    }));
    const st = await lstat(src).catch(() => null);
    if (!st || st.isDirectory()) throw refuse(this.label, `hard link ${rel} points to ${name}, which is not a file in the archive`);
    return src;
  }

  /** Applies an OCI whiteout: `.wh.NAME` deletes NAME, `.wh..wh..opq` empties the directory of lower layers' files. */
  private async whiteout(parts: string[], base: string): Promise<void> {
    const dirParts = parts.slice(0, -1);
    const dirRel = await this.parents([...dirParts, base]);
    const dir = dirname(join(this.target, dirRel));
    if (base === OPAQUE) {
      const prefix = dirParts.length ? `${dirParts.join("/")}/` : "";
      for (const name of await readdir(dir).catch(() => [])) if (!this.written.has(prefix + name)) await this.clear(prefix + name);
      return;
    }
    const name = base.slice(WHITEOUT.length);
    if (!name || name === "." || name === "..") throw refuse(this.label, `bad whiteout ${parts.join("/")}`);
    await this.clear([...dirParts, name].join("/"));
  }
}
