// `maculaos install`: puts MaculaOS on a disk. It partitions the disk (system/install/layout.ts), makes the ESP with
// GRUB, its A/B config and a fresh boot env (slot A committed), writes the system into slot A and checks it read back,
// clears slot B, and makes an empty data partition (the first boot fills it from the system's /var and the setup
// wizard takes the first user). The same writeDisk() lays out image/build's disk image.
import { mkdir, mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { AppError } from "../errors";
import { bootedSlot } from "../host/device";
import { bootloaderFiles, copyIntoPartition, listDisks, rereadPartitions, squashfsLength, targetOf, wipePartitionStart, writeDataFs, writeEsp, writePartitionTable, type DiskInfo } from "../host/disk";
import { devicePaths } from "../host/paths";
import type { JobView } from "../jobs/jobs";
import type { System } from "../system";
import { writeBootState } from "../boot/boot-env";
import { initialBootState } from "../boot/boot-state";
import { GUIDE_SIZES, MIN_DATA_MIB, planLayout, type DiskLayout } from "./layout";

/** What to install where: the target disk (a block device or a disk image file) and optionally the system image to
 * write into slot A (a root squashfs, e.g. a release image); by default the running system's own slot. */
export const installInput = z.object({
  disk: z.string().min(1),
  image: z.string().min(1).optional(),
});

/** The installer's plan: what it will do to which disk. */
export interface InstallPlan {
  disk: string;
  kind: "block" | "file";
  size: number;
  image: { path: string; bytes: number };
  bootloader: string;
  partitions: DiskLayout;
  steps: string[];
}

/** The machine's disks, each with why it cannot be installed to (null when it can). */
export async function installDisks(sys: System): Promise<(DiskInfo & { refusal: string | null })[]> {
  const disks = await listDisks();
  return disks.map((d) => ({ ...d, refusal: refusal(sys, d) }));
}

function refusal(sys: System, d: DiskInfo): string | null {
  if (sys.kind === "development") return "a development device installs only to disk image files";
  if (d.readOnly) return "read-only";
  if (d.mounts.length) return `in use (mounted at ${d.mounts.join(", ")})`;
  return null;
}

/** Works out and checks the install of `input` without touching anything. */
export async function planInstall(sys: System, input: z.infer<typeof installInput>): Promise<InstallPlan> {
  const target = await targetOf(input.disk);
  if (target.kind === "block") {
    const disk = (await installDisks(sys)).find((d) => d.path === input.disk);
    if (!disk) throw new AppError("INVALID_INPUT", `${input.disk} is not a whole disk (lsblk lists ${(await listDisks()).map((d) => d.path).join(", ") || "none"})`);
    if (disk.refusal) throw new AppError("CONFLICT", `cannot install to ${input.disk}: ${disk.refusal}`);
  }
  const partitions = planLayout(target.size);
  if (!partitions) throw new AppError("NO_SPACE", `${input.disk} holds ${target.size} bytes; MaculaOS needs ${GUIDE_SIZES.bootMiB + 2 * GUIDE_SIZES.rootMiB + MIN_DATA_MIB + 2} MiB`);
  const source = input.image ?? (await realpath(sys.paths.slot(await bootedSlot(sys.paths))));
  const bytes = await squashfsLength(source).catch((cause) => {
    throw new AppError("NOT_FOUND", `cannot read the system image ${source}`, { cause });
  });
  if (bytes === null) throw new AppError("INVALID_INPUT", `${source} holds no MaculaOS system (no squashfs)${input.image ? "" : "; give the image to install with --image"}`);
  const bootloader = dirname(sys.paths.grubenv);
  await bootloaderFiles(bootloader);
  const mib = (n: number) => `${Math.round(n / 1024 / 1024)} MiB`;
  const [boot, a, b, data] = partitions;
  return {
    disk: input.disk,
    kind: target.kind,
    size: target.size,
    image: { path: source, bytes },
    bootloader,
    partitions,
    steps: [
      `erase ${input.disk} and write a GPT: ${partitions.map((p) => `${p.name} ${mib(p.size)}`).join(", ")}`,
      `make ${boot.name} (FAT16) with GRUB and its A/B config from ${bootloader}, and a boot env with slot A committed`,
      `write the system (${mib(bytes)} from ${source}) into ${a.name} and read it back`,
      `clear ${b.name}`,
      `make ${data.name} (ext4, empty: the first boot fills it, the setup wizard takes the first user)`,
    ],
  };
}

/** Writes a MaculaOS disk; `progress` gets the fraction done and what is happening. Returns the system's sha256. */
export async function writeDisk(o: { disk: string; kind: "block" | "file"; partitions: DiskLayout; image: string; imageBytes: number; bootloader: string }, progress: (fraction: number, message: string) => void): Promise<string> {
  const [boot, a, b, data] = o.partitions;
  progress(0, "partitioning");
  await writePartitionTable(o.disk, o.partitions);
  progress(0.05, `making ${boot.name}`);
  const envRoot = await mkdtemp(join(tmpdir(), "maculaos-install-"));
  try {
    const env = devicePaths(envRoot);
    await mkdir(dirname(env.grubenv), { recursive: true });
    await writeBootState(env, initialBootState());
    await writeEsp(o.disk, boot, [...(await bootloaderFiles(o.bootloader)), env.grubenv, `${env.grubenv}.bak`]);
  } finally {
    await rm(envRoot, { recursive: true, force: true });
  }
  const sha = await copyIntoPartition(o.image, o.imageBytes, o.disk, a, (f) => progress(0.1 + 0.8 * f, `writing the system into ${a.name}`));
  await wipePartitionStart(o.disk, b);
  progress(0.92, `making ${data.name}`);
  await writeDataFs(o.disk, data);
  await rereadPartitions(o.disk, o.kind);
  progress(1, "installed");
  return sha;
}

/** Installs as a job (its end is the system.install event), after planning again: the disk may have changed since
 * the plan was shown. */
export async function startInstall(sys: System, input: z.infer<typeof installInput>, actor: string): Promise<JobView> {
  const plan = await planInstall(sys, input);
  return sys.jobs.start("system.install", plan.disk, actor, async (job) => {
    const sha = await writeDisk({ disk: plan.disk, kind: plan.kind, partitions: plan.partitions, image: plan.image.path, imageBytes: plan.image.bytes, bootloader: plan.bootloader }, (f, m) => job.progress(f, m));
    return `MaculaOS is installed on ${plan.disk} (system sha256 ${sha.slice(0, 16)}); remove the install medium and boot from it`;
  });
}
