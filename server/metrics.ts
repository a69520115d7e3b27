// The Prometheus endpoint (`monitoring.prometheus`: port 9100, path /metrics): node_exporter-compatible series for
// CPU, memory, filesystems, network, load, uptime and temperature, and the appliance's own maculaos_* series.
// It has its own listener, re-opened when the config changes, and answers nothing but GET on the path.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { readBootState } from "~/system/boot/boot-env";
import { viewBoot } from "~/system/boot/lifecycle";
import { bootedSlot, bootTime, systemVersion } from "~/system/host/device";
import { CPU_MODES, readCpuTimes, readFilesystems, readLoad, readMeminfo, readNetwork, readTemperatures } from "~/system/host/metric-sources";
import { machineUptime, memoize } from "~/system/host/resources";
import type { Monitoring } from "~/system/monitoring/monitoring";
import type { System } from "~/system/system";
import { appRouter } from "./root";

const MEMINFO = ["MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached", "Active", "Inactive", "SwapTotal", "SwapFree", "Dirty", "Writeback", "Shmem", "Slab", "SReclaimable", "SUnreclaim"];
const NET = [
  ["receive_bytes", "rxBytes"],
  ["receive_packets", "rxPackets"],
  ["receive_errs", "rxErrs"],
  ["receive_drop", "rxDrop"],
  ["transmit_bytes", "txBytes"],
  ["transmit_packets", "txPackets"],
  ["transmit_errs", "txErrs"],
  ["transmit_drop", "txDrop"],
] as const;
const FS = [
  ["size_bytes", "size", "Filesystem size in bytes."],
  ["free_bytes", "free", "Filesystem free space in bytes."],
  ["avail_bytes", "avail", "Filesystem space available to non-root users in bytes."],
  ["files", "files", "Filesystem total file nodes."],
  ["files_free", "filesFree", "Filesystem total free file nodes."],
] as const;

/** Reads everything one scrape needs, once (scrapes within 250 ms share it). */
function snapshotReader(sys: System, mon: Monitoring) {
  return memoize(250, async () => {
    const [cpu, mem, fs, net, load, temps, state, slot, version, services] = await Promise.all([
      readCpuTimes(),
      readMeminfo(),
      readFilesystems(sys.paths.dataDir),
      readNetwork(),
      readLoad(),
      readTemperatures(),
      readBootState(sys.paths).then((r) => r.state),
      bootedSlot(sys.paths),
      systemVersion(sys.paths),
      mon.services(),
    ]);
    const [peers, lastBackup] = await Promise.all([mon.sources.meshPeers?.().catch(() => undefined), mon.sources.lastBackup?.().catch(() => undefined)]);
    return { cpu, mem, fs, net, load, temps, state, slot, version, services, peers, lastBackup, bootedAt: await bootTime(sys.paths, sys.kind, machineUptime()) };
  });
}

/** Builds the registry of one appliance: every series reads the shared snapshot when scraped. */
export function buildRegistry(sys: System, mon: Monitoring, http: Histogram<"method" | "route" | "code">): Registry {
  const registry = new Registry();
  const snap = snapshotReader(sys, mon);
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>, s: Awaited<ReturnType<typeof snap>>) => void) =>
    new Gauge<L>({ name, help, labelNames, registers: [registry], async collect() {
      const s = await snap();
      this.reset();
      fill(this, s);
    } });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (c: Counter<L>, s: Awaited<ReturnType<typeof snap>>) => void) =>
    new Counter<L>({ name, help, labelNames, registers: [registry], async collect() {
      const s = await snap();
      this.reset();
      fill(this, s);
    } });

  counter("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", ["cpu", "mode"], (c, s) => {
    for (const x of s.cpu) for (const mode of CPU_MODES) c.inc({ cpu: x.cpu, mode }, x.seconds[mode]);
  });
  for (const field of MEMINFO) gauge(`node_memory_${field}_bytes`, `Memory information field ${field}_bytes.`, [], (g, s) => s.mem.has(field) && g.set(s.mem.get(field) ?? 0));
  for (const [suffix, key, help] of FS) gauge(`node_filesystem_${suffix}`, help, ["device", "fstype", "mountpoint"], (g, s) => s.fs.forEach((f) => g.set({ device: f.device, fstype: f.fstype, mountpoint: f.mountpoint }, f[key])));
  gauge("node_filesystem_readonly", "Filesystem read-only status.", ["device", "fstype", "mountpoint"], (g, s) => s.fs.forEach((f) => g.set({ device: f.device, fstype: f.fstype, mountpoint: f.mountpoint }, f.readonly ? 1 : 0)));
  for (const [name, key] of NET) counter(`node_network_${name}_total`, `Network device statistic ${name}.`, ["device"], (c, s) => s.net.forEach((n) => c.inc({ device: n.device }, n[key])));
  (["node_load1", "node_load5", "node_load15"] as const).forEach((name, i) => gauge(name, `${[1, 5, 15][i]}m load average.`, [], (g, s) => g.set(s.load[i] ?? 0)));
  gauge("node_boot_time_seconds", "Node boot time, in unixtime.", [], (g, s) => g.set(Math.floor(s.bootedAt.getTime() / 1000)));
  gauge("node_time_seconds", "System time in seconds since epoch (1970).", [], (g) => g.set(Date.now() / 1000));
  gauge("node_thermal_zone_temp", "Zone temperature in Celsius", ["type", "zone"], (g, s) => s.temps.filter((t) => t.source === "thermal_zone").forEach((t) => g.set({ type: t.sensor, zone: t.chip.replace("thermal_zone", "") }, t.celsius)));
  gauge("node_hwmon_temp_celsius", "Hardware monitor for temperature (input)", ["chip", "sensor"], (g, s) => s.temps.filter((t) => t.source === "hwmon").forEach((t) => g.set({ chip: t.chip, sensor: t.sensor }, t.celsius)));

  gauge("maculaos_info", "The running MaculaOS version and slot (always 1).", ["version", "slot", "device"], (g, s) => g.set({ version: s.version, slot: s.slot, device: sys.kind }, 1));
  gauge("maculaos_boot_attempts_remaining", "Trial boots a slot has left before GRUB falls back (0 when committed or bad).", ["slot"], (g, s) => (["A", "B"] as const).forEach((slot) => g.set({ slot }, s.state.slots[slot].tries)));
  gauge("maculaos_slot_bootable", "1 when GRUB may boot the slot.", ["slot"], (g, s) => (["A", "B"] as const).forEach((slot) => g.set({ slot }, s.state.slots[slot].ok ? 1 : 0)));
  gauge("maculaos_update_state", "The update state of the running system: 1 for the current state.", ["state"], (g, s) => {
    const v = viewBoot(s.state, s.slot);
    const now = v.trial ? "trial" : v.order[0] !== s.slot ? "pending_reboot" : "committed";
    for (const state of ["committed", "trial", "pending_reboot"]) g.set({ state }, state === now ? 1 : 0);
  });
  gauge("maculaos_service_up", "1 when the service is running.", ["service"], (g, s) => s.services?.forEach((x) => g.set({ service: x.name }, x.up ? 1 : 0)));
  counter("maculaos_service_restarts_total", "Restarts of the service.", ["service"], (c, s) => s.services?.forEach((x) => c.inc({ service: x.name }, x.restarts)));
  gauge("maculaos_backup_last_success_timestamp_seconds", "When the last backup succeeded, in unixtime (absent: no backup capability; 0: never).", [], (g, s) => s.lastBackup !== undefined && g.set(s.lastBackup ? s.lastBackup.getTime() / 1000 : 0));
  gauge("maculaos_mesh_peers", "Connected mesh peers.", [], (g, s) => s.peers !== undefined && g.set(s.peers));
  gauge("maculaos_alerts_firing", "Alerts firing now.", [], (g) => g.set(mon.alerts.firingCount()));
  gauge("maculaos_alert_firing", "1 while the alert fires.", ["alert"], (g) => mon.alerts.list().forEach((a) => a.state !== "no_data" && g.set({ alert: a.name }, a.state === "firing" ? 1 : 0)));
  registry.registerMetric(http);
  return registry;
}

const httpHistograms = new WeakMap<System, Histogram<"method" | "route" | "code">>();
const PROCEDURES = new Set(Object.keys(appRouter._def.procedures));

/** The request-duration histogram of one appliance (created on first use). */
function httpHistogram(sys: System): Histogram<"method" | "route" | "code"> {
  let h = httpHistograms.get(sys);
  if (!h) {
    h = new Histogram({ name: "maculaos_http_request_duration_seconds", help: "Dashboard and API request durations.", labelNames: ["method", "route", "code"], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [] });
    httpHistograms.set(sys, h);
  }
  return h;
}

/** A bounded route label: a known procedure (`api:system.info`), `api`, `asset` or `page`. */
function routeOf(path: string): string {
  if (path.startsWith("/api/trpc/")) {
    const name = path.slice("/api/trpc/".length).split("?", 1)[0] ?? "";
    return PROCEDURES.has(name) ? `api:${name}` : "api";
  }
  return path.startsWith("/_next/") ? "asset" : "page";
}

/** Times one dashboard/API request into maculaos_http_request_duration_seconds. */
export function observeRequest(sys: System, req: IncomingMessage, res: ServerResponse): void {
  const end = httpHistogram(sys).startTimer({ method: req.method === "GET" || req.method === "POST" ? req.method : "other", route: routeOf(req.url ?? "/") });
  res.once("finish", () => end({ code: String(res.statusCode) }));
}

/** The running metrics listener. */
export interface MetricsServer {
  /** The port it listens on, or null while monitoring.prometheus.enabled is false. */
  port(): number | null;
  close(): Promise<void>;
}

/** Serves the registry on monitoring.prometheus's port and path (`portOverride` replaces the port: tests use 0). */
export async function startMetricsServer(sys: System, mon: Monitoring, host: string, portOverride?: number): Promise<MetricsServer> {
  const registry = buildRegistry(sys, mon, httpHistogram(sys));
  const log = sys.log.child("metrics");
  let server: Server | undefined;
  let spec = "";
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = sys.config.current().monitoring.prometheus.path;
    if ((req.url ?? "/").split("?", 1)[0] !== path) return void res.writeHead(404, { "Content-Type": "text/plain" }).end(`not found: metrics are at ${path}\n`);
    if (req.method !== "GET" && req.method !== "HEAD") return void res.writeHead(405, { Allow: "GET, HEAD" }).end();
    registry.metrics().then(
      (text) => res.writeHead(200, { "Content-Type": registry.contentType }).end(req.method === "HEAD" ? undefined : text),
      (error: unknown) => {
        log.error("collecting metrics failed", { error });
        res.writeHead(500, { "Content-Type": "text/plain" }).end("collecting metrics failed\n");
      },
    );
  };
  const stop = async () => {
    const s = server;
    server = undefined;
    if (s) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  };
  const apply = async () => {
    const p = sys.config.current().monitoring.prometheus;
    const next = JSON.stringify({ enabled: p.enabled, port: p.port });
    if (next === spec) return;
    spec = next;
    await stop();
    if (!p.enabled) return;
    const s = createServer(handle);
    await new Promise<void>((resolve, reject) => s.once("error", reject).listen(portOverride ?? p.port, host, resolve)).then(
      () => {
        server = s;
        log.info("serving Prometheus metrics", { port: (s.address() as AddressInfo).port, path: p.path });
      },
      (error: unknown) => log.warn("cannot serve Prometheus metrics", { port: portOverride ?? p.port, error }),
    );
  };
  const onEvent = (e: { action: string }) => void (e.action.startsWith("config.") && apply());
  sys.events.on("event", onEvent);
  await apply();
  return {
    port: () => (server ? (server.address() as AddressInfo).port : null),
    close: async () => {
      sys.events.off("event", onEvent);
      await stop();
    },
  };
}
