// Users, browser sessions and API tokens. Secrets are random tokens stored only as sha256 hashes.
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import type { EventLog } from "../events/events";
import { DUMMY_HASH, hashPassword, verifyPassword } from "./passwords";
import { Throttle } from "./throttle";

/** What a user may do: admins everything, viewers only read. */
export type Role = "admin" | "viewer";

/** Who is calling: a signed-in user, an API token, or root on the local socket. */
export interface Principal {
  kind: "user" | "token" | "root";
  name: string;
  role: Role;
  userId?: number;
  sessionId?: number;
  tokenId?: number;
}

/** Session lifetime. */
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

/** Rules for usernames. */
export const usernameSchema = z
  .string()
  .regex(/^[a-z_][a-z0-9_.-]{0,31}$/, "a username is 1-32 lowercase letters, digits, '.', '_' or '-', starting with a letter or '_'");
/** Rules for passwords. */
export const passwordSchema = z.string().min(10, "a password needs at least 10 characters").max(256, "a password has at most 256 characters");
/** The two roles. */
export const roleSchema = z.enum(["admin", "viewer"]);

function sha256(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

/** How a principal is named in events: a token as `token:NAME`. */
export function actorOf(p: Principal): string {
  return p.kind === "token" ? `token:${p.name}` : p.name;
}

/** How long a resolved session or token is trusted from memory before the database is asked again. */
const CACHE_MS = 30_000;

/** Account operations over the database, with login throttling and an event for each change. Resolved sessions and
 * tokens are cached in memory (this process makes every change to them, and drops the cache when it does). */
export class Accounts {
  readonly throttle = new Throttle();
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  private readonly tokenUse = new Map<number, number>();
  /** Bumped by forget(): a lookup that started before a revocation must not cache what it read. */
  private generation = 0;

  constructor(
    private readonly db: Db,
    private readonly events: EventLog,
  ) {}

  /** Creates a user; the caller checks who may. */
  async createUser(actor: Principal, username: string, password: string, role: Role): Promise<{ id: number; username: string; role: Role }> {
    usernameSchema.parse(username);
    passwordSchema.parse(password);
    if (await this.db.user.findUnique({ where: { username } })) throw new AppError("CONFLICT", `user ${username} already exists`);
    const user = await this.db.user.create({ data: { username, role, passwordHash: await hashPassword(password) } });
    await this.events.record({ actor: actorOf(actor), action: "user.create", target: username, outcome: "ok", detail: `role ${role}` });
    return { id: user.id, username, role };
  }

  /** Lists users without their hashes. */
  async listUsers(): Promise<{ id: number; username: string; role: Role; createdAt: Date }[]> {
    return (await this.db.user.findMany({ select: { id: true, username: true, role: true, createdAt: true }, orderBy: { id: "asc" } })) as {
      id: number;
      username: string;
      role: Role;
      createdAt: Date;
    }[];
  }

  /** Removes a user and their sessions; the last admin cannot be removed. */
  async removeUser(actor: Principal, id: number): Promise<void> {
    const user = await this.db.user.findUnique({ where: { id } });
    if (!user) throw new AppError("NOT_FOUND", `no user with id ${id}`);
    if (user.role === "admin" && (await this.db.user.count({ where: { role: "admin" } })) <= 1) {
      throw new AppError("CONFLICT", "the last admin cannot be removed");
    }
    if (actor.userId === id) throw new AppError("CONFLICT", "you cannot remove your own account");
    await this.db.$transaction([this.db.apiToken.deleteMany({ where: { createdBy: user.username } }), this.db.user.delete({ where: { id } })]);
    this.forget();
    await this.events.record({ actor: actorOf(actor), action: "user.remove", target: user.username, outcome: "ok", detail: "their sessions and API tokens were revoked" });
  }

  /** Checks a password (throttled per address and per user) and opens a session; returns its token. */
  async login(username: string, password: string, address: string): Promise<{ token: string; principal: Principal; expiresAt: Date }> {
    const keys = [`addr:${address}`, `user:${username}`];
    this.throttle.attempt(...keys);
    const user = await this.db.user.findUnique({ where: { username } });
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) {
      await this.events.record({ actor: address, action: "auth.login", target: username, outcome: "failed", detail: "wrong username or password" });
      throw new AppError("UNAUTHENTICATED", "wrong username or password");
    }
    this.throttle.clear(...keys);
    const session = await this.openSession(user.id, address);
    await this.events.record({ actor: username, action: "auth.login", target: username, outcome: "ok", detail: `from ${address}` });
    return { ...session, principal: { kind: "user", name: username, role: user.role as Role, userId: user.id } };
  }

  /** Opens a session for a user without a password check (after setup); returns its token. */
  async openSession(userId: number, address: string): Promise<{ token: string; expiresAt: Date }> {
    const token = newToken("mos");
    const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
    await this.db.session.create({ data: { tokenHash: sha256(token), userId, expiresAt, address } });
    return { token, expiresAt };
  }

  private async cached(key: string, load: () => Promise<{ principal: Principal | null; expiresAt?: Date }>): Promise<Principal | null> {
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.principal;
    const generation = this.generation;
    const { principal, expiresAt } = await load();
    if (generation !== this.generation) return principal;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { principal, until: Math.min(now + CACHE_MS, expiresAt?.getTime() ?? Infinity) });
    return principal;
  }

  /** Forgets every cached session and token resolution (after any change to sessions, users or tokens). */
  forget(): void {
    this.generation++;
    this.cache.clear();
  }

  /** The principal a session token belongs to, or null when it is unknown or expired. */
  resolveSession(token: string): Promise<Principal | null> {
    return this.cached(`s:${sha256(token)}`, async () => {
      const session = await this.db.session.findUnique({ where: { tokenHash: sha256(token) }, include: { user: true } });
      if (!session) return { principal: null };
      if (session.expiresAt.getTime() <= Date.now()) {
        await this.db.session.delete({ where: { id: session.id } }).catch(() => undefined);
        return { principal: null };
      }
      const principal: Principal = { kind: "user", name: session.user.username, role: session.user.role as Role, userId: session.userId, sessionId: session.id };
      return { principal, expiresAt: session.expiresAt };
    });
  }

  /** Ends a session. */
  async logout(p: Principal): Promise<void> {
    if (p.sessionId !== undefined) await this.db.session.deleteMany({ where: { id: p.sessionId } });
    this.forget();
    await this.events.record({ actor: actorOf(p), action: "auth.logout", target: p.name, outcome: "ok" });
  }

  /** Changes the caller's password after checking the current one; other sessions of the user end. */
  async changePassword(p: Principal, current: string, next: string): Promise<void> {
    if (p.userId === undefined) throw new AppError("FORBIDDEN", "only a signed-in user has a password to change");
    passwordSchema.parse(next);
    const key = `password:${p.userId}`;
    this.throttle.attempt(key);
    const user = await this.db.user.findUnique({ where: { id: p.userId } });
    if (!user || !(await verifyPassword(current, user.passwordHash))) {
      await this.events.record({ actor: p.name, action: "auth.password", target: p.name, outcome: "failed", detail: "current password wrong" });
      throw new AppError("INVALID_INPUT", "the current password is wrong", { details: { problems: [{ path: "current", message: "the current password is wrong" }] } });
    }
    this.throttle.clear(key);
    await this.db.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(next) } });
    await this.db.session.deleteMany({ where: { userId: user.id, NOT: { id: p.sessionId ?? -1 } } });
    this.forget();
    await this.events.record({ actor: p.name, action: "auth.password", target: p.name, outcome: "ok" });
  }

  /** Makes an API token; the secret is returned once and stored only hashed. */
  async createToken(actor: Principal, name: string, role: Role): Promise<{ id: number; token: string }> {
    z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "a token name is 1-64 letters, digits, '.', '_' or '-'").parse(name);
    if (await this.db.apiToken.findUnique({ where: { name } })) throw new AppError("CONFLICT", `a token named ${name} already exists`);
    const token = newToken("mot");
    const row = await this.db.apiToken.create({ data: { name, role, tokenHash: sha256(token), createdBy: actorOf(actor) } });
    await this.events.record({ actor: actorOf(actor), action: "token.create", target: name, outcome: "ok", detail: `role ${role}` });
    return { id: row.id, token };
  }

  /** Lists API tokens without their secrets. */
  async listTokens(): Promise<{ id: number; name: string; role: Role; createdBy: string; createdAt: Date; lastUsedAt: Date | null }[]> {
    return (await this.db.apiToken.findMany({
      select: { id: true, name: true, role: true, createdBy: true, createdAt: true, lastUsedAt: true },
      orderBy: { id: "asc" },
    })) as { id: number; name: string; role: Role; createdBy: string; createdAt: Date; lastUsedAt: Date | null }[];
  }

  /** Revokes an API token. */
  async revokeToken(actor: Principal, id: number): Promise<void> {
    const row = await this.db.apiToken.findUnique({ where: { id } });
    if (!row) throw new AppError("NOT_FOUND", `no token with id ${id}`);
    await this.db.apiToken.delete({ where: { id } });
    this.forget();
    await this.events.record({ actor: actorOf(actor), action: "token.revoke", target: row.name, outcome: "ok" });
  }

  /** The principal an API token belongs to, or null; its last use is recorded at most once a minute. */
  async resolveToken(token: string): Promise<Principal | null> {
    let id: number | undefined;
    const principal = await this.cached(`t:${sha256(token)}`, async () => {
      const row = await this.db.apiToken.findUnique({ where: { tokenHash: sha256(token) } });
      id = row?.id;
      return { principal: row ? { kind: "token", name: row.name, role: row.role as Role, tokenId: row.id } : null };
    });
    id ??= principal?.tokenId;
    const now = Date.now();
    if (id !== undefined && now - (this.tokenUse.get(id) ?? 0) > 60_000) {
      this.tokenUse.set(id, now);
      await this.db.apiToken.updateMany({ where: { id }, data: { lastUsedAt: new Date(now) } });
    }
    return principal;
  }
}
