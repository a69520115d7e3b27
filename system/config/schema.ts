// The one zod schema of <root>/var/lib/maculaos/config.yaml (top key `maculaos:`), with the guide's defaults.
import { isIP, isIPv4, isIPv6 } from "node:net";
import { z } from "zod";

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const REALM = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;
const WG_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw480]=$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** True for an RFC 1123 host name (not an all-numeric dotted string, which must be a valid IPv4 address instead). */
export const isHostname = (s: string): boolean => HOSTNAME.test(s) && !/^[\d.]+$/.test(s);
const isHost = (s: string) => isIP(s) !== 0 || isHostname(s);
const isPort = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65535;

/** True for `host:port`, where host is a host name, an IPv4 address or a bracketed IPv6 address. */
export function isHostPort(s: string): boolean {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
  return !!m && (m[1] !== undefined ? isIPv6(m[1]) : isHost(m[2] ?? "")) && isPort(Number(m[3]));
}

/** True for an address/prefix pair such as 192.168.1.100/24 (`family` 4 or 6 restricts it). */
export function isCidr(s: string, family?: 4 | 6): boolean {
  const [addr = "", prefix, ...rest] = s.split("/");
  const fam = isIP(addr);
  return rest.length === 0 && prefix !== undefined && /^\d{1,3}$/.test(prefix) && fam !== 0 && (family ?? fam) === fam && Number(prefix) <= (fam === 4 ? 32 : 128);
}

/** The OpenSSH public key types accepted in ssh.authorized_keys. */
export const SSH_KEY_TYPES = ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"] as const;

/** Checks one authorized_keys line (`type base64-blob [comment]`); returns what is wrong, or undefined when it is a real key. */
export function sshKeyProblem(line: string): string | undefined {
  const [type = "", blob = ""] = line.trim().split(/\s+/);
  if (!(SSH_KEY_TYPES as readonly string[]).includes(type)) return `expected an OpenSSH public key starting with one of ${SSH_KEY_TYPES.join(", ")}`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob) || blob.length % 4 !== 0) return `expected a real OpenSSH public key: the key data after ${type} is not base64 (a placeholder such as "AAAA..."?)`;
  const buf = Buffer.from(blob, "base64");
  const fields: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    const len = at + 4 <= buf.length ? buf.readUInt32BE(at) : Infinity;
    if (at + 4 + len > buf.length) return `expected a real OpenSSH public key: the ${type} key data is truncated or corrupt`;
    fields.push(buf.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  const embedded = fields[0]?.toString("latin1");
  if (embedded !== type) return `the key data is a ${embedded ?? "empty"} key but the line says ${type}`;
  if (fields.length < 2 || (type.includes("ed25519") && fields[1]?.length !== 32)) return `expected a real OpenSSH public key: the ${type} key data is incomplete`;
  return undefined;
}

/** The alert metrics a condition may compare. */
export const ALERT_METRICS = ["disk_usage", "memory_usage", "cpu_usage", "temperature", "load"] as const;
/** The comparison operators of an alert condition. */
export const ALERT_OPS = [">", ">=", "<", "<=", "=="] as const;
/** An alert metric name. */
export type AlertMetric = (typeof ALERT_METRICS)[number];
/** An alert comparison operator. */
export type AlertOp = (typeof ALERT_OPS)[number];

/** A parsed alert condition: a metric threshold or a service being down (any service when `service` is absent). */
export type AlertCondition =
  | { kind: "threshold"; metric: AlertMetric; op: AlertOp; value: number; percent: boolean }
  | { kind: "service_down"; service?: string };

const CONDITION_EXPECTED = `expected "<metric> <op> <number>[%]" (metric: ${ALERT_METRICS.join(" | ")}; op: ${ALERT_OPS.join(" ")}), "service_down" or "service_down(<name>)"`;

/** Parses an alert condition such as `disk_usage > 90%` or `service_down(myservice)`; undefined when it does not match the grammar. */
export function parseCondition(text: string): AlertCondition | undefined {
  const t = /^\s*([a-z_]+)\s*(>=|<=|==|>|<)\s*(-?\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  if (t) {
    const metric = ALERT_METRICS.find((m) => m === t[1]);
    const percent = t[4] === "%";
    const value = Number(t[3]);
    if (!metric || (percent && !metric.endsWith("_usage")) || (metric.endsWith("_usage") && (value < 0 || value > 100))) return undefined;
    return { kind: "threshold", metric, op: t[2] as AlertOp, value, percent };
  }
  const s = /^\s*service_down(?:\(\s*([A-Za-z0-9_.@-]+)\s*\))?\s*$/.exec(text);
  if (!s) return undefined;
  return s[1] === undefined ? { kind: "service_down" } : { kind: "service_down", service: s[1] };
}

const DURATION_UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration like `30s`, `15m` or `1h30m`; undefined when it is not one. */
export function durationMs(text: string): number | undefined {
  if (!/^(\d+[smhd])+$/.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)([smhd])/g)) ms += Number(n) * (DURATION_UNIT_MS[unit!] ?? 0);
  return ms;
}

// ---- building blocks: every failure message reads "expected <what>" (or "required: <what>" when absent) ----

const expected = (what: string) => (iss: { input?: unknown }) => (iss.input === undefined ? `required: ${what}` : `expected ${what}`);

/** A string that must satisfy `test` (a regex, a predicate, or a function returning a specific problem message). */
function text(what: string, test?: RegExp | ((s: string) => boolean | string | undefined)) {
  return z.string({ error: expected(what) }).superRefine((s, ctx) => {
    const r = test === undefined ? s.length > 0 : test instanceof RegExp ? test.test(s) : test(s);
    if (r !== true && r !== undefined) ctx.addIssue({ code: "custom", message: typeof r === "string" ? r : `expected ${what}` });
  });
}

/** A boolean; "true"/"false" strings (from ${VAR} substitution) are accepted. */
const flag = z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean({ error: expected("true or false") }));
/** A whole number in [min, max]; digit strings (from ${VAR} substitution) are accepted. */
const int = (what: string, min: number, max: number) =>
  z.preprocess((v) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v), z.number({ error: expected(what) }).refine((n) => Number.isInteger(n) && n >= min && n <= max, { error: `expected ${what}` }));
const port = int("a port number 1-65535", 1, 65535);

/** A strict map: unknown keys are errors that list the allowed ones, so typos are caught. */
function strict<S extends z.ZodRawShape>(shape: S) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, { error: (iss) => (iss.code === "unrecognized_keys" ? `unknown key (expected one of: ${allowed})` : undefined) });
}

/** A list whose items' `key` must be unique. */
const unique = <K extends string>(key: K) => (items: Array<Record<K, unknown>>, ctx: z.core.$RefinementCtx) => {
  const seen = new Map<unknown, number>();
  items.forEach((item, i) => {
    const first = seen.get(item[key]);
    if (first === undefined) seen.set(item[key], i);
    else ctx.addIssue({ code: "custom", path: [i, key], message: `duplicate ${key}: the same as item ${first}` });
  });
};

const hostPort = (example: string) => text(`host:port like ${example}`, isHostPort);
const ipv4 = text("an IPv4 address like 192.168.1.1", isIPv4);
/** A firewall rule operand: port/protocol like 8080/tcp. */
const portRule = text(`a port/protocol rule like 8080/tcp`, (s) => /^\d{1,5}\/(tcp|udp)$/.test(s) && isPort(Number(s.split("/")[0])));
const schedule = text(`a 24-hour time "HH:MM" like "04:00"`, /^([01]\d|2[0-3]):[0-5]\d$/);

// ---- sections ----

const networkInterface = strict({
  name: text("an interface name like eth0", /^[A-Za-z0-9_.-]{1,15}$/),
  dhcp: flag.optional(),
  address: text("an IPv4 CIDR like 192.168.1.100/24", (s) => isCidr(s, 4)).optional(),
  gateway: ipv4.optional(),
  dns: z.array(ipv4).optional(),
})
  .superRefine((i, ctx) => {
    const statics = (["address", "gateway", "dns"] as const).filter((k) => i[k] !== undefined);
    const fail = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (i.dhcp === true) for (const k of statics) fail(k, `dhcp: true and a static ${k} are mutually exclusive`);
    else if (i.address === undefined) fail("address", "required: an IPv4 CIDR like 192.168.1.100/24 (or set dhcp: true)");
    else if (i.gateway === undefined) fail("gateway", "required for a static address: an IPv4 address like 192.168.1.1");
  })
  .transform((i) => (i.dhcp === true ? { name: i.name, dhcp: true as const } : { name: i.name, dhcp: false as const, address: i.address ?? "", gateway: i.gateway ?? "", dns: i.dns ?? [] }));

const wireguard = strict({
  enabled: flag.default(false),
  private_key: text("a 44-character base64 WireGuard private key", WG_KEY).optional(),
  listen_port: port.default(51820),
  peers: z
    .array(
      strict({
        public_key: text("a 44-character base64 WireGuard public key", WG_KEY),
        endpoint: hostPort("peer1.example.com:51820"),
        allowed_ips: z.array(text("a CIDR like 10.0.0.2/32", (s) => isCidr(s))).optional(),
      }),
    )
    .superRefine(unique("public_key"))
    .default([]),
}).superRefine((w, ctx) => {
  if (w.enabled && w.private_key === undefined) ctx.addIssue({ code: "custom", path: ["private_key"], message: `required when wireguard is enabled (e.g. "\${WIREGUARD_PRIVATE_KEY}")` });
});

const mesh = strict({
  realm: text("a reverse-DNS realm like io.mycompany", REALM).default("io.macula"),
  role: z.enum(["peer", "gateway", "bootstrap"]).default("peer"),
  bootstrap_nodes: z.array(hostPort("bootstrap.macula.io:4433")).default(["bootstrap.macula.io:4433"]),
  advertise_address: hostPort("203.0.113.10:4433").optional(),
  stun_port: port.default(3478),
  turn_port: port.default(3479),
  wireguard: wireguard.prefault({}),
  nats_url: text("a NATS URL like nats://127.0.0.1:4222", /^nats:\/\/[^\s/:]+:\d{1,5}$/).default("nats://127.0.0.1:4222"),
}).superRefine((m, ctx) => {
  if (m.role === "bootstrap" && m.advertise_address === undefined) ctx.addIssue({ code: "custom", path: ["advertise_address"], message: "required when role is bootstrap: host:port like 203.0.113.10:4433" });
});

const alert = strict({
  name: text("an alert name of letters, digits, _ . -", /^[A-Za-z0-9_.-]+$/),
  condition: text("an alert condition", (s) => (parseCondition(s) ? true : CONDITION_EXPECTED)),
  topic: text("a mesh topic like io.mycompany.alerts.disk_full", /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/),
  for: text("a duration like 30s, 5m or 1h", /^(\d+[smhd])+$/).optional(),
});

/** A duration such as 30s, 5m, 1h30m or 2d. */
const duration = text("a duration like 30s, 5m or 1h", /^(\d+[smhd])+$/);

/** The kinds of user health check, and what a failing one does. */
export const CHECK_TYPES = ["process", "http", "disk"] as const;
/** What a failing user health check does. */
export const CHECK_ACTIONS = ["alert", "restart", "cleanup"] as const;

const healthCheck = strict({
  name: text("a check name of letters, digits, _ . -", /^[A-Za-z0-9_.-]+$/),
  type: z.enum(CHECK_TYPES),
  target: text("a process name, an http(s) URL or an absolute path"),
  threshold: z.number({ error: expected("a number (disk: percent used; http: milliseconds)") }).positive().optional(),
  interval: duration.default("30s"),
  action: z.enum(CHECK_ACTIONS).default("alert"),
  topic: text("a mesh topic like io.mycompany.alerts.health", /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/).optional(),
  service: text("a service name like myservice", /^[A-Za-z0-9_.@-]+$/).optional(),
}).superRefine((c, ctx) => {
  const fail = (message: string) => ctx.addIssue({ code: "custom", path: ["target"], message });
  if (c.type === "http" && !/^https?:\/\/\S+$/.test(c.target)) fail("expected an http(s) URL like http://127.0.0.1:8080/health for an http check");
  if (c.type === "disk" && !c.target.startsWith("/")) fail("expected an absolute path like /var/lib for a disk check");
  if (c.type === "process" && !/^[A-Za-z0-9_.:@-]{1,64}$/.test(c.target)) fail("expected a process name like nginx for a process check");
  if (c.action === "restart" && c.type !== "process" && c.service === undefined) ctx.addIssue({ code: "custom", path: ["service"], message: "required for action restart: the service to restart" });
  if (c.type === "disk" && c.threshold !== undefined && c.threshold > 100) ctx.addIssue({ code: "custom", path: ["threshold"], message: "expected a percentage 1-100 for a disk check" });
});

/** The schema of the `maculaos:` block: every section optional, defaults from the guide. */
export const configSchema = strict({
  hostname: text("an RFC 1123 hostname like edge-node-01", isHostname).default("maculaos"),
  network: strict({ interfaces: z.array(networkInterface).superRefine(unique("name")).default([{ name: "eth0", dhcp: true }]) }).prefault({}),
  mesh: mesh.prefault({}),
  ssh: strict({ authorized_keys: z.array(text("an OpenSSH public key line", sshKeyProblem)).default([]) }).prefault({}),
  ntp: strict({ servers: z.array(text("a host name or IP address like pool.ntp.org", isHost)).default(["pool.ntp.org"]) }).prefault({}),
  logging: strict({
    forward_to: hostPort("logs.example.com:24224").optional(),
    format: z.enum(["json", "text"]).default("json"),
  }).prefault({}),
  security: strict({
    secure_boot: flag.default(false),
    enrollment_key: text("an absolute path like /var/lib/maculaos/keys/MOK.der", (s) => s.startsWith("/")).default("/var/lib/maculaos/keys/MOK.der"),
  }).prefault({}),
  updates: strict({
    automatic: flag.default(false),
    schedule: schedule.default("04:00"),
    auto_reboot: flag.default(false),
    notify: text("an email address like admin@example.com", EMAIL).optional(),
    server: text("an http(s) URL like https://updates.example.com, or a file: URL of a release directory", (s) => URL.canParse(s) && /^(https?|file):$/.test(new URL(s).protocol)).optional(),
    channel: text("a channel name like stable", /^[a-z0-9][a-z0-9._-]*$/).default("stable"),
  }).prefault({}),
  monitoring: strict({
    prometheus: strict({
      enabled: flag.default(true),
      port: port.default(9100),
      path: text(`a URL path starting with "/" like /metrics`, /^\/\S*$/).default("/metrics"),
    }).prefault({}),
    interval: duration.default("5s"),
  }).prefault({}),
  health: strict({ checks: z.array(healthCheck).superRefine(unique("name")).default([]) }).prefault({}),
  alerts: z.array(alert).superRefine(unique("name")).default([]),
  firewall: strict({ allow: z.array(portRule).default([]), deny: z.array(portRule).default([]) }).prefault({}),
  registries: z
    .array(strict({ host: text("a registry host like ghcr.io or registry.local:5000", (s) => isHost(s) || isHostPort(s)), username: text("a user name").optional(), password: text("a password").optional() }))
    .superRefine(unique("host"))
    .default([]),
  services: strict({
    restart_delay_ms: int("milliseconds 10-60000", 10, 60_000).default(250),
    max_restart_delay_ms: int("milliseconds 100-3600000", 100, 3_600_000).default(30_000),
    crash_loop_restarts: int("a number of exits 1-100", 1, 100).default(5),
    crash_loop_seconds: int("seconds 1-3600", 1, 3600).default(10),
    settle_seconds: int("seconds 1-600", 1, 600).default(2),
  }).prefault({}),
  backup: strict({
    schedule: schedule.optional(),
    retention: strict({ count: int("a backup count 1-1000", 1, 1000).default(7), max_age_days: int("a number of days 1-36500", 1, 36500).optional() }).prefault({}),
    target: text("a backup target path or URL").optional(),
    /** Encrypts scheduled backups with the passphrase in this root-only file (the passphrase itself never goes in the config). */
    passphrase_file: text("an absolute path to a root-only file holding the passphrase, like /var/lib/maculaos-secrets/backup.pass", (s) =>
      !s.startsWith("/") || /[\0\n]/.test(s) || s.split("/").includes("..")
        ? false
        : /^\/(var\/lib\/maculaos|etc)(\/|$)/.test(s.replace(/\/+/g, "/"))
          ? "expected a path outside /var/lib/maculaos and /etc: those are copied into every backup, unencrypted ones too"
          : true,
    ).optional(),
  }).prefault({}),
  terminal: strict({
    shell: text("an absolute path to a shell like /bin/bash", (s) => s.startsWith("/") && !/\s/.test(s)).optional(),
    idle_timeout: text("a duration like 30s, 15m or 1h", (s) => durationMs(s) !== undefined && durationMs(s)! > 0).default("15m"),
  }).prefault({}),
});

/** The schema of the whole file: one top key, `maculaos:`. */
export const configFileSchema = z.strictObject(
  { maculaos: configSchema.prefault({}) },
  { error: (iss) => (iss.code === "unrecognized_keys" ? `unknown top-level key: the file's only top key is "maculaos:"` : iss.code === "invalid_type" ? `expected a map with the top key "maculaos:"` : undefined) },
);

/** The parsed configuration with every default filled in (the contents of `maculaos:`). */
export type MaculaConfig = z.output<typeof configSchema>;

/** The configuration of a device with no config file: all defaults. */
export const defaultConfig = (): MaculaConfig => configFileSchema.parse({}).maculaos;
