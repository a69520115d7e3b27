// Backups as the API and the scheduler use them: jobs for backup, verify and restore (one at a time per node), the
// stored backups in the target directory with the last good one, and scheduled backups with retention.
import { constants, createReadStream } from "node:fs";
import { open, readdir, rm, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { AppError } from "../errors";
import { putMeta, readMeta } from "../db/meta";
import { ensureDir } from "../host/files";
import type { JobView } from "../jobs/jobs";
import { checkSetupCode } from "../setup/setup";
import type { System } from "../system";
import { compressionFor, peekHeader, sniff, writeArchive, type ArchiveSummary, type BackupHeader } from "./archive";
import { availableParts, chooseParts, prepareBackup } from "./create";
import { decrypt } from "./crypto";
import { extractInWorker } from "./extract";
import { takeDataLock } from "./lock";
import { restoreBackup } from "./restore";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;
const META_LAST = "backup.last";
const META_SCHEDULED = "backup.scheduled";
/** A last good backup older than this is flagged as stale. */
export const STALE_DAYS = 7;

/** A backup file: an absolute path, or a bare name in the node's backup directory. */
export const backupFile = z.string().min(1).max(4096).refine((s) => s.startsWith("/") || NAME.test(s), "expected an absolute path or a backup name like maculaos-edge-2026-11-25.tar.gz");
/** A passphrase for encrypted backups. */
export const passphrase = z.string().min(8, "a passphrase needs at least 8 characters").max(1024);

/** What backups.create takes. */
export const createInput = z.object({
  file: backupFile.optional(),
  include: z.array(z.string().max(200)).max(100).optional(),
  exclude: z.array(z.string().max(200)).max(100).optional(),
  passphrase: passphrase.optional(),
  zstd: z.boolean().optional(),
  verify: z.boolean().default(true),
});
/** What backups.verify and backups.restore take. */
export const fileInput = z.object({ file: backupFile, passphrase: z.string().max(1024).optional() });

/** The directory backups go to by default: `backup.target` under the device root, else /var/backups/maculaos. */
export function backupDir(sys: System): string {
  const target = sys.config.current().backup.target;
  if (target === undefined) return join(sys.root, "var/backups/maculaos");
  if (!target.startsWith("/")) throw new AppError("UNAVAILABLE", `backup.target ${target}: only local directories are supported`);
  return join(sys.root, target);
}

/** Resolves a backup file argument: absolute as given, a bare name inside the backup directory. */
export function resolveBackup(sys: System, file: string): string {
  if (file.startsWith("/")) return file;
  if (!NAME.test(file)) throw new AppError("INVALID_INPUT", `not a backup name: ${file}`);
  return join(backupDir(sys), file);
}

/** What each data job is called while it holds the lock, and when it is refused. */
const JOB_WORDS = {
  backup: { holder: (file: string) => `a backup to ${file}`, doing: "start a backup" },
  "backup.verify": { holder: (file: string) => `a verification of ${file}`, doing: "start a verification" },
  restore: { holder: (file: string) => `a restore of ${file}`, doing: "start a restore" },
};

/** Runs a backup, verify or restore of `file` as a job holding the data lock (a restore must never race a backup or a repair). */
async function exclusiveJob(sys: System, kind: keyof typeof JOB_WORDS, file: string, actor: string, work: (progress: (f: number, m?: string) => void, jobId: string) => Promise<string>): Promise<JobView> {
  const release = takeDataLock(sys, JOB_WORDS[kind].holder(file), JOB_WORDS[kind].doing);
  try {
    return await sys.jobs.start(kind, file, actor, async (job) => {
      try {
        return await work((f, m) => job.progress(f, m), job.id);
      } finally {
        release();
      }
    });
  } catch (e) {
    release();
    throw e;
  }
}

function timestamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

function summaryText(s: ArchiveSummary): string {
  return `${s.files} files, ${s.bytes} bytes from ${s.header.hostname} (${s.header.version}, ${s.header.createdAt}); parts: ${s.header.parts.join(", ")}${s.encrypted ? "; encrypted" : ""}`;
}

/** Starts a backup job; the archive is written to a temp file, renamed into place, then read back and verified. */
export async function startBackup(sys: System, actor: string, input: z.input<typeof createInput>): Promise<JobView> {
  const o = createInput.parse(input);
  const ext = `${o.zstd ? ".tar.zst" : ".tar.gz"}${o.passphrase ? ".enc" : ""}`;
  const file = o.file ? resolveBackup(sys, o.file) : join(backupDir(sys), `maculaos-${sys.config.current().hostname}-${timestamp(new Date())}${ext}`);
  if (!o.file) await ensureDir(backupDir(sys), 0o700);
  await chooseParts(sys, o); // an unknown part is bad input now, not a failed job later
  return exclusiveJob(sys, "backup", file, actor, async (progress, jobId) => {
    const prepared = await prepareBackup(sys, o, { jobId, progress: (d, t) => progress((o.verify ? 0.7 : 0.98) * (t ? d / t : 1), "writing") });
    try {
      const size = await writeArchive(file, prepared.tar, { compression: o.zstd ? "zstd" : compressionFor(file), passphrase: o.passphrase });
      if (o.verify) await extractInWorker({ file, passphrase: o.passphrase }, (d, t) => progress(0.7 + 0.29 * (t ? d / t : 1), "verifying"));
      await putMeta(sys.db, META_LAST, { file, at: new Date(), size, verified: o.verify });
      const { stats } = prepared;
      return `${o.verify ? "verified backup" : "backup"} of ${stats.files} files (${stats.bytes} bytes; parts: ${stats.parts.join(", ")}) written to ${file}${stats.skipped.length ? `; skipped ${stats.skipped.length} links or special files` : ""}`;
    } finally {
      await prepared.cleanup();
    }
  });
}

/** Starts a job that reads a backup whole and checks every file against its manifest, writing nothing. */
export async function startVerify(sys: System, actor: string, input: z.input<typeof fileInput>): Promise<JobView> {
  const o = fileInput.parse(input);
  const file = resolveBackup(sys, o.file);
  return exclusiveJob(sys, "backup.verify", file, actor, async (progress) => {
    const s = await extractInWorker({ file, passphrase: o.passphrase }, (d, t) => progress(t ? d / t : 1, "verifying"));
    return `verified: ${summaryText(s)}`;
  });
}

/** Checks what can be checked before a restore job starts (the file exists, is ours, the passphrase is given). */
async function precheck(file: string, pass: string | undefined): Promise<void> {
  const kind = await sniff(file).catch((cause: NodeJS.ErrnoException) => {
    throw new AppError("NOT_FOUND", `cannot read ${file}: ${cause.code === "ENOENT" ? "no such file" : cause.message}`, { cause });
  });
  if (kind === "unknown") throw new AppError("INTEGRITY_FAILED", `not a MaculaOS backup: ${file} is not gzip, zstd or a MaculaOS encrypted backup`, { details: { reason: "not-a-backup" } });
  if (kind !== "encrypted") return;
  if (!pass) throw new AppError("INVALID_INPUT", "this backup is encrypted: give its passphrase");
  const size = (await stat(file)).size;
  const plain = decrypt(createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>, pass, size);
  try {
    await plain.next(); // the key check and the first chunk's authentication
  } finally {
    await plain.return(undefined);
  }
}

/** Starts a restore job: verify and stage everything, then swap it in; any failure leaves the old state. */
export async function startRestore(sys: System, actor: string, input: z.input<typeof fileInput>): Promise<JobView> {
  const o = fileInput.parse(input);
  const file = resolveBackup(sys, o.file);
  await precheck(file, o.passphrase);
  return exclusiveJob(sys, "restore", file, actor, async (progress) => {
    const s = await restoreBackup(sys, file, { passphrase: o.passphrase, progress });
    await sys.events.record({ actor, action: "backup.restored", target: file, outcome: "ok", detail: summaryText(s) });
    return `restored ${summaryText(s)}`;
  });
}

/** A stored backup as the Backups page lists it. */
export interface StoredBackup {
  name: string;
  size: number;
  modifiedAt: Date;
  encrypted: boolean;
  header: BackupHeader | null;
}

/** The last good backup, as recorded by the backup job. */
export interface LastGood {
  file: string;
  at: string;
  size: number;
  verified: boolean;
}

async function storedBackups(dir: string): Promise<StoredBackup[]> {
  const out: StoredBackup[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith(".") || !/\.(tar\.gz|tgz|tar\.zst|tzst)(\.enc)?$/.test(name)) continue;
    const file = join(dir, name);
    const s = await stat(file).catch(() => null);
    if (!s?.isFile()) continue;
    const kind = await sniff(file).catch(() => "unknown" as const);
    out.push({ name, size: s.size, modifiedAt: s.mtime, encrypted: kind === "encrypted", header: kind === "encrypted" ? null : await peekHeader(file) });
  }
  return out.sort((a, b) => b.modifiedAt.getTime() - a.modifiedAt.getTime());
}

/** The last good backup, or null when none has been made. */
export async function lastGoodBackup(sys: System): Promise<LastGood | null> {
  return readMeta<LastGood>(sys.db, META_LAST);
}

/** The backup directory's backups (newest first), the last good backup and whether it is stale. */
export async function listBackups(sys: System): Promise<{ dir: string; backups: StoredBackup[]; lastGood: LastGood | null; stale: boolean; parts: string[]; schedule: string | null }> {
  const dir = backupDir(sys);
  const lastGood = await lastGoodBackup(sys);
  const stale = !lastGood || Date.now() - new Date(lastGood.at).getTime() > STALE_DAYS * 86400_000;
  return { dir, backups: await storedBackups(dir), lastGood, stale, parts: await availableParts(sys), schedule: sys.config.current().backup.schedule ?? null };
}

/** What an archive holds: its header and every file with size and sha256 (read and verified whole). */
export async function inspectBackup(sys: System, input: z.input<typeof fileInput>): Promise<ArchiveSummary> {
  const o = fileInput.parse(input);
  return extractInWorker({ file: resolveBackup(sys, o.file), passphrase: o.passphrase });
}

/** Deletes backups in the directory beyond `backup.retention` (count, then age); the newest is always kept. */
export async function applyRetention(sys: System, now = new Date()): Promise<string[]> {
  const { count, max_age_days } = sys.config.current().backup.retention;
  const dir = backupDir(sys);
  const all = (await storedBackups(dir)).filter((b) => b.name.startsWith("maculaos-"));
  const doomed = all.filter((b, i) => i > 0 && (i >= count || (max_age_days !== undefined && now.getTime() - b.modifiedAt.getTime() > max_age_days * 86400_000)));
  for (const b of doomed) await rm(join(dir, b.name), { force: true });
  if (doomed.length) await sys.events.record({ actor: "scheduler", action: "backup.retention", target: dir, outcome: "ok", detail: `deleted ${doomed.map((b) => b.name).join(", ")}` });
  return doomed.map((b) => b.name);
}

/** The passphrase of scheduled backups: the first line of `backup.passphrase_file` (under the device root), or
 * undefined when none is set. The file must be a regular file of this process's user that nobody else can read or
 * write; INVALID_CONFIG says what is wrong with it (never what it holds). */
export async function scheduledPassphrase(sys: System): Promise<string | undefined> {
  const setting = sys.config.current().backup.passphrase_file;
  if (setting === undefined) return undefined;
  const bad = (why: string) => new AppError("INVALID_CONFIG", `maculaos.backup.passphrase_file ${setting}: ${why}`);
  let fh: FileHandle;
  try {
    fh = await open(join(sys.root, setting), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw bad(code === "ENOENT" ? "no such file" : code === "ELOOP" ? "is a symbolic link; point at the file itself" : `cannot read it (${code ?? String(e)})`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw bad("not a regular file");
    if (st.mode & 0o077) throw bad(`others can read or write it (mode ${(st.mode & 0o777).toString(8)}); make it root-only with chmod 600`);
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) throw bad(`owned by uid ${st.uid}, not by the appliance's user (uid ${uid})`);
    const pass = (await fh.readFile("utf8")).split(/\r?\n/, 1)[0] ?? "";
    const check = passphrase.safeParse(pass);
    if (!check.success) throw bad(`its first line is not a usable passphrase (${check.error.issues[0]?.message ?? "invalid"})`);
    return pass;
  } finally {
    await fh.close();
  }
}

/** Runs the scheduled backup when `backup.schedule` (HH:MM, daily) has come and today's has not run; returns its job.
 * With `backup.passphrase_file` it is encrypted; a problem with that file fails today's run with an event saying why. */
export async function runScheduledBackup(sys: System, now = new Date()): Promise<JobView | null> {
  const at = sys.config.current().backup.schedule;
  if (!at) return null;
  const [h, m] = at.split(":").map(Number) as [number, number];
  const day = `${now.getFullYear()}-${now.getMonth() + 1}-${now.getDate()}`;
  if (now.getHours() * 60 + now.getMinutes() < h * 60 + m) return null;
  const last = await sys.db.meta.findUnique({ where: { key: META_SCHEDULED } });
  if (last?.value === day) return null;
  await sys.db.meta.upsert({ where: { key: META_SCHEDULED }, create: { key: META_SCHEDULED, value: day }, update: { value: day } });
  let pass: string | undefined;
  try {
    pass = await scheduledPassphrase(sys);
  } catch (e) {
    await sys.events.record({ actor: "scheduler", action: "backup", target: backupDir(sys), outcome: "failed", detail: `scheduled backup not taken: ${(e as Error).message}` });
    throw e;
  }
  await ensureDir(backupDir(sys), 0o700);
  const job = await startBackup(sys, "scheduler", { passphrase: pass });
  void sys.jobs.follow(job.id).then(async (updates) => {
    for await (const j of updates) if (j.state === "succeeded") await applyRetention(sys, now);
  }).catch((error: unknown) => sys.log.error("scheduled backup retention failed", { error }));
  return job;
}

/** Checks the schedule at start and every 30 seconds; returns the function that stops it. */
export function startBackupSchedule(sys: System): () => void {
  const run = () => void runScheduledBackup(sys).catch((error: unknown) => sys.log.warn("scheduled backup did not start", { error: error instanceof Error ? error.message : String(error) }));
  const timer = setInterval(run, 30_000);
  timer.unref();
  run();
  return () => clearInterval(timer);
}

/** The wizard's "restore from a backup" on a fresh node: the setup code proves presence, then the restore runs to its end. */
export async function restoreAtSetup(sys: System, input: { code: string; file: string; passphrase?: string | undefined }, address: string): Promise<JobView> {
  await checkSetupCode(sys, input.code, address);
  if (input.file.includes("/")) throw new AppError("INVALID_INPUT", "upload the backup first; the wizard restores by name");
  const job = await startRestore(sys, "setup", { file: input.file, passphrase: input.passphrase });
  let last = job;
  for await (const j of await sys.jobs.follow(job.id)) last = j;
  if (last.state !== "succeeded") throw new AppError(/passphrase/.test(last.error ?? "") ? "INVALID_INPUT" : "INTEGRITY_FAILED", last.error ?? "the restore failed");
  return last;
}
