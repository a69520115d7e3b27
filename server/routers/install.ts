// install.* procedures: `maculaos install`, for root on the node's local socket only.
import { actorOf } from "~/system/accounts/accounts";
import { installDisks, installInput, planInstall, startInstall } from "~/system/install/install";
import { rootProcedure, router } from "../trpc";

/** install.* procedures. */
export const installRouter = router({
  disks: rootProcedure.query(({ ctx }) => installDisks(ctx.sys)),
  plan: rootProcedure.input(installInput).query(({ ctx, input }) => planInstall(ctx.sys, input)),
  run: rootProcedure.input(installInput).mutation(({ ctx, input }) => startInstall(ctx.sys, input, actorOf(ctx.principal))),
});
