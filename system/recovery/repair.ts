// `maculaos repair`: finds and fixes what commonly breaks a node, one step at a time, and reports each step:
// the boot env, the database, the config, permissions, stuck jobs and a full disk.
import { chmod, copyFile, rename, rm, stat, statfs } from "node:fs/promises";
import { join } from "node:path";
import { withDataLock } from "../backup/lock";
import { backupPath, readBootState, writeBootState } from "../boot/boot-env";
import { rebuildBootState, rebuiltText } from "../boot/lifecycle";
import { bootedSlot } from "../host/device";
import { formatProblem } from "../config/errors";
import { migrateDatabase } from "../db/client";
import { isAppError } from "../errors";
import { writeFileAtomic } from "../host/atomic-write";
import { removeDisposable } from "../host/cleanup";
import { exists, readTextIfExists } from "../host/files";
import { freeBytes } from "../host/swap";
import type { System } from "../system";
import { goodConfig, goodDb, integrityOf, recoveryDir } from "./known-good";

/** One step's outcome: nothing wrong, fixed, or found but not fixable here. */
export interface RepairStep {
  step: "boot-env" | "database" | "config" | "permissions" | "jobs" | "disk";
  status: "ok" | "fixed" | "failed";
  detail: string;
}

/** Options of repair (the disk threshold is a parameter so a test can make any disk look full). */
export interface RepairOptions {
  /** Clean logs and caches when fewer bytes than this are free; default: 5% of the file system or 256 MiB, the larger. */
  minFreeBytes?: number;
}

async function bootEnv(sys: System): Promise<RepairStep> {
  try {
    const r = await readBootState(sys.paths);
    const backupOk = (await exists(backupPath(sys.paths))) && r.source === "primary";
    if (r.source === "primary" && backupOk) return { step: "boot-env", status: "ok", detail: "the GRUB env and its second copy agree" };
    await writeBootState(sys.paths, r.state);
    return { step: "boot-env", status: "fixed", detail: r.source === "backup" ? "the GRUB env was damaged; rewritten from its good second copy" : "the second copy of the GRUB env was missing; rewritten" };
  } catch (e) {
    if (!isAppError(e, "INTEGRITY_FAILED")) throw e;
    const booted = await bootedSlot(sys.paths);
    await rebuildBootState(sys, booted);
    return { step: "boot-env", status: "fixed", detail: `${e.message}; ${rebuiltText(booted, "running now")}` };
  }
}

async function database(sys: System): Promise<RepairStep> {
  const verdict = integrityOf(sys.paths.db);
  if (verdict === "ok") return { step: "database", status: "ok", detail: "PRAGMA integrity_check: ok" };
  const good = goodDb(sys.paths);
  if (!(await exists(good)) || integrityOf(good) !== "ok") return { step: "database", status: "failed", detail: `the database fails integrity_check (${verdict}) and there is no good snapshot; restore a backup` };
  const temp = join(sys.paths.dataDir, ".maculaos.db.repair");
  await copyFile(good, temp);
  migrateDatabase(temp, sys.migrationsDir);
  const when = (await stat(good)).mtime.toISOString();
  await sys.db.$disconnect();
  try {
    for (const suffix of ["-wal", "-shm", "-journal"]) await rm(`${sys.paths.db}${suffix}`, { force: true }); // they belong to the damaged file
    await rename(temp, sys.paths.db);
  } finally {
    await sys.db.$connect();
    await sys.jobs.afterDatabaseReplaced();
    sys.accounts.forget();
  }
  return { step: "database", status: "fixed", detail: `the database failed integrity_check (${verdict}); restored the good snapshot of ${when}` };
}

async function config(sys: System): Promise<RepairStep> {
  const text = await readTextIfExists(sys.paths.config);
  const check = text === undefined ? { ok: true as const } : sys.config.validate(text);
  if (check.ok && !sys.config.problem) return { step: "config", status: "ok", detail: text === undefined ? "no config.yaml: the defaults are in force" : "config.yaml is valid" };
  const why = check.ok ? (sys.config.problem ?? "") : check.problems.map(formatProblem).join("; ");
  const good = await readTextIfExists(goodConfig(sys.paths));
  if (good === undefined || !sys.config.validate(good).ok) return { step: "config", status: "failed", detail: `config.yaml is invalid (${why}) and there is no known good copy; fix it with maculaos config` };
  await writeFileAtomic(sys.paths.config, good);
  await sys.config.reload();
  sys.config.problem = null;
  await sys.events.record({ actor: "repair", action: "config.rollback", target: "config.yaml", outcome: "ok", detail: `invalid: ${why}` });
  return { step: "config", status: "fixed", detail: `config.yaml was invalid (${why}); rolled back to the last known good one` };
}

async function permissions(sys: System): Promise<RepairStep> {
  const fixed: string[] = [];
  const want = async (path: string, ok: (mode: number) => boolean, mode: (m: number) => number) => {
    const s = await stat(path).catch(() => null);
    if (!s) return;
    const m = s.mode & 0o7777;
    if (ok(m)) return;
    await chmod(path, mode(m));
    fixed.push(`${path} ${m.toString(8)} -> ${mode(m).toString(8)}`);
  };
  const exactly = (bits: number) => [(m: number) => m === bits, () => bits] as const;
  const notWritableByOthers = [(m: number) => (m & 0o022) === 0 && (m & 0o600) === 0o600, (m: number) => (m & ~0o7022) | 0o600] as const;
  await want(sys.paths.dataDir, ...exactly(0o700));
  await want(sys.paths.runDir, ...exactly(0o700));
  await want(sys.paths.socket, ...exactly(0o600));
  await want(recoveryDir(sys.paths), ...exactly(0o700));
  for (const f of [sys.paths.config, sys.paths.db, `${sys.paths.db}-wal`, `${sys.paths.db}-shm`]) await want(f, ...notWritableByOthers);
  return fixed.length ? { step: "permissions", status: "fixed", detail: fixed.join("; ") } : { step: "permissions", status: "ok", detail: "data, run and recovery directories are private; nothing is writable by others" };
}

async function jobs(sys: System): Promise<RepairStep> {
  const n = await sys.jobs.failStuck();
  return n ? { step: "jobs", status: "fixed", detail: `${n} stuck job${n === 1 ? "" : "s"} marked failed` } : { step: "jobs", status: "ok", detail: "no stuck jobs" };
}

async function disk(sys: System, o: RepairOptions): Promise<RepairStep> {
  const fsStat = await statfs(sys.paths.dataDir);
  const threshold = o.minFreeBytes ?? Math.max(256 * 1024 * 1024, 0.05 * fsStat.blocks * fsStat.bsize);
  const before = await freeBytes(sys.paths.dataDir);
  if (before >= threshold) return { step: "disk", status: "ok", detail: `${Math.round(before / 1024 / 1024)} MiB free` };
  const { removed, freed } = await removeDisposable(sys);
  const full = `the disk is nearly full (${Math.round(before / 1024 / 1024)} MiB free)`;
  if (!removed) return { step: "disk", status: "failed", detail: `${full} and there are no rotated logs, caches or temporary files to clean: delete old backups or service data` };
  return { step: "disk", status: "fixed", detail: `${full}; removed ${removed} rotated logs, cache entries and temporary files (${Math.round(freed / 1024)} KiB)` };
}

/** Runs every repair step in order and records one event with the outcome; refused (CONFLICT, naming it) while a
 * backup, restore or factory reset holds the data lock. */
export function repair(sys: System, actor: string, o: RepairOptions = {}): Promise<{ steps: RepairStep[]; healthy: boolean }> {
  return withDataLock(sys, "a repair", "run repair", () => repairSteps(sys, actor, o));
}

async function repairSteps(sys: System, actor: string, o: RepairOptions): Promise<{ steps: RepairStep[]; healthy: boolean }> {
  const steps: RepairStep[] = [];
  const runs: [RepairStep["step"], (s: System) => Promise<RepairStep>][] = [["boot-env", bootEnv], ["database", database], ["config", config], ["permissions", permissions], ["jobs", jobs], ["disk", (s) => disk(s, o)]];
  for (const [step, run] of runs) {
    try {
      steps.push(await run(sys));
    } catch (e) {
      steps.push({ step, status: "failed", detail: e instanceof Error ? e.message : String(e) });
    }
  }
  const healthy = steps.every((s) => s.status !== "failed");
  const changed = steps.filter((s) => s.status !== "ok").map((s) => `${s.step}: ${s.status}`);
  await sys.events
    .record({ actor, action: "recovery.repair", target: sys.kind, outcome: healthy ? "ok" : "failed", detail: changed.length ? changed.join(", ") : "nothing to repair" })
    .catch((error: unknown) => sys.log.warn("the repair could not be recorded (the database is still damaged)", { error: String(error) }));
  return { steps, healthy };
}
