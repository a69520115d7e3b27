// Scheduled backups: once a day when backup.schedule has come, into backup.target, then retention by count and age
// (the newest always stays).
import { copyFile, mkdtemp, readdir, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { applyRetention, backupDir, runScheduledBackup } from "~/system/backup/service";
import { createLogger } from "~/system/logging/logger";
import { openSystem, type System } from "~/system/system";
import { REPO } from "../helpers/appliance";

let sys: System;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "schedule-"));
  sys = await openSystem({ root, env: {}, migrationsDir: join(REPO, "prisma/migrations"), version: "0.1.0", log: createLogger("test", "error", () => undefined) });
  await sys.config.set([{ key: "backup", value: { schedule: "03:00", retention: { count: 3, max_age_days: 30 }, target: "/srv/backups" } }]);
});

afterAll(async () => {
  await sys.close();
  await rm(root, { recursive: true, force: true });
});

async function finished(id: string): Promise<string> {
  for await (const j of await sys.jobs.follow(id)) if (j.state !== "running") return j.state;
  return "running";
}

it("runs once a day after the scheduled time, into backup.target under the device root", async () => {
  const day = (h: number, m: number, d = 10) => new Date(2026, 10, d, h, m);
  expect(await runScheduledBackup(sys, day(2, 59))).toBeNull();
  const job = await runScheduledBackup(sys, day(3, 1));
  expect(job?.kind).toBe("backup");
  expect(await finished(job!.id)).toBe("succeeded");
  expect(await runScheduledBackup(sys, day(23, 0))).toBeNull(); // today's has run
  expect(backupDir(sys)).toBe(join(root, "srv/backups"));
  const files = await readdir(backupDir(sys));
  expect(files).toHaveLength(1);
  expect(files[0]).toMatch(/^maculaos-maculaos-\d{8}T\d{6}Z\.tar\.gz$/);
});

it("keeps backup.retention.count backups and none older than max_age_days, never deleting the newest", async () => {
  const dir = backupDir(sys);
  const [newest] = await readdir(dir);
  const now = new Date();
  const ages = [1, 2, 3, 40];
  for (const [i, age] of ages.entries()) {
    const f = join(dir, `maculaos-old-${i}.tar.gz`);
    await copyFile(join(dir, newest!), f);
    const t = new Date(now.getTime() - age * 86400_000);
    await utimes(f, t, t);
  }
  await copyFile(join(dir, newest!), join(dir, "hand-made.tar.gz")); // not ours by name: never touched
  const deleted = await applyRetention(sys, now);
  expect(deleted.sort()).toEqual(["maculaos-old-2.tar.gz", "maculaos-old-3.tar.gz"]);
  expect((await readdir(dir)).sort()).toEqual(["hand-made.tar.gz", "maculaos-old-0.tar.gz", "maculaos-old-1.tar.gz", newest!].sort());
});
