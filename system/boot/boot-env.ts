// The boot state on disk: the GRUB environment block GRUB reads and writes (boot/grub/grubenv) and a second copy
// (grubenv.bak) that only userspace writes. Userspace writes both, each atomically (temp, fsync, rename, fsync dir),
// with a checksum of the state in MACULAOS_SUM. GRUB's own save_env changes only <slot>_TRY and <slot>_OK in place
// and cannot update the sum, so a primary whose sum is stale is accepted when it is exactly the bootloader's progress
// from the second copy; anything else (a torn or corrupt block) falls back to the second copy.
import { createHash } from "node:crypto";
import { AppError, isAppError } from "../errors";
import { readGrubEnv, writeGrubEnv } from "../host/grubenv";
import { exists } from "../host/files";
import type { DevicePaths } from "../host/paths";
import { bootloaderProgressed, fromVars, toVars, type BootState } from "./boot-state";

const SUM = "MACULAOS_SUM";

function sum(state: BootState): string {
  const canonical = [...toVars(state)].map(([k, v]) => `${k}=${v}`).join("\n");
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

/** The second copy's path beside the primary. */
export function backupPath(paths: DevicePaths): string {
  return `${paths.grubenv}.bak`;
}

/** One copy read back: its state and whether its checksum matches, or the reason it is unusable. */
type Copy = { state: BootState; sumOk: boolean } | { error: string };

async function readCopy(file: string): Promise<Copy> {
  try {
    if (!(await exists(file))) return { error: `${file} is missing` };
    const vars = await readGrubEnv(file);
    const state = fromVars(vars);
    return { state, sumOk: vars.get(SUM) === sum(state) };
  } catch (e) {
    if (isAppError(e, "INTEGRITY_FAILED")) return { error: `${file}: ${e.message}` };
    throw e;
  }
}

/** Which copy a read used, and the state. */
export interface ReadResult {
  state: BootState;
  source: "primary" | "backup";
}

/** Reads the boot state, preferring the primary; INTEGRITY_FAILED only when neither copy can be trusted. */
export async function readBootState(paths: DevicePaths): Promise<ReadResult> {
  const primary = await readCopy(paths.grubenv);
  const backup = await readCopy(backupPath(paths));
  if ("state" in primary && primary.sumOk) return { state: primary.state, source: "primary" };
  if ("state" in backup && backup.sumOk) {
    if ("state" in primary && bootloaderProgressed(backup.state, primary.state)) return { state: primary.state, source: "primary" };
    return { state: backup.state, source: "backup" };
  }
  const why = ["error" in primary ? primary.error : "primary checksum mismatch", "error" in backup ? backup.error : "backup checksum mismatch"];
  throw new AppError("INTEGRITY_FAILED", `no trustworthy boot env: ${why.join("; ")}`);
}

/** The boot state, or null with the reason when neither copy can be trusted: for views that show the rest of the
 * node's facts anyway (other errors still throw). */
export async function readBootStateOrProblem(paths: DevicePaths): Promise<{ state: BootState; problem: null } | { state: null; problem: string }> {
  try {
    return { state: (await readBootState(paths)).state, problem: null };
  } catch (e) {
    if (!isAppError(e, "INTEGRITY_FAILED")) throw e;
    return { state: null, problem: e.message };
  }
}

/** Writes the boot state to both copies, the backup first, each atomically and with its checksum. */
export async function writeBootState(paths: DevicePaths, state: BootState): Promise<void> {
  const vars = toVars(state);
  vars.set(SUM, sum(state));
  await writeGrubEnv(backupPath(paths), vars);
  await writeGrubEnv(paths.grubenv, vars);
}

/** What GRUB's save_env does on a trial or recovery boot: the primary's variables with the new tries and MODE
 * cleared (GRUB writes it empty), the sum untouched. */
export function bootloaderSave(primary: Map<string, string>, next: BootState): Map<string, string> {
  const vars = new Map(primary);
  for (const [k, v] of toVars(next)) vars.set(k, v);
  if (vars.has("MODE") && !next.recoveryNext) vars.set("MODE", "");
  return vars;
}
