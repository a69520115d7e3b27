// The service manager: deploys images and release tarballs, keeps the desired state in the database, and runs every
// service under the one shared supervisor (system/host/supervisor.mjs, detached, so services outlive appliance
// restarts and are found again; a supervisor that dies is started again and takes the running services over). It
// watches them (state changes pushed by the supervisor, http and tcp checks, with a health history), tells live
// views of each change, and rolls a deploy back when the new version fails.
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { chown, mkdir, readFile, rename, rm, readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { basename, join } from "node:path";
import { AppError, isAppError } from "../errors";
import { latest } from "../events/latest";
import { archiveSizes, extractTar } from "../host/archive";
import { chooseRuntime, crunArgv } from "../host/oci-runtime";
import { prepareMountTarget, sandboxArgv, type Mount } from "../host/sandbox";
import { bytesText, requireSpace } from "../host/space";
import type { JobControl, JobView } from "../jobs/jobs";
import type { System } from "../system";
import { planImage, pullLayers, unpackedEstimate } from "./image";
import { hostPlatform } from "./registry";
import { followLog, LOG_KEEP, readLog, type LogLine } from "./logs";
import { detectRelease, releaseEtc, releaseRoot, releaseUser } from "./release";
import { SupervisorLink, type SupervisorSpec, type SupervisorStatus } from "./supervisor-link";

/** How one version of a service runs (stored as JSON in the database). */
export interface RunSpec {
  version: string;
  kind: "image" | "release";
  argv: string[];
  env: Record<string, string>;
  workdir: string;
  uid: number;
  gid: number;
  volumes: string[];
  ports: number[];
  health?: { http?: string | undefined; tcp?: string | undefined; intervalSeconds: number } | undefined;
  /** How long the health check may take to pass after a start (0 without one). */
  startSeconds: number;
  stopTimeoutMs: number;
}

/** Where a service came from. */
export type ServiceSource = { kind: "image"; ref: string; digest: string } | { kind: "release"; name: string; version: string; type: string };

/** What `deploy` takes: an image reference or an uploaded tarball, with optional overrides. */
export interface DeployInput {
  image?: string | undefined;
  upload?: string | undefined;
  name?: string | undefined;
  env?: Record<string, string> | undefined;
  health?: { http?: string | undefined; tcp?: string | undefined } | undefined;
  ports?: number[] | undefined;
}

/** A service's state: the supervisor's, or `exited` while no supervisor answers for a service that should run. */
export type ServiceState = "running" | "backoff" | "stopped" | "failed" | "exited";

/** One service as the API shows it. */
export interface ServiceView {
  name: string;
  source: ServiceSource;
  sourceLabel: string;
  desired: "running" | "stopped";
  state: ServiceState;
  reason: string | null;
  pid: number | null;
  startedAt: string | null;
  uptimeSeconds: number | null;
  restarts: number;
  ports: number[];
  health: "healthy" | "unhealthy" | "unknown";
  deployedAt: Date;
  hasPrevious: boolean;
}

interface Stored {
  spec: RunSpec;
  source: ServiceSource;
}

/** Names that would collide with the appliance's own files under /var/lib/maculaos. */
const RESERVED = new Set(["services", "keys", "update", "updates", "backup", "backups", "config", "mesh", "tmp", "uploads"]);
const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const LOG_MAX_BYTES = 10 * 1024 * 1024;
const MONITOR_MS = 1000;
const RETRY_MS = 10_000;
const DEFAULT_VOLUME = "/data";

/** Checks a service name: lowercase letters, digits, - and _, not one of the appliance's own directories. */
export function checkName(name: string): string {
  if (!NAME.test(name) || RESERVED.has(name)) throw new AppError("INVALID_INPUT", `bad service name ${JSON.stringify(name)}: use lowercase letters, digits, - and _ (up to 63), not ${[...RESERVED].join(", ")}`);
  return name;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Deploys, runs and watches the node's services; emits `change` whenever a service's view may have changed. */
export class ServiceManager extends EventEmitter<{ change: [] }> {
  private timer: NodeJS.Timeout | undefined;
  private readonly lastState = new Map<string, string>();
  /** The last check of each service, and the run it checked (its start time): a new run starts unknown. */
  private readonly lastHealth = new Map<string, { ok: boolean; at: number; run: string | null }>();
  private readonly busy = new Set<string>();
  private ticking = false;
  private recovering: Promise<void> | null = null;
  /** No new supervisor is started by the watching before this time (after one could not be started). */
  private retryAt = 0;
  private closed = false;
  /** Between pauseAll() and init(): the data is being swapped, so nothing is written to the database. */
  private paused = false;
  /** crun where it works, else the namespace sandbox (chosen once per start of the appliance). */
  readonly runtime = chooseRuntime();
  /** The connection to the shared supervisor. */
  private readonly link: SupervisorLink;

  constructor(private readonly sys: System) {
    super();
    this.setMaxListeners(0); // one listener per live view
    this.link = new SupervisorLink(this.p.run, join(this.sys.paths.logDir, "supervisor.log"));
    this.link.on("status", (s) => this.onStatus(s));
    this.link.on("removed", () => this.changed());
    this.link.on("lost", (gone) => {
      this.changed();
      if (!this.link.stopped) this.recover(gone); // killed: start a new one; stopped on purpose (a shutdown): leave it
    });
  }

  private get p() {
    const services = join(this.sys.paths.dataDir, "services");
    const run = join(this.sys.paths.runDir, "services");
    return {
      services,
      uploads: join(services, ".uploads"),
      dir: (n: string) => join(services, n),
      version: (n: string, v: string) => join(services, n, "versions", v),
      rootfs: (n: string, v: string) => join(services, n, "versions", v, "rootfs"),
      volume: (n: string) => join(this.sys.paths.dataDir, n),
      logDir: join(this.sys.paths.logDir, "services"),
      log: (n: string) => join(this.sys.paths.logDir, "services", `${n}.log`),
      run,
    };
  }

  /** Connects to the supervisor (starting it when a service should run and none does, after a reboot), starts every
   * service whose desired state is running and that the supervisor does not run, and starts watching. */
  async init(): Promise<void> {
    this.closed = false;
    this.paused = false;
    await mkdir(this.p.run, { recursive: true, mode: 0o700 });
    await mkdir(this.p.logDir, { recursive: true });
    const rows = await this.sys.db.service.findMany();
    try {
      if (rows.some((r) => r.desired === "running")) await this.link.ensure();
      else await this.link.attach();
      if (this.link.connected) await this.reconcile(rows, "started again after the node came up");
    } catch (error) {
      this.sys.log.warn("the service supervisor could not be reached; trying again", { error });
    }
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.tick(), MONITOR_MS);
    this.timer.unref();
    this.changed();
  }

  /** Stops every service and the watching (a restore is about to swap their data); desired states stay as they are,
   * and init() starts what should run again, from the state then in the database. */
  async pauseAll(): Promise<void> {
    clearInterval(this.timer);
    this.paused = true;
    for (const row of await this.sys.db.service.findMany()) await this.halt(row.name);
  }

  /** Tells live views that a service may have changed (not while paused: they would read the database mid-swap). */
  private changed(): void {
    if (!this.paused) this.emit("change");
  }

  /** Stops watching and disconnects (the supervisor and the services keep running). */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.link.close();
  }

  /** Makes the supervisor run what the database says should run: starts services it does not run, stops those that
   * should be stopped, and forgets those the database no longer has. `why` goes into the start events. */
  private async reconcile(rows: Array<{ name: string; spec: string; source: string; desired: string }>, why: string): Promise<void> {
    for (const row of rows) {
      if (this.busy.has(row.name)) continue;
      const s = this.link.statuses.get(row.name);
      try {
        if (row.desired === "running" && (!s || s.state === "stopped")) {
          await this.launch(row.name, this.stored(row).spec);
          await this.sys.events.record({ actor: "system", action: "service.start", target: row.name, outcome: "ok", detail: why });
        } else if (row.desired === "stopped" && s && s.state !== "stopped") await this.halt(row.name);
      } catch (error) {
        this.sys.log.warn("a service could not be started", { service: row.name, error });
      }
    }
    for (const name of [...this.link.statuses.keys()]) if (!this.busy.has(name) && !rows.some((r) => r.name === name)) await this.link.request({ op: "forget", name });
  }

  /** After the supervisor went away (killed): starts a new one, which takes the running services over, and starts what
   * should run and no longer does. */
  private recover(gone: number | null = null): void {
    if (this.recovering || this.closed || this.paused || Date.now() < this.retryAt) return;
    this.recovering = (async () => {
      const rows = await this.sys.db.service.findMany();
      if (!rows.some((r) => r.desired === "running")) return;
      await this.link.ensure();
      this.sys.log.warn("the service supervisor was gone; a new one took the running services over", { gone, supervisor: this.link.pid });
      await this.sys.events.record({ actor: "system", action: "service.supervisor", target: "supervisor", outcome: "failed", detail: `the service supervisor${gone ? ` (pid ${gone})` : ""} was gone; pid ${this.link.pid} took the running services over` });
      await this.reconcile(rows, "started again: it had ended while its supervisor was gone");
    })()
      .catch((error: unknown) => {
        this.retryAt = Date.now() + RETRY_MS;
        this.sys.log.warn(`the service supervisor could not be started again; trying again in ${RETRY_MS / 1000} s`, { error });
      })
      .finally(() => (this.recovering = null));
  }

  /** A status pushed by the supervisor: live views learn of it, and a change of state becomes an event (and a failed
   * process check in the health history) unless the manager itself is changing the service. */
  private onStatus(s: SupervisorStatus): void {
    this.changed();
    const key = `${s.state}:${s.restarts}`;
    const before = this.lastState.get(s.name);
    this.lastState.set(s.name, key);
    if (this.busy.has(s.name) || this.paused || before === undefined || before === key) return;
    const failed = s.state === "failed" || s.state === "backoff";
    void (async () => {
      await this.sys.events.record({ actor: "system", action: `service.${s.state}`, target: s.name, outcome: failed ? "failed" : "ok", detail: s.reason });
      if (failed) await this.recordHealth(s.name, { ok: false, check: "process", detail: s.reason ?? s.state });
    })().catch((error: unknown) => this.sys.log.warn("a service's state change could not be recorded", { service: s.name, error }));
  }

  private stored(row: { spec: string; source: string }): Stored {
    return { spec: JSON.parse(row.spec) as RunSpec, source: JSON.parse(row.source) as ServiceSource };
  }

  private async row(name: string) {
    const row = await this.sys.db.service.findUnique({ where: { name } });
    if (!row) throw new AppError("NOT_FOUND", `no service ${name}`);
    return row;
  }

  // ---- views ----

  private view(row: { name: string; spec: string; source: string; previous: string | null; desired: string; deployedAt: Date }): ServiceView {
    const { spec, source } = this.stored(row);
    const status = this.link.statuses.get(row.name);
    // In recovery mode nothing runs services on purpose: a service that should run is stopped, and says why.
    const held = !status && row.desired === "running" && this.sys.mode === "recovery";
    const state: ServiceState = status?.state ?? (row.desired === "running" && !held ? "exited" : "stopped");
    const running = state === "running" && status?.startedAt;
    const h = this.lastHealth.get(row.name);
    const checked = h && h.run === (status?.startedAt ?? null) ? h : undefined;
    return {
      name: row.name,
      source,
      sourceLabel: source.kind === "image" ? `${source.ref}@${source.digest.slice(0, 19)}` : `${source.name} ${source.version} (${source.type} release)`,
      desired: row.desired === "running" ? "running" : "stopped",
      state,
      reason: held ? "recovery mode: it starts when the node boots normally" : state === "failed" || state === "backoff" ? (status?.reason ?? null) : null,
      pid: running ? (status?.pid ?? null) : null,
      startedAt: running ? (status?.startedAt ?? null) : null,
      uptimeSeconds: running && status?.startedAt ? Math.max(0, Math.round((Date.now() - Date.parse(status.startedAt)) / 1000)) : null,
      restarts: status?.restarts ?? 0,
      ports: spec.ports,
      health: state !== "running" ? (state === "stopped" ? "unknown" : "unhealthy") : !checked ? "unknown" : checked.ok ? "healthy" : "unhealthy",
      deployedAt: row.deployedAt,
      hasPrevious: row.previous !== null,
    };
  }

  /** Every service with its live state. */
  async list(): Promise<ServiceView[]> {
    const rows = await this.sys.db.service.findMany({ orderBy: { name: "asc" } });
    return rows.map((r) => this.view(r));
  }

  /** Every service with its live state, now and after each change, until `signal` aborts. */
  async *watch(signal?: AbortSignal): AsyncGenerator<ServiceView[]> {
    const changes = latest<null>((push) => {
      const on = () => push(null);
      this.on("change", on);
      return () => this.off("change", on);
    }, signal, { value: null });
    for await (const _ of changes) yield await this.list(); // eslint-disable-line @typescript-eslint/no-unused-vars
  }

  /** One service with how it runs and its recent health history. */
  async get(name: string) {
    const row = await this.row(name);
    const { spec } = this.stored(row);
    const history = await this.sys.db.serviceHealth.findMany({ where: { service: name }, orderBy: { id: "desc" }, take: 50 });
    return {
      ...this.view(row),
      command: spec.argv,
      workdir: spec.workdir,
      volumes: spec.volumes.map((v, i) => ({ host: this.volumeSource(name, i), path: v })),
      healthCheck: spec.health ?? null,
      runtime: this.runtime,
      env: Object.keys(spec.env).sort(),
      history: history.map((h) => ({ at: h.at, ok: h.ok, check: h.check, detail: h.detail })),
    };
  }

  // ---- running ----

  private volumeSource(name: string, i: number): string {
    return i === 0 ? this.p.volume(name) : join(this.p.volume(name), `volume-${i}`);
  }

  /** The environment a service starts with: its own, then the mesh settings (so a MaculaClient registers itself). */
  private environment(name: string, spec: RunSpec): Record<string, string> {
    const c = this.sys.config.current();
    return {
      PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      HOME: "/root",
      ...spec.env,
      MACULA_SERVICE: name,
      MACULA_REALM: c.mesh.realm,
      MACULA_BOOTSTRAP_NODES: c.mesh.bootstrap_nodes.join(","),
      MACULA_NODE_NAME: c.hostname,
      MACULA_ROLE: c.mesh.role,
      ...(spec.volumes[0] ? { MACULA_DATA_DIR: spec.volumes[0] } : {}),
    };
  }

  /** The bind mounts of a version: for a release the host's system (its own /etc is in its root file system), the
   * host's hosts and resolv.conf, CA certificates for a release, devices, and the volumes (owned by the service's
   * user when they are made). */
  private async mounts(name: string, spec: RunSpec, rootfs: string): Promise<Mount[]> {
    const mounts: Mount[] = [];
    const add = async (source: string, target: string, readOnly: boolean, kind: "dir" | "file") => {
      await prepareMountTarget(rootfs, target, kind);
      mounts.push({ source, target, readOnly });
    };
    if (spec.kind === "release") for (const d of ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc/ssl/certs"]) if (existsSync(d)) await add(d, d, true, "dir");
    for (const d of ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"]) await add(d, d, false, "file");
    for (const f of ["/etc/resolv.conf", "/etc/hosts"]) if (existsSync(f)) await add(f, f, true, "file");
    for (const [i, path] of spec.volumes.entries()) {
      const source = this.volumeSource(name, i);
      const made = await mkdir(source, { recursive: true, mode: 0o750 });
      if (made !== undefined && (spec.uid || spec.gid)) await chown(source, spec.uid, spec.gid);
      await add(source, path, false, "dir");
    }
    await prepareMountTarget(rootfs, "/proc", "dir");
    await prepareMountTarget(rootfs, "/tmp", "dir");
    return mounts;
  }

  /** Has the supervisor start `spec` (replacing whatever runs as `name`). */
  private async launch(name: string, spec: RunSpec): Promise<void> {
    const rootfs = this.p.rootfs(name, spec.version);
    const mounts = await this.mounts(name, spec, rootfs);
    const env = this.environment(name, spec);
    const argv =
      this.runtime.runtime === "crun"
        ? await crunArgv(this.p.version(name, spec.version), { name, argv: spec.argv, env, workdir: spec.workdir, uid: spec.uid, gid: spec.gid, mounts })
        : sandboxArgv({ rootfs, workdir: spec.workdir, uid: spec.uid, gid: spec.gid, mounts, argv: spec.argv });
    const c = this.sys.config.current().services;
    const supervised: SupervisorSpec = {
      name,
      argv,
      env,
      logFile: this.p.log(name),
      logMaxBytes: LOG_MAX_BYTES,
      logKeep: LOG_KEEP,
      backoffMs: c.restart_delay_ms,
      maxBackoffMs: Math.max(c.max_restart_delay_ms, c.restart_delay_ms),
      maxQuickCrashes: c.crash_loop_restarts,
      quickMs: c.crash_loop_seconds * 1000,
      stopTimeoutMs: spec.stopTimeoutMs,
    };
    await this.link.request({ op: "start", spec: supervised });
  }

  /** Stops the service (SIGTERM to its processes, SIGKILL after the grace period) and waits until it has ended; a
   * service no supervisor runs is already stopped. */
  private async halt(name: string): Promise<void> {
    if (await this.link.attach()) await this.link.request({ op: "stop", name });
  }

  private async guard<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (this.busy.has(name)) throw new AppError("CONFLICT", `${name} is being changed right now; try again when that is done`);
    this.busy.add(name);
    try {
      return await work();
    } finally {
      this.busy.delete(name);
      this.changed();
    }
  }

  /** Starts a stopped (or failed) service. */
  start(name: string, actor: string): Promise<ServiceView> {
    return this.guard(name, async () => {
      const row = await this.row(name);
      await this.launch(name, this.stored(row).spec);
      await this.sys.db.service.update({ where: { name }, data: { desired: "running" } });
      await this.sys.events.record({ actor, action: "service.start", target: name, outcome: "ok" });
      return this.view(await this.row(name));
    });
  }

  /** Stops a service; it stays stopped across reboots until started. */
  stop(name: string, actor: string): Promise<ServiceView> {
    return this.guard(name, async () => {
      await this.row(name);
      await this.sys.db.service.update({ where: { name }, data: { desired: "stopped" } });
      await this.halt(name);
      await this.sys.events.record({ actor, action: "service.stop", target: name, outcome: "ok" });
      return this.view(await this.row(name));
    });
  }

  /** Stops and starts a service. */
  restart(name: string, actor: string): Promise<ServiceView> {
    return this.guard(name, async () => {
      const row = await this.row(name);
      await this.launch(name, this.stored(row).spec); // the supervisor stops the running one first
      await this.sys.db.service.update({ where: { name }, data: { desired: "running" } });
      await this.sys.events.record({ actor, action: "service.restart", target: name, outcome: "ok" });
      return this.view(await this.row(name));
    });
  }

  /** Removes a service and its versions; its data volume stays unless `purge`. */
  remove(name: string, actor: string, purge: boolean): Promise<{ name: string; dataKept: string | null }> {
    return this.guard(name, async () => {
      await this.row(name);
      if (await this.link.attach()) await this.link.request({ op: "forget", name });
      await this.sys.db.serviceHealth.deleteMany({ where: { service: name } });
      await this.sys.db.service.delete({ where: { name } });
      await rm(this.p.dir(name), { recursive: true, force: true });
      if (purge) await rm(this.p.volume(name), { recursive: true, force: true });
      this.lastState.delete(name);
      this.lastHealth.delete(name);
      await this.sys.events.record({ actor, action: "service.remove", target: name, outcome: "ok", detail: purge ? "data purged" : `data kept in ${this.p.volume(name)}` });
      return { name, dataKept: purge ? null : this.p.volume(name) };
    });
  }

  // ---- logs ----

  /** The last lines of a service's log (or those since a time). */
  async logs(name: string, opts: { lines?: number; since?: Date }): Promise<LogLine[]> {
    await this.row(name);
    return readLog(this.p.log(name), opts);
  }

  /** New log lines as they come. */
  async followLogs(name: string, signal?: AbortSignal): Promise<AsyncGenerator<LogLine[]>> {
    await this.row(name);
    return followLog(this.p.log(name), signal);
  }

  // ---- watching ----

  private async check(spec: RunSpec): Promise<{ ok: boolean; check: string; detail: string }> {
    const h = spec.health;
    if (h?.http) {
      try {
        const res = await fetch(h.http, { signal: AbortSignal.timeout(3000), redirect: "manual" });
        await res.body?.cancel();
        return { ok: res.status >= 200 && res.status < 400, check: "http", detail: `${h.http} answered ${res.status}` };
      } catch (e) {
        return { ok: false, check: "http", detail: `${h.http}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}` };
      }
    }
    if (h?.tcp) {
      const [host = "127.0.0.1", port = "0"] = h.tcp.split(/:(?=\d+$)/);
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect({ host, port: Number(port), timeout: 3000 }, () => (s.destroy(), resolve(true)));
        s.on("error", () => resolve(false)).on("timeout", () => (s.destroy(), resolve(false)));
      });
      return { ok, check: "tcp", detail: `${h.tcp} ${ok ? "accepts connections" : "refuses connections"}` };
    }
    return { ok: true, check: "process", detail: "running" };
  }

  private async recordHealth(name: string, r: { ok: boolean; check: string; detail: string }): Promise<void> {
    const last = this.lastHealth.get(name);
    this.lastHealth.set(name, { ok: r.ok, at: Date.now(), run: this.link.statuses.get(name)?.startedAt ?? null });
    if (last && last.ok === r.ok) return;
    await this.sys.db.serviceHealth.create({ data: { service: name, ok: r.ok, check: r.check, detail: r.detail } });
    this.changed();
  }

  /** One round of watching: the health checks that are due, and a new supervisor when it is gone. */
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const rows = await this.sys.db.service.findMany();
      // (a service being deployed or started is not missing its supervisor: the change itself starts one)
      if (!this.link.connected && !this.link.stopped && rows.some((r) => r.desired === "running" && !this.busy.has(r.name))) this.recover();
      const settle = this.sys.config.current().services.settle_seconds * 1000;
      for (const row of rows) {
        const s = this.link.statuses.get(row.name);
        // a run is first checked once it has had the settle time to come up (a deploy checks it itself)
        if (this.busy.has(row.name) || s?.state !== "running" || Date.now() - Date.parse(s.startedAt ?? "") < settle) continue;
        const { spec } = this.stored(row);
        const last = this.lastHealth.get(row.name);
        if (!last || last.run !== s.startedAt || !last.ok || Date.now() - last.at >= (spec.health?.intervalSeconds ?? 10) * 1000) await this.recordHealth(row.name, await this.check(spec));
      }
    } catch (error) {
      this.sys.log.warn("watching services failed once", { error });
    } finally {
      this.ticking = false;
    }
  }

  /** Waits until a just-started version has stayed up for the settle time (services.settle_seconds) and passed its
   * health check (within its start_seconds); returns why not. */
  private async comesUp(name: string, spec: RunSpec, job?: JobControl): Promise<string | null> {
    const first = this.link.statuses.get(name);
    const settle = this.sys.config.current().services.settle_seconds * 1000;
    const upBy = Date.now() + settle;
    const deadline = Date.now() + Math.max(spec.startSeconds * 1000, settle);
    let last = { ok: !spec.health, check: "process", detail: "" };
    for (;;) {
      const s = this.link.statuses.get(name);
      if (!s || s.state !== "running" || s.restarts !== (first?.restarts ?? 0)) return `it exited while starting (${s?.reason ?? s?.state ?? "no status"})`;
      if (spec.health) last = await this.check(spec);
      if (last.ok && Date.now() >= upBy) {
        await this.recordHealth(name, spec.health ? last : { ok: true, check: "process", detail: "running" });
        return null;
      }
      if (Date.now() >= deadline) break;
      job?.progress(0.95, `waiting for ${name} to come up${spec.health ? ` (${last.detail})` : ""}`);
      await sleep(250);
    }
    await this.recordHealth(name, { ok: false, check: last.check, detail: last.detail });
    return `its health check did not pass within ${spec.startSeconds} s (${last.detail})`;
  }

  // ---- deploying ----

  /** Where an upload goes before it is deployed. */
  uploadPath(id: string): string {
    if (!/^[a-f0-9]{32}$/.test(id)) throw new AppError("INVALID_INPUT", "bad upload id");
    return join(this.p.uploads, `${id}.tar`);
  }

  /** A new upload id and its file (the HTTP layer streams the body into it). */
  async newUpload(): Promise<{ id: string; file: string }> {
    await mkdir(this.p.uploads, { recursive: true, mode: 0o700 });
    const id = randomBytes(16).toString("hex");
    return { id, file: this.uploadPath(id) };
  }

  /** Deploys an image or an uploaded release as a job; a new version that fails to come up is rolled back. */
  async deploy(input: DeployInput, actor: string): Promise<JobView> {
    if (!input.image === !input.upload) throw new AppError("INVALID_INPUT", "deploy takes an image reference or an uploaded tarball (exactly one)");
    if (input.name) checkName(input.name);
    let target = input.name ?? "";
    if (input.image && !target) target = checkName(basename(input.image.split("@")[0]?.replace(/:[^/:]*$/, "") ?? "").toLowerCase());
    if (input.upload && !existsSync(this.uploadPath(input.upload))) throw new AppError("NOT_FOUND", `no upload ${input.upload}`);
    return this.sys.jobs.start("service.deploy", target || `upload ${input.upload?.slice(0, 8)}`, actor, (job) => this.deployWork(input, target, actor, job));
  }

  private async deployWork(input: DeployInput, target: string, actor: string, job: JobControl): Promise<string> {
    const version = `${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
    const staging = join(this.p.services, ".staging", version);
    let name = target;
    let spec: RunSpec;
    let source: ServiceSource;
    try {
      if (input.image) {
        job.progress(0, `resolving ${input.image} for linux/${hostPlatform().architecture}`);
        const img = await planImage(input.image, this.sys.config.current().registries);
        // refused before anything is written: the layers may all wait in spool files while they unpack
        await requireSpace(this.sys.paths.dataDir, img.download + img.unpacked, `deploying ${img.ref} takes ${bytesText(img.download)} of layers and about ${bytesText(img.unpacked)} unpacked`);
        await mkdir(join(staging, "rootfs"), { recursive: true });
        await pullLayers(img, staging, join(staging, "rootfs"), (f, m) => job.progress(f * 0.9, m));
        const c = img.config.config ?? {};
        const argv = [...(c.Entrypoint ?? []), ...(c.Cmd ?? [])];
        if (!argv.length) throw new AppError("INVALID_INPUT", `${img.ref} has neither Entrypoint nor Cmd: nothing to run`);
        const { uid, gid } = await userIds(join(staging, "rootfs"), c.User ?? "");
        const volumes = Object.keys(c.Volumes ?? {});
        spec = {
          version,
          kind: "image",
          argv,
          env: { ...envFromList(c.Env ?? []), ...input.env },
          workdir: c.WorkingDir || "/",
          uid,
          gid,
          volumes: volumes.length ? volumes : [DEFAULT_VOLUME],
          ports: input.ports ?? Object.keys(c.ExposedPorts ?? {}).map((p) => Number.parseInt(p, 10)).filter((n) => n > 0),
          health: input.health?.http || input.health?.tcp ? { ...input.health, intervalSeconds: 10 } : undefined,
          startSeconds: input.health?.http || input.health?.tcp ? 30 : 0,
          stopTimeoutMs: 10_000,
        };
        source = { kind: "image", ref: img.ref, digest: img.digest };
      } else {
        const file = this.uploadPath(input.upload ?? "");
        const archive = await archiveSizes(file);
        const unpacked = unpackedEstimate(archive.size, archive.gzip, archive.isize);
        await requireSpace(this.sys.paths.dataDir, unpacked, `unpacking the release takes about ${bytesText(unpacked)}`);
        const app = join(staging, "rootfs", "app");
        await mkdir(app, { recursive: true });
        job.progress(0.05, "unpacking the release");
        await extractTar(file, app, { kind: "release" }, "the release tarball");
        await rm(file, { force: true });
        const root = await releaseRoot(app);
        if (root !== app) {
          await rename(root, join(staging, "rootfs", "release"));
          await rm(app, { recursive: true });
          await rename(join(staging, "rootfs", "release"), app);
        }
        const rel = await detectRelease(app, target || "release");
        name = input.name ?? checkName(rel.manifest.name ?? rel.name);
        const m = rel.manifest;
        const health = input.health?.http || input.health?.tcp ? input.health : m.health;
        const { uid, gid } = releaseUser(m.user);
        await releaseEtc(join(staging, "rootfs"), name, uid, gid);
        spec = {
          version,
          kind: "release",
          argv: rel.argv,
          env: { ...rel.env, ...m.env, ...input.env },
          workdir: "/app",
          uid,
          gid,
          volumes: (m.volumes ?? [DEFAULT_VOLUME]).map((v) => v.split(":").at(-1) ?? v),
          ports: input.ports ?? m.ports ?? [],
          health: health?.http || health?.tcp ? { http: health.http, tcp: health.tcp, intervalSeconds: m.health?.interval_seconds ?? 10 } : undefined,
          startSeconds: m.health?.start_seconds ?? (health?.http || health?.tcp ? 30 : 0),
          stopTimeoutMs: (m.stop_timeout_seconds ?? 10) * 1000,
        };
        source = { kind: "release", name: rel.name, version: rel.version, type: rel.type };
      }
      await mkdir(join(this.p.dir(name), "versions"), { recursive: true });
      await rename(staging, this.p.version(name, version));
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      if (input.upload) await rm(this.uploadPath(input.upload), { force: true });
      throw e;
    }
    job.progress(0.9, `starting ${name}`);
    return this.guard(name, () => this.switchTo(name, { spec, source }, actor, job));
  }

  /** Replaces the running version with `next`; returns to the previous one when `next` does not come up. */
  private async switchTo(name: string, next: Stored, actor: string, job: JobControl): Promise<string> {
    const row = await this.sys.db.service.findUnique({ where: { name } });
    const prev = row ? this.stored(row) : null;
    const data = { spec: JSON.stringify(next.spec), source: JSON.stringify(next.source), previous: row ? JSON.stringify(prev) : null, desired: "running", deployedAt: new Date() };
    await this.sys.db.service.upsert({ where: { name }, create: { name, ...data }, update: data });
    const label = next.source.kind === "image" ? `${next.source.ref}@${next.source.digest}` : `${next.source.name} ${next.source.version}`;
    let why: string | null;
    try {
      await this.launch(name, next.spec);
      why = await this.comesUp(name, next.spec, job);
    } catch (e) {
      why = isAppError(e) ? e.message : String(e);
    }
    if (why === null) {
      await this.prune(name, [next.spec.version, prev?.spec.version]);
      await this.sys.events.record({ actor, action: "service.deploy", target: name, outcome: "ok", detail: label });
      return `${name} is running ${label}`;
    }
    await this.halt(name);
    if (!prev) {
      await this.sys.db.service.update({ where: { name }, data: { desired: "stopped" } });
      throw new AppError("IO_FAILED", `${name} (${label}) did not come up: ${why}; it is stopped, see maculaos logs ${name}`);
    }
    job.progress(0.97, `rolling ${name} back`);
    await this.sys.db.service.update({ where: { name }, data: { spec: JSON.stringify(prev.spec), source: JSON.stringify(prev.source), previous: null, desired: row?.desired ?? "running" } });
    if (row?.desired === "running") await this.launch(name, prev.spec);
    const back = await this.comesUp(name, prev.spec);
    const prevLabel = prev.source.kind === "image" ? `${prev.source.ref}@${prev.source.digest}` : `${prev.source.name} ${prev.source.version}`;
    await rm(this.p.version(name, next.spec.version), { recursive: true, force: true });
    await this.sys.events.record({ actor, action: "service.rollback", target: name, outcome: "failed", detail: `${label} did not come up (${why}); back on ${prevLabel}` });
    throw new AppError("IO_FAILED", `${name}: ${label} did not come up: ${why}; rolled back to ${prevLabel}${back === null ? ", which is running again" : `, which did not come up either: ${back}`}`);
  }

  /** Deletes version directories other than `keep`. */
  private async prune(name: string, keep: Array<string | undefined>): Promise<void> {
    for (const v of await readdir(join(this.p.dir(name), "versions")).catch(() => [])) if (!keep.includes(v)) await rm(this.p.version(name, v), { recursive: true, force: true });
  }
}

/** Env entries `K=V` as a map. */
function envFromList(list: string[]): Record<string, string> {
  return Object.fromEntries(list.map((e) => [e.slice(0, e.indexOf("=") < 0 ? e.length : e.indexOf("=")), e.includes("=") ? e.slice(e.indexOf("=") + 1) : ""]));
}

/** Resolves an image User (`uid[:gid]` or names from the image's /etc/passwd and /etc/group) to numbers. */
async function userIds(rootfs: string, user: string): Promise<{ uid: number; gid: number }> {
  if (!user) return { uid: 0, gid: 0 };
  const [u = "", g] = user.split(":");
  const table = async (file: string) => {
    const text = await readFile(join(rootfs, "etc", file), "utf8").catch(() => "");
    return new Map(text.split("\n").map((l) => l.split(":")).filter((f) => f.length >= 4).map((f) => [f[0] ?? "", f] as const));
  };
  const passwd = await table("passwd");
  const uid = /^\d+$/.test(u) ? Number(u) : Number(passwd.get(u)?.[2] ?? NaN);
  if (Number.isNaN(uid)) throw new AppError("INVALID_INPUT", `the image runs as user ${u}, which its /etc/passwd does not have`);
  const gidText = g ?? (/^\d+$/.test(u) ? String(uid) : (passwd.get(u)?.[3] ?? ""));
  const gid = /^\d+$/.test(gidText) ? Number(gidText) : Number((await table("group")).get(gidText)?.[2] ?? NaN);
  if (Number.isNaN(gid)) throw new AppError("INVALID_INPUT", `the image runs as group ${gidText}, which its /etc/group does not have`);
  return { uid, gid };
}
