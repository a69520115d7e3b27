// The backup archive: a tar stream (header entry, data/ entries, manifest last), gzip or zstd compressed, optionally
// encrypted (crypto.ts). Writing goes to a temp file renamed into place; reading is one strict pass that checks
// every entry against the header's declared totals and the manifest's sha256s, and hands files to a sink.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable, type Duplex } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { z } from "zod";
import { AppError, isAppError } from "../errors";
import { zstdStream } from "../host/zstd";
import { decrypt, encrypt, ENC_MAGIC, lengthField } from "./crypto";
import { ByteReader, TarReader, truncated } from "./tar";

/** The format tag in every backup's header entry. */
export const FORMAT = "maculaos-backup/1";
/** Name of the first entry. */
export const HEADER_ENTRY = "maculaos-backup.json";
/** Name of the last entry. */
export const MANIFEST_ENTRY = "manifest.json";
/** Prefix of the data entries (paths relative to /var/lib/maculaos). */
export const DATA_PREFIX = "data/";

/** The first entry: what the backup is, from where, and how much it holds (checked while reading). */
export const backupHeader = z.object({
  format: z.literal(FORMAT),
  version: z.string(),
  hostname: z.string(),
  createdAt: z.string(),
  parts: z.array(z.string()),
  files: z.number().int().min(0),
  bytes: z.number().int().min(0),
});
/** The header entry. */
export type BackupHeader = z.infer<typeof backupHeader>;

/** The last entry: the sha256 and size of every file, with the version and hostname again. */
export const backupManifest = z.object({
  format: z.literal(FORMAT),
  version: z.string(),
  hostname: z.string(),
  files: z.record(z.string(), z.object({ size: z.number(), sha256: z.string() })),
  skipped: z.array(z.string()).default([]),
});
/** The manifest entry. */
export type BackupManifest = z.infer<typeof backupManifest>;

/** How a backup file is packed, from its name: zstd for .zst/.tzst, else gzip; encryption is a separate choice. */
export function compressionFor(file: string): "gzip" | "zstd" {
  return /\.(tar\.zst|tzst|zst)(\.enc)?$/i.test(file) ? "zstd" : "gzip";
}

/** Writes `tar` (a tar byte stream) to `file` compressed and optionally encrypted, via a temp file and a rename. */
export async function writeArchive(file: string, tar: AsyncIterable<Buffer>, o: { compression: "gzip" | "zstd"; passphrase?: string | undefined; level?: number }): Promise<number> {
  const temp = join(dirname(file), `.${basename(file)}.partial-${process.pid}`);
  const compressor: Duplex = o.compression === "zstd" ? zstdStream("compress") : createGzip({ level: o.level ?? 6, chunkSize: 256 * 1024 });
  const passphrase = o.passphrase;
  try {
    const sink = createWriteStream(temp, { flags: "wx", mode: 0o600 });
    if (passphrase) await pipeline(Readable.from(tar), compressor, (s: AsyncIterable<Buffer>) => encrypt(s, passphrase), sink);
    else await pipeline(Readable.from(tar), compressor, sink);
    const size = (await stat(temp)).size;
    const fh = await open(temp, "r+");
    try {
      if (passphrase) {
        const f = lengthField(size);
        await fh.write(f.bytes, 0, f.bytes.length, f.offset);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, file);
    return size;
  } catch (cause) {
    await rm(temp, { force: true });
    if (isAppError(cause)) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOSPC") throw new AppError("NO_SPACE", `not enough space to write ${file}`, { cause });
    throw new AppError("IO_FAILED", `cannot write ${file}: ${(cause as Error).message}`, { cause });
  }
}

async function headBytes(file: string): Promise<Buffer> {
  const fh = await open(file, "r");
  try {
    const b = Buffer.alloc(8);
    const { bytesRead } = await fh.read(b, 0, 8, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

const GZIP = Buffer.from([0x1f, 0x8b]);
const ZSTD = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** How a file on disk looks from its first bytes. */
export async function sniff(file: string): Promise<"encrypted" | "gzip" | "zstd" | "unknown"> {
  const b = await headBytes(file);
  if (b.subarray(0, ENC_MAGIC.length).equals(ENC_MAGIC)) return "encrypted";
  if (b.subarray(0, 2).equals(GZIP)) return "gzip";
  if (b.subarray(0, 4).equals(ZSTD)) return "zstd";
  return "unknown";
}

const notOurs = (why: string) => new AppError("INTEGRITY_FAILED", `not a MaculaOS backup: ${why}`, { details: { reason: "not-a-backup" } });

/** The decompressed bytes of a gzip or zstd stream (recognised by its magic). */
async function* decompressed(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  const head: Buffer = first.done ? Buffer.alloc(0) : first.value;
  const kind = head.subarray(0, 2).equals(GZIP) ? "gzip" : head.subarray(0, 4).equals(ZSTD) ? "zstd" : null;
  if (!kind) throw notOurs("the content is neither gzip nor zstd");
  const rest = (async function* () {
    yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  })();
  const d: Duplex = kind === "gzip" ? createGunzip({ chunkSize: 1024 * 1024 }) : zstdStream("decompress");
  const done = pipeline(Readable.from(rest), d);
  done.catch(() => undefined); // the error reaches the reader through `d`
  yield* chunksOf(d, INFLATE_AHEAD);
  await done;
}

/** How far decompression may run ahead of the reader (hashing and writing), in bytes. */
const INFLATE_AHEAD = 4 * 1024 * 1024;

/** The chunks `stream` emits, handed on as they are: a stream's own async iterator concatenates whatever is buffered
 * into a new buffer at each read (a copy of every byte, and as much garbage). The stream may run `ahead` bytes in front
 * of the reader; ending early destroys it. */
async function* chunksOf(stream: Readable | Duplex, ahead: number): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let failed: unknown = null;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  stream.on("data", (c: Buffer) => {
    queue.push(c);
    queued += c.length;
    if (queued >= ahead) stream.pause();
    poke();
  });
  stream.once("end", () => {
    ended = true;
    poke();
  });
  stream.once("error", (e: unknown) => {
    failed = e;
    poke();
  });
  try {
    for (;;) {
      const c = queue.shift();
      if (c) {
        queued -= c.length;
        if (queued < ahead) stream.resume();
        yield c;
      } else if (failed) throw failed;
      else if (ended) return;
      else await new Promise<void>((r) => (wake = r));
    }
  } finally {
    if (!ended) stream.destroy();
  }
}

/** Turns a stream error into the archive error the user sees, naming the entry being read. */
function describeStreamError(e: unknown, where: string): AppError {
  if (isAppError(e)) return e;
  const err = e as NodeJS.ErrnoException & { errno?: number };
  if (err.code === "Z_BUF_ERROR" || /unexpected end of file/i.test(err.message)) return truncated(where);
  if (typeof err.code === "string" && err.code.startsWith("Z_")) return new AppError("INTEGRITY_FAILED", `corrupt at ${where}: the compressed data is damaged (${err.message})`, { details: { reason: "corrupt" } });
  return new AppError("IO_FAILED", `cannot read the backup at ${where}: ${err.message}`, { cause: e });
}

/** What a reader does with each data entry (`name` relative to the data directory); absent: only verify. */
export interface ArchiveSink {
  dir(name: string, mode: number): Promise<void>;
  file(name: string, mode: number, mtime: number, data: AsyncIterable<Buffer>): Promise<void>;
}

/** What one verified pass over a backup found. */
export interface ArchiveSummary {
  header: BackupHeader;
  manifest: BackupManifest;
  encrypted: boolean;
  files: number;
  bytes: number;
}

/** Options of readArchive. */
export interface ReadOptions {
  passphrase?: string | undefined;
  /** Called with the header before any data entry: check free space here (throw NO_SPACE). */
  onHeader?: (h: BackupHeader) => Promise<void> | void;
  sink?: ArchiveSink;
  progress?: (doneBytes: number, totalBytes: number) => void;
}

const TRAILER_LIMIT = 64 * 1024;

/** Reads a whole backup in one strict pass: refuses anything unsafe, anything beyond the declared totals, and any file
 * whose sha256 differs from the manifest. Only after it resolves is the sink's output complete and trustworthy. */
export async function readArchive(file: string, o: ReadOptions = {}): Promise<ArchiveSummary> {
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw notOurs(`${file} is not a regular file`);
    size = s.size;
  } catch (cause) {
    if (isAppError(cause)) throw cause;
    throw new AppError("NOT_FOUND", `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (cause as Error).message}`, { cause });
  }
  const kind = await sniff(file);
  if (kind === "unknown") throw notOurs(`${file} is not gzip, zstd or a MaculaOS encrypted backup`);
  const raw = createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>;
  const plain = kind === "encrypted" ? decrypt(raw, o.passphrase, size) : raw;
  const tarBytes = decompressed(plain);
  const bytes = new ByteReader(tarBytes[Symbol.asyncIterator]());
  const tar = new TarReader(bytes);
  let where = "the start of the archive";
  try {
    const first = await tar.next();
    if (!first || first.name !== HEADER_ENTRY || first.type !== "file") throw notOurs(`it does not start with ${HEADER_ENTRY}`);
    const headerText = await tar.readAll(1024 * 1024);
    let header: BackupHeader;
    try {
      header = backupHeader.parse(JSON.parse(headerText.toString("utf8")));
    } catch {
      throw notOurs(`its ${HEADER_ENTRY} is not a ${FORMAT} header`);
    }
    await o.onHeader?.(header);
    const seen = new Map<string, { size: number; sha256: string }>();
    const names = new Set<string>();
    let total = 0;
    let manifest: BackupManifest | undefined;
    for (let e = await tar.next(); e; e = await tar.next()) {
      where = e.name;
      if (manifest) throw new AppError("INTEGRITY_FAILED", `refused: ${e.name} comes after the manifest`, { details: { reason: "unsafe" } });
      if (e.name === MANIFEST_ENTRY && e.type === "file") {
        try {
          manifest = backupManifest.parse(JSON.parse((await tar.readAll(64 * 1024 * 1024)).toString("utf8")));
        } catch (cause) {
          if (isAppError(cause)) throw cause;
          throw new AppError("INTEGRITY_FAILED", `corrupt at ${MANIFEST_ENTRY}: it is not a valid manifest`, { details: { reason: "corrupt" } });
        }
        continue;
      }
      if (e.name === "data" && e.type === "dir") continue; // tar tools write the top directory itself
      if (!e.name.startsWith(DATA_PREFIX)) throw new AppError("INTEGRITY_FAILED", `refused: ${e.name} is outside data/`, { details: { reason: "unsafe" } });
      const name = e.name.slice(DATA_PREFIX.length);
      if (names.has(name)) throw new AppError("INTEGRITY_FAILED", `refused: ${e.name} appears twice in the archive`, { details: { reason: "unsafe" } });
      names.add(name);
      if (e.type === "dir") {
        await o.sink?.dir(name, e.mode);
        continue;
      }
      if (seen.size + 1 > header.files || total + e.size > header.bytes) {
        throw new AppError("INTEGRITY_FAILED", `refused: ${e.name} takes the archive past the ${header.files} files and ${header.bytes} bytes its header declares (a decompression bomb?)`, { details: { reason: "unsafe" } });
      }
      total += e.size;
      const hash = createHash("sha256");
      let got = 0;
      const data = tar.data();
      const hashed = (async function* () {
        for await (const c of data) {
          hash.update(c);
          got += c.length;
          yield c;
        }
      })();
      if (o.sink) await o.sink.file(name, e.mode, e.mtime, hashed);
      else for await (const _ of hashed);
      if (got !== e.size) throw new AppError("INTERNAL", `archive reader: ${e.name} gave ${got} of ${e.size} bytes`);
      seen.set(name, { size: e.size, sha256: hash.digest("hex") });
      o.progress?.(total, header.bytes);
    }
    where = "the end of the archive";
    let trailing = 0;
    for (let c = await bytes.exactly(1, () => truncated(where)); c; c = await bytes.exactly(1, () => truncated(where))) {
      if (++trailing > TRAILER_LIMIT) throw new AppError("INTEGRITY_FAILED", "refused: data after the end of the archive", { details: { reason: "unsafe" } });
      if (c[0] !== 0) throw new AppError("INTEGRITY_FAILED", "corrupt: non-zero data after the end of the archive", { details: { reason: "corrupt" } });
    }
    if (!manifest) throw new AppError("INTEGRITY_FAILED", `corrupt: the archive has no ${MANIFEST_ENTRY}`, { details: { reason: "corrupt" } });
    for (const [name, got] of seen) {
      const want = manifest.files[name];
      if (!want) throw new AppError("INTEGRITY_FAILED", `corrupt at ${DATA_PREFIX}${name}: the file is not in the manifest`, { details: { reason: "corrupt" } });
      if (want.size !== got.size || want.sha256 !== got.sha256) throw new AppError("INTEGRITY_FAILED", `corrupt at ${DATA_PREFIX}${name}: its sha256 differs from the manifest`, { details: { reason: "corrupt", file: name } });
    }
    const missing = Object.keys(manifest.files).find((n) => !seen.has(n));
    if (missing !== undefined) throw new AppError("INTEGRITY_FAILED", `corrupt: ${DATA_PREFIX}${missing} is in the manifest but not in the archive`, { details: { reason: "corrupt" } });
    return { header, manifest, encrypted: kind === "encrypted", files: seen.size, bytes: total };
  } catch (e) {
    throw describeStreamError(e, where);
  } finally {
    await tarBytes.return(undefined).catch(() => undefined);
  }
}

/** Just the header entry of an unencrypted backup (for listings; encrypted ones need the passphrase). */
export async function peekHeader(file: string): Promise<BackupHeader | null> {
  if ((await sniff(file)) === "encrypted") return null;
  const tarBytes = decompressed(createReadStream(file, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>);
  try {
    const tar = new TarReader(new ByteReader(tarBytes[Symbol.asyncIterator]()));
    const first = await tar.next();
    if (!first || first.name !== HEADER_ENTRY) return null;
    return backupHeader.parse(JSON.parse((await tar.readAll(1024 * 1024)).toString("utf8")));
  } catch {
    return null;
  } finally {
    await tarBytes.return(undefined).catch(() => undefined);
  }
}

