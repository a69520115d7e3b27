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

/** Account operations over the database, with login throttling and an event for each change. */
export class Accounts {
  readonly throttle = new Throttle();

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
    await this.db.user.delete({ where: { id } });
    await this.events.record({ actor: actorOf(actor), action: "user.remove", target: user.username, outcome: "ok" });
  }

  /** Checks a password (throttled per address and per user) and opens a session; returns its token. */
  async login(username: string, password: string, address: string): Promise<{ token: string; principal: Principal; expiresAt: Date }> {
    const keys = [`addr:${address}`, `user:${username}`];
    this.throttle.check(...keys);
    const user = await this.db.user.findUnique({ where: { username } });
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) {
      this.throttle.fail(...keys);
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

  /** The principal a session token belongs to, or null when it is unknown or expired. */
  async resolveSession(token: string): Promise<Principal | null> {
    const session = await this.db.session.findUnique({ where: { tokenHash: sha256(token) }, include: { user: true } });
    if (!session) return null;
    if (session.expiresAt.getTime() <= Date.now()) {
      await this.db.session.delete({ where: { id: session.id } }).catch(() => undefined);
      return null;
    }
    return { kind: "user", name: session.user.username, role: session.user.role as Role, userId: session.userId, sessionId: session.id };
  }

  /** Ends a session. */
  async logout(p: Principal): Promise<void> {
    if (p.sessionId !== undefined) await this.db.session.deleteMany({ where: { id: p.sessionId } });
    await this.events.record({ actor: actorOf(p), action: "auth.logout", target: p.name, outcome: "ok" });
  }

  /** Changes the caller's password after checking the current one; other sessions of the user end. */
  async changePassword(p: Principal, current: string, next: string): Promise<void> {
    if (p.userId === undefined) throw new AppError("FORBIDDEN", "only a signed-in user has a password to change");
    passwordSchema.parse(next);
    const user = await this.db.user.findUnique({ where: { id: p.userId } });
    if (!user || !(await verifyPassword(current, user.passwordHash))) {
      await this.events.record({ actor: p.name, action: "auth.password", target: p.name, outcome: "failed", detail: "current password wrong" });
      throw new AppError("INVALID_INPUT", "the current password is wrong", { details: { problems: [{ path: "current", message: "the current password is wrong" }] } });
    }
    await this.db.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(next) } });
    await this.db.session.deleteMany({ where: { userId: user.id, NOT: { id: p.sessionId ?? -1 } } });
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
    await this.events.record({ actor: actorOf(actor), action: "token.revoke", target: row.name, outcome: "ok" });
  }

  /** The principal an API token belongs to, or null. */
  async resolveToken(token: string): Promise<Principal | null> {
    const row = await this.db.apiToken.findUnique({ where: { tokenHash: sha256(token) } });
    if (!row) return null;
    await this.db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
    return { kind: "token", name: row.name, role: row.role as Role };
  }
}
