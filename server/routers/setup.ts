// setup.* procedures: the first-boot wizard, refused once setup is done.
import { z } from "zod";
import { restoreAtSetup } from "~/system/backup/service";
import { checkSetupCode, completeSetup, setupCode, setupInput, setupPending } from "~/system/setup/setup";
import { publicProcedure, rootProcedure, router } from "../trpc";

/** setup.* procedures. */
export const setupRouter = router({
  status: publicProcedure.query(({ ctx }) => setupPending(ctx.sys).then((pending) => ({ pending }))),
  code: rootProcedure.query(({ ctx }) => setupCode(ctx.sys).then((code) => ({ code }))),
  checkCode: publicProcedure.input(z.object({ code: z.string().max(64) })).mutation(({ ctx, input }) => checkSetupCode(ctx.sys, input.code, ctx.address)),
  restore: publicProcedure.input(z.object({ code: z.string().max(64), file: z.string().max(255), passphrase: z.string().max(1024).optional() })).mutation(({ ctx, input }) => restoreAtSetup(ctx.sys, input, ctx.address)),
  complete: publicProcedure.input(setupInput).mutation(({ ctx, input }) => completeSetup(ctx.sys, input, ctx.address).then((s) => (ctx.setSession(s.token, s.expiresAt), { user: s.user }))),
});
