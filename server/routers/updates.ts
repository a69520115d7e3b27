// updates.* procedures: A/B system updates.
import { actorOf } from "~/system/accounts/accounts";
import { checkForUpdate } from "~/system/update/check";
import { applyUpdate, startDownload } from "~/system/update/install";
import { updateStatus } from "~/system/update/status";
import { adminProcedure, authedProcedure, router } from "../trpc";

/** updates.* procedures. */
export const updatesRouter = router({
  status: authedProcedure.query(({ ctx }) => updateStatus(ctx.sys)),
  checkUpdate: adminProcedure.query(({ ctx }) => checkForUpdate(ctx.sys)),
  downloadUpdate: adminProcedure.mutation(({ ctx }) => startDownload(ctx.sys, actorOf(ctx.principal))),
  applyUpdate: adminProcedure.mutation(({ ctx }) => applyUpdate(ctx.sys, actorOf(ctx.principal))),
});
