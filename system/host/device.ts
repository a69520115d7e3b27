// The device itself: which kind it is (a MaculaOS node or a development device) and, for a development device,
// creating the tree a node has: two root slot images, the data tree, /etc/hostname, /run/maculaos (the boot env and
// the first boot come from system/boot/dev-boot.ts).
import { existsSync } from "node:fs";
import { mkdir, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { AppError } from "../errors";
import { devicePaths, type DevicePaths, type Slot } from "./paths";

/** A node runs commands for real; a development device keeps every side effect inside its root. */
export type DeviceKind = "node" | "development";

/** Size of each development slot image: the guide's 4 GB root partitions (sparse, so it costs no disk until written). */
export const DEV_SLOT_BYTES = 4 * 1024 * 1024 * 1024;

/** Tells whether `root` is a MaculaOS node (its read-only root carries a marker) or a development device. */
export function deviceKind(paths: DevicePaths): DeviceKind {
  return existsSync(paths.nodeMarker) ? "node" : "development";
}

/** Creates any missing part of a development device under `root`; existing state is never overwritten. */
export async function ensureDevelopmentDevice(root: string, version: string): Promise<DevicePaths> {
  const p = devicePaths(root);
  for (const dir of [p.dataDir, p.configDropins, p.logDir, p.keysDir, dirname(p.grubenv), dirname(p.version), dirname(p.cmdline), dirname(p.slot("A"))]) {
    await mkdir(dir, { recursive: true });
  }
  await mkdir(p.runDir, { recursive: true, mode: 0o700 });
  for (const slot of ["A", "B"] as const) {
    if (existsSync(p.slot(slot))) continue;
    const fh = await open(p.slot(slot), "wx");
    await fh.truncate(DEV_SLOT_BYTES);
    await fh.close();
  }
  if (!existsSync(p.version)) await writeFile(p.version, `${version}\n`);
  if (!existsSync(p.hostname)) await writeFile(p.hostname, "maculaos\n");
  return p;
}

/** The slot this boot came from, read from the kernel command line (`maculaos.slot=A`). */
export async function bootedSlot(paths: DevicePaths): Promise<Slot> {
  const cmdline = await readFile(paths.cmdline, "utf8").catch((cause) => {
    throw new AppError("UNAVAILABLE", `cannot read ${paths.cmdline}`, { cause });
  });
  const m = /(?:^|\s)maculaos\.slot=([AB])(?:\s|$)/.exec(cmdline);
  if (!m) throw new AppError("INTEGRITY_FAILED", `${paths.cmdline} names no maculaos.slot=A|B`);
  return m[1] as Slot;
}

/** How the node booted: normally, or into the recovery profile (GRUB's recovery entry passes `maculaos.mode=recovery`). */
export type BootMode = "normal" | "recovery";

/** The boot mode from the kernel command line; an unreadable command line counts as a normal boot. */
export async function bootMode(paths: DevicePaths): Promise<BootMode> {
  const cmdline = await readFile(paths.cmdline, "utf8").catch(() => "");
  return /(?:^|\s)maculaos\.mode=recovery(?:\s|$)/.test(cmdline) ? "recovery" : "normal";
}

/** Records which slot the (simulated) bootloader booted, as the kernel command line a node's GRUB passes. */
export async function setBootedSlot(paths: DevicePaths, slot: Slot, recovery = false): Promise<void> {
  await writeFile(paths.cmdline, `maculaos.slot=${slot}${recovery ? " maculaos.mode=recovery" : ""}\n`);
}

/** When the current boot began: the kernel's on a node, the last simulated boot on a development device. */
export async function bootTime(paths: DevicePaths, kind: DeviceKind, uptimeSeconds: number): Promise<Date> {
  if (kind === "node") return new Date(Date.now() - uptimeSeconds * 1000);
  return (await stat(paths.cmdline)).mtime;
}

/** Where a development device keeps the version of the system in each slot (a node reads it from the booted root). */
function devSlotVersion(paths: DevicePaths, slot: Slot): string {
  return `${paths.version}.${slot}`;
}

/** The running system's version: `usr/lib/maculaos/version` of the booted root; on a development device, the
 * version recorded for the booted slot, else the version the device was created with. */
export async function systemVersion(paths: DevicePaths): Promise<string> {
  const slot = await bootedSlot(paths).catch(() => null);
  const perSlot = slot ? await readFile(devSlotVersion(paths, slot), "utf8").catch(() => null) : null;
  return (perSlot ?? (await readFile(paths.version, "utf8"))).trim();
}

/** Records the version now in a development device's slot (its image file holds no root to read it from); null
 * forgets it while the slot is overwritten. */
export async function setDevSlotVersion(paths: DevicePaths, slot: Slot, version: string | null): Promise<void> {
  if (version === null) await rm(devSlotVersion(paths, slot), { force: true });
  else await writeFile(devSlotVersion(paths, slot), `${version}\n`);
}
