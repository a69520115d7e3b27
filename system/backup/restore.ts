// Restoring a backup: verify everything while extracting into a staging copy beside the data directory (integrity,
// passphrase and free space are all checked before the live data is touched; a worker thread does it, extract.ts), then
// stop what uses the data, swap the staging copy in atomically (system/host/swap.ts), and start again. Any failure
// leaves the old state in place.
import { chmod, cp, readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { formatProblem } from "../config/errors";
import { migrateDatabase } from "../db/client";
import { AppError, isAppError } from "../errors";
import { exists, listDir } from "../host/files";
import { createStaging, finishInterruptedSwap, swapIn, syncTree } from "../host/swap";
import { forgetSetupState } from "../setup/setup";
import type { System } from "../system";
import type { ArchiveSummary } from "./archive";
import { partOf } from "./create";
import { extractInWorker } from "./extract";
import { ioFailed } from "./staging-sink";

/** Copies what the backup does not hold (the parts it left out and this node's own state) from the live data into
 * the staging copy, so they stay as they are. */
async function carryOver(sys: System, staging: string, parts: string[]): Promise<void> {
  for (const name of await listDir(sys.paths.dataDir)) {
    const part = partOf(name);
    if (name.startsWith(".") || part === "database" || (part !== null && parts.includes(part))) continue;
    await cp(join(sys.paths.dataDir, name), join(staging, name), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  }
  if (!parts.includes("database") && (await exists(sys.paths.db))) {
    const live = new Database(sys.paths.db, { readonly: true, fileMustExist: true });
    try {
      await live.backup(join(staging, "maculaos.db"));
    } finally {
      live.close();
    }
  }
}

/** Checks what was staged as a whole: the database passes integrity_check and migrates, the config validates. */
async function checkStaged(sys: System, staging: string): Promise<void> {
  const db = join(staging, "maculaos.db");
  if (await exists(db)) {
    const sqlite = new Database(db, { fileMustExist: true });
    try {
      const rows = sqlite.pragma("integrity_check") as { integrity_check: string }[];
      if (rows[0]?.integrity_check !== "ok") throw new AppError("INTEGRITY_FAILED", `corrupt at data/maculaos.db: the database fails integrity_check (${rows[0]?.integrity_check ?? "no answer"})`, { details: { reason: "corrupt" } });
    } catch (e) {
      if (isAppError(e)) throw e;
      throw new AppError("INTEGRITY_FAILED", `corrupt at data/maculaos.db: ${(e as Error).message}`, { details: { reason: "corrupt" } });
    } finally {
      sqlite.close();
    }
    migrateDatabase(db, sys.migrationsDir);
  }
  const config = join(staging, "config.yaml");
  if (await exists(config)) {
    const r = sys.config.validate(await readFile(config, "utf8"));
    if (!r.ok) throw new AppError("INVALID_CONFIG", `the backup's config.yaml is invalid: ${r.problems.map(formatProblem).join("; ")}`);
  }
  await chmod(staging, 0o700);
}

/** Replaces the live data directory with `staging`: stops the services, closes the database, swaps atomically,
 * reopens everything and starts the services again (not in recovery mode: they start at the next normal boot). */
export async function swapData(sys: System, staging: string): Promise<void> {
  await sys.services.pauseAll(); // nothing may hold or write the old data while it is swapped
  await sys.db.$disconnect();
  try {
    await swapIn(sys.paths, staging);
  } catch (e) {
    await finishInterruptedSwap(sys.paths).catch(() => undefined); // complete it from the journal, as the next start would
    throw ioFailed("swapping in the restored data", e);
  } finally {
    await sys.db.$disconnect(); // a query that raced the swap may have reopened the old file; drop that connection
    await sys.db.$connect();
    await sys.jobs.afterDatabaseReplaced();
    sys.accounts.forget();
    forgetSetupState(sys);
    await sys.config.reload().then(
      () => (sys.config.problem = null),
      (e: unknown) => (sys.config.problem = e instanceof Error ? e.message : String(e)),
    );
    if (sys.mode === "normal") await sys.services.init(); // the services the restored state says should run, on their restored data
  }
}

/** Options of a restore. */
export interface RestoreOptions {
  passphrase?: string | undefined;
  progress?: (fraction: number, message: string) => void;
}

/** Restores `file`: verify + extract to staging (in a worker thread), then swap in; throws (leaving the old state) on
 * any problem. */
export async function restoreBackup(sys: System, file: string, o: RestoreOptions = {}): Promise<ArchiveSummary> {
  const staging = await createStaging(sys.paths);
  try {
    o.progress?.(0, "verifying and extracting to staging");
    const job = { file, passphrase: o.passphrase, staging, spaceDir: dirname(sys.paths.dataDir) };
    const summary = await extractInWorker(job, (done, total) => o.progress?.(0.85 * (total ? done / total : 1), "verifying and extracting to staging"));
    o.progress?.(0.87, "checking the staged database and config");
    await carryOver(sys, staging, summary.header.parts);
    await checkStaged(sys, staging);
    await syncTree(staging);
    o.progress?.(0.93, "stopping, swapping in the restored data, starting again");
    await swapData(sys, staging);
    return summary;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
