// Node facts, the health probe, setup, events and jobs.
import { z } from "zod";
import { getInfo, probe } from "~/system/info/info";
import { checkSetupCode, completeSetup, setupCode, setupInput, setupPending } from "~/system/setup/setup";
import { authedProcedure, publicProcedure, rootProcedure, router } from "../trpc";

/** health.* procedures. */
export const healthRouter = router({
  probe: publicProcedure.query(({ ctx }) => probe(ctx.sys)),
});

/** system.* procedures. */
export const systemRouter = router({
  info: authedProcedure.query(({ ctx }) => getInfo(ctx.sys)),
});

/** setup.* procedures: the first-boot wizard, refused once setup is done. */
export const setupRouter = router({
  status: publicProcedure.query(({ ctx }) => setupPending(ctx.sys).then((pending) => ({ pending }))),
  code: rootProcedure.query(({ ctx }) => setupCode(ctx.sys).then((code) => ({ code }))),
  checkCode: publicProcedure.input(z.object({ code: z.string().max(64) })).mutation(({ ctx, input }) => checkSetupCode(ctx.sys, input.code, ctx.address)),
  complete: publicProcedure.input(setupInput).mutation(({ ctx, input }) => completeSetup(ctx.sys, input, ctx.address).then((s) => (ctx.setSession(s.token, s.expiresAt), { user: s.user }))),
});

/** events.* procedures. */
export const eventsRouter = router({
  list: authedProcedure.input(z.object({ limit: z.number().int().min(1).max(1000).optional(), action: z.string().optional() }).optional()).query(({ ctx, input }) => ctx.sys.events.list(input?.limit, input?.action).then((events) => ({ events }))),
});

/** jobs.* procedures: list, one, and a live follow over SSE. */
export const jobsRouter = router({
  list: authedProcedure.query(({ ctx }) => ctx.sys.jobs.list().then((jobs) => ({ jobs }))),
  get: authedProcedure.input(z.object({ id: z.string() })).query(({ ctx, input }) => ctx.sys.jobs.get(input.id)),
  follow: authedProcedure.input(z.object({ id: z.string() })).subscription(({ ctx, input, signal }) => ctx.sys.jobs.follow(input.id, signal)),
});
