// The A/B boot state and the rules that pick a slot, in the style of RAUC's GRUB variables: ORDER, <slot>_OK and
// <slot>_TRY. Upstream GRUB script has no arithmetic, so tries are a string of tokens ("xxx") of which each trial boot
// strips one; stripping the last also marks the slot bad. MODE=recovery asks for one boot in recovery mode (GRUB's
// recovery entry), which the bootloader clears as it boots. image/'s grub.cfg runs these same rules.
import { AppError } from "../errors";
import type { Slot } from "../host/paths";

/** Boot attempts a new slot gets before the bootloader gives up on it. */
export const TRIES = 3;

/** One slot: bootable or not, and the trial boots it has left (0 when committed). */
export interface SlotState {
  ok: boolean;
  tries: number;
}

/** The whole boot state: which slot comes first, each slot's state, and whether the next boot is in recovery mode. */
export interface BootState {
  order: [Slot, Slot];
  slots: Record<Slot, SlotState>;
  /** Set for one boot: the bootloader boots the recovery entry and clears it. */
  recoveryNext?: boolean;
}

/** The slot that is not `slot`. */
export function otherSlot(slot: Slot): Slot {
  return slot === "A" ? "B" : "A";
}

/** A freshly installed node: slot A committed and first, slot B empty. */
export function initialBootState(): BootState {
  return { order: ["A", "B"], slots: { A: { ok: true, tries: 0 }, B: { ok: false, tries: 0 } } };
}

/** The GRUB variables GRUB loads: the slot variables, then MODE (absent from envs written before it existed). */
export const ENV_NAMES = ["ORDER", "A_OK", "A_TRY", "B_OK", "B_TRY", "MODE"] as const;

/** The GRUB environment variables for a state (MODE only while a recovery boot is asked for). */
export function toVars(state: BootState): Map<string, string> {
  const vars = new Map<string, string>([["ORDER", state.order.join(" ")]]);
  for (const s of ["A", "B"] as const) {
    vars.set(`${s}_OK`, state.slots[s].ok ? "1" : "0");
    vars.set(`${s}_TRY`, "x".repeat(state.slots[s].tries));
  }
  if (state.recoveryNext) vars.set("MODE", "recovery");
  return vars;
}

/** Reads a state from GRUB variables; INTEGRITY_FAILED names the first variable that is missing or malformed. */
export function fromVars(vars: Map<string, string>): BootState {
  const order = vars.get("ORDER");
  if (order !== "A B" && order !== "B A") throw new AppError("INTEGRITY_FAILED", `boot env ORDER is ${JSON.stringify(order ?? null)}, expected "A B" or "B A"`);
  const slot = (s: Slot): SlotState => {
    const ok = vars.get(`${s}_OK`);
    const tries = vars.get(`${s}_TRY`);
    if (ok !== "0" && ok !== "1") throw new AppError("INTEGRITY_FAILED", `boot env ${s}_OK is ${JSON.stringify(ok ?? null)}, expected 0 or 1`);
    if (tries === undefined || !/^x{0,9}$/.test(tries)) throw new AppError("INTEGRITY_FAILED", `boot env ${s}_TRY is ${JSON.stringify(tries ?? null)}, expected up to 9 x tokens`);
    return { ok: ok === "1", tries: tries.length };
  };
  const mode = vars.get("MODE") ?? "";
  if (mode !== "" && mode !== "recovery") throw new AppError("INTEGRITY_FAILED", `boot env MODE is ${JSON.stringify(mode)}, expected "recovery" or nothing`);
  const state: BootState = { order: order.split(" ") as [Slot, Slot], slots: { A: slot("A"), B: slot("B") } };
  return mode ? { ...state, recoveryNext: true } : state;
}

/** What a slot is now: committed (boots with no env write), on trial (n tries left), or bad (skipped). */
export function slotStatus(state: BootState, slot: Slot): "committed" | "trial" | "bad" {
  const s = state.slots[slot];
  return !s.ok ? "bad" : s.tries === 0 ? "committed" : "trial";
}

/** What the bootloader picks: the slot, whether this is the recovery entry, the env after the boot, and whether it
 * saves the env first. */
interface BootChoice<S> {
  slot: Slot;
  recovery: boolean;
  next: S;
  write: boolean;
}

/**
 * The bootloader's choice: the first slot in ORDER that is OK. A committed slot boots with no env write; a slot on
 * trial loses one try first, and its last try also marks it bad, so a fourth boot falls back. When no slot qualifies,
 * or there is no env at all (`null`: neither copy could be loaded), the slot that is not first in ORDER (A B when
 * unknown) boots. Last, a slot that holds no system (`holdsSystem`: GRUB looks for its kernel) is passed over for the
 * other one when that holds one: a node that lost its env and has only ever had slot A still boots A. A recovery boot
 * that was asked for happens now and is cleared.
 */
export function selectBoot(state: BootState, holdsSystem?: (slot: Slot) => boolean): BootChoice<BootState>;
export function selectBoot(state: BootState | null, holdsSystem?: (slot: Slot) => boolean): BootChoice<BootState | null>;
export function selectBoot(state: BootState | null, holdsSystem: (slot: Slot) => boolean = () => true): BootChoice<BootState | null> {
  const recovery = state?.recoveryNext === true;
  const pick = (rest: BootState): { slot: Slot; next: BootState } => {
    for (const slot of rest.order) {
      const s = rest.slots[slot];
      if (!s.ok) continue;
      if (s.tries === 0) return { slot, next: rest };
      const tries = s.tries - 1;
      return { slot, next: { ...rest, slots: { ...rest.slots, [slot]: { ok: tries > 0, tries } } } };
    }
    return { slot: rest.order[1], next: rest };
  };
  const rest: BootState | null = state && { order: state.order, slots: state.slots }; // the recovery request is used up
  const { slot, next } = rest ? pick(rest) : { slot: "B" as Slot, next: null };
  const other = otherSlot(slot);
  return { slot: !holdsSystem(slot) && holdsSystem(other) ? other : slot, recovery, next, write: recovery || next !== rest };
}

/** True when `to` is `from` after boots of one slot by the bootloader (tries stripped, the last one marking it bad;
 * a recovery boot that was asked for, cleared). */
export function bootloaderProgressed(from: BootState, to: BootState): boolean {
  if (from.order.join() !== to.order.join()) return false;
  if (to.recoveryNext && !from.recoveryNext) return false;
  const changed = (["A", "B"] as const).filter((s) => from.slots[s].ok !== to.slots[s].ok || from.slots[s].tries !== to.slots[s].tries);
  if (changed.length !== 1) return changed.length === 0;
  const f = from.slots[changed[0]!];
  const t = to.slots[changed[0]!];
  return f.ok && t.tries < f.tries && t.ok === t.tries > 0;
}
