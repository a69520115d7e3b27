// Monitoring as one running piece: the sampler on its interval, alert evaluation after each sample, user health
// checks on their own intervals with their actions, and the bus. startMonitoring() runs it for a System;
// monitoringOf(sys) finds it for the API.
import { join } from "node:path";
import { AppError } from "../errors";
import { removeDisposable } from "../host/cleanup";
import { bytesText } from "../host/space";
import { writeFluentBit } from "../logs/fluent-bit";
import type { LogSink } from "../logs/sink";
import type { System } from "../system";
import { Alerts } from "./alerts";
import { Bus } from "./bus";
import { parseDuration } from "./duration";
import { runHealth, runUserCheck, type CheckResult, type HealthReport, type UserCheck } from "./health";
import { Sampler } from "./sampler";
import type { MonitorSources, ServiceStatus } from "./sources";

/** The running monitoring of one System. */
export class Monitoring {
  readonly sampler: Sampler;
  readonly alerts: Alerts;
  readonly sources: MonitorSources = {};
  /** The latest result of each user check, by name. */
  readonly checkResults = new Map<string, CheckResult>();
  private bus: Bus;
  private timer: NodeJS.Timeout | undefined;
  private readonly checkTimers = new Map<string, { spec: string; timer: NodeJS.Timeout }>();
  private stopped = false;
  /** Alert evaluation and user health checks (whose actions restart services) run only in the normal profile. */
  private alerting: boolean;
  private readonly onEvent: (e: { action: string }) => void;

  constructor(
    private readonly sys: System,
    /** The appliance's own log, for `maculaos logs`. */
    readonly logs: LogSink,
  ) {
    this.alerting = sys.mode === "normal";
    const m = sys.config.current().monitoring;
    this.sampler = new Sampler(parseDuration(m.interval), sys.paths.dataDir);
    this.bus = new Bus(sys.config.current().mesh.nats_url, sys.log.child("bus"));
    this.alerts = new Alerts(sys, () => this.bus, () => this.intervalMs());
    this.onEvent = (e) => {
      if (e.action.startsWith("config.")) this.reconfigure();
    };
  }

  /** The sampling (and alert evaluation) interval in force. */
  intervalMs(): number {
    return parseDuration(this.sys.config.current().monitoring.interval);
  }

  /** The local bus alerts go to. */
  busState(): { url: string; state: string; dropped: number } {
    return { url: this.bus.url, state: this.bus.state, dropped: this.bus.dropped };
  }

  /** Tells monitoring about another capability (services, mesh, backups). */
  connect(sources: MonitorSources): void {
    Object.assign(this.sources, sources);
  }

  /** The services, or undefined when no service manager is connected (or it fails). */
  async services(): Promise<ServiceStatus[] | undefined> {
    return this.sources.services?.list().catch((error: unknown) => {
      this.sys.log.warn("the service manager did not answer", { error });
      return undefined;
    });
  }

  /** Takes the first sample and starts the schedules. */
  async start(): Promise<void> {
    await this.sampler.loadHistory(join(this.sys.paths.dataDir, "metrics-history.json"));
    await this.tick();
    this.sys.events.on("event", this.onEvent);
    this.reconfigure();
  }

  /** One round: sample, then evaluate the alerts. */
  async tick(): Promise<void> {
    try {
      const sample = await this.sampler.sample();
      if (this.alerting) await this.alerts.evaluate(sample, await this.services());
    } catch (error) {
      if (!this.stopped) this.sys.log.warn("a monitoring round failed", { error });
    }
  }

  /** True while alerts are evaluated and user health checks run (not in recovery mode). */
  get alertingOn(): boolean {
    return this.alerting;
  }

  /** Starts or stops evaluating alerts and running user health checks (a development device's reboot into or out of
   * recovery mode). */
  setAlerting(on: boolean): void {
    if (on === this.alerting) return;
    this.alerting = on;
    this.reconfigure();
  }

  /** The last hour at full resolution, or 7 days of 5-minute averages, with the interval. */
  series(range: "hour" | "week") {
    return { range, intervalMs: range === "hour" ? this.sampler.intervalMs : this.sampler.history.bucketMs, ...(range === "hour" ? this.sampler.lastHour() : this.sampler.week()) };
  }

  /** Every alert's state and where they are delivered. */
  alertsView() {
    return { alerts: this.alerts.list(), firing: this.alerts.firingCount(), bus: this.busState() };
  }

  /** Runs every health check now. */
  health(): Promise<HealthReport> {
    return runHealth(this.sys, { sampler: this.sampler, services: this.sources.services });
  }

  /** Re-arms the schedules after a config change (interval, bus URL, user checks). */
  private reconfigure(): void {
    if (this.stopped) return;
    const config = this.sys.config.current();
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.tick(), this.intervalMs());
    this.timer.unref();
    if (config.mesh.nats_url !== this.bus.url) {
      void this.bus.close();
      this.bus = new Bus(config.mesh.nats_url, this.sys.log.child("bus"));
    }
    void writeFluentBit(this.sys.paths, config.logging).then(
      (change) => change && this.sys.log.info(`fluent-bit configuration ${change}`, { forward_to: config.logging.forward_to ?? null, format: config.logging.format }),
      (error: unknown) => this.sys.log.warn("cannot write the fluent-bit configuration", { error }),
    );
    const checks = new Map(this.alerting ? config.health.checks.map((c) => [c.name, c]) : []);
    for (const [name, t] of this.checkTimers) {
      const c = checks.get(name);
      if (c && JSON.stringify(c) === t.spec) continue;
      clearInterval(t.timer);
      this.checkTimers.delete(name);
      this.checkResults.delete(name);
      this.alerts.forget(`check:${name}`);
    }
    for (const c of checks.values()) {
      if (this.checkTimers.has(c.name)) continue;
      const timer = setInterval(() => void this.runCheck(c), parseDuration(c.interval));
      timer.unref();
      this.checkTimers.set(c.name, { spec: JSON.stringify(c), timer });
      void this.runCheck(c);
    }
  }

  /** Runs a user check on its schedule and does its action when it fails. */
  private async runCheck(check: UserCheck): Promise<void> {
    const previous = this.checkResults.get(check.name);
    const result = await runUserCheck(this.sys, check);
    if (this.stopped) return;
    this.checkResults.set(check.name, result);
    const config = this.sys.config.current();
    try {
      if (check.action === "alert") {
        const topic = check.topic ?? `${config.mesh.realm}.alerts.health.${check.name}`;
        await this.alerts.update({ name: `check:${check.name}`, condition: `health check ${check.name} (${check.type} ${check.target}) fails`, topic, forMs: 0 }, { active: result.state === "fail", cleared: result.state === "ok", value: null });
      } else if (result.state === "fail" && previous?.state !== "fail") await this.act(check, result);
    } catch (error) {
      this.sys.log.warn("a health check action failed", { check: check.name, error });
    }
  }

  private async act(check: UserCheck, result: CheckResult): Promise<void> {
    const record = (outcome: "ok" | "failed", detail: string) => this.sys.events.record({ actor: "system", action: `health.${check.action}`, target: check.name, outcome, detail });
    if (check.action === "restart") {
      const service = check.service ?? check.target;
      if (!this.sources.services) return void (await record("failed", `${result.detail}; cannot restart ${service}: no service manager is connected`));
      await this.sources.services.restart(service).then(
        () => record("ok", `${result.detail}; restarted ${service}`),
        (e: Error) => record("failed", `${result.detail}; restarting ${service} failed: ${e.message}`),
      );
      return;
    }
    const { removed, freed } = await removeDisposable(this.sys);
    await record("ok", `${result.detail}; removed ${removed} rotated logs, cache entries and temporary files (${bytesText(freed)})`);
  }

  /** Stops every schedule and closes the bus. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const t of this.checkTimers.values()) clearInterval(t.timer);
    this.sys.events.off("event", this.onEvent);
    await this.sampler.saveHistory().catch((error: unknown) => this.sys.log.warn("cannot save the metrics history", { error }));
    await this.bus.close();
  }
}

const running = new WeakMap<System, Monitoring>();

/** Starts monitoring for `sys` (one per System); `logs` is the appliance's log sink. */
export async function startMonitoring(sys: System, logs: LogSink): Promise<Monitoring> {
  const m = new Monitoring(sys, logs);
  running.set(sys, m);
  await m.start();
  return m;
}

/** The running monitoring of `sys`; UNAVAILABLE when it was not started (e.g. in recovery). */
export function monitoringOf(sys: System): Monitoring {
  const m = running.get(sys);
  if (!m) throw new AppError("UNAVAILABLE", "monitoring is not running on this appliance");
  return m;
}
