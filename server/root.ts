// The app router: every area's procedures under one tree.
import { authRouter, tokensRouter, usersRouter } from "./routers/auth";
import { configRouter } from "./routers/config";
import { eventsRouter, jobsRouter } from "./routers/events";
import { setupRouter } from "./routers/setup";
import { healthRouter, systemRouter } from "./routers/system";
import { updatesRouter } from "./routers/updates";
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
  install: installRouter,
});

/** The API's type, imported (type-only) by the UI and the CLI. */
export type AppRouter = typeof appRouter;
