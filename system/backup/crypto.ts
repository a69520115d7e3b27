// Encrypted backups: a passphrase through scrypt (memory-hard) and AES-256-GCM in 64 KiB chunks, each authenticated,
// numbered (the nonce) and the last one flagged, so reordering, truncation and flipped bits are all detected.
//
// Layout: "MOSBKENC" | u64 file length (patched after writing, not trusted, only tells truncation apart) |
//         u32 header length | header JSON | chunks: AES-256-GCM(64 KiB plaintext) || 16-byte tag, the last one shorter.
// Nonce = 8 random bytes || u32 chunk number; AAD = header JSON || (1 for the last chunk, else 0).
// Key check: the header holds HMAC-SHA256(check key, "maculaos-backup key check")[0..16], so a wrong passphrase
// is told apart from a damaged file before any chunk is decrypted.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { AppError } from "../errors";
import { truncated } from "./tar";

/** The first bytes of an encrypted backup. */
export const ENC_MAGIC = Buffer.from("MOSBKENC");
const CHUNK = 64 * 1024;
const TAG = 16;
const PREFIX = ENC_MAGIC.length + 8 + 4;
const KDF = { name: "scrypt", N: 1 << 16, r: 8, p: 1 } as const;

interface EncHeader {
  v: 1;
  kdf: { name: "scrypt"; N: number; r: number; p: number; salt: string };
  cipher: "aes-256-gcm";
  chunk: number;
  nonce: string;
  check: string;
}

async function deriveKeys(passphrase: string, kdf: EncHeader["kdf"]): Promise<{ key: Buffer; check: Buffer }> {
  if (kdf.name !== "scrypt" || kdf.N > 1 << 20 || kdf.r > 32 || kdf.p > 16) throw new AppError("INTEGRITY_FAILED", "not a MaculaOS backup: unsupported key derivation parameters");
  const out = await new Promise<Buffer>((resolve, reject) =>
    scrypt(passphrase.normalize("NFC"), Buffer.from(kdf.salt, "base64"), 64, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r + 1024 * 1024 }, (e, k) => (e ? reject(e) : resolve(k))),
  );
  const check = createHmac("sha256", out.subarray(32)).update("maculaos-backup key check").digest().subarray(0, 16);
  return { key: out.subarray(0, 32), check };
}

function nonceOf(prefix: Buffer, n: number): Buffer {
  const nonce = Buffer.alloc(12);
  prefix.copy(nonce, 0, 0, 8);
  nonce.writeUInt32BE(n, 8);
  return nonce;
}

function aad(header: Buffer, last: boolean): Buffer {
  return Buffer.concat([header, Buffer.from([last ? 1 : 0])]);
}

/** Encrypts a byte stream with `passphrase`; yields the file's bytes (its length field is patched by the writer). */
export async function* encrypt(source: AsyncIterable<Buffer>, passphrase: string): AsyncGenerator<Buffer> {
  const kdf = { ...KDF, salt: randomBytes(16).toString("base64") };
  const { key, check } = await deriveKeys(passphrase, kdf);
  const prefix = randomBytes(8);
  const header: EncHeader = { v: 1, kdf, cipher: "aes-256-gcm", chunk: CHUNK, nonce: prefix.toString("base64"), check: check.toString("base64") };
  const hbuf = Buffer.from(JSON.stringify(header));
  const lead = Buffer.alloc(PREFIX);
  ENC_MAGIC.copy(lead);
  lead.writeUInt32BE(hbuf.length, ENC_MAGIC.length + 8);
  yield Buffer.concat([lead, hbuf]);
  let n = 0;
  const seal = (plain: Buffer, last: boolean) => {
    const c = createCipheriv("aes-256-gcm", key, nonceOf(prefix, n++));
    c.setAAD(aad(hbuf, last));
    const body = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
    return body;
  };
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    const out: Buffer[] = [];
    let at = 0;
    while (pending.length - at > CHUNK) {
      out.push(seal(pending.subarray(at, at + CHUNK), false));
      at += CHUNK;
    }
    pending = pending.subarray(at);
    if (out.length) yield Buffer.concat(out);
  }
  yield seal(pending, true);
}

/** Writes the file length into an encrypted backup's header (call after the whole file is written). */
export function lengthField(total: number): { offset: number; bytes: Buffer } {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(total));
  return { offset: ENC_MAGIC.length, bytes };
}

/** Decrypts an encrypted backup's bytes; distinct errors for a wrong passphrase, a damaged chunk and a cut-off file. */
export async function* decrypt(source: AsyncIterable<Buffer>, passphrase: string | undefined, fileSize: number): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let buf: Buffer = Buffer.alloc(0);
  let ended = false;
  const need = async (n: number) => {
    while (buf.length < n && !ended) {
      const r = await it.next();
      if (r.done) ended = true;
      else buf = buf.length ? Buffer.concat([buf, r.value]) : r.value;
    }
    return buf.length >= n;
  };
  if (!(await need(PREFIX))) throw truncated("the encryption header");
  const recorded = Number(buf.readBigUInt64BE(ENC_MAGIC.length));
  if (recorded > 0 && fileSize < recorded) throw new AppError("INTEGRITY_FAILED", `truncated: the archive ends early (it has ${fileSize} of its ${recorded} bytes)`, { details: { reason: "truncated" } });
  const hlen = buf.readUInt32BE(ENC_MAGIC.length + 8);
  if (hlen > 4096) throw new AppError("INTEGRITY_FAILED", "not a MaculaOS backup: the encryption header is too large");
  if (!(await need(PREFIX + hlen))) throw truncated("the encryption header");
  const hbuf = buf.subarray(PREFIX, PREFIX + hlen);
  let header: EncHeader;
  try {
    header = JSON.parse(hbuf.toString("utf8")) as EncHeader;
  } catch {
    throw new AppError("INTEGRITY_FAILED", "corrupt at the encryption header: it is not valid JSON");
  }
  if (header.v !== 1 || header.cipher !== "aes-256-gcm" || header.chunk !== CHUNK) throw new AppError("INTEGRITY_FAILED", "not a MaculaOS backup: unknown encryption format");
  if (!passphrase) throw new AppError("INVALID_INPUT", "this backup is encrypted: give its passphrase", { details: { reason: "passphrase" } });
  const { key, check } = await deriveKeys(passphrase, header.kdf);
  const want = Buffer.from(header.check, "base64");
  if (want.length !== check.length || !timingSafeEqual(want, check)) throw new AppError("INVALID_INPUT", "wrong passphrase for this encrypted backup", { details: { reason: "passphrase" } });
  const prefix = Buffer.from(header.nonce, "base64");
  buf = buf.subarray(PREFIX + hlen);
  let n = 0;
  let offset = PREFIX + hlen;
  const open = (body: Buffer, last: boolean): Buffer => {
    const d = createDecipheriv("aes-256-gcm", key, nonceOf(prefix, n));
    d.setAAD(aad(hbuf, last));
    d.setAuthTag(body.subarray(body.length - TAG));
    try {
      return Buffer.concat([d.update(body.subarray(0, body.length - TAG)), d.final()]);
    } catch {
      throw new AppError("INTEGRITY_FAILED", `corrupt at byte ${offset} (encrypted chunk ${n}): it fails authentication`, { details: { reason: "corrupt" } });
    }
  };
  const full = CHUNK + TAG;
  for (;;) {
    await need(full + 1);
    if (buf.length > full) {
      yield open(buf.subarray(0, full), false);
      buf = buf.subarray(full);
      offset += full;
      n++;
      continue;
    }
    if (buf.length < TAG) throw truncated(`encrypted chunk ${n}`);
    yield open(buf, true);
    return;
  }
}
