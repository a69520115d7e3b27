// The development device's bootloader: the same slot selection image/'s grub.cfg runs, with its side effects kept in
// the device root (the GRUB env's primary copy, and proc/cmdline naming the booted slot).
import { open } from "node:fs/promises";
import { setBootedSlot } from "../host/device";
import { exists } from "../host/files";
import { readGrubEnv, writeGrubEnv } from "../host/grubenv";
import type { DevicePaths, Slot } from "../host/paths";
import { backupPath, bootloaderSave, readBootStateOrProblem, writeBootState } from "./boot-env";
import { initialBootState, selectBoot } from "./boot-state";

/** Whether a development slot holds a system: anything an update wrote (its first 4 KiB are not all zeros, as a new
 * or cleared slot's are), or, for slot A, the development build the device was made with. */
async function devSlotHoldsSystem(paths: DevicePaths, slot: Slot): Promise<boolean> {
  if (slot === "A") return true;
  const fh = await open(paths.slot(slot), "r").catch(() => null);
  if (!fh) return false;
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(4096), 0, 4096, 0);
    return buffer.subarray(0, bytesRead).some((b) => b !== 0);
  } finally {
    await fh.close();
  }
}

/** Boots the development device as GRUB would: picks the slot (and the recovery entry when asked for), saves the
 * primary env when it changes (with no env to load there is none to save), and sets cmdline. */
export async function simulateBoot(paths: DevicePaths): Promise<Slot> {
  const { state } = await readBootStateOrProblem(paths);
  const holds = { A: await devSlotHoldsSystem(paths, "A"), B: await devSlotHoldsSystem(paths, "B") };
  const { slot, recovery, next, write } = selectBoot(state, (s) => holds[s]);
  if (write && next) await writeGrubEnv(paths.grubenv, bootloaderSave(await readGrubEnv(paths.grubenv).catch(() => new Map<string, string>()), next));
  await setBootedSlot(paths, slot, recovery);
  return slot;
}

/** Gives a new development device its boot env (slot A committed) and its first boot; an existing one is left as is. */
export async function firstBoot(paths: DevicePaths): Promise<void> {
  if (!(await exists(paths.grubenv)) && !(await exists(backupPath(paths)))) await writeBootState(paths, initialBootState());
  if (!(await exists(paths.cmdline))) await simulateBoot(paths);
}
