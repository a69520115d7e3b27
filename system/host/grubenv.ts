// The GRUB environment block: exactly 1024 bytes, a fixed header, `name=value` lines, padded with '#'.
// This is the format `grub-editenv FILE list` reads and GRUB's `load_env`/`save_env` use.
import { readFile } from "node:fs/promises";
import { AppError } from "../errors";
import { writeFileAtomic } from "./atomic-write";

/** Size of a GRUB environment block in bytes. */
export const GRUBENV_SIZE = 1024;
const HEADER = "# GRUB Environment Block\n";

/** Parses a GRUB environment block; throws INTEGRITY_FAILED when it is not one. */
export function parseGrubEnv(buf: Buffer): Map<string, string> {
  if (buf.length !== GRUBENV_SIZE) throw new AppError("INTEGRITY_FAILED", `grubenv is ${buf.length} bytes, expected ${GRUBENV_SIZE}`);
  const text = buf.toString("latin1");
  if (!text.startsWith(HEADER)) throw new AppError("INTEGRITY_FAILED", "grubenv lacks the '# GRUB Environment Block' header");
  const body = text.slice(HEADER.length);
  const end = body.search(/#*$/);
  const vars = new Map<string, string>();
  for (const line of body.slice(0, end).split("\n")) {
    if (line === "" || line.startsWith("#")) continue; // comments, e.g. Debian's "# WARNING: Do not edit" line
    const eq = line.indexOf("=");
    if (eq <= 0) throw new AppError("INTEGRITY_FAILED", `grubenv has a malformed line: ${JSON.stringify(line.slice(0, 40))}`);
    vars.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return vars;
}

/** Serialises variables into a 1024-byte GRUB environment block; throws INVALID_INPUT when they do not fit. */
export function serializeGrubEnv(vars: Map<string, string>): Buffer {
  let body = HEADER;
  for (const [k, v] of vars) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || /[\n\\]/.test(v)) throw new AppError("INVALID_INPUT", `grubenv variable ${k} cannot be stored`);
    body += `${k}=${v}\n`;
  }
  if (body.length > GRUBENV_SIZE) throw new AppError("INVALID_INPUT", `grubenv variables need ${body.length} bytes, more than ${GRUBENV_SIZE}`);
  return Buffer.from(body.padEnd(GRUBENV_SIZE, "#"), "latin1");
}

/** Reads and parses the GRUB environment block at `path`. */
export async function readGrubEnv(path: string): Promise<Map<string, string>> {
  return parseGrubEnv(await readFile(path));
}

/** Writes the GRUB environment block at `path` atomically (temp, fsync, rename, fsync dir). */
export async function writeGrubEnv(path: string, vars: Map<string, string>): Promise<void> {
  await writeFileAtomic(path, serializeGrubEnv(vars));
}
