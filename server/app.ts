// Starts the whole appliance in this process: the system layer, the HTTP listener with pages and API, the socket.
import { join } from "node:path";
import { lastGoodBackup, startBackupSchedule } from "~/system/backup/service";
import { createLogger, teeLogger, type Logger } from "~/system/logging/logger";
import { devicePaths } from "~/system/host/paths";
import { LogSink } from "~/system/logs/sink";
import { startMonitoring } from "~/system/monitoring/monitoring";
import { afterBoot } from "~/system/boot/lifecycle";
import { startUpdateScheduler } from "~/system/update/schedule";
import { keepKnownGood } from "~/system/recovery/known-good";
import { setupCode, setupPending } from "~/system/setup/setup";
import { openSystem, type System } from "~/system/system";
import { startNetwork } from "~/system/network/startup";
import { startListeners, type Listeners } from "./http";
import { startMetricsServer, type MetricsServer } from "./metrics";
import { loadPages } from "./pages";

/** How to start the appliance. */
export interface StartOptions {
  root: string;
  port: number;
  host: string;
  /** The directory with package.json, prisma/ and the .next build. */
  appDir: string;
  version: string;
  /** Serve the Next.js pages too (the API-only mode is for tests and recovery). */
  ui: boolean;
  env: Record<string, string | undefined>;
  log: Logger;
  /** Where the setup-code banner goes (the node's console). */
  console?: (line: string) => void;
  /** Replaces monitoring.prometheus.port (tests use 0). */
  metricsPort?: number;
}

/** A running appliance. */
export interface Appliance {
  sys: System;
  listeners: Listeners;
  metrics: MetricsServer;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Opens the device, serves it, and prints the setup code while setup is pending. */
export async function startAppliance(o: StartOptions): Promise<Appliance> {
  const logs = new LogSink(devicePaths(o.root).logDir);
  const log = teeLogger(o.log, createLogger("maculaos", "info", logs.write));
  const sys = await openSystem({ root: o.root, env: o.env, migrationsDir: join(o.appDir, "prisma/migrations"), version: o.version, log });
  const monitoring = await startMonitoring(sys, logs);
  monitoring.connect({
    services: {
      list: async () => (await sys.services.list()).map((s) => ({ name: s.name, up: s.state === "running", restarts: s.restarts, ...(s.reason ? { detail: s.reason } : {}) })),
      restart: async (name) => void (await sys.services.restart(name, "health-check")),
    },
    lastBackup: async () => ((b) => (b ? new Date(b.at) : null))(await lastGoodBackup(sys)),
  });
  const metrics = await startMetricsServer(sys, monitoring, o.host, o.metricsPort);
  const pages = o.ui ? await loadPages(o.appDir) : undefined;
  const listeners = await startListeners(sys, { port: o.port, host: o.host, pages });
  const url = `http://${o.host === "0.0.0.0" ? "localhost" : o.host}:${listeners.port}`;
  const print = o.console ?? ((l: string) => process.stdout.write(`${l}\n`));
  if (await setupPending(sys)) {
    print(`MaculaOS setup: open ${url}/setup and enter the setup code ${await setupCode(sys)}`);
  }
  await sys.events.record({ actor: "system", action: "appliance.start", target: sys.kind, outcome: "ok", detail: `listening on ${listeners.port}` });
  // A boot env it cannot write (an ESP the kernel made read-only after a power cut, say) must not keep the dashboard
  // down: the boot stays uncommitted (a trial is then rebooted by maculaos-commit.service) and the event says why.
  await afterBoot(sys).catch(async (error: unknown) => {
    sys.log.error("the boot state could not be read or updated after this boot", { error });
    await sys.events.record({ actor: "system", action: "boot.commit", target: "boot env", outcome: "failed", detail: (error as Error).message });
  });
  // The normal profile's schedulers; recovery mode runs none of them (nor the services, nor alerting: openSystem and
  // monitoring read the mode). A development device's simulated reboot can change the mode in this process.
  let stopSchedulers: (() => void)[] = [];
  const followMode = () => {
    const normal = sys.mode === "normal";
    if (normal === stopSchedulers.length > 0) return;
    for (const stop of stopSchedulers) stop();
    stopSchedulers = normal ? [startUpdateScheduler(sys), startBackupSchedule(sys), keepKnownGood(sys)] : [];
    monitoring.setAlerting(normal);
  };
  followMode();
  const onReboot = (e: { action: string }) => e.action === "system.reboot" && followMode();
  sys.events.on("event", onReboot);
  if (sys.mode === "recovery") print(`MaculaOS is in recovery mode: open ${url}/recovery (no services or schedulers run; reboot to leave)`);
  const stopNetworkSide = await startNetwork(sys);
  return {
    sys,
    listeners,
    metrics,
    port: listeners.port,
    url,
    close: async () => {
      sys.events.off("event", onReboot);
      for (const stop of stopSchedulers) stop();
      await stopNetworkSide();
      await listeners.close();
      await metrics.close();
      await monitoring.stop();
      await sys.close();
      logs.close();
    },
  };
}
