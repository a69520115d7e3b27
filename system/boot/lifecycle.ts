// What the appliance does about the boot state: commit a healthy boot of a new slot, notice that the bootloader fell
// back (and say so once), roll back on request, and, on the development device, reboot with the bootloader's rules.
import { AppError, isAppError } from "../errors";
import { runChecked } from "../host/command";
import { bootedSlot, bootMode, type BootMode } from "../host/device";
import type { Slot } from "../host/paths";
import type { EventInput } from "../events/events";
import type { System } from "../system";
import { readBootState, writeBootState } from "./boot-env";
import { otherSlot, slotStatus, TRIES, type BootState } from "./boot-state";
import { simulateBoot } from "./dev-boot";
import { readDevImageHeader } from "../update/dev-release";
import { takeTrialRecord } from "../update/install";

/** The boot state as the dashboard and `maculaos info` show it. */
export interface BootView {
  order: [Slot, Slot];
  slots: Record<Slot, "committed" | "trial" | "bad">;
  /** Set while the booted slot is on trial: which attempt of 3 this boot is. */
  trial: { slot: Slot; attempt: number; of: number } | null;
}

/** Describes the boot state for a person. */
export function viewBoot(state: BootState, booted: Slot): BootView {
  const s = state.slots[booted];
  const onTrial = booted === state.order[0] && (s.tries > 0 || !s.ok);
  return {
    order: state.order,
    slots: { A: slotStatus(state, "A"), B: slotStatus(state, "B") },
    trial: onTrial ? { slot: booted, attempt: TRIES - s.tries, of: TRIES } : null,
  };
}

/** Why this boot may not be committed, or null when the appliance is healthy: server up, database and config OK,
 * no service that should run has failed. On the development device, a boot of an image marked bad fails here, as a broken system would on a node. */
async function healthProblem(sys: System, booted: Slot): Promise<string | null> {
  if (sys.kind === "development" && (await readDevImageHeader(sys.paths, booted))?.boots === false) return `the system in slot ${booted} does not start: its development image is marked bad`;
  const failed = (await sys.services.list()).filter((s) => s.desired === "running" && s.state === "failed");
  if (failed.length) return `service ${failed.map((s) => s.name).join(", ")} failed to start`;
  if (sys.config.problem) return `config.yaml is invalid: ${sys.config.problem}`;
  const dbOk = await sys.db.$queryRaw`SELECT 1`.then(() => true, () => false);
  return dbOk ? null : "the database does not answer";
}

/**
 * Runs once the appliance is up. A boot of the slot first in ORDER that is not committed yet is committed when the
 * appliance is healthy. A boot of the other slot means the bootloader fell back: the event says so, once, and ORDER
 * is set to the slot that really booted. A backup-only env is written back to both copies. In recovery mode nothing
 * is written: a slot on trial stays on trial (the event says why) and a fall back is recorded at the next normal boot.
 */
export async function afterBoot(sys: System): Promise<BootView> {
  const booted = await bootedSlot(sys.paths);
  const read = await readBootState(sys.paths).catch((e: unknown) => {
    if (isAppError(e, "INTEGRITY_FAILED") && sys.mode === "normal") return e;
    throw e;
  });
  if (read instanceof AppError) return rebuildAfterBoot(sys, booted, read.message);
  const { state, source } = read;
  if (sys.mode === "recovery") {
    const view = viewBoot(state, booted);
    if (view.trial) await sys.events.record({ actor: "system", action: "boot.commit", target: `slot ${booted}`, outcome: "failed", detail: "not committed: booted in recovery mode; a normal boot commits it when healthy" });
    return view;
  }
  let next = state;
  let event: EventInput | null = null;
  if (booted !== state.order[0]) {
    const failed = state.order[0];
    next = { ...state, order: [booted, failed] };
    const trial = await takeTrialRecord(sys);
    const what = trial?.slot === failed ? { to: trial.version, back: trial.from } : { to: `slot ${failed}`, back: `slot ${booted}` };
    event = { actor: "system", action: "boot.rollback", target: `slot ${booted}`, outcome: "failed", detail: `update to ${what.to} failed after ${TRIES} attempts; rolled back to ${what.back}` };
  } else if (slotStatus(state, booted) !== "committed") {
    const problem = await healthProblem(sys, booted);
    if (problem) event = { actor: "system", action: "boot.commit", target: `slot ${booted}`, outcome: "failed", detail: `not committed: ${problem}` };
    else {
      next = { ...state, slots: { ...state.slots, [booted]: { ok: true, tries: 0 } } };
      const trial = await takeTrialRecord(sys);
      event = { actor: "system", action: "boot.commit", target: `slot ${booted}`, outcome: "ok", detail: trial?.slot === booted ? `update to ${trial.version} committed after a healthy boot` : "healthy boot committed" };
    }
  }
  if (next !== state || source === "backup") await writeBootState(sys.paths, next);
  if (event) await sys.events.record(event); // after the write: listeners (the dashboard's facts) see the new state
  return viewBoot(next, booted);
}

/** The boot state when neither copy of the GRUB env can be trusted (both torn by power cuts on the FAT ESP, say):
 * the slot that runs is all that is known to be good, so it is committed and first, and the other slot is marked bad
 * until an update writes it. Written to both copies. */
export async function rebuildBootState(sys: System, booted: Slot): Promise<BootState> {
  const other = otherSlot(booted);
  const next = { order: [booted, other], slots: { [booted]: { ok: true, tries: 0 }, [other]: { ok: false, tries: 0 } } } as BootState;
  await writeBootState(sys.paths, next);
  return next;
}

/** What a rebuild did, in words; `running` says what is known of the booted slot ("running, healthy"). */
export function rebuiltText(booted: Slot, running: string): string {
  return `rebuilt: slot ${booted} (${running}) is committed and boots first, slot ${otherSlot(booted)} is not trusted until an update writes it`;
}

/** After a boot with no trustworthy boot env: rebuilt once the appliance is healthy (a node has nobody to repair it),
 * left as it is otherwise; the event says which and why. */
async function rebuildAfterBoot(sys: System, booted: Slot, why: string): Promise<BootView> {
  const problem = await healthProblem(sys, booted);
  if (problem) {
    await sys.events.record({ actor: "system", action: "boot.repair", target: "boot env", outcome: "failed", detail: `${why}; not rebuilt: ${problem}` });
    throw new AppError("INTEGRITY_FAILED", `${why}; not rebuilt: ${problem}`);
  }
  const next = await rebuildBootState(sys, booted);
  await sys.events.record({ actor: "system", action: "boot.repair", target: "boot env", outcome: "ok", detail: `${why}; ${rebuiltText(booted, "running, healthy")}` });
  return viewBoot(next, booted);
}

/** Makes the other slot boot next; refuses when it holds no committed system. */
export async function rollback(sys: System, actor: string): Promise<BootView> {
  const { state } = await readBootState(sys.paths);
  const booted = await bootedSlot(sys.paths);
  const target = otherSlot(booted);
  if (slotStatus(state, target) !== "committed") {
    await sys.events.record({ actor, action: "boot.rollback", target: `slot ${target}`, outcome: "failed", detail: `slot ${target} holds no good system` });
    throw new AppError("CONFLICT", `cannot roll back: slot ${target} holds no good system (it is ${slotStatus(state, target)})`);
  }
  const next: BootState = { ...state, order: [target, booted] };
  await writeBootState(sys.paths, next);
  await sys.events.record({ actor, action: "boot.rollback", target: `slot ${target}`, outcome: "ok", detail: `slot ${target} boots next; reboot to use it` });
  return viewBoot(next, booted);
}

/** Reboots: a node for real (systemd; the bootloader picks the slot), the development device by the bootloader's
 * rules, followed by what the appliance does after a boot. With `recovery`, that one boot is in recovery mode (GRUB's
 * recovery entry), for a node nobody can reach the boot menu of; the boot after it is normal again. */
export async function reboot(sys: System, actor: string, opts: { recovery?: boolean } = {}): Promise<BootView> {
  const read = await readBootState(sys.paths);
  if (opts.recovery) await writeBootState(sys.paths, { ...read.state, recoveryNext: true });
  const into = opts.recovery ? " into recovery mode" : "";
  if (sys.kind === "node") {
    const view = viewBoot(read.state, await bootedSlot(sys.paths));
    await sys.events.record({ actor, action: "system.reboot", target: sys.kind, outcome: "ok", detail: `rebooting${into}; slot ${view.order[0]} is first` });
    await runChecked("systemctl", ["reboot"]);
    return view;
  }
  const slot = await simulateBoot(sys.paths);
  await enterMode(sys, await bootMode(sys.paths));
  const view = await afterBoot(sys);
  await sys.events.record({ actor, action: "system.reboot", target: sys.kind, outcome: "ok", detail: `booted slot ${slot}${into}` });
  return view;
}

/** The development device's process lives through its simulated boots: a boot into the other mode stops the services
 * (recovery) or starts them (normal) as a node's fresh start would; the schedulers follow the system.reboot event. */
async function enterMode(sys: System, mode: BootMode): Promise<void> {
  if (mode === sys.mode) return;
  sys.mode = mode;
  if (mode === "recovery") await sys.services.pauseAll();
  else await sys.services.init();
}
