// The whole update picture for the Updates page: both slots (version, state), what boots next, the update on trial as
// "attempt n of 3", the staged update, a running download, the last check, the automatic schedule, and the history.
import { readBootStateOrProblem } from "../boot/boot-env";
import { viewBoot } from "../boot/lifecycle";
import { readMeta } from "../db/meta";
import { bootedSlot, systemVersion } from "../host/device";
import type { Slot } from "../host/paths";
import type { System } from "../system";
import { LAST_CHECK, type LastCheck } from "./check";
import { SLOT_VERSIONS, STAGED, TRIAL, type Staged, type TrialRecord } from "./install";
import { nextRun } from "./schedule";

/** Kinds of events the update history shows. */
const HISTORY = ["update.", "boot."];

/** `url` without a password in it (viewers read this). */
function withoutPassword(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "********";
  return u.toString();
}

/** Gathers the update state of the node. */
export async function updateStatus(sys: System) {
  const [{ state, problem }, booted, running, known, staged, trial, lastCheck, jobs, history] = await Promise.all([
    readBootStateOrProblem(sys.paths),
    bootedSlot(sys.paths),
    systemVersion(sys.paths),
    readMeta<Partial<Record<Slot, string | null>>>(sys.db, SLOT_VERSIONS),
    readMeta<Staged>(sys.db, STAGED),
    readMeta<TrialRecord>(sys.db, TRIAL),
    readMeta<LastCheck>(sys.db, LAST_CHECK),
    sys.jobs.list(20),
    Promise.all(HISTORY.map((p) => sys.events.list(25, p))),
  ]);
  const boot = state && viewBoot(state, booted);
  const slot = (s: Slot) => ({ slot: s, version: s === booted ? running : (known?.[s] ?? null), state: boot?.slots[s] ?? ("unknown" as const), booted: s === booted, next: state?.order[0] === s });
  const { automatic, schedule, auto_reboot: autoReboot, channel, server } = sys.config.current().updates;
  return {
    booted,
    version: running,
    slots: [slot("A"), slot("B")],
    /** The update being tried in this boot. */
    trial: boot?.trial ? { ...boot.trial, version: trial?.slot === booted ? trial.version : running } : null,
    /** An applied update waiting for a reboot. */
    pending: trial && trial.slot !== booted && state?.order[0] === trial.slot ? trial : null,
    /** Why the boot state is unknown (neither copy of the GRUB env can be trusted), or null; slots then show "unknown". */
    bootProblem: problem,
    staged,
    download: jobs.find((j) => j.kind === "update.download" && j.state === "running") ?? null,
    lastCheck,
    settings: { server: server ? withoutPassword(server) : null, channel, automatic, schedule, autoReboot, nextRun: automatic ? nextRun(schedule, new Date()).toISOString() : null },
    history: history.flat().sort((a, b) => b.id - a.id).slice(0, 25),
  };
}

/** The shape `updateStatus` returns. */
export type UpdateStatus = Awaited<ReturnType<typeof updateStatus>>;
