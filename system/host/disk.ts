// Whole disks for the installer: listing them (lsblk -J), and writing a MaculaOS disk in place by byte offsets
// (sfdisk, mkfs.vfat --offset, mtools, mkfs.ext4 -E offset), so a disk image file and a block device are written
// the same way, with no loop devices and no mounts.
import { createHash } from "node:crypto";
import { open, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { AppError } from "../errors";
import { runChecked } from "./command";
import { sfdiskScript, type Partition } from "../install/layout";

/** A disk as lsblk describes it. */
export interface DiskInfo {
  path: string;
  size: number;
  model: string | null;
  removable: boolean;
  readOnly: boolean;
  /** Mount points of the disk or its partitions: a disk with any is in use (it may hold the running system). */
  mounts: string[];
}

interface LsblkDevice {
  path: string;
  size: number | string;
  type: string;
  model?: string | null;
  rm?: boolean | string;
  ro?: boolean | string;
  mountpoints?: (string | null)[];
  children?: LsblkDevice[];
}

const truthy = (v: boolean | string | undefined) => v === true || v === "1";

function mountsOf(d: LsblkDevice): string[] {
  return [...(d.mountpoints ?? []).filter((m): m is string => Boolean(m)), ...(d.children ?? []).flatMap(mountsOf)];
}

/** The machine's disks (`lsblk -J`), without loop, ram and optical devices. */
export async function listDisks(): Promise<DiskInfo[]> {
  const stdout = await runChecked("lsblk", ["-J", "-b", "-o", "PATH,SIZE,TYPE,MODEL,RM,RO,MOUNTPOINTS"]);
  const devices = (JSON.parse(stdout) as { blockdevices: LsblkDevice[] }).blockdevices;
  return devices
    .filter((d) => d.type === "disk" && !/^\/dev\/(loop|ram|zram|sr)/.test(d.path))
    .map((d) => ({ path: d.path, size: Number(d.size), model: d.model?.trim() || null, removable: truthy(d.rm), readOnly: truthy(d.ro), mounts: mountsOf(d) }));
}

/** What an install target is: a block device or a disk image file, and its size in bytes. */
export async function targetOf(path: string): Promise<{ kind: "block" | "file"; size: number }> {
  const s = await stat(path).catch((cause) => {
    throw new AppError("NOT_FOUND", `${path} does not exist`, { cause });
  });
  if (s.isFile()) return { kind: "file", size: s.size };
  if (!s.isBlockDevice()) throw new AppError("INVALID_INPUT", `${path} is neither a disk nor a disk image file`);
  const stdout = await runChecked("lsblk", ["-b", "-d", "-n", "-o", "SIZE", "--", path]);
  return { kind: "block", size: Number(stdout.trim()) };
}

/** Bytes a squashfs image really holds (its superblock's bytes_used, padded to 4 KiB), or null when `path` does not
 * start with a squashfs. */
export async function squashfsLength(path: string): Promise<number | null> {
  const fh = await open(path, "r");
  try {
    const sb = Buffer.alloc(48);
    await fh.read(sb, 0, 48, 0);
    if (sb.toString("latin1", 0, 4) !== "hsqs") return null;
    return Math.ceil(Number(sb.readBigUInt64LE(40)) / 4096) * 4096;
  } finally {
    await fh.close();
  }
}

/** Writes the GPT. */
export async function writePartitionTable(disk: string, parts: Partition[]): Promise<void> {
  await runChecked("sfdisk", ["--quiet", "--no-reread", "--no-tell-kernel", "--wipe", "always", "--", disk], { input: sfdiskScript(parts) });
}

/** Makes the FAT16 EFI system partition and copies `files` into its /EFI/BOOT. */
export async function writeEsp(disk: string, part: Partition, files: string[]): Promise<void> {
  await runChecked("mkfs.vfat", ["-F", "16", "-I", "-n", "MACULABOOT", "--offset", String(part.start / 512), "--", disk, String(part.size / 1024)]);
  const image = `${disk}@@${part.start}`;
  await runChecked("mmd", ["-i", image, "::/EFI", "::/EFI/BOOT"]);
  await runChecked("mcopy", ["-i", image, ...files, "::/EFI/BOOT/"]);
}

/** Reads one file back from the ESP's /EFI/BOOT. */
export async function readEspFile(disk: string, part: Partition, name: string): Promise<Buffer> {
  const stdout = await runChecked("mtype", ["-i", `${disk}@@${part.start}`, `::/EFI/BOOT/${name}`]);
  return Buffer.from(stdout, "latin1");
}

/** Makes the ext4 data partition, empty (4 KiB blocks even when small: it grows online to the whole disk later); the
 * first boot fills it from the system's /var. */
export async function writeDataFs(disk: string, part: Partition): Promise<void> {
  await runChecked("mkfs.ext4", ["-q", "-F", "-b", "4096", "-L", "maculaos-data", "-E", `offset=${part.start}`, "--", disk, `${part.size / 1024}k`], { timeoutMs: 600_000 });
}

const BLOCK = 1024 * 1024;

/** Copies the first `length` bytes of `source` into the partition, then reads them back; both hashes must match.
 * `progress` gets the fraction done (the read-back is the second half). */
export async function copyIntoPartition(source: string, length: number, disk: string, part: Partition, progress: (fraction: number) => void): Promise<string> {
  if (length > part.size) throw new AppError("INVALID_INPUT", `${source} holds ${length} bytes, more than ${part.name}'s ${part.size}`);
  const src = await open(source, "r");
  const dst = await open(disk, "r+");
  const written = createHash("sha256");
  const readBack = createHash("sha256");
  try {
    const buf = Buffer.alloc(BLOCK);
    for (let off = 0; off < length; off += BLOCK) {
      const n = Math.min(BLOCK, length - off);
      const { bytesRead } = await src.read(buf, 0, n, off);
      if (bytesRead !== n) throw new AppError("IO_FAILED", `${source} ended at byte ${off + bytesRead}, expected ${length}`);
      written.update(buf.subarray(0, n));
      await dst.write(buf, 0, n, part.start + off);
      progress((off + n) / length / 2);
    }
    await dst.sync();
    for (let off = 0; off < length; off += BLOCK) {
      const n = Math.min(BLOCK, length - off);
      await dst.read(buf, 0, n, part.start + off);
      readBack.update(buf.subarray(0, n));
      progress(0.5 + (off + n) / length / 2);
    }
  } finally {
    await src.close();
    await dst.close();
  }
  const [a, b] = [written.digest("hex"), readBack.digest("hex")];
  if (a !== b) throw new AppError("INTEGRITY_FAILED", `${part.name} on ${disk} read back as ${b}, not ${a}: the disk did not keep the system`);
  return a;
}

/** Zeroes the start of a partition (an old system in slot B must not look like one). */
export async function wipePartitionStart(disk: string, part: Partition): Promise<void> {
  const fh = await open(disk, "r+");
  try {
    await fh.write(Buffer.alloc(Math.min(BLOCK, part.size)), 0, Math.min(BLOCK, part.size), part.start);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Tells the kernel about a block device's new partitions (nothing to do for an image file). */
export async function rereadPartitions(disk: string, kind: "block" | "file"): Promise<void> {
  if (kind === "block") await runChecked("blockdev", ["--rereadpt", "--", disk]);
}

/** The files GRUB needs on the ESP, found in `dir` (a node's /boot/grub is its ESP's /EFI/BOOT). */
export async function bootloaderFiles(dir: string): Promise<string[]> {
  const files = ["BOOTX64.EFI", "grub.cfg"].map((f) => join(dir, f));
  for (const f of files) {
    if (!(await stat(f).then((s) => s.isFile(), () => false))) throw new AppError("NOT_FOUND", `the bootloader file ${basename(f)} is missing from ${dir}`);
  }
  return files;
}
