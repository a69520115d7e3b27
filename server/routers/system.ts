// health.* and system.* procedures: the liveness probe, the node's facts, rollback and reboot.
import { z } from "zod";
import { reboot, rollback } from "~/system/boot/lifecycle";
import { getInfo, probe } from "~/system/info/info";
import { monitoringOf } from "~/system/monitoring/monitoring";
import { actorOf } from "~/system/accounts/accounts";
import { adminProcedure, authedProcedure, publicProcedure, router } from "../trpc";

/** health.* procedures. */
export const healthRouter = router({
  probe: publicProcedure.query(({ ctx }) => probe(ctx.sys)),
  report: authedProcedure.query(({ ctx }) => monitoringOf(ctx.sys).health()),
});

/** system.* procedures. */
export const systemRouter = router({
  info: authedProcedure.query(({ ctx }) => getInfo(ctx.sys)),
  rollback: adminProcedure.mutation(({ ctx }) => rollback(ctx.sys, actorOf(ctx.principal))),
  reboot: adminProcedure.input(z.object({ recovery: z.boolean().default(false) }).nullish()).mutation(({ ctx, input }) => reboot(ctx.sys, actorOf(ctx.principal), { recovery: input?.recovery })),
});
