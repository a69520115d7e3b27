// Restoring a backup: verify everything while extracting into a staging copy beside the data directory (integrity,
// passphrase and free space are all checked before the live data is touched), then stop what uses the data, swap the
// staging copy in atomically (system/host/swap.ts), and start again. Any failure leaves the old state in place.
import { closeSync, constants, fchmodSync, futimesSync, mkdirSync, openSync, writevSync } from "node:fs";
import { chmod, cp, open, readFile, rm, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { formatProblem } from "../config/errors";
import { migrateDatabase } from "../db/client";
import { AppError, isAppError } from "../errors";
import { exists, listDir } from "../host/files";
import { createStaging, finishInterruptedSwap, freeBytes, swapIn, syncTree } from "../host/swap";
import { forgetSetupState } from "../setup/setup";
import type { System } from "../system";
import { readArchive, type ArchiveSink, type ArchiveSummary } from "./archive";
import { partOf } from "./create";

/** Bytes a restore needs beyond the files themselves, per file (directory entries, inodes, rounding). */
const PER_FILE_SLACK = 4096;

function ioFailed(what: string, cause: unknown): AppError {
  if ((cause as NodeJS.ErrnoException).code === "ENOSPC") return new AppError("NO_SPACE", `not enough space while ${what}`, { cause });
  return new AppError("IO_FAILED", `${what}: ${(cause as Error).message}`, { cause });
}

/** Files up to this size are written with direct system calls in one go (tar's way; no thread-pool round trips). */
const SMALL_FILE = 1024 * 1024;
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Large files are flushed (fdatasync) one at a time in the thread pool beside the extraction, so their bytes reach
 * the disk while later files are inflated and the final syncfs has little left; the next waits for the one before
 * (the pool's other threads inflate, read and write). */
const FLUSHES_IN_FLIGHT = 1;

/** A sink that writes entries under `dir` (a fresh staging directory that holds no links, so nothing escapes it), and
 * `settled()`: every flush started has ended (rejects with the first failure). */
function stagingSink(dir: string): ArchiveSink & { settled(): Promise<void> } {
  const made = new Set<string>([dir]);
  const ensureParent = (path: string) => {
    const parent = dirname(path);
    if (made.has(parent)) return;
    mkdirSync(parent, { recursive: true, mode: 0o700 });
    made.add(parent);
  };
  const flushing: Promise<unknown>[] = [];
  let flushFailed: unknown = null;
  /** fdatasync then close `fh` in the background; the failure is kept for settled(), never left unhandled. */
  const flushAndClose = async (fh: FileHandle, name: string) => {
    while (flushing.length >= FLUSHES_IN_FLIGHT) await flushing.shift();
    const done = fh
      .datasync()
      .catch((cause: unknown) => void (flushFailed ??= ioFailed(`flushing ${name} to disk`, cause)))
      .finally(() => fh.close());
    flushing.push(done.catch(() => undefined));
  };
  return {
    async dir(name, mode) {
      const path = join(dir, name);
      try {
        mkdirSync(path, { recursive: true, mode: (mode & 0o777) | 0o700 });
        made.add(path);
      } catch (c) {
        throw ioFailed(`creating ${name} in the staging copy`, c);
      }
    },
    async file(name, mode, mtime, data) {
      const path = join(dir, name);
      let fd: number | undefined;
      let fh: FileHandle | undefined;
      try {
        ensureParent(path);
        const chunks: Buffer[] = [];
        let size = 0;
        let writing: Promise<unknown> | undefined; // one write in flight while the next chunk is inflated and hashed
        for await (const c of data) {
          if (fh) {
            const failed = await writing;
            if (failed) throw failed;
            writing = fh.write(c).then(() => null, (e: unknown) => e);
            continue;
          }
          chunks.push(c);
          size += c.length;
          if (size > SMALL_FILE) {
            fh = await open(path, CREATE, 0o600);
            await fh.writev(chunks.splice(0));
          }
        }
        const failed = await writing;
        if (failed) throw failed;
        if (fh) {
          await fh.chmod(mode & 0o777);
          await fh.utimes(mtime, mtime);
          await flushAndClose(fh, name);
          fh = undefined;
        } else {
          fd = openSync(path, CREATE, 0o600);
          if (size) writevSync(fd, chunks);
          fchmodSync(fd, mode & 0o777);
          futimesSync(fd, mtime, mtime);
        }
      } catch (cause) {
        if (isAppError(cause) || !(cause as { syscall?: string }).syscall) throw cause; // the archive's own errors pass through
        throw ioFailed(`writing ${name} to the staging copy`, cause);
      } finally {
        if (fd !== undefined) closeSync(fd);
        await fh?.close();
      }
    },
    async settled() {
      await Promise.all(flushing.splice(0));
      if (flushFailed) throw flushFailed;
    },
  };
}

function bytesText(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** Refuses with NO_SPACE when the data file system cannot hold `need` more bytes. */
async function checkSpace(sys: System, need: number): Promise<void> {
  const has = await freeBytes(dirname(sys.paths.dataDir));
  if (need > has) throw new AppError("NO_SPACE", `not enough space to restore: needs ${bytesText(need)}, has ${bytesText(has)} free on ${dirname(sys.paths.dataDir)}`, { details: { need, has } });
}

/** Copies the parts a partial backup does not hold from the live data into the staging copy, so they stay as they are. */
async function carryOver(sys: System, staging: string, parts: string[]): Promise<void> {
  for (const name of await listDir(sys.paths.dataDir)) {
    const part = partOf(name);
    if (parts.includes(part) || name.startsWith(".") || part === "database") continue;
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

/** Restores `file`: verify + extract to staging, then swap in; throws (leaving the old state) on any problem. */
export async function restoreBackup(sys: System, file: string, o: RestoreOptions = {}): Promise<ArchiveSummary> {
  const staging = await createStaging(sys.paths);
  const sink = stagingSink(staging);
  try {
    o.progress?.(0, "verifying and extracting to staging");
    const summary = await readArchive(file, {
      passphrase: o.passphrase,
      onHeader: (h) => checkSpace(sys, h.bytes + h.files * PER_FILE_SLACK),
      sink,
      progress: (done, total) => o.progress?.(0.85 * (total ? done / total : 1), "verifying and extracting to staging"),
    });
    await sink.settled();
    o.progress?.(0.87, "checking the staged database and config");
    await carryOver(sys, staging, summary.header.parts);
    await checkStaged(sys, staging);
    await syncTree(staging);
    o.progress?.(0.93, "stopping, swapping in the restored data, starting again");
    await swapData(sys, staging);
    return summary;
  } finally {
    await sink.settled().catch(() => undefined); // after a failure too: no flush may hold a file of the staging copy
    await rm(staging, { recursive: true, force: true });
  }
}
