// events.* and jobs.* procedures: what happened, and long operations with live progress.
import { z } from "zod";
import { authedProcedure, router } from "../trpc";

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
