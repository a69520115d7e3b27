// Installing an update into the inactive slot, and applying it. The slot is marked unbootable before its first byte is
// written; the image streams in with constant memory while it is hashed; an interrupted download resumes with an HTTP
// Range request (a 200 reply, a wrong Content-Range or a changed size restart it cleanly); the slot is read back and
// hashed again before the update is staged; only a staged update can be applied.
import { createHash, type Hash } from "node:crypto";
import { join } from "node:path";
import { readBootState, writeBootState } from "../boot/boot-env";
import { otherSlot, TRIES } from "../boot/boot-state";
import { dropMeta, putMeta, readMeta } from "../db/meta";
import { AppError } from "../errors";
import { writeFileAtomic } from "../host/atomic-write";
import { bootedSlot, setDevSlotVersion, systemVersion } from "../host/device";
import { ensureDir, readTextIfExists } from "../host/files";
import { hashSlotPrefix, openSlotForWrite, slotCapacity, slotShortfall } from "../host/slot-io";
import type { Slot } from "../host/paths";
import type { JobControl, JobView } from "../jobs/jobs";
import type { System } from "../system";
import { checkForUpdate, type UpdateCheck } from "./check";
import { openImage } from "./source";

/** An update written to a slot and verified, waiting for `--apply`. */
export interface Staged {
  version: string;
  slot: Slot;
  sha256: string;
  size: number;
}

/** Meta keys: the staged update; the applied update being tried; what each slot holds. */
export const STAGED = "update.staged";
/** Meta key of the update on trial: which slot, its version and the version it replaces (for the rollback event). */
export const TRIAL = "update.trial";
/** Meta key of the version each slot holds, as far as the appliance wrote it (null: empty or half written). */
export const SLOT_VERSIONS = "update.slots";

/** What `--apply` set going: the slot on trial, its version, and the version it replaces. */
export interface TrialRecord {
  slot: Slot;
  version: string;
  from: string;
}

/** Takes the record of the update on trial, if any (it is read once, when the trial ends). */
export async function takeTrialRecord(sys: System): Promise<TrialRecord | null> {
  const trial = await readMeta<TrialRecord>(sys.db, TRIAL);
  if (trial) await dropMeta(sys.db, TRIAL);
  return trial;
}

/** Records the version `slot` holds (null while it is being overwritten). */
async function setSlotVersion(sys: System, slot: Slot, version: string | null): Promise<void> {
  const known = (await readMeta<Partial<Record<Slot, string | null>>>(sys.db, SLOT_VERSIONS)) ?? {};
  await putMeta(sys.db, SLOT_VERSIONS, { ...known, [slot]: version });
  if (sys.kind === "development") await setDevSlotVersion(sys.paths, slot, version);
}

/** Size of the writes into the slot. */
const WRITE_BYTES = 1024 * 1024;
/** How often a download records how far it got (after flushing the slot): 64 times per image, at least every MiB. */
const checkpointBytes = (size: number) => Math.max(WRITE_BYTES, Math.floor(size / 64));

const progressFile = (sys: System) => join(sys.paths.dataDir, "update/download.json");

/** Where an interrupted download of this very image stopped, or 0. */
async function resumeOffset(sys: System, want: UpdateCheck, slot: Slot): Promise<number> {
  const text = await readTextIfExists(progressFile(sys));
  if (!text) return 0;
  try {
    const p = JSON.parse(text) as { sha256: string; size: number; slot: Slot; offset: number };
    return p.sha256 === want.sha256 && p.size === want.size && p.slot === slot && p.offset > 0 && p.offset <= want.size ? p.offset : 0;
  } catch {
    return 0;
  }
}

/** `buffers` without their first `n` bytes. */
function skipBytes(buffers: Uint8Array[], n: number): Uint8Array[] {
  let i = 0;
  while (i < buffers.length && n >= buffers[i]!.length) n -= buffers[i++]!.length;
  return i < buffers.length ? [buffers[i]!.subarray(n), ...buffers.slice(i + 1)] : [];
}

/** What fetchInto reports: progress after each write, and a durable checkpoint every `every` bytes. */
interface Progress {
  every: number;
  written(done: number): void;
  /** Runs after the first `done` bytes are flushed to the disk: they may be counted on a resume. */
  durable(done: number): Promise<void>;
}

/** Streams the image into the slot from `offset`; returns the final hash, or null when the source forced a restart.
 * Receiving, writing and flushing overlap: one block is written while the next arrives, and a checkpoint's flush runs
 * beside the writes (memory stays at two blocks). */
async function fetchInto(url: URL, file: string, offset: number, size: number, hash: Hash, report: Progress): Promise<string | null> {
  const body = await openImage(url, offset, size);
  if (body === "restart") return null; // the server ignored or mangled the Range: start over from byte 0
  const fh = await openSlotForWrite(file);
  let position = offset;
  let lastCheckpoint = offset;
  let writing = Promise.resolve();
  let syncing = Promise.resolve();
  const writeBlock = async (blocks: Uint8Array[]) => {
    while (blocks.length) {
      const { bytesWritten } = await fh.writev(blocks, position); // one syscall, no copy; short on a full disk
      position += bytesWritten;
      blocks = skipBytes(blocks, bytesWritten);
    }
    report.written(position);
    if (position - lastCheckpoint < report.every) return;
    const done = (lastCheckpoint = position);
    syncing = syncing.then(() => fh.datasync()).then(() => report.durable(done)); // counted only once on the disk
    syncing.catch(() => undefined); // observed when awaited below; not an unhandled rejection meanwhile
  };
  try {
    // Network chunks are small; gather them into 1 MiB writes (constant memory, far fewer syscalls).
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    for await (const chunk of body) {
      if (position + pendingBytes + chunk.length > size) throw new AppError("INTEGRITY_FAILED", `the image is larger than the ${size} bytes its manifest says`);
      hash.update(chunk);
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes < WRITE_BYTES) continue;
      await writing;
      writing = writeBlock(pending);
      writing.catch(() => undefined); // observed when awaited next; not an unhandled rejection meanwhile
      pending = [];
      pendingBytes = 0;
    }
    await writing;
    if (pendingBytes) await writeBlock(pending);
    await syncing;
    await fh.sync();
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOSPC" || code === "EDQUOT") throw new AppError("NO_SPACE", `the disk is full: ${position} of ${size} bytes are in the slot; free some space and run it again to resume`, { cause });
    if (code === "EIO" || code === "EROFS") throw new AppError("IO_FAILED", `writing the slot failed at byte ${position} (${code}): the disk may be failing`, { cause });
    throw new AppError("UNAVAILABLE", `the download broke off at ${position} of ${size} bytes (${(cause as Error).message}); run it again to resume`, { cause });
  } finally {
    await Promise.allSettled([writing, syncing]); // nothing in flight on a closed file, no unobserved failure
    await fh.close();
  }
  if (position !== size) throw new AppError("UNAVAILABLE", `the download ended at ${position} of ${size} bytes; run it again to resume`);
  return hash.digest("hex");
}

/** The download's work: check, mark the slot unbootable, stream, verify twice, stage. */
async function download(sys: System, job: JobControl, check: UpdateCheck, slot: Slot): Promise<string> {
  const file = sys.paths.slot(slot);
  const capacity = await slotCapacity(sys.root, file);
  if (capacity < check.size) throw new AppError("NO_SPACE", `slot ${slot} holds ${capacity} bytes; the ${check.latest} image needs ${check.size}`);
  const short = await slotShortfall(file, check.size);
  if (short > 0) throw new AppError("NO_SPACE", `the disk is full: writing the ${check.latest} image into slot ${slot} needs ${short} more bytes than are free`);
  const { state } = await readBootState(sys.paths);
  if (state.slots[slot].ok || state.order[0] === slot) await writeBootState(sys.paths, { order: [otherSlot(slot), slot], slots: { ...state.slots, [slot]: { ok: false, tries: 0 } } });
  await sys.db.$transaction([dropMeta(sys.db, STAGED), dropMeta(sys.db, TRIAL)]); // an applied, unbooted update is gone too
  await setSlotVersion(sys, slot, null);
  await ensureDir(join(sys.paths.dataDir, "update"));
  let offset = await resumeOffset(sys, check, slot);
  const report: Progress = {
    every: checkpointBytes(check.size),
    written: (done) => job.progress((done / check.size) * 0.9, `downloading ${check.latest} into slot ${slot}`),
    durable: (done) => writeFileAtomic(progressFile(sys), JSON.stringify({ sha256: check.sha256, size: check.size, slot, offset: done })),
  };
  const url = new URL(check.imageUrl);
  let digest = await fetchInto(url, file, offset, check.size, await hashSlotPrefix(file, offset, createHash("sha256")), report);
  if (digest === null) {
    offset = 0;
    digest = await fetchInto(url, file, 0, check.size, createHash("sha256"), report);
  }
  await writeFileAtomic(progressFile(sys), "{}");
  if (digest !== check.sha256) throw new AppError("INTEGRITY_FAILED", `the downloaded image's sha256 is ${digest}, the signed manifest says ${check.sha256}; slot ${slot} stays unbootable`);
  job.progress(0.9, `reading slot ${slot} back`);
  const readBack = (await hashSlotPrefix(file, check.size, createHash("sha256"))).digest("hex");
  if (readBack !== check.sha256) throw new AppError("INTEGRITY_FAILED", `slot ${slot} read back as ${readBack}, not ${check.sha256}: the disk did not keep the image; slot ${slot} stays unbootable`);
  const staged: Staged = { version: check.latest, slot, sha256: check.sha256, size: check.size };
  await setSlotVersion(sys, slot, check.latest);
  await putMeta(sys.db, STAGED, staged);
  return `${check.latest} is in slot ${slot}, verified; apply it with maculaos upgrade --apply`;
}

/** Starts the download of the channel's newer release into the inactive slot as a job. */
export async function startDownload(sys: System, actor: string): Promise<JobView> {
  const check = await checkForUpdate(sys);
  if (!check.available) throw new AppError("CONFLICT", `already up to date: ${check.current} is the latest on the ${check.channel} channel`);
  const slot = otherSlot(await bootedSlot(sys.paths));
  return sys.jobs.start("update.download", `slot ${slot}`, actor, (job) => download(sys, job, check, slot));
}

/** Sets the bootloader to try the staged slot at the next boot, up to 3 times. */
export async function applyUpdate(sys: System, actor: string): Promise<Staged> {
  const staged = await readMeta<Staged>(sys.db, STAGED);
  if (!staged) throw new AppError("CONFLICT", "no verified update is staged: run maculaos upgrade --download first");
  const booted = await bootedSlot(sys.paths);
  if (staged.slot === booted) throw new AppError("CONFLICT", `the staged update is in slot ${staged.slot}, which is running; download again`);
  const { state } = await readBootState(sys.paths);
  const trial: TrialRecord = { slot: staged.slot, version: staged.version, from: await systemVersion(sys.paths) };
  await writeBootState(sys.paths, { order: [staged.slot, booted], slots: { ...state.slots, [staged.slot]: { ok: true, tries: TRIES } } });
  await sys.db.$transaction([dropMeta(sys.db, STAGED), putMeta(sys.db, TRIAL, trial)]);
  await setSlotVersion(sys, booted, trial.from);
  await sys.events.record({ actor, action: "update.apply", target: `slot ${staged.slot}`, outcome: "ok", detail: `${staged.version} boots next, ${TRIES} attempts` });
  return staged;
}
