// Crash-safe file replacement: write a temp file beside the target, fsync it, rename it over, fsync the file again
// under its new name, fsync the directory. The second fsync is for FAT (the ESP holds the GRUB env): vfat's rename
// points the target's directory entry at the new file only in memory, and writes the new size and first cluster there
// when the inode is written back; a power cut before that left the entry with the old file's freed clusters, which
// fsck.fat then cut to 0 bytes. Fsyncing the renamed file writes the entry at once (on ext4 it costs next to nothing).
import { randomBytes } from "node:crypto";
import * as fsp from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { AppError } from "../errors";

/** The file-system calls writeFileAtomic makes; tests pass a wrapper to inject failures. */
export type AtomicWriteFs = Pick<typeof fsp, "open" | "rename" | "rm" | "stat">;

/** Replaces `path` with `data` atomically (old or new, never a mix); `mode` defaults to the old file's, else 0o644; IO_FAILED leaves the original and no temp file. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number, fs: AtomicWriteFs = fsp): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let renamed = false;
  try {
    const fileMode = mode ?? (await fs.stat(path).then((s) => s.mode & 0o7777, () => 0o644));
    const fh = await fs.open(temp, "wx", fileMode);
    try {
      await fh.writeFile(data);
      await fh.chmod(fileMode); // open's mode is filtered by the umask; the caller asked for this exact mode
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(temp, path);
    renamed = true;
    for (const synced of [path, dir]) {
      const h = await fs.open(synced, "r");
      try {
        await h.sync();
      } finally {
        await h.close();
      }
    }
  } catch (cause) {
    if (!renamed) await fs.rm(temp, { force: true }).catch(() => undefined);
    throw new AppError("IO_FAILED", `cannot write ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
