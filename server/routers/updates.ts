// updates.* procedures: A/B system updates.
import { checkForUpdate } from "~/system/update/check";
import { adminProcedure, router } from "../trpc";

/** updates.* procedures. */
export const updatesRouter = router({
  check: adminProcedure.query(({ ctx }) => checkForUpdate(ctx.sys)),
});
