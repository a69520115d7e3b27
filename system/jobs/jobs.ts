// Long operations run as jobs: persisted, with progress that the UI and the CLI follow live. A job left running by a
// process that died is marked failed on the next start, so nothing looks busy forever.
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import type { EventLog } from "../events/events";

/** The life of a job. */
export type JobState = "running" | "succeeded" | "failed";

/** A job as the API shows it. */
export interface JobView {
  id: string;
  kind: string;
  target: string;
  state: JobState;
  progress: number;
  message: string | null;
  error: string | null;
  actor: string;
  createdAt: Date;
  finishedAt: Date | null;
}

/** What a job's work function gets: report progress (0..1) with an optional message. */
export interface JobControl {
  /** The job's id. */
  id: string;
  progress(fraction: number, message?: string): void;
}

const FLUSH_MS = 250;

/** Starts jobs, persists their state, and emits `update` with each change. */
export class JobRunner extends EventEmitter<{ update: [JobView]; error: [unknown] }> {
  private readonly live = new Map<string, JobView>();

  constructor(
    private readonly db: Db,
    private readonly events: EventLog,
  ) {
    super();
    this.setMaxListeners(0); // one listener per follower; many CLI and browser followers are normal
  }

  /** Marks jobs that were running when the last process died as failed; returns how many. */
  async recoverInterrupted(): Promise<number> {
    const { count } = await this.db.job.updateMany({
      where: { state: "running" },
      data: { state: "failed", error: "interrupted: the appliance stopped while the job ran", finishedAt: new Date() },
    });
    return count;
  }

  /** Marks jobs the database says are running but that do not run in this process as failed; returns how many. */
  async failStuck(reason = "stuck: the job was not running any more"): Promise<number> {
    const { count } = await this.db.job.updateMany({
      where: { state: "running", id: { notIn: [...this.live.keys()] } },
      data: { state: "failed", error: reason, finishedAt: new Date() },
    });
    return count;
  }

  /** After the database was replaced under the runner (restore, factory reset): stale running jobs are failed and the
   * jobs running here are written back, so their end can be recorded. */
  async afterDatabaseReplaced(): Promise<void> {
    await this.failStuck("interrupted: it was running when the data was replaced");
    for (const j of this.live.values()) {
      await this.db.job.upsert({ where: { id: j.id }, create: { ...j }, update: { state: j.state, progress: j.progress, message: j.message } });
    }
  }

  /** Starts `work` as a job of `kind` on `target`; refuses when one of the same kind and target is running. */
  async start(kind: string, target: string, actor: string, work: (job: JobControl) => Promise<string | void>): Promise<JobView> {
    for (const j of this.live.values()) {
      if (j.state === "running" && j.kind === kind && j.target === target) throw new AppError("CONFLICT", `a ${kind} job for ${target} is already running (${j.id})`);
    }
    const job: JobView = { id: randomUUID(), kind, target, state: "running", progress: 0, message: null, error: null, actor, createdAt: new Date(), finishedAt: null };
    await this.db.job.create({ data: { ...job } });
    this.live.set(job.id, job);
    this.emit("update", { ...job });
    let lastFlush = 0;
    const control: JobControl = {
      id: job.id,
      progress: (fraction, message) => {
        job.progress = Math.min(1, Math.max(0, fraction));
        if (message !== undefined) job.message = message;
        this.emit("update", { ...job });
        const now = Date.now();
        if (now - lastFlush >= FLUSH_MS) {
          lastFlush = now;
          void this.db.job.update({ where: { id: job.id }, data: { progress: job.progress, message: job.message } }).catch(() => undefined);
        }
      },
    };
    const outcome = (async () => work(control))(); // a work function that throws at once still ends the job
    this.finish(job, outcome).catch((error: unknown) => this.emit("error", error));
    return { ...job };
  }

  private async finish(job: JobView, outcome: Promise<string | void>): Promise<void> {
    try {
      const message = await outcome;
      Object.assign(job, { state: "succeeded", progress: 1, message: message ?? job.message });
    } catch (e) {
      Object.assign(job, { state: "failed", error: e instanceof Error ? e.message : String(e) });
    }
    job.finishedAt = new Date();
    try {
      await this.db.job.update({ where: { id: job.id }, data: { state: job.state, progress: job.progress, message: job.message, error: job.error, finishedAt: job.finishedAt } });
      this.live.delete(job.id); // until the end is stored (a full disk can refuse it), get() answers from memory
      await this.events.record({ actor: job.actor, action: job.kind, target: job.target, outcome: job.state === "succeeded" ? "ok" : "failed", detail: job.error ?? job.message });
    } finally {
      this.emit("update", { ...job }); // followers learn the end even when it could not be stored: nothing waits forever
    }
  }

  /** One job by id: the live view while it runs, the stored one after. */
  async get(id: string): Promise<JobView> {
    const live = this.live.get(id);
    if (live) return { ...live };
    const row = await this.db.job.findUnique({ where: { id } });
    if (!row) throw new AppError("NOT_FOUND", `no job ${id}`);
    return row as JobView;
  }

  /** The newest jobs first. */
  async list(limit = 50): Promise<JobView[]> {
    const rows = (await this.db.job.findMany({ orderBy: { createdAt: "desc" }, take: limit })) as JobView[];
    return rows.map((r) => ({ ...(this.live.get(r.id) ?? r) }));
  }

  /** The job once it has finished. */
  async finished(id: string): Promise<JobView> {
    let last: JobView | undefined;
    for await (const j of await this.follow(id)) last = j;
    return last!;
  }

  /** The job's state now and at every change until it finishes; NOT_FOUND before any streaming for an unknown job. */
  async follow(id: string, signal?: AbortSignal): Promise<AsyncGenerator<JobView>> {
    const queue: JobView[] = [];
    let wake: (() => void) | undefined;
    const onUpdate = (j: JobView) => {
      if (j.id !== id) return;
      queue.push(j);
      wake?.();
    };
    const onAbort = () => wake?.();
    this.on("update", onUpdate);
    signal?.addEventListener("abort", onAbort);
    const stop = () => {
      this.off("update", onUpdate);
      signal?.removeEventListener("abort", onAbort);
    };
    let first: JobView;
    try {
      first = await this.get(id);
    } catch (e) {
      stop();
      throw e;
    }
    return (async function* () {
      try {
        let current = first;
        yield current;
        while (current.state === "running" && !signal?.aborted) {
          if (queue.length === 0) await new Promise<void>((r) => (wake = r));
          wake = undefined;
          const next = queue.splice(0).at(-1);
          if (next) yield (current = next);
        }
      } finally {
        stop();
      }
    })();
  }
}
