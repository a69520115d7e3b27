// Raw access to a root slot (a block device on a node, an image file on a development device): its size, writing
// blocks at offsets, and hashing what it holds.
import type { Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";

/** How many bytes the slot holds. */
export async function slotCapacity(file: string): Promise<number> {
  return (await stat(file)).size;
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
