// The firewall as data and as one nftables ruleset: drop inbound by default; allow established traffic, loopback,
// ICMP, the dashboard, ssh, the mesh ports of the node's role, WireGuard and metrics when enabled, and the user's
// `firewall allow` rules; the user's `firewall deny` rules drop before everything but the dashboard.
import { AppError } from "../errors";
import type { MaculaConfig } from "../config/schema";

/** The dashboard's port: always open, since closing it would cut off the session that asked. */
export const DASHBOARD_PORT = 9090;
/** The QUIC port of a bootstrap or gateway node's mesh daemon when advertise_address names none. */
export const MESH_PORT = 4433;
/** The name of our nftables table (family inet); the host's other tables are never touched. */
export const TABLE = "maculaos";

/** A transport protocol. */
export type Proto = "tcp" | "udp";
/** Where a rule comes from. */
export type RuleSource = "dashboard" | "ssh" | "mesh" | "wireguard" | "metrics" | "user";

/** One port rule of the input chain. */
export interface PortRule {
  port: number;
  proto: Proto;
  action: "accept" | "drop";
  source: RuleSource;
  /** What the rule is for, in words (also the rule's nftables comment). */
  note: string;
}

/** Parses `8080/tcp`; INVALID_INPUT otherwise. */
export function parsePortSpec(spec: string): { port: number; proto: Proto } {
  const m = /^(\d{1,5})\/(tcp|udp)$/.exec(spec.trim());
  const port = Number(m?.[1]);
  if (!m || port < 1 || port > 65535) throw new AppError("INVALID_INPUT", `expected PORT/PROTOCOL like 8080/tcp or 3478/udp, got ${JSON.stringify(spec)}`);
  return { port, proto: m[2] as Proto };
}

/** The port a bootstrap or gateway node's mesh daemon listens on. */
export function meshPort(config: MaculaConfig): number {
  const m = /:(\d+)$/.exec(config.mesh.advertise_address ?? "");
  return m ? Number(m[1]) : MESH_PORT;
}

/** The port rules of `config`, in chain order. */
export function firewallRules(config: MaculaConfig): PortRule[] {
  const rules: PortRule[] = [{ port: DASHBOARD_PORT, proto: "tcp", action: "accept", source: "dashboard", note: "dashboard" }];
  for (const spec of config.firewall.deny) {
    const r = parsePortSpec(spec);
    if (!(r.port === DASHBOARD_PORT && r.proto === "tcp")) rules.push({ ...r, action: "drop", source: "user", note: `firewall deny ${spec}` });
  }
  const accept = (port: number, proto: Proto, source: RuleSource, note: string) => rules.push({ port, proto, action: "accept", source, note });
  accept(22, "tcp", "ssh", "ssh");
  const { role } = config.mesh;
  if (role === "bootstrap" || role === "gateway") accept(meshPort(config), "udp", "mesh", `mesh ${role} (QUIC)`);
  if (role === "gateway") {
    for (const proto of ["udp", "tcp"] as const) accept(config.mesh.stun_port, proto, "mesh", "mesh gateway STUN");
    for (const proto of ["udp", "tcp"] as const) accept(config.mesh.turn_port, proto, "mesh", "mesh gateway TURN");
  }
  if (config.mesh.wireguard.enabled) accept(config.mesh.wireguard.listen_port, "udp", "wireguard", "WireGuard");
  if (config.monitoring.prometheus.enabled) accept(config.monitoring.prometheus.port, "tcp", "metrics", "metrics");
  for (const spec of config.firewall.allow) {
    const r = parsePortSpec(spec);
    if (!rules.some((x) => x.port === r.port && x.proto === r.proto)) accept(r.port, r.proto, "user", `firewall allow ${spec}`);
  }
  return rules;
}

/** Renders the rules as one nftables script that replaces our table atomically (`nft -f`). */
export function renderRuleset(rules: readonly PortRule[]): string {
  const lines = [
    "#!/usr/sbin/nft -f",
    "# MaculaOS firewall, rendered from config.yaml by the appliance. Change it with `maculaos firewall allow|deny`.",
    `table inet ${TABLE}`,
    `delete table inet ${TABLE}`,
    `table inet ${TABLE} {`,
    "\tchain input {",
    "\t\ttype filter hook input priority filter; policy drop;",
    '\t\tct state established,related accept comment "established traffic"',
    "\t\tct state invalid drop",
    '\t\tiif "lo" accept comment "loopback"',
    '\t\ticmp type { echo-request, destination-unreachable, time-exceeded, parameter-problem } accept comment "ICMP"',
    '\t\ticmpv6 type { echo-request, destination-unreachable, packet-too-big, time-exceeded, parameter-problem, nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept comment "ICMPv6 and neighbour discovery"',
    ...rules.map((r) => `\t\t${r.proto} dport ${r.port} ${r.action} comment ${JSON.stringify(r.note)}`),
    "\t}",
    "}",
    "",
  ];
  return lines.join("\n");
}
