// The system layer as one object: device root and paths, database, config, accounts, events and jobs.
// The server, the CLI's tests and the scheduler all get it from openSystem(); nothing here reads process.env.
import { chmod } from "node:fs/promises";
import { Accounts } from "./accounts/accounts";
import { firstBoot } from "./boot/dev-boot";
import { ConfigService } from "./config/service";
import { openDatabase, type Db } from "./db/client";
import { EventLog } from "./events/events";
import { ensureDir } from "./host/files";
import { bootMode, deviceKind, ensureDevelopmentDevice, type BootMode, type DeviceKind } from "./host/device";
import { devicePaths, type DevicePaths } from "./host/paths";
import { finishInterruptedSwap } from "./host/swap";
import { JobRunner } from "./jobs/jobs";
import { nodeArch } from "./update/check";
import { ensureDevRelease } from "./update/dev-release";
import type { Logger } from "./logging/logger";
import { ServiceManager } from "./services/manager";
import { Terminals } from "./terminal/terminals";

/** Everything a system function needs. */
export interface System {
  root: string;
  paths: DevicePaths;
  kind: DeviceKind;
  /** Read from the kernel command line at start: "recovery" runs no services, schedulers or boot commits. A development
   * device's simulated reboot sets it again. */
  mode: BootMode;
  db: Db;
  config: ConfigService;
  accounts: Accounts;
  events: EventLog;
  jobs: JobRunner;
  log: Logger;
  /** prisma/migrations of the running build (a restored or reset database is migrated with them). */
  migrationsDir: string;
  /** Deployed services: desired state, supervisors, logs. */
  services: ServiceManager;
  /** Live browser terminals (login shells on pseudo-terminals). */
  terminals: Terminals;
  close(): Promise<void>;
}

/** How to open the system. */
export interface OpenOptions {
  root: string;
  /** Variables for `${VAR}` in the config. */
  env: Record<string, string | undefined>;
  /** prisma/migrations of the running build. */
  migrationsDir: string;
  /** The appliance version, written to a new development device. */
  version: string;
  log: Logger;
}

/** Opens the device at `root` (creating a development device when it is not a node), migrates and loads everything. */
export async function openSystem(opts: OpenOptions): Promise<System> {
  let paths = devicePaths(opts.root);
  const swap = await finishInterruptedSwap(paths);
  if (swap !== "nothing") opts.log.warn("a data swap interrupted by the last shutdown was completed or cleaned up", { swap });
  const kind = deviceKind(paths);
  if (kind === "development") {
    paths = await ensureDevelopmentDevice(opts.root, opts.version);
    await ensureDevRelease(paths, opts.version, nodeArch());
    await firstBoot(paths);
  }
  const mode = await bootMode(paths);
  if (mode === "recovery") opts.log.warn("booted in recovery mode (maculaos.mode=recovery): no services, no schedulers, no boot commit");
  await ensureDir(paths.dataDir, 0o700);
  await chmod(paths.dataDir, 0o700); // it holds password and session hashes; a development device made it 0755
  await ensureDir(paths.runDir, 0o700);
  const { db, applied } = await openDatabase(paths.db, opts.migrationsDir);
  if (applied.length) opts.log.info("database migrated", { applied });
  const events = new EventLog(db);
  const config = await ConfigService.open({ root: opts.root, env: opts.env, events, log: opts.log.child("config") });
  const jobs = new JobRunner(db, events);
  jobs.on("error", (error) => opts.log.error("a job ended but its end could not be recorded", { error }));
  const interrupted = await jobs.recoverInterrupted();
  if (interrupted) opts.log.warn("jobs interrupted by the last shutdown were marked failed", { count: interrupted });
  const sys: System = {
    root: opts.root,
    paths,
    kind,
    mode,
    db,
    config,
    accounts: new Accounts(db, events),
    events,
    jobs,
    log: opts.log,
    migrationsDir: opts.migrationsDir,
    terminals: new Terminals({ root: opts.root, kind, config, events, log: opts.log.child("terminal") }),
    services: undefined as unknown as ServiceManager, // set below: the manager needs the system it belongs to
    close: async () => {
      sys.services.close();
      await db.$disconnect();
    },
  };
  sys.services = new ServiceManager(sys);
  if (mode === "normal") await sys.services.init();
  else await sys.services.pauseAll().catch((error: unknown) => opts.log.warn("recovery mode: could not stop the services left running", { error: String(error) }));
  return sys;
}
