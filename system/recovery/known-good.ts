// The last known good copies `maculaos repair` rolls back to: the database (taken with SQLite's online backup API
// after it passed integrity_check) and config.yaml (after it validated). They live beside the data directory in
// /var/lib/maculaos-recovery, so a restore (which swaps the data directory) or a backup never carries them.
import { copyFile, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { ensureDir, exists, readTextIfExists } from "../host/files";
import type { DevicePaths } from "../host/paths";
import type { System } from "../system";

/** Where the known good copies live. */
export function recoveryDir(paths: DevicePaths): string {
  return join(dirname(paths.dataDir), "maculaos-recovery");
}

/** The known good database copy. */
export const goodDb = (paths: DevicePaths) => join(recoveryDir(paths), "maculaos.db");
/** The known good config.yaml copy. */
export const goodConfig = (paths: DevicePaths) => join(recoveryDir(paths), "config.yaml");

/** The first line of PRAGMA integrity_check on a database file ("ok" when sound). */
export function integrityOf(file: string): string {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = db.pragma("integrity_check") as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check.replace(/\s+/g, " ").trim()).slice(0, 3).join("; ") || "no answer";
  } catch (e) {
    return (e as Error).message;
  } finally {
    db?.close();
  }
}

/** Saves the live database as the known good copy when it passes integrity_check; returns whether it did. */
export async function saveGoodDatabase(paths: DevicePaths): Promise<boolean> {
  if (!(await exists(paths.db)) || integrityOf(paths.db) !== "ok") return false;
  await ensureDir(recoveryDir(paths), 0o700);
  const temp = `${goodDb(paths)}.tmp`;
  await rm(temp, { force: true });
  const live = new Database(paths.db, { readonly: true, fileMustExist: true });
  try {
    await live.backup(temp);
  } finally {
    live.close();
  }
  await rename(temp, goodDb(paths));
  return true;
}

/** Saves config.yaml as the known good copy when the config in force came from it without problems. */
export async function saveGoodConfig(sys: System): Promise<boolean> {
  const text = await readTextIfExists(sys.paths.config);
  if (text === undefined || sys.config.problem || !sys.config.validate(text).ok) return false;
  await ensureDir(recoveryDir(sys.paths), 0o700);
  await copyFile(sys.paths.config, `${goodConfig(sys.paths)}.tmp`);
  await rename(`${goodConfig(sys.paths)}.tmp`, goodConfig(sys.paths));
  return true;
}

/** Events after which the database is worth a new known good copy (at most one a minute). */
const DB_MOMENTS = new Set(["setup.complete", "backup", "backup.restored", "recovery.factory", "recovery.repair"]);

/** Takes both known good copies now and every 6 hours, the config again after every successful config change and the
 * database after setup, backups, restores, resets and repairs; returns a stop function. */
export function keepKnownGood(sys: System): () => void {
  let lastDb = 0;
  const warn = (error: unknown) => sys.log.warn("could not save a known good copy", { error: String(error) });
  const onEvent = (e: { action: string; outcome: string }) => {
    if (e.outcome !== "ok") return;
    if (e.action.startsWith("config.")) saveGoodConfig(sys).catch(warn);
    if (DB_MOMENTS.has(e.action) && Date.now() - lastDb > 60_000) {
      lastDb = Date.now();
      saveGoodDatabase(sys.paths).catch(warn);
    }
  };
  sys.events.on("event", onEvent);
  const both = () => Promise.all([saveGoodDatabase(sys.paths), saveGoodConfig(sys)]).catch(warn);
  void both();
  const timer = setInterval(() => void both(), 6 * 3600_000);
  timer.unref();
  return () => {
    clearInterval(timer);
    sys.events.off("event", onEvent);
  };
}
