// Scheduled backups: once a day when backup.schedule has come, into backup.target, then retention by count and age
// (the newest always stays); encrypted with the passphrase in backup.passphrase_file, a root-only file.
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readArchive, sniff } from "~/system/backup/archive";
import { applyRetention, backupDir, runScheduledBackup } from "~/system/backup/service";
import { isAppError } from "~/system/errors";
import { createLogger } from "~/system/logging/logger";
import { openSystem, type System } from "~/system/system";
import { REPO } from "../helpers/appliance";

let sys: System;
let root: string;
const logs: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "schedule-"));
  sys = await openSystem({ root, env: {}, migrationsDir: join(REPO, "prisma/migrations"), version: "0.1.0", log: createLogger("test", "debug", (l) => void logs.push(l)) });
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

describe("encrypted scheduled backups (backup.passphrase_file)", () => {
  const PASS = "correct horse battery staple";
  const secret = () => join(root, "var/lib/maculaos-secrets/backup.pass");
  const at = (d: number) => new Date(2026, 10, d, 3, 30);
  const refusal = async (d: number) => {
    const e: unknown = await runScheduledBackup(sys, at(d)).then(() => null, (x: unknown) => x);
    expect(isAppError(e, "INVALID_CONFIG")).toBe(true);
    const [event] = await sys.events.list(1, "backup");
    expect(event).toMatchObject({ actor: "scheduler", outcome: "failed" });
    expect(event?.detail).toContain((e as Error).message);
    return (e as Error).message;
  };

  beforeAll(async () => {
    await sys.config.set([{ key: "backup.passphrase_file", value: "/var/lib/maculaos-secrets/backup.pass" }]);
    await mkdir(join(root, "var/lib/maculaos-secrets"), { recursive: true, mode: 0o700 });
  });

  it("refuses a path inside the data directory or /etc, which every backup copies", () => {
    for (const path of ["/var/lib/maculaos/backup.pass", "/etc/maculaos/backup.pass", "/var//lib/maculaos/x"]) {
      const r = sys.config.validate(`maculaos:\n  backup:\n    passphrase_file: ${path}\n`);
      expect(r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(["maculaos.backup.passphrase_file: expected a path outside /var/lib/maculaos and /etc: those are copied into every backup, unencrypted ones too"]);
    }
    const relative = sys.config.validate("maculaos:\n  backup:\n    passphrase_file: backup.pass\n");
    expect(relative.ok ? "" : relative.problems[0]?.message).toMatch(/expected an absolute path to a root-only file/);
  });

  it("fails the day's run with an event naming the problem: missing, readable by others, a link, too short", async () => {
    expect(await refusal(11)).toBe("maculaos.backup.passphrase_file /var/lib/maculaos-secrets/backup.pass: no such file");
    await writeFile(secret(), `${PASS}\n`, { mode: 0o644 });
    await chmod(secret(), 0o644);
    expect(await refusal(12)).toMatch(/others can read or write it \(mode 644\); make it root-only with chmod 600$/);
    await rm(secret());
    await writeFile(`${secret()}.real`, `${PASS}\n`, { mode: 0o600 });
    await symlink(`${secret()}.real`, secret());
    expect(await refusal(13)).toMatch(/is a symbolic link/);
    await rm(secret());
    await writeFile(secret(), "short\n", { mode: 0o600 });
    expect(await refusal(14)).toMatch(/its first line is not a usable passphrase \(a passphrase needs at least 8 characters\)/);
    expect(await readdir(backupDir(sys))).not.toContainEqual(expect.stringMatching(/\.enc$/));
  });

  it("encrypts with the file's first line, and the passphrase appears in no log or event", async () => {
    await writeFile(secret(), `${PASS}\nsecond line is ignored\n`, { mode: 0o600 });
    const job = await runScheduledBackup(sys, at(15));
    expect(await finished(job!.id)).toBe("succeeded");
    const file = job!.target;
    expect(file).toMatch(/\/srv\/backups\/maculaos-maculaos-\d{8}T\d{6}Z\.tar\.gz\.enc$/);
    expect(await sniff(file)).toBe("encrypted");
    expect((await readArchive(file, { passphrase: PASS })).encrypted).toBe(true);
    await expect(readArchive(file, { passphrase: "the wrong passphrase" })).rejects.toThrow(/wrong passphrase/);
    const events = JSON.stringify(await sys.events.list(1000));
    expect(events).not.toContain(PASS);
    expect(logs.join("\n")).not.toContain(PASS);
  });
});
