// The first-boot setup: a one-time setup code proves the person is at the node, then the wizard writes the config,
// creates the admin and ends setup for good.
import { randomInt, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { passwordSchema, usernameSchema, type Principal } from "../accounts/accounts";
import { hashPassword } from "../accounts/passwords";
import { AppError } from "../errors";
import { writeFileAtomic } from "../host/atomic-write";
import type { System } from "../system";

const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const META_CODE = "setup.code";
const META_STATE = "setup.state";

/** What the wizard sends. Field rules beyond shape are the config schema's. */
export const setupInput = z.object({
  code: z.string().min(1, "the setup code is required"),
  admin: z.object({ username: usernameSchema, password: passwordSchema }),
  hostname: z.string(),
  network: z.object({
    interface: z.string().min(1),
    mode: z.enum(["dhcp", "static"]),
    address: z.string().optional(),
    gateway: z.string().optional(),
    dns: z.array(z.string()).optional(),
  }),
  mesh: z.object({
    role: z.enum(["peer", "gateway", "bootstrap"]),
    realm: z.string(),
    bootstrap_nodes: z.array(z.string()),
    advertise_address: z.string().optional(),
  }),
  ssh_authorized_keys: z.array(z.string()),
  ntp_servers: z.array(z.string()),
});

/** The wizard's answers. */
export type SetupInput = z.infer<typeof setupInput>;

function newCode(): string {
  const pick = () => Array.from({ length: 4 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join("");
  return `${pick()}-${pick()}`;
}

const done = new WeakSet<System>();

/** True while the node has not been set up (once done, answered from memory: only a restart re-arms setup). */
export async function setupPending(sys: System): Promise<boolean> {
  if (done.has(sys)) return false;
  if ((await sys.db.meta.findUnique({ where: { key: META_STATE } }))?.value !== "done") return true;
  done.add(sys);
  return false;
}

/** Drops the remembered "setup is done" (after the database was replaced), so the next check reads the database. */
export function forgetSetupState(sys: System): void {
  done.delete(sys);
}

/** The setup code, made on first use; refuses once setup is done. */
export async function setupCode(sys: System): Promise<string> {
  if (!(await setupPending(sys))) throw new AppError("CONFLICT", "setup is already done; the setup code is gone");
  const existing = await sys.db.meta.findUnique({ where: { key: META_CODE } });
  if (existing) return existing.value;
  const code = newCode();
  await sys.db.meta.create({ data: { key: META_CODE, value: code } });
  return code;
}

/** Checks a setup code, throttled per address; throws FORBIDDEN when wrong or when setup is done. */
export async function checkSetupCode(sys: System, code: string, address: string): Promise<{ ok: true }> {
  if (!(await setupPending(sys))) throw new AppError("FORBIDDEN", "setup is already done");
  const key = `setup:${address}`;
  sys.accounts.throttle.attempt(key);
  const want = Buffer.from(await setupCode(sys));
  const got = Buffer.from(code.trim().toUpperCase());
  if (want.length !== got.length || !timingSafeEqual(want, got)) {
    throw new AppError("FORBIDDEN", "wrong setup code: read it on the node's console or with `maculaos setup-code`");
  }
  sys.accounts.throttle.clear(key);
  return { ok: true };
}

function configEntries(input: SetupInput): { key: string; value: unknown }[] {
  const n = input.network;
  const iface =
    n.mode === "dhcp"
      ? { name: n.interface, dhcp: true }
      : { name: n.interface, address: n.address ?? "", gateway: n.gateway ?? "", ...(n.dns?.length ? { dns: n.dns } : {}) };
  const mesh: Record<string, unknown> = { realm: input.mesh.realm, role: input.mesh.role, bootstrap_nodes: input.mesh.bootstrap_nodes };
  if (input.mesh.advertise_address) mesh.advertise_address = input.mesh.advertise_address;
  return [
    { key: "hostname", value: input.hostname },
    { key: "network.interfaces", value: [iface] },
    { key: "mesh", value: mesh },
    { key: "ssh.authorized_keys", value: input.ssh_authorized_keys },
    { key: "ntp.servers", value: input.ntp_servers },
  ];
}

const running = new WeakMap<System, Promise<unknown>>();

/** Runs the setup steps of one system one at a time, so two wizards racing with the same code cannot both finish. */
function oneAtATime<T>(sys: System, step: () => Promise<T>): Promise<T> {
  const next = (running.get(sys) ?? Promise.resolve()).then(step, step);
  running.set(sys, next.catch(() => undefined));
  return next;
}

/**
 * Completes setup: checks the code (again, inside the lock), writes the config (validated first) and the hostname,
 * then creates the admin, ends setup and deletes the code in one transaction, and opens a session. A failure before
 * the transaction leaves setup pending with the same code, so the wizard can simply try again.
 */
export function completeSetup(sys: System, input: SetupInput, address: string): Promise<{ token: string; expiresAt: Date; user: { username: string; role: "admin" } }> {
  return oneAtATime(sys, async () => {
    await checkSetupCode(sys, input.code, address);
    const root: Principal = { kind: "root", name: "setup", role: "admin" };
    const passwordHash = await hashPassword(input.admin.password);
    await sys.config.set(configEntries(input), root);
    await writeFileAtomic(sys.paths.hostname, `${input.hostname}\n`);
    const [user] = await sys.db.$transaction([
      sys.db.user.create({ data: { username: input.admin.username, role: "admin", passwordHash } }),
      sys.db.meta.upsert({ where: { key: META_STATE }, create: { key: META_STATE, value: "done" }, update: { value: "done" } }),
      sys.db.meta.deleteMany({ where: { key: META_CODE } }),
    ]);
    await sys.events.record({ actor: input.admin.username, action: "setup.complete", target: input.hostname, outcome: "ok", detail: `admin ${input.admin.username}, role ${input.mesh.role}, realm ${input.mesh.realm}` });
    const session = await sys.accounts.openSession(user.id, address);
    return { ...session, user: { username: user.username, role: "admin" as const } };
  });
}
