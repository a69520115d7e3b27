// Where a restore writes: a sink for readArchive that creates the entries in a fresh staging directory (large files
// flushed to disk beside the extraction), and the free-space check made from the backup's header before any entry.
// Kept free of the database and the rest of the system, so the extraction can run in a worker thread.
import { closeSync, constants, fchmodSync, futimesSync, mkdirSync, openSync, writevSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { AppError, isAppError } from "../errors";
import { bytesText, requireSpace } from "../host/space";
import type { ArchiveSink } from "./archive";

/** Bytes a restore needs beyond the files themselves, per file (directory entries, inodes, rounding). */
const PER_FILE_SLACK = 4096;

/** An I/O failure while restoring, as the error the user sees (NO_SPACE for a full disk). */
export function ioFailed(what: string, cause: unknown): AppError {
  if ((cause as NodeJS.ErrnoException).code === "ENOSPC") return new AppError("NO_SPACE", `not enough space while ${what}`, { cause });
  return new AppError("IO_FAILED", `${what}: ${(cause as Error).message}`, { cause });
}

/** Files up to this size are written with direct system calls in one go (tar's way; no thread-pool round trips). */
const SMALL_FILE = 1024 * 1024;
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Large files are flushed (fdatasync) in the thread pool beside the extraction, so their bytes reach the disk while
 * later files are inflated and the final syncfs has little left. One flush at a time, and never waited for: a file
 * that ends while one is running is just closed (the final syncfs takes it), so a slow disk never holds up extraction. */
/** A sink that writes entries under `dir` (a fresh staging directory that holds no links, so nothing escapes it), and
 * `settled()`: every flush started has ended (rejects with the first failure). */
export function stagingSink(dir: string): ArchiveSink & { settled(): Promise<void> } {
  const made = new Set<string>([dir]);
  const ensureParent = (path: string) => {
    const parent = dirname(path);
    if (made.has(parent)) return;
    mkdirSync(parent, { recursive: true, mode: 0o700 });
    made.add(parent);
  };
  let flushing: Promise<void> | null = null;
  let flushFailed: unknown = null;
  /** Closes `fh`, first flushing it in the background when no flush is running; a failure is kept for settled(). */
  const flushAndClose = async (fh: FileHandle, name: string) => {
    if (flushing) return fh.close();
    const done = fh.datasync().then(
      () => fh.close(),
      async (cause: unknown) => {
        await fh.close().catch(() => undefined);
        throw cause;
      },
    );
    flushing = done.then(
      () => void (flushing = null),
      (cause: unknown) => {
        flushFailed ??= ioFailed(`flushing ${name} to disk`, cause);
        flushing = null;
      },
    );
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
      await flushing;
      if (flushFailed) throw flushFailed;
    },
  };
}

/** Refuses with NO_SPACE when the file system of `dir` cannot hold what the backup's header declares. */
export async function checkSpace(dir: string, h: { files: number; bytes: number }): Promise<void> {
  await requireSpace(dir, h.bytes + h.files * PER_FILE_SLACK, `restoring ${h.files} files of ${bytesText(h.bytes)}`);
}
