// Jobs: progress is persisted and followed live; a failure is recorded with its reason; a job a dead process left
// running is marked failed on the next start; two jobs of the same kind and target cannot run at once.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "~/system/db/client";
import { EventLog } from "~/system/events/events";
import { JobRunner, type JobView } from "~/system/jobs/jobs";
import { REPO } from "../helpers/appliance";

let db: Db;
let events: EventLog;
let jobs: JobRunner;

beforeAll(async () => {
  ({ db } = await openDatabase(join(mkdtempSync(join(tmpdir(), "jobs-")), "j.db"), join(REPO, "prisma/migrations")));
  events = new EventLog(db);
  jobs = new JobRunner(db, events);
});
afterAll(() => db.$disconnect());

/** A promise and the function that resolves it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

describe("jobs", () => {
  it("reports progress live and ends succeeded with an event", async () => {
    const steps = [gate(), gate()];
    const job = await jobs.start("backup", "/mnt/usb/b.tar.gz", "admin", async (c) => {
      c.progress(0.5, "half way");
      await steps[0]!.wait;
      c.progress(0.9, "nearly");
      await steps[1]!.wait;
      return "wrote 3 files";
    });
    const seen: JobView[] = [];
    const following = (async () => {
      for await (const j of await jobs.follow(job.id)) {
        seen.push(j);
        if (j.progress >= 0.5 && j.state === "running") steps[0]!.open();
        if (j.progress >= 0.9 && j.state === "running") steps[1]!.open();
      }
    })();
    await following;
    expect(seen.at(-1)).toMatchObject({ state: "succeeded", progress: 1, message: "wrote 3 files" });
    expect(seen.some((j) => j.message === "nearly")).toBe(true);
    expect(await jobs.get(job.id)).toMatchObject({ state: "succeeded", message: "wrote 3 files" });
    expect((await events.list(1))[0]).toMatchObject({ action: "backup", target: "/mnt/usb/b.tar.gz", outcome: "ok" });
  });

  it("records a failure with its reason and refuses a second job on the same target", async () => {
    const g = gate();
    const job = await jobs.start("restore", "x", "admin", async () => {
      await g.wait;
      throw new Error("not enough space (needs 5 GB, has 1 GB)");
    });
    await expect(jobs.start("restore", "x", "admin", async () => undefined)).rejects.toThrow(/already running/);
    g.open();
    for await (const _ of await jobs.follow(job.id));
    expect(await jobs.get(job.id)).toMatchObject({ state: "failed", error: "not enough space (needs 5 GB, has 1 GB)" });
    expect((await events.list(1))[0]).toMatchObject({ action: "restore", outcome: "failed" });
  });

  it("marks jobs a dead process left running as failed", async () => {
    await db.job.create({ data: { id: "orphan", kind: "update.download", target: "B", state: "running", actor: "root" } });
    expect(await new JobRunner(db, events).recoverInterrupted()).toBe(1);
    expect(await jobs.get("orphan")).toMatchObject({ state: "failed", error: expect.stringMatching(/interrupted/) });
  });

  it("stops following when the caller aborts", async () => {
    const g = gate();
    const job = await jobs.start("deploy", "svc", "admin", () => g.wait);
    const ac = new AbortController();
    const done = (async () => {
      let n = 0;
      for await (const _ of await jobs.follow(job.id, ac.signal)) n++;
      return n;
    })();
    ac.abort();
    expect(await done).toBeGreaterThanOrEqual(1);
    g.open();
  });
});
