// The first-boot wizard's data: steps, form state, per-step validation, the request payload and server-problem mapping.
import { problemText, problemsByField, stripConfigRoot, type Problem } from "~/components/errors";
import {
  cleanList,
  confirmProblem,
  fieldErrors,
  hostnameProblem,
  isIPv4,
  isIPv4Cidr,
  listErrors,
  listField,
  meaningfulLines,
  meshErrors,
  ntpErrors,
  passwordProblem,
  sshKeyProblems,
  usernameProblem,
  type FieldErrors,
  type MeshRole,
} from "~/components/validate";

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
export type Errors = FieldErrors;

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

/** Inline errors of one step for the current state (empty when the step is valid). */
export function validateStep(step: StepId, s: WizardState): Errors {
  const e: Errors = {};
  switch (step) {
    case "code":
      if (!s.code.trim()) e.code = "Enter the setup code.";
      break;
    case "admin":
      Object.assign(e, fieldErrors({ username: usernameProblem(s.username.trim()), password: passwordProblem(s.password), confirm: confirmProblem(s.confirm, s.password) }));
      break;
    case "hostname":
      Object.assign(e, fieldErrors({ hostname: hostnameProblem(s.hostname.trim()) }));
      break;
    case "network":
      if (!s.iface.trim()) e.iface = "Enter the network interface, e.g. eth0.";
      else if (!/^[A-Za-z0-9_.-]{1,15}$/.test(s.iface.trim())) e.iface = "Interface names are up to 15 letters, digits, '-', '_' or '.'.";
      if (s.mode === "static") {
        if (!s.address.trim()) e.address = "Enter the address with its prefix length, e.g. 192.168.1.100/24.";
        else if (!isIPv4Cidr(s.address.trim())) e.address = "Use an IPv4 address with prefix length, e.g. 192.168.1.100/24.";
        if (!s.gateway.trim()) e.gateway = "A static address needs a gateway, e.g. 192.168.1.1.";
        else if (!isIPv4(s.gateway.trim())) e.gateway = "Enter an IPv4 address, e.g. 192.168.1.1.";
        Object.assign(e, listErrors("dns", s.dns, isIPv4, "Enter an IPv4 address, e.g. 1.1.1.1."));
      }
      break;
    case "mesh":
      // Only a bootstrap node sends an advertise address (see toPayload), so only then is it checked.
      Object.assign(e, meshErrors({ ...s, advertise: s.role === "bootstrap" ? s.advertise : "" }));
      break;
    case "ssh": {
      const problems = sshKeyProblems(s.sshKeys);
      if (problems.length > 0) e.sshKeys = problems.join(" ");
      break;
    }
    case "ntp":
      Object.assign(e, ntpErrors(s.ntp));
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

/** The wizard field a server problem path belongs to, e.g. "maculaos.mesh.advertise_address" -> "advertise". */
export function fieldForProblem(path: string, s: WizardState): string | undefined {
  const p = stripConfigRoot(path);
  const item = (key: "dns" | "ntp" | "bootstrapNodes", entry: RegExp) => listField(key, s[key], p, entry);
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
export function errorsFromProblems(problems: Problem[], s: WizardState): Errors {
  const { errors, rest } = problemsByField(
    problems,
    (p) => fieldForProblem(p.path, s),
    (p, field) => {
      const keyIndex = field === "sshKeys" ? /\.(\d+)\b/.exec(stripConfigRoot(p.path))?.[1] : undefined;
      return keyIndex !== undefined ? `Key ${Number(keyIndex) + 1}: ${problemText(p)}` : problemText(p);
    },
  );
  if (rest.length > 0) errors.form = rest.join("\n");
  return errors;
}

/** Errors belonging to a step (by field key prefix). */
export function errorsOfStep(errors: Errors, stepIndex: number): Errors {
  const out: Errors = {};
  for (const [k, v] of Object.entries(errors)) if (stepOfField(k) === stepIndex) out[k] = v;
  return out;
}
