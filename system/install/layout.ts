// The MaculaOS disk layout (guide: "Partition Layout"): GPT with Boot 512 MB (the EFI system partition), Root A and
// Root B of 4 GB each, and Data taking the rest. image/build and `maculaos install` both lay disks out with it.

/** One partition: its GPT number, name (the label the initramfs and the appliance find it by), type and place. */
export interface Partition {
  number: number;
  name: string;
  type: string;
  /** Byte offset from the start of the disk. */
  start: number;
  /** Length in bytes. */
  size: number;
}

/** The four partitions in order: boot, root A, root B, data. */
export type DiskLayout = [Partition, Partition, Partition, Partition];

/** Partition sizes in MiB; the data partition takes what is left. */
export interface LayoutSizes {
  bootMiB: number;
  rootMiB: number;
}

/** The guide's sizes. */
export const GUIDE_SIZES: LayoutSizes = { bootMiB: 512, rootMiB: 4096 };

/** The smallest data partition worth installing to. */
export const MIN_DATA_MIB = 256;

const MiB = 1024 * 1024;
const ESP = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
const ROOT_X86_64 = "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709";
const LINUX_DATA = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";

/** Partitions for a disk of `diskBytes`; null when the disk is too small for them and MIN_DATA_MIB of data. */
export function planLayout(diskBytes: number, sizes: LayoutSizes = GUIDE_SIZES): DiskLayout | null {
  const first = 1 * MiB; // 1 MiB alignment; the GPT and its backup fit before and after
  const end = Math.floor(diskBytes / MiB) * MiB - MiB;
  const boot = { number: 1, name: "maculaos-boot", type: ESP, start: first, size: sizes.bootMiB * MiB };
  const a = { number: 2, name: "maculaos-root-A", type: ROOT_X86_64, start: boot.start + boot.size, size: sizes.rootMiB * MiB };
  const b = { number: 3, name: "maculaos-root-B", type: ROOT_X86_64, start: a.start + a.size, size: sizes.rootMiB * MiB };
  const dataStart = b.start + b.size;
  if (end - dataStart < MIN_DATA_MIB * MiB) return null;
  return [boot, a, b, { number: 4, name: "maculaos-data", type: LINUX_DATA, start: dataStart, size: end - dataStart }];
}

/** The sfdisk script that writes these partitions. */
export function sfdiskScript(parts: Partition[]): string {
  const lines = parts.map((p) => `start=${p.start / 512}, size=${p.size / 512}, type=${p.type}, name=${p.name}`);
  return ["label: gpt", ...lines, ""].join("\n");
}
