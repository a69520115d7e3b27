// The dashboard's security panel and embedded services: secure boot (`mokutil --sb-state`), the firewall summary,
// the ports that listen (`ss`) and whether the firewall lets them in, and each embedded service with its state and port.
import { runCommand } from "../host/command";
import { netTarget, type NetTarget } from "../host/net-paths";
import type { System } from "../system";
import { showFirewall } from "../firewall/firewall";
import { firewallRules, meshPort, type Proto } from "../firewall/rules";
import { busStatus, daemonStatus, MESH_UNIT } from "../mesh/mesh";
import { splitHostPort } from "../mesh/probe";
import { WG_INTERFACE, wireguardStatus } from "../mesh/wireguard";

/** A socket that listens. */
interface Listening {
  proto: Proto;
  address: string;
  port: number;
}

/** Listening TCP and UDP sockets (`ss -Hlntu`), in the device's namespace. */
async function listening(target: NetTarget): Promise<Listening[]> {
  const r = await runCommand("ss", ["-Hlntu"], { netns: target.netns }).catch(() => null);
  if (!r || r.code !== 0) return [];
  const out: Listening[] = [];
  for (const line of r.stdout.split("\n")) {
    const [netid, , , , local] = line.trim().split(/\s+/);
    const m = /^(.*):(\d+)$/.exec(local ?? "");
    if ((netid === "tcp" || netid === "udp") && m) out.push({ proto: netid, address: m[1]!.replace(/^\[|\]$/g, "").replace(/%.*$/, ""), port: Number(m[2]) });
  }
  return out.filter((l, i) => out.findIndex((o) => o.proto === l.proto && o.port === l.port && o.address === l.address) === i);
}

/** What `mokutil --sb-state` says: enabled, disabled, or unsupported/unknown with its words. */
async function secureBootState(): Promise<{ state: "enabled" | "disabled" | "unsupported" | "unknown"; detail: string }> {
  const r = await runCommand("mokutil", ["--sb-state"]).catch((e: Error) => ({ code: 127, stdout: "", stderr: e.message }));
  const text = `${r.stdout}${r.stderr}`.trim().split("\n")[0] ?? "";
  if (/SecureBoot enabled/i.test(text)) return { state: "enabled", detail: text };
  if (/SecureBoot disabled/i.test(text)) return { state: "disabled", detail: text };
  if (/not supported/i.test(text)) return { state: "unsupported", detail: text };
  return { state: "unknown", detail: text || `mokutil exit code ${r.code}` };
}

const LOOPBACK = /^(127\.|::1$|localhost$)/;

/** The security panel: secure boot wanted and actual, the firewall summary, and the open ports. */
export async function securityStatus(sys: System) {
  const config = sys.config.current();
  const target = await netTarget(sys.root, sys.kind);
  const [sb, fw, ports] = await Promise.all([secureBootState(), showFirewall(sys), listening(target)]);
  const rules = firewallRules(config);
  const verdict = (p: Listening) => rules.find((r) => r.port === p.port && r.proto === p.proto)?.action ?? "drop";
  return {
    secureBoot: { wanted: config.security.secure_boot, enrollmentKey: config.security.enrollment_key, ...sb },
    firewall: { state: fw.state, where: fw.where, policy: fw.policy, accepted: rules.filter((r) => r.action === "accept").map((r) => `${r.port}/${r.proto}`), denied: config.firewall.deny },
    openPorts: ports
      .map((p) => ({ ...p, loopbackOnly: LOOPBACK.test(p.address), firewall: LOOPBACK.test(p.address) ? ("local only" as const) : verdict(p) }))
      .sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto)),
  };
}

/** What the systemd unit's ActiveState is on a node; null elsewhere or when systemctl does not answer. */
async function unitState(sys: System, unit: string): Promise<string | null> {
  if (sys.kind !== "node") return null;
  const r = await runCommand("systemctl", ["show", "-p", "ActiveState", "--value", "--", unit]).catch(() => null);
  return r?.code === 0 ? r.stdout.trim() || null : null;
}

/** Each embedded service with its state and port: systemd's word on a node, otherwise whether its port listens. */
export async function embeddedServices(sys: System) {
  const config = sys.config.current();
  const target = await netTarget(sys.root, sys.kind);
  const [ports, wg, daemon, bus] = await Promise.all([listening(target), wireguardStatus(sys), daemonStatus(sys), busStatus(sys)]);
  const nats = splitHostPort(config.mesh.nats_url.replace(/^nats:\/\//, ""));
  const listens = (port: number, proto: Proto = "tcp") => ports.some((p) => p.port === port && p.proto === proto);
  const services = [
    { name: "soft-serve", description: "Git server for offline GitOps", unit: "soft-serve.service", port: 23231, proto: "tcp" as Proto, running: listens(23231) },
    { name: "wireguard", description: "VPN overlay", unit: `wg-quick@${WG_INTERFACE}.service`, port: config.mesh.wireguard.listen_port, proto: "udp" as Proto, running: wg.up, enabled: config.mesh.wireguard.enabled },
    { name: "metrics", description: "Prometheus metrics (node-exporter names)", unit: "maculaos.service", port: config.monitoring.prometheus.port, proto: "tcp" as Proto, running: listens(config.monitoring.prometheus.port), enabled: config.monitoring.prometheus.enabled },
    { name: "fluent-bit", description: "Log forwarding", unit: "fluent-bit.service", port: 2020, proto: "tcp" as Proto, running: listens(2020) },
    { name: "nats", description: "Local pub/sub bus", unit: "nats-server.service", port: nats.port ?? 4222, proto: "tcp" as Proto, running: bus.up },
    { name: "mesh", description: `Macula mesh daemon (${config.mesh.role})`, unit: MESH_UNIT, port: config.mesh.role === "peer" ? null : meshPort(config), proto: "udp" as Proto, running: daemon.running },
  ];
  return Promise.all(
    services.map(async (s) => {
      const unit = await unitState(sys, s.unit);
      return { enabled: true, ...s, state: unit ?? (s.running ? "running" : "stopped") };
    }),
  );
}
