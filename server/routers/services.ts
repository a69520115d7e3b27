// services.* procedures: deploy, list (and its live stream), inspect, logs, start, stop, restart, remove.
import { z } from "zod";
import { actorOf } from "~/system/accounts/accounts";
import { requireNormalMode } from "~/system/recovery/mode";
import { parseSince } from "~/system/services/logs";
import { adminProcedure, authedProcedure, router } from "../trpc";

const name = z.object({ name: z.string().min(1).max(63) });
const health = z.object({ http: z.url().optional(), tcp: z.string().regex(/^[^:]+:\d{1,5}$/).optional() }).optional();
const deployInput = z.object({ image: z.string().min(1).max(512).optional(), upload: z.string().max(64).optional(), name: z.string().max(63).optional(), env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional(), ports: z.array(z.number().int().min(1).max(65535)).optional(), health });
const logsInput = name.extend({ lines: z.number().int().min(1).max(10000).optional(), since: z.string().max(64).optional() });

/** services.* procedures. */
export const servicesRouter = router({
  list: authedProcedure.query(({ ctx }) => ctx.sys.services.list().then((services) => ({ services }))),
  watch: authedProcedure.subscription(({ ctx, signal }) => ctx.sys.services.watch(signal)),
  get: authedProcedure.input(name).query(({ ctx, input }) => ctx.sys.services.get(input.name)),
  logs: authedProcedure.input(logsInput).query(({ ctx, input }) => ctx.sys.services.logs(input.name, { lines: input.lines, ...(input.since ? { since: parseSince(input.since) } : {}) }).then((lines) => ({ lines }))),
  followLogs: authedProcedure.input(name).subscription(({ ctx, input, signal }) => ctx.sys.services.followLogs(input.name, signal)),
  deploy: adminProcedure.input(deployInput).mutation(({ ctx, input }) => {
    requireNormalMode(ctx.sys, "deploy a service");
    return ctx.sys.services.deploy(input, actorOf(ctx.principal));
  }),
  start: adminProcedure.input(name).mutation(({ ctx, input }) => {
    requireNormalMode(ctx.sys, `start ${input.name}`);
    return ctx.sys.services.start(input.name, actorOf(ctx.principal));
  }),
  stop: adminProcedure.input(name).mutation(({ ctx, input }) => ctx.sys.services.stop(input.name, actorOf(ctx.principal))),
  restart: adminProcedure.input(name).mutation(({ ctx, input }) => {
    requireNormalMode(ctx.sys, `restart ${input.name}`);
    return ctx.sys.services.restart(input.name, actorOf(ctx.principal));
  }),
  remove: adminProcedure.input(name.extend({ purge: z.boolean().optional() })).mutation(({ ctx, input }) => ctx.sys.services.remove(input.name, actorOf(ctx.principal), input.purge ?? false)),
});
