// The A/B boot state and the rules that pick a slot, in the style of RAUC's GRUB variables: ORDER, <slot>_OK and
// <slot>_TRY. Upstream GRUB script has no arithmetic, so tries are a string of tokens ("xxx") of which each trial boot
// strips one; stripping the last also marks the slot bad. image/'s grub.cfg runs these same rules.
import { AppError } from "../errors";
import type { Slot } from "../host/paths";

/** Boot attempts a new slot gets before the bootloader gives up on it. */
export const TRIES = 3;

/** One slot: bootable or not, and the trial boots it has left (0 when committed). */
export interface SlotState {
  ok: boolean;
  tries: number;
}

/** The whole boot state: which slot comes first, and each slot's state. */
export interface BootState {
  order: [Slot, Slot];
  slots: Record<Slot, SlotState>;
}

/** The slot that is not `slot`. */
export function otherSlot(slot: Slot): Slot {
  return slot === "A" ? "B" : "A";
}

/** A freshly installed node: slot A committed and first, slot B empty. */
export function initialBootState(): BootState {
  return { order: ["A", "B"], slots: { A: { ok: true, tries: 0 }, B: { ok: false, tries: 0 } } };
}

/** The GRUB environment variables for a state. */
export function toVars(state: BootState): Map<string, string> {
  const vars = new Map<string, string>([["ORDER", state.order.join(" ")]]);
  for (const s of ["A", "B"] as const) {
    vars.set(`${s}_OK`, state.slots[s].ok ? "1" : "0");
    vars.set(`${s}_TRY`, "x".repeat(state.slots[s].tries));
  }
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
  return { order: order.split(" ") as [Slot, Slot], slots: { A: slot("A"), B: slot("B") } };
}

/** What a slot is now: committed (boots with no env write), on trial (n tries left), or bad (skipped). */
export function slotStatus(state: BootState, slot: Slot): "committed" | "trial" | "bad" {
  const s = state.slots[slot];
  return !s.ok ? "bad" : s.tries === 0 ? "committed" : "trial";
}

/**
 * The bootloader's choice: the first slot in ORDER that is OK. A committed slot boots with no write; a slot on trial
 * loses one try first, and its last try also marks it bad, so a fourth boot falls back. When no slot qualifies, the
 * slot that is not first in ORDER boots. `write` says whether the env must be saved before booting.
 */
export function selectBoot(state: BootState): { slot: Slot; next: BootState; write: boolean } {
  for (const slot of state.order) {
    const s = state.slots[slot];
    if (!s.ok) continue;
    if (s.tries === 0) return { slot, next: state, write: false };
    const tries = s.tries - 1;
    return { slot, next: { ...state, slots: { ...state.slots, [slot]: { ok: tries > 0, tries } } }, write: true };
  }
  return { slot: state.order[1], next: state, write: false };
}

/** True when `to` is `from` after boots of one slot by the bootloader (tries stripped, the last one marking it bad). */
export function bootloaderProgressed(from: BootState, to: BootState): boolean {
  if (from.order.join() !== to.order.join()) return false;
  const changed = (["A", "B"] as const).filter((s) => from.slots[s].ok !== to.slots[s].ok || from.slots[s].tries !== to.slots[s].tries);
  if (changed.length !== 1) return changed.length === 0;
  const f = from.slots[changed[0]!];
  const t = to.slots[changed[0]!];
  return f.ok && t.tries < f.tries && t.ok === t.tries > 0;
}
