// backups.* and recovery.* procedures: backups as jobs, stored backups, restore, repair, factory reset, recovery mode.
import { z } from "zod";
import { actorOf } from "~/system/accounts/accounts";
import { createInput, fileInput, inspectBackup, listBackups, startBackup, startRestore, startVerify } from "~/system/backup/service";
import { factoryReset } from "~/system/recovery/factory";
import { repair } from "~/system/recovery/repair";
import { adminProcedure, router } from "../trpc";

/** backups.* procedures. */
export const backupsRouter = router({
  list: adminProcedure.query(({ ctx }) => listBackups(ctx.sys)),
  create: adminProcedure.input(createInput).mutation(({ ctx, input }) => startBackup(ctx.sys, actorOf(ctx.principal), input)),
  verify: adminProcedure.input(fileInput).mutation(({ ctx, input }) => startVerify(ctx.sys, actorOf(ctx.principal), input)),
  inspect: adminProcedure.input(fileInput).mutation(({ ctx, input }) => inspectBackup(ctx.sys, input)),
  restore: adminProcedure.input(fileInput).mutation(({ ctx, input }) => startRestore(ctx.sys, actorOf(ctx.principal), input)),
});

/** recovery.* procedures. */
export const recoveryRouter = router({
  status: adminProcedure.query(({ ctx }) => ({ recoveryMode: ctx.sys.mode === "recovery", configProblem: ctx.sys.config.problem })),
  repair: adminProcedure.mutation(({ ctx }) => repair(ctx.sys, actorOf(ctx.principal))),
  factory: adminProcedure
    .input(z.object({ mode: z.enum(["keep-network", "full"]), confirm: z.string().max(100) }))
    .mutation(({ ctx, input }) => factoryReset(ctx.sys, actorOf(ctx.principal), input).then((r) => ({ ...r, setupCode: ctx.principal.kind === "root" ? r.setupCode : null }))),
});
