// Automatic updates (config `updates`): at `schedule` (local time, daily) check the channel, download and verify,
// apply, and reboot when `auto_reboot` allows. Every step writes an event; `notify` gets the outcome as an event
// addressed to it, which alerting delivers.
import { readMeta, putMeta } from "../db/meta";
import { AppError } from "../errors";
import { reboot } from "../boot/lifecycle";
import type { System } from "../system";
import { checkForUpdate } from "./check";
import { applyUpdate, startDownload } from "./install";

const ACTOR = "automatic-updates";
/** Meta key of the local day ("2026-11-25") of the last scheduled run, so a restart in that minute does not run it twice. */
const LAST_RUN = "update.autoLastRun";
const TICK_MS = 20_000;

/** The next time the local clock shows `schedule` ("HH:MM") after `now`. */
export function nextRun(schedule: string, now: Date): Date {
  const [h, m] = schedule.split(":").map(Number) as [number, number];
  const at = new Date(now);
  at.setHours(h, m, 0, 0);
  if (at <= now) at.setDate(at.getDate() + 1);
  return at;
}

/** The local day of `d`, as YYYY-MM-DD. */
function localDay(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** How long after its time a run may still start (the appliance was busy or restarting); later, it waits a day. */
const WINDOW_MINUTES = 60;

/** True when a run is due at `now`: within the hour after the schedule's time, and today's run has not happened. A
 * node that was off at 04:00 does not update at noon, when people use it. */
export function isDue(schedule: string, now: Date, lastRunDay: string | null): boolean {
  const [h, m] = schedule.split(":").map(Number) as [number, number];
  const since = now.getHours() * 60 + now.getMinutes() - (h * 60 + m);
  return lastRunDay !== localDay(now) && since >= 0 && since < WINDOW_MINUTES;
}

/** What one automatic run did. */
export type AutoOutcome = "up-to-date" | "applied" | "rebooted" | "failed";

/** One automatic update run: check, download, apply, reboot if allowed; each step and the outcome are events. */
export async function runAutomaticUpdate(sys: System): Promise<AutoOutcome> {
  const { auto_reboot: autoReboot, notify } = sys.config.current().updates;
  const step = (action: string, target: string, ok: boolean, detail: string) => sys.events.record({ actor: ACTOR, action: `update.auto.${action}`, target, outcome: ok ? "ok" : "failed", detail });
  const finish = async (outcome: AutoOutcome, detail: string) => {
    await step("run", "schedule", outcome !== "failed", detail);
    if (notify) await sys.events.record({ actor: ACTOR, action: "update.notify", target: notify, outcome: outcome === "failed" ? "failed" : "ok", detail });
    return outcome;
  };
  try {
    const check = await checkForUpdate(sys);
    await step("check", check.channel, true, check.available ? `${check.latest} is available (running ${check.current})` : `${check.current} is the latest`);
    if (!check.available) return await finish("up-to-date", `up to date: ${check.current} is the latest on the ${check.channel} channel`);
    const job = await sys.jobs.finished((await startDownload(sys, ACTOR)).id);
    if (job.state !== "succeeded") throw new AppError("UNAVAILABLE", `the download of ${check.latest} failed: ${job.error}`);
    const staged = await applyUpdate(sys, ACTOR);
    if (!autoReboot) return await finish("applied", `${staged.version} is applied and boots at the next reboot (auto_reboot is off)`);
    await finish("rebooted", `${staged.version} is applied; rebooting into slot ${staged.slot}`);
    await reboot(sys, ACTOR);
    return "rebooted";
  } catch (e) {
    return finish("failed", `automatic update failed: ${(e as Error).message}`);
  }
}

/** Runs automatic updates at their schedule while the appliance runs (checked at start and every 20 s); returns stop(). */
export function startUpdateScheduler(sys: System, now: () => Date = () => new Date()): () => void {
  let running = false;
  const tick = async () => {
    const { automatic, schedule } = sys.config.current().updates;
    if (!automatic || running) return;
    const at = now();
    if (!isDue(schedule, at, await readMeta<string>(sys.db, LAST_RUN))) return;
    running = true;
    try {
      await putMeta(sys.db, LAST_RUN, localDay(at));
      await runAutomaticUpdate(sys);
    } finally {
      running = false;
    }
  };
  const run = () => void tick().catch((error: unknown) => sys.log.error("the automatic update scheduler failed", { error }));
  const timer = setInterval(run, TICK_MS);
  timer.unref();
  run();
  return () => clearInterval(timer);
}
