// A small POSIX tar (ustar + pax) writer and a strict reader. The reader hands out only regular files and
// directories with safe relative names; every other entry type (links, devices, FIFOs) is refused.
import { AppError } from "../errors";

/** Size of a tar block. */
export const BLOCK = 512;

/** One entry's header as the archive says it. */
export interface TarHeader {
  name: string;
  type: "file" | "dir";
  size: number;
  mode: number;
  mtime: number;
}

const TYPES: Record<string, string> = { "1": "a hard link", "2": "a symbolic link", "3": "a character device", "4": "a block device", "6": "a FIFO", "7": "a contiguous file", g: "a global pax header", L: "a GNU long name", K: "a GNU long link" };

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (`${len}${body}`.length !== len) len = `${len}${body}`.length;
  return `${len}${body}`;
}

function rawHeader(name: string, typeflag: string, size: number, mode: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name.slice(0, 100), 0, "utf8");
  h.write(octal(mode & 0o7777, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(Math.max(0, Math.floor(mtime)), 12), 136);
  h.write("        ", 148);
  h.write(typeflag, 156);
  h.write("ustar\0" + "00", 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + " ", 148);
  return h;
}

/** The header block(s) of one entry: a pax header first when the name or the size does not fit ustar. */
export function tarHeader(e: TarHeader): Buffer {
  const name = e.type === "dir" && !e.name.endsWith("/") ? `${e.name}/` : e.name;
  const records = (Buffer.byteLength(name) > 100 ? paxRecord("path", name) : "") + (e.size > 0o77777777777 ? paxRecord("size", String(e.size)) : "");
  const main = rawHeader(name, e.type === "dir" ? "5" : "0", e.size > 0o77777777777 ? 0 : e.size, e.mode, e.mtime);
  if (!records) return main;
  const body = Buffer.from(records);
  return Buffer.concat([rawHeader("PaxHeader", "x", body.length, 0o644, e.mtime), body, Buffer.alloc(padding(body.length)), main]);
}

/** Zero bytes that pad `size` bytes of data to a whole block. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** The two zero blocks that end an archive. */
export const TAR_END = Buffer.alloc(2 * BLOCK);

/** Why `name` is not a safe relative path inside the target, or undefined when it is. */
export function unsafeName(name: string): string | undefined {
  if (name.length === 0) return "an empty name";
  if (name.includes("\0")) return "a NUL byte in the name";
  if (name.includes("\\")) return "a backslash in the name";
  if (name.startsWith("/")) return "an absolute path";
  if (/^[A-Za-z]:/.test(name)) return "a drive letter";
  const parts = name.replace(/\/$/, "").split("/");
  if (parts.some((p) => p === "..")) return "a '..' component";
  if (parts.some((p) => p === "" || p === ".")) return "an empty or '.' component";
  if (Buffer.byteLength(name) > 4096) return "a name longer than 4096 bytes";
  return undefined;
}

function parseOctal(buf: Buffer, at: number, len: number, what: string, entry: string): number {
  const field = buf.subarray(at, at + len);
  if ((field[0] ?? 0) & 0x80) throw new AppError("INTEGRITY_FAILED", `corrupt at ${entry}: base-256 ${what} fields are not used by MaculaOS backups`);
  const text = field.toString("latin1").replace(/[\0 ]+$/, "").replace(/^[\0 ]+/, "");
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new AppError("INTEGRITY_FAILED", `corrupt at ${entry}: bad ${what} field in its tar header`);
  return parseInt(text, 8);
}

function cString(buf: Buffer, at: number, len: number): string {
  const field = buf.subarray(at, at + len);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? len : nul).toString("utf8");
}

function parsePax(body: Buffer, entry: string): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const len = Number(body.subarray(at, space).toString("latin1"));
    if (space < 0 || !Number.isInteger(len) || len <= 0 || at + len > body.length) throw new AppError("INTEGRITY_FAILED", `corrupt at ${entry}: malformed pax header`);
    const record = body.subarray(space + 1, at + len - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    at += len;
  }
  return out;
}

/** Reads exact byte counts from a stream of chunks. */
export class ByteReader {
  private bufs: Buffer[] = [];
  private len = 0;
  private ended = false;
  /** Bytes handed out so far. */
  offset = 0;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<void> {
    while (this.len < n && !this.ended) {
      const r = await this.source.next();
      if (r.done) this.ended = true;
      else if (r.value.length) {
        this.bufs.push(r.value);
        this.len += r.value.length;
      }
    }
  }

  private take(n: number): Buffer {
    const first = this.bufs[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.bufs.shift();
      else this.bufs[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.bufs, this.len);
      out = all.subarray(0, n);
      const rest = all.subarray(n);
      this.bufs = rest.length ? [rest] : [];
    }
    this.len -= n;
    this.offset += n;
    return out;
  }

  /** Exactly `n` bytes, or null at a clean end before any of them; `onShort` builds the error for a partial read. */
  async exactly(n: number, onShort: () => Error): Promise<Buffer | null> {
    await this.fill(n);
    if (this.len === 0 && this.ended) return null;
    if (this.len < n) throw onShort();
    return this.take(n);
  }

  /** `n` bytes as the chunks that arrive (no copying of large data). */
  async *chunks(n: number, onShort: () => Error): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.len === 0) await this.fill(1);
      if (this.len === 0) throw onShort();
      const piece = this.take(Math.min(left, this.bufs[0]!.length));
      left -= piece.length;
      yield piece;
    }
  }
}

/** Thrown for an archive that ends in the middle. */
export function truncated(where: string): AppError {
  return new AppError("INTEGRITY_FAILED", `truncated: the archive ends early (in ${where})`, { details: { reason: "truncated" } });
}

/** Reads entries one by one: `next()` gives a header, then the caller must drain `data()` before the next header. */
export class TarReader {
  private pending = 0;
  private entry = "the start of the archive";

  constructor(private readonly bytes: ByteReader) {}

  /** The next entry's header, or null at the end of the archive; refuses unsafe names and any type but file and dir. */
  async next(): Promise<TarHeader | null> {
    if (this.pending) throw new AppError("INTERNAL", "tar reader: data of the previous entry was not read");
    let pax = new Map<string, string>();
    for (;;) {
      const h = await this.bytes.exactly(BLOCK, () => truncated(`the header after ${this.entry}`));
      if (!h) throw truncated(`the end marker after ${this.entry}`);
      if (h.every((b) => b === 0)) return null;
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
      if (parseOctal(h, 148, 8, "checksum", `the header after ${this.entry}`) !== sum) throw new AppError("INTEGRITY_FAILED", `corrupt at the header after ${this.entry}: checksum mismatch`);
      const prefix = h.toString("latin1", 257, 263) === "ustar\0" ? cString(h, 345, 155) : "";
      const rawName = pax.get("path") ?? (prefix ? `${prefix}/${cString(h, 0, 100)}` : cString(h, 0, 100));
      const typeflag = String.fromCharCode(h[156] || 0x30);
      const size = pax.has("size") ? Number(pax.get("size")) : parseOctal(h, 124, 12, "size", rawName);
      if (!Number.isSafeInteger(size) || size < 0) throw new AppError("INTEGRITY_FAILED", `corrupt at ${rawName}: bad size`);
      if (typeflag === "x") {
        if (size > 64 * 1024) throw new AppError("INTEGRITY_FAILED", `refused: a pax header of ${size} bytes before ${this.entry}`);
        const body = await this.bytes.exactly(size + padding(size), () => truncated(`a pax header after ${this.entry}`));
        pax = parsePax(body!.subarray(0, size), rawName);
        continue;
      }
      const kind = TYPES[typeflag];
      if (kind) throw new AppError("INTEGRITY_FAILED", `refused: ${rawName} is ${kind}; a MaculaOS backup holds only files and directories`, { details: { reason: "unsafe" } });
      if (typeflag !== "0" && typeflag !== "5") throw new AppError("INTEGRITY_FAILED", `refused: ${rawName} has the unknown tar type '${typeflag}'`, { details: { reason: "unsafe" } });
      const why = unsafeName(rawName);
      if (why) throw new AppError("INTEGRITY_FAILED", `refused: the entry ${JSON.stringify(rawName)} has ${why}`, { details: { reason: "unsafe" } });
      const type = typeflag === "5" ? "dir" : "file";
      if (type === "dir" && size !== 0) throw new AppError("INTEGRITY_FAILED", `corrupt at ${rawName}: a directory with data`);
      this.entry = rawName;
      this.pending = size;
      return { name: rawName.replace(/\/$/, ""), type, size, mode: parseOctal(h, 100, 8, "mode", rawName), mtime: parseOctal(h, 136, 12, "mtime", rawName) };
    }
  }

  /** The current entry's data as it arrives; the block padding is skipped after it. */
  async *data(): AsyncGenerator<Buffer> {
    const size = this.pending;
    const name = this.entry;
    yield* this.bytes.chunks(size, () => truncated(name));
    this.pending = 0;
    const pad = padding(size);
    if (pad) await this.bytes.exactly(pad, () => truncated(name));
  }

  /** The current entry's data in one buffer (for small metadata entries, at most `limit` bytes). */
  async readAll(limit: number): Promise<Buffer> {
    if (this.pending > limit) throw new AppError("INTEGRITY_FAILED", `refused: ${this.entry} is ${this.pending} bytes, more than the ${limit} allowed`);
    const parts: Buffer[] = [];
    for await (const c of this.data()) parts.push(c);
    return Buffer.concat(parts);
  }
}
