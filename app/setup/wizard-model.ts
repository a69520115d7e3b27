// The first-boot wizard's data: steps, form state, per-step validation, the request payload and server-problem mapping.
import { stripConfigRoot, type Problem } from "~/components/errors";
import {
  cleanList,
  hostnameProblem,
  isHostOrIP,
  isHostPort,
  isIPv4,
  isIPv4Cidr,
  isRealm,
  listProblems,
  meaningfulLines,
  sshKeyProblems,
  usernameProblem,
} from "~/components/validate";

/** Mesh roles a node can take. */
export type MeshRole = "peer" | "gateway" | "bootstrap";

/** Everything the wizard collects. */
export type WizardState = {
  code: string;
  username: string;
  password: string;
  confirm: string;
  hostname: string;
  iface: string;
  mode: "dhcp" | "static";
  address: string;
  gateway: string;
  dns: string[];
  role: MeshRole;
  realm: string;
  bootstrapNodes: string[];
  advertise: string;
  sshKeys: string;
  ntp: string[];
};

/** A form field of the wizard; list items are addressed as "dns.0", "ntp.2", … */
export type FieldKey = Exclude<keyof WizardState, never> | "form";

/** Inline errors by field key (or "list.index" for list items). */
export type Errors = Record<string, string>;

/** Starting values: sensible defaults from the MaculaOS guide. */
export const INITIAL_STATE: WizardState = {
  code: "",
  username: "admin",
  password: "",
  confirm: "",
  hostname: "",
  iface: "eth0",
  mode: "dhcp",
  address: "",
  gateway: "",
  dns: [],
  role: "peer",
  realm: "",
  bootstrapNodes: ["bootstrap.macula.io:4433"],
  advertise: "",
  sshKeys: "",
  ntp: ["pool.ntp.org"],
};

/** Minimum admin password length (the server enforces the same). */
export const MIN_PASSWORD = 10;

/** The wizard's steps in order, with the fields each owns. */
export const STEPS = [
  { id: "code", title: "Setup code", fields: ["code"] },
  { id: "admin", title: "Admin account", fields: ["username", "password", "confirm"] },
  { id: "hostname", title: "Hostname", fields: ["hostname"] },
  { id: "network", title: "Network", fields: ["iface", "mode", "address", "gateway", "dns"] },
  { id: "mesh", title: "Mesh", fields: ["role", "realm", "bootstrapNodes", "advertise"] },
  { id: "ssh", title: "SSH keys", fields: ["sshKeys"] },
  { id: "ntp", title: "NTP servers", fields: ["ntp"] },
  { id: "review", title: "Review & finish", fields: ["form"] },
] as const satisfies readonly { id: string; title: string; fields: readonly FieldKey[] }[];

/** Id of a step. */
export type StepId = (typeof STEPS)[number]["id"];

/** Index of the step that owns a field key (list items map to their list); the review step for unknown keys. */
export function stepOfField(key: string): number {
  const base = key.split(".")[0] ?? key;
  const i = STEPS.findIndex((s) => (s.fields as readonly string[]).includes(base));
  return i === -1 ? STEPS.length - 1 : i;
}

function addListErrors(errors: Errors, key: string, problems: (string | undefined)[]): void {
  problems.forEach((p, i) => {
    if (p) errors[`${key}.${i}`] = p;
  });
}

/** Inline errors of one step for the current state (empty when the step is valid). */
export function validateStep(step: StepId, s: WizardState): Errors {
  const e: Errors = {};
  switch (step) {
    case "code":
      if (!s.code.trim()) e.code = "Enter the setup code.";
      break;
    case "admin":
      {
        const p = usernameProblem(s.username.trim());
        if (p) e.username = p;
      }
      if (s.password.length < MIN_PASSWORD) e.password = `Use at least ${MIN_PASSWORD} characters (${s.password.length} so far).`;
      if (!s.confirm) e.confirm = "Type the password again.";
      else if (s.confirm !== s.password) e.confirm = "The passwords do not match.";
      break;
    case "hostname": {
      const p = hostnameProblem(s.hostname.trim());
      if (p) e.hostname = p;
      break;
    }
    case "network":
      if (!s.iface.trim()) e.iface = "Enter the network interface, e.g. eth0.";
      else if (!/^[A-Za-z0-9_.-]{1,15}$/.test(s.iface.trim())) e.iface = "Interface names are up to 15 letters, digits, '-', '_' or '.'.";
      if (s.mode === "static") {
        if (!s.address.trim()) e.address = "Enter the address with its prefix length, e.g. 192.168.1.100/24.";
        else if (!isIPv4Cidr(s.address.trim())) e.address = "Use an IPv4 address with prefix length, e.g. 192.168.1.100/24.";
        if (!s.gateway.trim()) e.gateway = "A static address needs a gateway, e.g. 192.168.1.1.";
        else if (!isIPv4(s.gateway.trim())) e.gateway = "Enter an IPv4 address, e.g. 192.168.1.1.";
        addListErrors(e, "dns", listProblems(s.dns, isIPv4, "Enter an IPv4 address, e.g. 1.1.1.1."));
      }
      break;
    case "mesh":
      if (!s.realm.trim()) e.realm = "Enter the mesh realm, e.g. io.mycompany.";
      else if (!isRealm(s.realm.trim())) e.realm = "Use lowercase reverse-DNS form with at least two parts, e.g. io.mycompany.";
      addListErrors(e, "bootstrapNodes", listProblems(s.bootstrapNodes, isHostPort, "Use host:port, e.g. bootstrap.macula.io:4433."));
      if (s.role === "bootstrap") {
        if (!s.advertise.trim()) e.advertise = "A bootstrap node needs the public address other nodes reach it on.";
        else if (!isHostPort(s.advertise.trim())) e.advertise = "Use host:port, e.g. 203.0.113.10:4433.";
      }
      break;
    case "ssh": {
      const problems = sshKeyProblems(s.sshKeys);
      if (problems.length > 0) e.sshKeys = problems.join(" ");
      break;
    }
    case "ntp":
      addListErrors(e, "ntp", listProblems(s.ntp, isHostOrIP, "Enter a host name or IP address, e.g. pool.ntp.org."));
      break;
    case "review":
      break;
  }
  return e;
}

/** The setup.complete request built from the wizard state. */
export function toPayload(s: WizardState) {
  const network =
    s.mode === "dhcp"
      ? { interface: s.iface.trim(), mode: "dhcp" as const }
      : {
          interface: s.iface.trim(),
          mode: "static" as const,
          address: s.address.trim(),
          ...(s.gateway.trim() ? { gateway: s.gateway.trim() } : {}),
          dns: cleanList(s.dns),
        };
  return {
    code: s.code.trim(),
    admin: { username: s.username.trim(), password: s.password },
    hostname: s.hostname.trim(),
    network,
    mesh: {
      role: s.role,
      realm: s.realm.trim(),
      bootstrap_nodes: cleanList(s.bootstrapNodes),
      ...(s.role === "bootstrap" ? { advertise_address: s.advertise.trim() } : {}),
    },
    ssh_authorized_keys: meaningfulLines(s.sshKeys),
    ntp_servers: cleanList(s.ntp),
  };
}

/** Raw index in `values` of the n-th non-blank entry (server indexes refer to the cleaned list). */
function rawIndex(values: string[], n: number): number {
  let seen = -1;
  for (let i = 0; i < values.length; i++) {
    if ((values[i] ?? "").trim() !== "") seen++;
    if (seen === n) return i;
  }
  return n;
}

/** The wizard field a server problem path belongs to, e.g. "maculaos.mesh.advertise_address" -> "advertise". */
export function fieldForProblem(path: string, s: WizardState): string | undefined {
  const p = stripConfigRoot(path);
  const index = (re: RegExp) => {
    const m = re.exec(p);
    return m?.[1] !== undefined ? Number(m[1]) : undefined;
  };
  const item = (key: "dns" | "ntp" | "bootstrapNodes", re: RegExp) => {
    const i = index(re);
    return i === undefined ? key : `${key}.${rawIndex(s[key], i)}`;
  };
  if (/^code\b/.test(p)) return "code";
  if (/^(admin\.)?username\b/.test(p)) return "username";
  if (/^(admin\.)?password\b/.test(p)) return "password";
  if (/^admin\b/.test(p)) return "username";
  if (/^hostname\b/.test(p)) return "hostname";
  if (/^network\b/.test(p)) {
    if (/\b(address|addresses)\b/.test(p)) return "address";
    if (/\bgateway\b/.test(p)) return "gateway";
    if (/\b(dns|nameservers)\b/.test(p)) return item("dns", /\b(?:dns|nameservers)\.(\d+)/);
    if (/\b(mode|dhcp)\b/.test(p)) return "mode";
    return "iface";
  }
  if (/^mesh\b/.test(p)) {
    if (/\brole\b/.test(p)) return "role";
    if (/\bbootstrap_nodes\b/.test(p)) return item("bootstrapNodes", /\bbootstrap_nodes\.(\d+)/);
    if (/\badvertise_address\b/.test(p)) return "advertise";
    return "realm";
  }
  if (/^(ssh_authorized_keys|ssh)\b/.test(p)) return "sshKeys";
  if (/^(ntp_servers|ntp)\b/.test(p)) return item("ntp", /\b(?:ntp_servers|servers)\.(\d+)/);
  return undefined;
}

/** Server problems turned into inline errors; problems that match no field are collected under "form". */
export function errorsFromProblems(problems: Problem[], s: WizardState, text: (p: Problem) => string): Errors {
  const e: Errors = {};
  const unmatched: string[] = [];
  for (const p of problems) {
    const key = fieldForProblem(p.path, s);
    if (key === undefined) {
      unmatched.push(p.path ? `${p.path}: ${text(p)}` : text(p));
      continue;
    }
    const keyIndex = key === "sshKeys" ? /\.(\d+)\b/.exec(stripConfigRoot(p.path))?.[1] : undefined;
    const message = keyIndex !== undefined ? `Key ${Number(keyIndex) + 1}: ${text(p)}` : text(p);
    e[key] = e[key] ? `${e[key]} ${message}` : message;
  }
  if (unmatched.length > 0) e.form = unmatched.join("\n");
  return e;
}

/** Errors belonging to a step (by field key prefix). */
export function errorsOfStep(errors: Errors, stepIndex: number): Errors {
  const out: Errors = {};
  for (const [k, v] of Object.entries(errors)) if (stepOfField(k) === stepIndex) out[k] = v;
  return out;
}
