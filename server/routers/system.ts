// health.* and system.* procedures: the liveness probe and the node's facts.
import { getInfo, probe } from "~/system/info/info";
import { authedProcedure, publicProcedure, router } from "../trpc";

/** health.* procedures. */
export const healthRouter = router({
  probe: publicProcedure.query(({ ctx }) => probe(ctx.sys)),
});

/** system.* procedures. */
export const systemRouter = router({
  info: authedProcedure.query(({ ctx }) => getInfo(ctx.sys)),
});
