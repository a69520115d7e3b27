// Health checks: the built-in ones (disk, memory, services, mesh, time sync, update state, config, database) and the
// user's from `health.checks`. Each says ok, warn or fail with a detail; nothing claims ok without looking.
import { statfs } from "node:fs/promises";
import { join } from "node:path";
import { readBootState } from "../boot/boot-env";
import { viewBoot } from "../boot/lifecycle";
import type { MaculaConfig } from "../config";
import { bootedSlot } from "../host/device";
import { exists } from "../host/files";
import { runningProcessNames } from "../host/metric-sources";
import { probeQuic } from "../host/quic-probe";
import type { System } from "../system";
import type { Sampler } from "./sampler";
import type { ServiceSource } from "./sources";

/** A check's verdict. */
export type CheckState = "ok" | "warn" | "fail";

/** One check's result. */
export interface CheckResult {
  name: string;
  kind: "builtin" | "user";
  state: CheckState;
  detail: string;
}

/** The whole report: the worst state and every check. */
export interface HealthReport {
  status: CheckState;
  checkedAt: string;
  checks: CheckResult[];
}

/** A user check from the config. */
export type UserCheck = MaculaConfig["health"]["checks"][number];

const RANK: Record<CheckState, number> = { ok: 0, warn: 1, fail: 2 };

/** The worse of states. */
export function worst(states: CheckState[]): CheckState {
  return states.reduce<CheckState>((a, b) => (RANK[b] > RANK[a] ? b : a), "ok");
}

const pct = (n: number) => `${n.toFixed(1)}%`;

function level(value: number, warnAt: number, failAt: number): CheckState {
  return value >= failAt ? "fail" : value >= warnAt ? "warn" : "ok";
}

async function usedPercent(path: string): Promise<number> {
  const s = await statfs(path);
  const used = (s.blocks - s.bfree) * s.bsize;
  return (used / (used + s.bavail * s.bsize)) * 100;
}

/** What the built-in checks need besides the System. */
export interface CheckContext {
  sampler: Sampler;
  services: ServiceSource | undefined;
}

type Check = (sys: System, c: CheckContext) => Promise<Omit<CheckResult, "name" | "kind">>;

const BUILTIN: Record<string, Check> = {
  async disk(sys) {
    const p = await usedPercent(sys.paths.dataDir);
    return { state: level(p, 85, 95), detail: `${pct(p)} used on the data partition (${sys.paths.dataDir}); warn at 85%, fail at 95%` };
  },
  async memory(_sys, c) {
    const s = c.sampler.latest() ?? (await c.sampler.sample());
    return { state: level(s.memory, 90, 97), detail: `${pct(s.memory)} of memory in use; warn at 90%, fail at 97%` };
  },
  async services(_sys, c) {
    if (!c.services) return { state: "warn", detail: "no service manager is connected, so service health is unknown" };
    const list = await c.services.list();
    const down = list.filter((s) => !s.up);
    if (down.length) return { state: "fail", detail: `${down.length} of ${list.length} down: ${down.map((s) => (s.detail ? `${s.name} (${s.detail})` : s.name)).join(", ")}` };
    return { state: "ok", detail: list.length ? `all ${list.length} services running` : "no services deployed" };
  },
  async mesh(sys) {
    const nodes = sys.config.current().mesh.bootstrap_nodes;
    if (!nodes.length) return { state: "warn", detail: "no bootstrap nodes configured" };
    const results = await Promise.all(
      nodes.map((hp) => {
        const i = hp.lastIndexOf(":");
        return probeQuic(hp.slice(0, i), Number(hp.slice(i + 1)));
      }),
    );
    const up = results.filter((r) => r.ok).length;
    const failures = results.filter((r) => !r.ok).map((r) => r.detail);
    if (up === nodes.length) return { state: "ok", detail: `${up} of ${nodes.length} bootstrap nodes answer over QUIC` };
    return { state: up ? "warn" : "fail", detail: `${up} of ${nodes.length} bootstrap nodes answer over QUIC; ${failures.join("; ")}` };
  },
  async time(sys) {
    const marker = join(sys.root, "run/systemd/timesync/synchronized");
    if (await exists(marker)) return { state: "ok", detail: "systemd-timesyncd reports the clock synchronized" };
    return { state: "warn", detail: `the clock is not known to be synchronized (systemd-timesyncd has not written ${marker})` };
  },
  async update(sys) {
    const { state } = await readBootState(sys.paths);
    const slot = await bootedSlot(sys.paths);
    const view = viewBoot(state, slot);
    if (view.trial) return { state: "warn", detail: `slot ${slot} is on trial (attempt ${view.trial.attempt} of ${view.trial.of}); it is committed once healthy` };
    if (view.order[0] !== slot) return { state: "warn", detail: `running slot ${slot}, but slot ${view.order[0]} is set to boot next` };
    return { state: "ok", detail: `slot ${slot} committed` };
  },
  async config(sys) {
    return sys.config.problem ? { state: "fail", detail: `config.yaml is invalid, running on the last good config: ${sys.config.problem}` } : { state: "ok", detail: "config.yaml is valid and in force" };
  },
  async database(sys) {
    const started = performance.now();
    const rows = await sys.db.$queryRawUnsafe<{ quick_check: string }[]>("PRAGMA quick_check");
    const ms = performance.now() - started;
    const verdict = rows[0]?.quick_check ?? "no answer";
    return verdict === "ok" ? { state: ms > 1000 ? "warn" : "ok", detail: `integrity ok, answered in ${ms.toFixed(0)} ms` } : { state: "fail", detail: `integrity check: ${verdict}` };
  },
};

/** The names of the built-in checks, in report order. */
export const BUILTIN_CHECKS = Object.keys(BUILTIN);

/** Runs one user check. */
export async function runUserCheck(sys: System, check: UserCheck): Promise<CheckResult> {
  const r = (state: CheckState, detail: string): CheckResult => ({ name: check.name, kind: "user", state, detail });
  if (check.type === "process") return (await runningProcessNames()).has(check.target) ? r("ok", `process ${check.target} is running`) : r("fail", `no process named ${check.target} is running`);
  if (check.type === "disk") {
    const limit = check.threshold ?? 90;
    const path = join(sys.root, check.target);
    const p = await usedPercent(path).catch(() => NaN);
    if (Number.isNaN(p)) return r("fail", `cannot read the filesystem of ${check.target}`);
    return r(level(p, limit - 5, limit), `${pct(p)} used on ${check.target}; fail at ${limit}%`);
  }
  const started = performance.now();
  try {
    const res = await fetch(check.target, { signal: AbortSignal.timeout(5000), redirect: "manual" });
    await res.body?.cancel();
    const ms = performance.now() - started;
    if (res.status >= 400) return r("fail", `${check.target} answered ${res.status}`);
    if (check.threshold !== undefined && ms > check.threshold) return r("warn", `${check.target} answered ${res.status} in ${ms.toFixed(0)} ms, slower than ${check.threshold} ms`);
    return r("ok", `${check.target} answered ${res.status} in ${ms.toFixed(0)} ms`);
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return r("fail", `${check.target}: ${(e as Error).name === "TimeoutError" ? "no answer within 5 s" : (cause ?? (e as Error).message)}`);
  }
}

/** Runs every built-in and user check now. */
export async function runHealth(sys: System, c: CheckContext): Promise<HealthReport> {
  const builtins = await Promise.all(
    BUILTIN_CHECKS.map(async (name): Promise<CheckResult> => {
      try {
        return { name, kind: "builtin", ...(await (BUILTIN[name] as Check)(sys, c)) };
      } catch (e) {
        return { name, kind: "builtin", state: "fail", detail: `the check itself failed: ${(e as Error).message}` };
      }
    }),
  );
  const users = await Promise.all(sys.config.current().health.checks.map((check) => runUserCheck(sys, check)));
  const checks = [...builtins, ...users];
  return { status: worst(checks.map((x) => x.state)), checkedAt: new Date().toISOString(), checks };
}
