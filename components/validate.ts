// Client-side checks that mirror the server's obvious rules, for instant inline feedback. The server still decides.

/** True for an IPv4 address in dotted-quad form. */
export function isIPv4(s: string): boolean {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && (p === "0" || !p.startsWith("0")));
}

/** True for something that looks like an IPv6 address (hex groups and colons, optional embedded IPv4). */
export function isIPv6(s: string): boolean {
  if (!s.includes(":") || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  if ((s.match(/::/g) ?? []).length > 1) return false;
  const groups = s.split(":");
  return groups.length >= 3 && groups.length <= 8 && groups.every((g) => g === "" || /^[0-9a-fA-F]{1,4}$/.test(g) || isIPv4(g));
}

/** True for an IPv4 or IPv6 address. */
export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/** True for an address with a prefix length, e.g. 192.168.1.10/24 or fd00::5/64. */
export function isCidr(s: string): boolean {
  const [addr, prefix, ...rest] = s.split("/");
  if (rest.length > 0 || addr === undefined || prefix === undefined || !/^\d{1,3}$/.test(prefix)) return false;
  const n = Number(prefix);
  if (isIPv4(addr)) return n >= 0 && n <= 32;
  if (isIPv6(addr)) return n >= 0 && n <= 128;
  return false;
}

/** True for an RFC 1123 host name: dot-separated labels of letters, digits and hyphens, not all digits and dots. */
export function isHostname(s: string): boolean {
  if (s.length === 0 || s.length > 253 || /^[\d.]+$/.test(s)) return false;
  return s.split(".").every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

/** True for an IPv4 address with a prefix length, e.g. 192.168.1.100/24. */
export function isIPv4Cidr(s: string): boolean {
  const [addr, prefix, ...rest] = s.split("/");
  return rest.length === 0 && addr !== undefined && prefix !== undefined && isIPv4(addr) && /^\d{1,2}$/.test(prefix) && Number(prefix) <= 32;
}

/** True for a mesh realm: lowercase reverse-DNS with at least two labels, e.g. io.mycompany. */
export function isRealm(s: string): boolean {
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(s);
}

/** Why `s` is not a valid username, or undefined (1-32 lowercase letters, digits, '.', '_', '-', starting with a letter or '_'). */
export function usernameProblem(s: string): string | undefined {
  if (!s) return "Choose a username.";
  if (s.length > 32) return "Use at most 32 characters.";
  if (/[A-Z]/.test(s)) return "Use lowercase letters only.";
  if (!/^[a-z_]/.test(s)) return "Start with a lowercase letter or '_'.";
  if (!/^[a-z_][a-z0-9_.-]*$/.test(s)) return "Use only lowercase letters, digits, '.', '_' or '-'.";
  return undefined;
}

/** True for a 24-hour "HH:MM" time. */
export function isTimeOfDay(s: string): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(s);
}

/** Why `s` is not a valid node hostname, or undefined when it is. */
export function hostnameProblem(s: string): string | undefined {
  if (!s) return "Enter a hostname.";
  if (s.length > 63 && !s.includes(".")) return "Use at most 63 characters.";
  if (/\s/.test(s)) return "Spaces are not allowed.";
  if (/^-|-$/.test(s)) return "Cannot start or end with a hyphen.";
  if (/^[\d.]+$/.test(s)) return "A hostname cannot be only digits.";
  if (!isHostname(s)) return "Use only letters, digits and hyphens (for example edge-node-01).";
  return undefined;
}

/** True for "host:port" or "[ipv6]:port" with a port in 1..65535. */
export function isHostPort(s: string): boolean {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(s);
  if (!m) return false;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return false;
  return m[1] !== undefined ? isIPv6(m[1]) : isHostname(m[2] ?? "") || isIPv4(m[2] ?? "");
}

/** True for a host name or an IP address (an NTP or DNS server). */
export function isHostOrIP(s: string): boolean {
  return isIP(s) || isHostname(s);
}

const SSH_KEY_TYPES = [
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
];

/** True for one OpenSSH public key line: "<type> <base64> [comment]". */
export function isSshPublicKey(line: string): boolean {
  const [type = "", body = ""] = line.trim().split(/\s+/);
  return SSH_KEY_TYPES.includes(type) && /^[A-Za-z0-9+/]+={0,2}$/.test(body) && body.length % 4 === 0 && body.length >= 16;
}

/** The meaningful lines of a textarea: trimmed, without blanks and # comments. */
export function meaningfulLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** Per-line problems of an authorized_keys textarea as "Line N: …" messages. */
export function sshKeyProblems(text: string): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const l = raw.trim();
    if (l === "" || l.startsWith("#")) return;
    if (!isSshPublicKey(l)) out.push(`Line ${i + 1} is not an SSH public key (expected e.g. "ssh-ed25519 AAAA… user@host").`);
  });
  return out;
}

/** Entries of a list field with surrounding spaces removed and blanks dropped. */
export function cleanList(values: string[]): string[] {
  return values.map((v) => v.trim()).filter((v) => v !== "");
}

/** Per-item problems of a list (by index) using `check`; blank items are ignored. */
export function listProblems(values: string[], check: (v: string) => boolean, message: string): (string | undefined)[] {
  return values.map((v) => (v.trim() === "" || check(v.trim()) ? undefined : message));
}

/** Index in `values` of the n-th non-blank entry: server problems index the list as cleanList leaves it, the form the raw one. */
function rawIndex(values: string[], n: number): number {
  let seen = -1;
  for (let i = 0; i < values.length; i++) {
    if ((values[i] ?? "").trim() !== "") seen++;
    if (seen === n) return i;
  }
  return n;
}

/** The list field `key` a server problem at `path` belongs to: "key.index" (into the raw `values`) when `entry` captures the entry's index from the path, else "key". */
export function listField(key: string, values: string[], path: string, entry: RegExp): string {
  const n = entry.exec(path)?.[1];
  return n === undefined ? key : `${key}.${rawIndex(values, Number(n))}`;
}

/** Inline errors by field key; an entry of a list field is "key.index", e.g. "ntp.2". */
export type FieldErrors = Record<string, string>;

/** Field errors from each field's problem, leaving out the fields without one. */
export function fieldErrors(problems: Record<string, string | undefined>): FieldErrors {
  const e: FieldErrors = {};
  for (const [key, problem] of Object.entries(problems)) if (problem) e[key] = problem;
  return e;
}

/** Per-entry errors of the list field `key` using `check`, keyed "key.index"; blank entries are ignored. */
export function listErrors(key: string, values: string[], check: (v: string) => boolean, message: string): FieldErrors {
  const e: FieldErrors = {};
  listProblems(values, check, message).forEach((p, i) => {
    if (p) e[`${key}.${i}`] = p;
  });
  return e;
}

/** Minimum password length (the server enforces the same). */
export const MIN_PASSWORD = 10;

/** Why `password` is too short, or undefined. */
export function passwordProblem(password: string): string | undefined {
  return password.length < MIN_PASSWORD ? `Use at least ${MIN_PASSWORD} characters (${password.length} so far).` : undefined;
}

/** Why `confirm` does not repeat `password`, or undefined; `what` names the password in the message for an empty field. */
export function confirmProblem(confirm: string, password: string, what = "password"): string | undefined {
  if (!confirm) return `Type the ${what} again.`;
  return confirm !== password ? "The passwords do not match." : undefined;
}

/** Mesh roles a node can take. */
export type MeshRole = "peer" | "gateway" | "bootstrap";

/** The mesh settings as a form holds them: raw text, list entries possibly blank. */
export type MeshFields = { role: MeshRole; realm: string; bootstrapNodes: string[]; advertise: string };

/** Inline errors of the mesh settings (realm, bootstrapNodes.i, advertise); a bootstrap node needs an advertise address, and a given one must be host:port. */
export function meshErrors(m: MeshFields): FieldErrors {
  const e: FieldErrors = {};
  const realm = m.realm.trim();
  if (!realm) e.realm = "Enter the mesh realm, e.g. io.mycompany.";
  else if (!isRealm(realm)) e.realm = "Use lowercase reverse-DNS form with at least two parts, e.g. io.mycompany.";
  Object.assign(e, listErrors("bootstrapNodes", m.bootstrapNodes, isHostPort, "Use host:port, e.g. bootstrap.macula.io:4433."));
  const advertise = m.advertise.trim();
  if (!advertise) {
    if (m.role === "bootstrap") e.advertise = "A bootstrap node needs the public host:port other nodes reach it on.";
  } else if (!isHostPort(advertise)) e.advertise = "Use host:port, e.g. 203.0.113.10:4433.";
  return e;
}

/** Inline errors of an NTP server list, keyed "ntp.index". */
export function ntpErrors(servers: string[]): FieldErrors {
  return listErrors("ntp", servers, isHostOrIP, "Enter a host name or IP address, e.g. pool.ntp.org.");
}

/** `errors` without those of the field `key` and of its list entries ("key.index"). */
export function withoutErrorsOf(errors: FieldErrors, key: string): FieldErrors {
  const out: FieldErrors = {};
  for (const [k, v] of Object.entries(errors)) if (k !== key && !k.startsWith(`${key}.`)) out[k] = v;
  return out;
}
