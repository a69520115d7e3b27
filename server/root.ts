// The app router: every area's procedures under one tree.
import { authRouter, tokensRouter, usersRouter } from "./routers/auth";
import { backupsRouter, recoveryRouter } from "./routers/backups";
import { configRouter } from "./routers/config";
import { eventsRouter, jobsRouter } from "./routers/events";
import { alertsRouter, logsRouter, metricsRouter } from "./routers/monitoring";
import { servicesRouter } from "./routers/services";
import { setupRouter } from "./routers/setup";
import { healthRouter, systemRouter } from "./routers/system";
import { terminalRouter } from "./routers/terminal";
import { updatesRouter } from "./routers/updates";
import { firewallRouter, meshRouter, networkRouter, securityRouter, wireguardRouter } from "./routers/network";
import { installRouter } from "./routers/install";
import { router } from "./trpc";

/** The whole API. */
export const appRouter = router({
  health: healthRouter,
  setup: setupRouter,
  auth: authRouter,
  users: usersRouter,
  tokens: tokensRouter,
  system: systemRouter,
  config: configRouter,
  events: eventsRouter,
  jobs: jobsRouter,
  updates: updatesRouter,
  backups: backupsRouter,
  recovery: recoveryRouter,
  metrics: metricsRouter,
  alerts: alertsRouter,
  logs: logsRouter,
  network: networkRouter,
  firewall: firewallRouter,
  mesh: meshRouter,
  wireguard: wireguardRouter,
  security: securityRouter,
  services: servicesRouter,
  terminal: terminalRouter,
  install: installRouter,
});

/** The API's type, imported (type-only) by the UI and the CLI. */
export type AppRouter = typeof appRouter;
