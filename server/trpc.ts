// tRPC context, error mapping and the procedure factories: public, authed (any role), admin, and root (socket only).
import type { IncomingMessage, ServerResponse } from "node:http";
import { initTRPC, TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { z } from "zod";
import type { Principal } from "~/system/accounts/accounts";
import { AppError, type ErrorCode } from "~/system/errors";
import type { System } from "~/system/system";

/** The session cookie's name. */
export const SESSION_COOKIE = "maculaos_session";
/** The custom header every browser mutation must carry (a cross-site form cannot set it). */
export const CSRF_HEADER = "x-maculaos-csrf";

/** What every procedure sees. */
export interface Context {
  sys: System;
  channel: "http" | "socket";
  principal: Principal | null;
  address: string;
  /** Why a browser mutation from this request would be refused, or null when it may mutate. */
  csrfProblem: string | null;
  setSession(token: string, expiresAt: Date): void;
  clearSession(): void;
}

/** Our session cookie's value; other cookies (a service on another port may set any) are never decoded. */
function sessionCookie(header: string | undefined): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{1,200}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

function cookie(value: string, maxAge: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? "; Secure" : ""}`;
}

/** The origin a same-origin browser request to this server sends: scheme://host:port exactly as the Host header says. */
export function expectedOrigin(req: IncomingMessage): string | null {
  const host = req.headers.host;
  if (!host) return null;
  const secure = "encrypted" in req.socket && Boolean((req.socket as { encrypted?: boolean }).encrypted);
  return `${secure ? "https" : "http"}://${host}`;
}

/** The principal a browser request's session cookie belongs to, or null. */
export async function principalFromCookie(sys: System, req: IncomingMessage): Promise<Principal | null> {
  const token = sessionCookie(req.headers.cookie);
  return token ? sys.accounts.resolveSession(token) : null;
}

/** Builds the context of an HTTP request: a bearer token or a session cookie, and the CSRF verdict for mutations. */
export async function createHttpContext(sys: System, req: IncomingMessage, res: ServerResponse): Promise<Context> {
  const secure = expectedOrigin(req)?.startsWith("https:") ?? false;
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  const principal = bearer ? await sys.accounts.resolveToken(bearer) : await principalFromCookie(sys, req);
  let csrfProblem: string | null = null;
  if (!bearer) {
    const origin = req.headers.origin;
    if (req.headers[CSRF_HEADER] !== "1") csrfProblem = `missing ${CSRF_HEADER} header`;
    else if (!origin || origin !== expectedOrigin(req)) csrfProblem = `cross-origin request refused (Origin ${origin ?? "absent"})`;
  }
  return {
    sys,
    channel: "http",
    principal,
    address: req.socket.remoteAddress ?? "unknown",
    csrfProblem,
    setSession: (token, expiresAt) => res.appendHeader("Set-Cookie", cookie(token, Math.floor((expiresAt.getTime() - Date.now()) / 1000), secure)),
    clearSession: () => res.appendHeader("Set-Cookie", cookie("", 0, secure)),
  };
}

/** The context of a request on the root-only unix socket: trusted as root. */
export function createSocketContext(sys: System): Context {
  return { sys, channel: "socket", principal: { kind: "root", name: "root", role: "admin" }, address: "local socket", csrfProblem: null, setSession: () => undefined, clearSession: () => undefined };
}

const CODE_MAP: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  INVALID_INPUT: "BAD_REQUEST",
  INVALID_CONFIG: "BAD_REQUEST",
  UNAUTHENTICATED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
  IO_FAILED: "INTERNAL_SERVER_ERROR",
  INTEGRITY_FAILED: "UNPROCESSABLE_CONTENT",
  NO_SPACE: "PRECONDITION_FAILED",
  INTERNAL: "INTERNAL_SERVER_ERROR",
};

/** Converts a domain or validation error into the AppError the API reports. */
function toAppError(cause: unknown): AppError | null {
  if (cause instanceof AppError) return cause;
  const prismaCode = (cause as { code?: unknown } | null)?.code;
  if (prismaCode === "P2002") return new AppError("CONFLICT", "it already exists (changed at the same moment by another request)");
  if (prismaCode === "P2025") return new AppError("NOT_FOUND", "it no longer exists (changed at the same moment by another request)");
  if (cause instanceof z.ZodError) {
    const problems = cause.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    return new AppError("INVALID_INPUT", problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; "), { details: { problems } });
  }
  return null;
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const app = toAppError(error.cause);
    const problems = app?.details?.problems;
    return {
      ...shape,
      message: app?.message ?? (error.code === "INTERNAL_SERVER_ERROR" ? "internal error" : shape.message),
      data: { ...shape.data, stack: undefined, appCode: app?.code ?? null, problems: Array.isArray(problems) ? problems : null },
    };
  },
});

/** Maps domain errors to tRPC codes in one place, and refuses cross-origin browser mutations. */
const base = t.procedure.use(async ({ ctx, type, next }) => {
  if (type === "mutation" && ctx.csrfProblem) throw new TRPCError({ code: "FORBIDDEN", message: ctx.csrfProblem });
  const result = await next();
  if (!result.ok) {
    const app = toAppError(result.error.cause);
    if (app) throw new TRPCError({ code: CODE_MAP[app.code], message: app.message, cause: app });
  }
  return result;
});

/** Router factory. */
export const router = t.router;
/** Answers without a session: login, setup and the health probe only. */
export const publicProcedure = base;
/** Needs a session, an API token or the root socket. */
export const authedProcedure = base.use(({ ctx, next }) => {
  if (!ctx.principal) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in first" });
  return next({ ctx: { ...ctx, principal: ctx.principal } });
});
/** Needs the admin role. */
export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.principal.role !== "admin") throw new TRPCError({ code: "FORBIDDEN", message: "this needs the admin role; you are a viewer" });
  return next();
});
/** Only root on the local unix socket. */
export const rootProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.principal.kind !== "root") throw new TRPCError({ code: "FORBIDDEN", message: "only root on the node's local socket may do this" });
  return next();
});
