// terminal.* procedures: the caller's live shells (the shells themselves are reached over /api/terminal).
import { adminProcedure, router } from "../trpc";

/** terminal.* procedures. */
export const terminalRouter = router({
  list: adminProcedure.query(({ ctx }) => ({ shells: ctx.sys.terminals.list(ctx.principal) })),
});
