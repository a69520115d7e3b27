// The recovery profile: a device booted with maculaos.mode=recovery (proc/cmdline under the device root, as GRUB's
// recovery entry passes it) starts no services, runs no update, backup or alert schedulers, leaves a slot on trial
// uncommitted, refuses to start services, and restores without starting them. A reboot of the development device (its
// bootloader's default entry) ends it: the services start, the trial slot is committed and the schedulers run, which
// shows the quiet of the recovery boot was the profile and not a quiet test. `maculaos reboot --recovery` switches back.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBootState, writeBootState } from "~/system/boot/boot-env";
import { devicePaths } from "~/system/host/paths";
import { makeDevImage } from "~/system/update/dev-release";
import { completeSetup, REPO, runBin, startTestAppliance, WebClient, type TestAppliance } from "../helpers/appliance";
import { buildScriptRelease, stopSupervisors } from "../helpers/services";

let t: TestAppliance;
let work: string;
let root: string;
let web: WebClient;
const maculaos = (...args: string[]) => runBin("maculaos", args, { MACULAOS_ROOT: root, MACULAOS_HOST: "", MACULAOS_TOKEN: "" });
const service = async () => JSON.parse((await maculaos("service", "status", "counter", "--json")).stdout) as { state: string; pid: number | null };
const actions = async () => (await t.app.sys.events.list(500)).map((e) => `${e.action} ${e.outcome}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The local time a minute ago as HH:MM (the update schedule is due within the hour after its time). */
function aMinuteAgo(): string {
  const d = new Date(Date.now() - 60_000);
  if (d.getDate() !== new Date().getDate()) return "00:00";
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** Starts the appliance on the shared device root. */
async function start(): Promise<void> {
  t = await startTestAppliance({ root });
  web = new WebClient(t.url);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "recovery-mode-"));
  root = await mkdtemp(join(tmpdir(), "maculaos-test-"));
  // A normal boot: set up, deploy a service, take a backup.
  await start();
  await completeSetup(t, web);
  const deployed = await maculaos("deploy", await buildScriptRelease(work, "counter", "1.0.0", "exec sleep 600"));
  expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
  const { state, pid } = await service();
  expect(state).toBe("running");
  expect(t.errorLogs()).toEqual([]);
  await t.app.close();
  await stopSupervisors(root); // the power goes off: nothing runs at the next boot until something starts it
  await until("the service to stop", async () => !existsSync(`/proc/${pid}`));
  // Everything the normal profile would do at once: a backup due, an automatic update due, an alert that always fires.
  const config = parseDocument(await readFile(join(root, "var/lib/maculaos/config.yaml"), "utf8"));
  config.setIn(["maculaos", "backup"], { schedule: "00:00" });
  config.setIn(["maculaos", "updates"], { automatic: true, schedule: aMinuteAgo(), auto_reboot: false });
  config.setIn(["maculaos", "monitoring"], { interval: "1s" });
  config.setIn(["maculaos", "alerts"], [{ name: "always", condition: "disk_usage >= 0%", topic: "io.test.alerts.always" }]);
  await writeFile(join(root, "var/lib/maculaos/config.yaml"), config.toString());
  // GRUB's recovery entry boots slot B, which is on trial after an update (and holds that system).
  await writeFile(devicePaths(root).slot("B"), makeDevImage({ version: "0.2.0", boots: true }));
  await writeBootState(devicePaths(root), { order: ["B", "A"], slots: { A: { ok: true, tries: 0 }, B: { ok: true, tries: 2 } } });
  await writeFile(join(root, "proc/cmdline"), "ro console=ttyS0,115200 maculaos.slot=B maculaos.mode=recovery\n");
  await start();
  expect((await web.mutate("auth.login", { username: "admin", password: "correct horse battery" })).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await stopSupervisors(root);
  expect(t.errorLogs()).toEqual([]);
  await t.close();
  await rm(work, { recursive: true, force: true });
});

describe("booted with maculaos.mode=recovery", () => {
  it("says so in maculaos info, system.info and recovery.status", async () => {
    const info = await maculaos("info");
    expect(info.stdout).toMatch(/^Mode\s+RECOVERY \(maculaos\.mode=recovery\)/m);
    expect(JSON.parse((await maculaos("info", "--json")).stdout)).toMatchObject({ mode: "recovery", slot: "B" });
    expect((await web.query<{ recoveryMode: boolean }>("recovery.status")).body.result?.data.recoveryMode).toBe(true);
    expect(t.consoleLines.join("\n")).toMatch(/recovery mode: open http:\/\/127\.0\.0\.1:\d+\/recovery/);
    const shell = await new Promise<string>((resolve) => {
      const child = execFile(join(REPO, "bin/maculaos"), ["shell"], { env: { ...process.env, MACULAOS_ROOT: root, MACULAOS_HOST: "", SHELL: "/bin/sh" } }, (_e, stdout) => resolve(stdout));
      child.stdin!.end("exit 0\n");
    });
    expect(shell).toMatch(/maintenance shell \(recovery mode\)/);
  });

  it("starts no service, and refuses to start one", async () => {
    await sleep(3000); // three monitoring rounds: nothing relaunches it either
    // it should run, and nothing runs it on purpose: stopped, saying why
    expect(await service()).toMatchObject({ desired: "running", state: "stopped", pid: null, reason: "recovery mode: it starts when the node boots normally" });
    const r = await maculaos("start", "counter");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot start counter in recovery mode: services do not run until a normal boot/);
    expect((await service()).state).toBe("stopped");
  });

  it("runs no backup, update or alert schedule", async () => {
    await sleep(2000);
    expect(await t.app.sys.db.job.count({ where: { kind: "backup", actor: "scheduler" } })).toBe(0);
    const done = await actions();
    expect(done.filter((a) => a.startsWith("update.auto.") || a.startsWith("alert."))).toEqual([]);
    const alerts = await web.query<{ alerts: { name: string; state: string }[] }>("alerts.list");
    expect(alerts.body.result?.data.alerts.find((a) => a.name === "always")?.state).not.toBe("firing");
  });

  it("leaves the slot on trial uncommitted and says why", async () => {
    expect((await readBootState(t.app.sys.paths)).state).toEqual({ order: ["B", "A"], slots: { A: { ok: true, tries: 0 }, B: { ok: true, tries: 2 } } });
    const info = JSON.parse((await maculaos("info", "--json")).stdout) as { boot: { trial: unknown; slots: { B: string } } };
    expect(info.boot).toMatchObject({ trial: { slot: "B" }, slots: { B: "trial" } });
    const commit = (await t.app.sys.events.list(50, "boot.commit"))[0];
    expect(commit).toMatchObject({ outcome: "failed", detail: expect.stringMatching(/not committed: booted in recovery mode/) });
  });

  it("backs up, and restores without starting the services the backup holds", async () => {
    expect((await maculaos("backup", join(work, "in-recovery.tar.gz"))).code).toBe(0);
    const r = await maculaos("restore", join(work, "in-recovery.tar.gz"));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    await sleep(1500);
    expect(await service()).toMatchObject({ desired: "running", state: "stopped", pid: null });
  });
});

describe("a reboot out of recovery mode", () => {
  it("starts the services, commits the trial slot and runs the schedulers", async () => {
    const r = await maculaos("reboot", "--json");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ order: ["B", "A"], slots: { B: "committed" }, trial: null });
    expect(JSON.parse((await maculaos("info", "--json")).stdout)).toMatchObject({ mode: "normal", slot: "B" });
    expect((await service()).state).toBe("running");
    expect((await web.query<{ recoveryMode: boolean }>("recovery.status")).body.result?.data.recoveryMode).toBe(false);
    await until("the scheduled backup, the automatic update run and the alert", async () => {
      const done = await actions();
      return done.includes("alert.firing failed") && done.some((a) => a.startsWith("update.auto.run")) && (await t.app.sys.db.job.count({ where: { kind: "backup", actor: "scheduler", state: "succeeded" } })) === 1;
    });
  }, 60_000);
});

describe("maculaos reboot --recovery", () => {
  it("switches the running development device into the recovery profile: its services stop", async () => {
    const before = await service();
    expect(before.state).toBe("running");
    const r = await maculaos("reboot", "--recovery");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^rebooted into recovery mode/);
    expect(JSON.parse((await maculaos("info", "--json")).stdout)).toMatchObject({ mode: "recovery" });
    expect(await service()).toMatchObject({ state: "stopped", pid: null });
    expect(() => process.kill(before.pid!, 0)).toThrow();
    expect((await maculaos("restart", "counter")).stderr).toMatch(/cannot restart counter in recovery mode/);
  }, 60_000);
});
