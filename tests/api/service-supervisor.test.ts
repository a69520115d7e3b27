// The shared service supervisor, with the built appliance as a real process: several services under one supervisor
// process; the appliance killed with SIGKILL while the services keep running and are found again; the supervisor
// itself killed with SIGKILL, replaced by the appliance, and the new one taking the services over without starting a
// second copy (their logs going on), and restarting one that ended while no supervisor watched it.
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { rssMb, startAppliance, type ApplianceProcess } from "~/scripts/lib/appliance-process.mjs";
import { runBin } from "../helpers/appliance";
import { buildScriptRelease, stopSupervisors, supervisorPid, waitFor } from "../helpers/services";

let work: string;
let root: string;
let app: ApplianceProcess;
const errors: string[] = [];
const NAMES = ["tick-a", "tick-b", "tick-c"];
vi.setConfig({ testTimeout: 60_000 });

type View = { name: string; state: string; pid: number | null; restarts: number };
const cli = (...args: string[]) => runBin("maculaos", args, { MACULAOS_ROOT: root });
const services = async () => JSON.parse((await cli("services", "--json")).stdout) as View[];
/** The parent pid of `pid`. */
const parentOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[1]);
/** True while `pid` runs (a zombie, waiting for init to reap it, has ended). */
const running = (pid: number) => !/\) [ZX] /.test(existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, "utf8") : ") X ");
/** A process's argv ([] when it has ended meanwhile). */
function cmdline(pid: string): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return [];
  }
}
/** How many sandboxes run the version directories of service `name` (one per running copy). */
const copies = (name: string) =>
  readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .map((p) => cmdline(p))
    .filter((argv) => argv[0]?.endsWith("unshare") && argv.includes("maculaos-sandbox") && argv.some((a) => a.startsWith(join(root, "var/lib/maculaos/services", name, "versions")))).length;
/** The tick numbers a service has logged. */
const ticks = async (name: string) => [...(await readFile(join(root, "var/log/maculaos/services", `${name}.log`), "utf8")).matchAll(/ stdout tick (\d+)/g)].map((m) => Number(m[1]));
/** Starts (or starts again) the appliance on the test's root. */
async function boot(): Promise<void> {
  app = await startAppliance({ root, args: ["--api-only"] });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "maculaos-supervisor-"));
  root = join(work, "device");
  await boot();
  const set = await cli("config", "set", "services", JSON.stringify({ restart_delay_ms: 50, settle_seconds: 1 }));
  expect(set.code, set.stderr).toBe(0);
});

afterAll(async () => {
  errors.push(...(app?.errorLogs() ?? []));
  await app?.stop();
  await stopSupervisors(root);
  await rm(work, { recursive: true, force: true });
  expect(errors).toEqual([]);
});

describe("one supervisor for all services", () => {
  it("runs several services under one supervisor process", async () => {
    const tarballs = await Promise.all(NAMES.map((n) => buildScriptRelease(work, n, "1.0.0", `i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.2; done`)));
    const deployed = await Promise.all(tarballs.map((t) => cli("deploy", t)));
    for (const d of deployed) expect(d.code, d.stdout + d.stderr).toBe(0);
    const supervisor = await supervisorPid(root);
    expect(supervisor).not.toBeNull();
    const list = await services();
    expect(list.map((s) => [s.name, s.state])).toEqual(NAMES.map((n) => [n, "running"]));
    for (const s of list) {
      expect(parentOf(s.pid ?? 0)).toBe(supervisor);
      expect(copies(s.name)).toBe(1);
    }
    expect(rssMb(supervisor ?? 0)).toBeLessThan(80);
  });

  it("keeps the services running while the appliance is killed, and the appliance started again finds them", async () => {
    const before = await services();
    const supervisor = await supervisorPid(root);
    errors.push(...app.errorLogs());
    await app.kill();
    const logged = (await ticks("tick-a")).length;
    await waitFor("tick-a logging on without the appliance", async () => (await ticks("tick-a")).length > logged + 2);
    await boot();
    expect(await services()).toEqual(before.map((s) => expect.objectContaining({ name: s.name, state: "running", pid: s.pid, restarts: 0 })));
    expect(await supervisorPid(root)).toBe(supervisor);
  });

  it("replaces a killed supervisor; the new one takes the services over without a second copy, and their logs go on", async () => {
    const before = await services();
    const old = (await supervisorPid(root)) ?? 0;
    process.kill(old, "SIGKILL");
    const replaced = await waitFor("a new supervisor", async () => {
      const pid = await supervisorPid(root);
      return pid !== old && pid;
    });
    await waitFor("the appliance connected to it", async () => (await services()).every((s) => s.state === "running"));
    const after = await services();
    expect(after).toEqual(before.map((s) => expect.objectContaining({ name: s.name, state: "running", pid: s.pid, restarts: 0 })));
    for (const s of after) expect(copies(s.name)).toBe(1);
    // the same process goes on counting (no "tick 1" again), and the new supervisor writes it down
    const log = await readFile(join(root, "var/log/maculaos/services/tick-a.log"), "utf8");
    expect(log).toContain(`supervisor ${replaced} took over tick-a (pid ${before[0]?.pid})`);
    const seen = (await ticks("tick-a")).length;
    const more = await waitFor("tick-a logging through the new supervisor", async () => {
      const t = await ticks("tick-a");
      return t.length > seen + 2 && t;
    });
    expect(more.filter((n) => n === 1)).toHaveLength(1);
    expect(more).toEqual([...more].sort((a, b) => a - b));
  });

  it("restarts a service that ended while no supervisor watched it, and takes the others over", async () => {
    const before = await services();
    const old = (await supervisorPid(root)) ?? 0;
    process.kill(old, "SIGKILL");
    process.kill(-(before[1]?.pid ?? 0), "SIGKILL"); // tick-b dies while nobody watches
    const after = await waitFor("tick-b running again", async () => {
      const list = await services();
      return list[1]?.state === "running" && list[1].pid !== before[1]?.pid && list;
    });
    expect(after[0]).toMatchObject({ state: "running", pid: before[0]?.pid, restarts: 0 });
    expect(after[2]).toMatchObject({ state: "running", pid: before[2]?.pid, restarts: 0 });
    expect(after[1]?.restarts).toBe(1);
    for (const s of after) expect(copies(s.name)).toBe(1);
    expect((await cli("logs", "tick-b", "-n", "20")).stdout).toMatch(/its exit status is unknown\); restarting in 50 ms/);
  });

  it("stops every service when the supervisor is stopped on purpose (SIGTERM), and the appliance leaves it stopped", async () => {
    const before = await services();
    await stopSupervisors(root);
    await waitFor("the services ended", async () => before.every((s) => !running(s.pid ?? 0)), 5000);
    await new Promise((r) => setTimeout(r, 1500)); // more than a round of watching
    expect(await supervisorPid(root)).toBeNull();
    // the next start of the appliance brings them back, as after a reboot
    await app.stop();
    await boot();
    await waitFor("all running again", async () => (await services()).every((s) => s.state === "running"));
    for (const n of NAMES) expect(copies(n)).toBe(1);
  });
});
