// WireGuard from `mesh.wireguard`: a wg-quick config rendered with the private key (from ${WIREGUARD_PRIVATE_KEY},
// substituted by the config loader and never logged), key generation, and status from `wg show` where present.
import { generateKeyPairSync } from "node:crypto";
import type { MaculaConfig } from "../config/schema";
import { runCommand } from "../host/command";
import { netPaths, netTarget, writeNetFile } from "../host/net-paths";
import type { System } from "../system";

/** The WireGuard interface the appliance manages. */
export const WG_INTERFACE = "wg0";

/** A new WireGuard key pair (Curve25519, base64 as `wg genkey | wg pubkey` prints them). */
export function generateWireguardKey(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  const b64 = (k: string | undefined) => Buffer.from(k ?? "", "base64url").toString("base64");
  return { privateKey: b64(privateKey.export({ format: "jwk" }).d), publicKey: b64(publicKey.export({ format: "jwk" }).x) };
}

/** The wg-quick config text of `mesh.wireguard`, or null when WireGuard is disabled. */
export function renderWireguard(config: MaculaConfig): string | null {
  const w = config.mesh.wireguard;
  if (!w.enabled || !w.private_key) return null;
  const lines = ["# Rendered from config.yaml by the MaculaOS appliance.", "[Interface]", `PrivateKey = ${w.private_key}`, `ListenPort = ${w.listen_port}`];
  for (const p of w.peers) lines.push("", "[Peer]", `PublicKey = ${p.public_key}`, `Endpoint = ${p.endpoint}`, ...(p.allowed_ips?.length ? [`AllowedIPs = ${p.allowed_ips.join(", ")}`] : []), "PersistentKeepalive = 25");
  return `${lines.join("\n")}\n`;
}

/** Writes wg0.conf (mode 0600) when WireGuard is enabled; returns whether the file changed. */
export async function writeWireguard(sys: System): Promise<boolean> {
  const text = renderWireguard(sys.config.current());
  return text ? writeNetFile(netPaths(sys.root).wireguard, text, 0o600) : false;
}

/** WireGuard's state: configured peers and, where `wg` and the interface exist, each peer's handshake and traffic. */
export async function wireguardStatus(sys: System) {
  const w = sys.config.current().mesh.wireguard;
  const target = await netTarget(sys.root, sys.kind);
  const r = await runCommand("wg", ["show", WG_INTERFACE, "dump"], { netns: target.netns }).catch((e: Error) => ({ code: 127, stdout: "", stderr: e.message }));
  const [iface, ...peerLines] = r.code === 0 ? r.stdout.trim().split("\n") : [];
  const live = new Map(
    peerLines.map((l) => {
      const [key = "", , endpoint, , handshake, rx, tx] = l.split("\t");
      return [key, { endpoint: endpoint === "(none)" ? null : (endpoint ?? null), latestHandshake: Number(handshake) ? new Date(Number(handshake) * 1000).toISOString() : null, rxBytes: Number(rx) || 0, txBytes: Number(tx) || 0 }];
    }),
  );
  return {
    enabled: w.enabled,
    interface: WG_INTERFACE,
    listenPort: w.listen_port,
    up: iface !== undefined,
    publicKey: iface?.split("\t")[1] ?? null,
    detail: r.code === 0 ? null : r.stderr.trim().split("\n")[0] || `wg exit code ${r.code}`,
    peers: w.peers.map((p) => ({ publicKey: p.public_key, endpoint: p.endpoint, allowedIps: p.allowed_ips ?? [], live: live.get(p.public_key) ?? null })),
  };
}
