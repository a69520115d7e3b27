// config.* procedures: read, validate, save the YAML, and set keys atomically.
import { z } from "zod";
import { adminProcedure, authedProcedure, router } from "../trpc";

const key = z.string().min(1).max(200);
/** A value, or `raw` text the server parses as YAML (what the CLI sends: `true`, `4433`, `[a, b]`). */
const entries = z.array(z.union([z.object({ key, value: z.unknown() }), z.object({ key, raw: z.string().max(100_000) })])).min(1).max(100);

/** config.* procedures. */
export const configRouter = router({
  get: authedProcedure.query(({ ctx }) => ctx.sys.config.snapshot(ctx.principal)),
  getKey: authedProcedure.input(z.object({ key: z.string().min(1).max(200) })).query(({ ctx, input }) => ({ value: ctx.sys.config.get(input.key, ctx.principal) })),
  validate: adminProcedure.input(z.object({ yaml: z.string().max(1_000_000) })).query(({ ctx, input }) => ctx.sys.config.validate(input.yaml)),
  save: adminProcedure.input(z.object({ yaml: z.string().max(1_000_000) })).mutation(({ ctx, input }) => ctx.sys.config.save(ctx.principal, input.yaml).then(() => ({ ok: true }))),
  set: adminProcedure.input(z.object({ entries })).mutation(({ ctx, input }) => ctx.sys.config.set(input.entries, ctx.principal).then(() => ({ ok: true }))),
});
