// Sign in and out, who am I, and password changes.
import { z } from "zod";
import { adminProcedure, authedProcedure, publicProcedure, router, type Context } from "../trpc";
import { roleSchema } from "~/system/accounts/accounts";

const signedIn = (ctx: Context) => (s: { token: string; expiresAt: Date; principal: { name: string; role: string } }) => {
  ctx.setSession(s.token, s.expiresAt);
  return { user: { username: s.principal.name, role: s.principal.role } };
};

/** auth.* procedures. */
export const authRouter = router({
  login: publicProcedure.input(z.object({ username: z.string().max(64), password: z.string().max(256) })).mutation(({ ctx, input }) => ctx.sys.accounts.login(input.username, input.password, ctx.address).then(signedIn(ctx))),
  logout: authedProcedure.mutation(({ ctx }) => ctx.sys.accounts.logout(ctx.principal).then(() => (ctx.clearSession(), { ok: true }))),
  me: authedProcedure.query(({ ctx }) => ({ username: ctx.principal.name, role: ctx.principal.role, kind: ctx.principal.kind })),
  changePassword: authedProcedure.input(z.object({ current: z.string(), next: z.string() })).mutation(({ ctx, input }) => ctx.sys.accounts.changePassword(ctx.principal, input.current, input.next).then(() => ({ ok: true }))),
});

/** users.* procedures (admins manage accounts). */
export const usersRouter = router({
  list: adminProcedure.query(({ ctx }) => ctx.sys.accounts.listUsers().then((users) => ({ users }))),
  create: adminProcedure.input(z.object({ username: z.string(), password: z.string(), role: roleSchema })).mutation(({ ctx, input }) => ctx.sys.accounts.createUser(ctx.principal, input.username, input.password, input.role)),
  remove: adminProcedure.input(z.object({ id: z.number().int() })).mutation(({ ctx, input }) => ctx.sys.accounts.removeUser(ctx.principal, input.id).then(() => ({ ok: true }))),
});

/** tokens.* procedures (API tokens for `maculaos --host URL --token T`). */
export const tokensRouter = router({
  list: adminProcedure.query(({ ctx }) => ctx.sys.accounts.listTokens().then((tokens) => ({ tokens }))),
  create: adminProcedure.input(z.object({ name: z.string(), role: roleSchema })).mutation(({ ctx, input }) => ctx.sys.accounts.createToken(ctx.principal, input.name, input.role)),
  revoke: adminProcedure.input(z.object({ id: z.number().int() })).mutation(({ ctx, input }) => ctx.sys.accounts.revokeToken(ctx.principal, input.id).then(() => ({ ok: true }))),
});
