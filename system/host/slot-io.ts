// Raw access to a root slot (a block device on a node, an image file on a development device): its size, the free
// space writing into it needs, writing blocks at offsets, and hashing what it holds.
import type { Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, readFile, realpath, stat, statfs, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** How many bytes the slot holds: a block device's size from sysfs under `root`, an image file's length. */
export async function slotCapacity(root: string, file: string): Promise<number> {
  const s = await stat(file);
  if (!s.isBlockDevice()) return s.size;
  const sectors = await readFile(join(root, "sys/class/block", basename(await realpath(file)), "size"), "utf8");
  return Number(sectors.trim()) * 512;
}

/** Bytes the filesystem must still find to hold the first `length` bytes of the slot: 0 for a block device, for a
 * sparse image file what it has not allocated yet, less the space that is free. Positive means too little room. */
export async function slotShortfall(file: string, length: number): Promise<number> {
  const s = await stat(file);
  if (s.isBlockDevice()) return 0;
  const fs = await statfs(dirname(file));
  return Math.max(0, length - s.blocks * 512) - fs.bavail * fs.bsize;
}

/** Opens the slot for writing blocks in place. */
export function openSlotForWrite(file: string): Promise<FileHandle> {
  return open(file, "r+");
}

/** Feeds the first `length` bytes of the slot to `hash`. */
export async function hashSlotPrefix(file: string, length: number, hash: Hash): Promise<Hash> {
  if (length === 0) return hash;
  for await (const chunk of createReadStream(file, { start: 0, end: length - 1, highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash;
}
