// The node's place in the Macula mesh: the mesh daemon's config rendered from `mesh:` and the daemon managed as a
// service; `mesh status` from the daemon's local status endpoint (HTTP on a unix socket) plus direct probes of each
// bootstrap node; `mesh ping`; and a short history of bootstrap RTTs for the Mesh page's chart.
import { request } from "node:http";
import { actorOf, type Principal } from "../accounts/accounts";
import { AppError } from "../errors";
import { runCommand } from "../host/command";
import { netPaths, writeNetFile } from "../host/net-paths";
import type { System } from "../system";
import { meshPort } from "../firewall/rules";
import { icmpProbe, natsInfo, splitHostPort, tcpProbe, type ProbeResult } from "./probe";

/** The systemd unit of the mesh daemon on a node. */
export const MESH_UNIT = "macula-mesh.service";
/** How many samples per bootstrap node the latency history keeps (one per status read, at most every 5 s). */
const HISTORY = 120;

/** The mesh daemon's config (what it reads from daemon.json), rendered from config.yaml's `mesh:`. */
export function renderMeshConfig(sys: System) {
  const m = sys.config.current().mesh;
  return {
    role: m.role,
    realm: m.realm,
    bootstrap_nodes: m.bootstrap_nodes,
    ...(m.advertise_address ? { advertise_address: m.advertise_address } : {}),
    ...(m.role === "peer" ? {} : { listen_port: meshPort(sys.config.current()) }),
    ...(m.role === "gateway" ? { stun_port: m.stun_port, turn_port: m.turn_port } : {}),
    nats_url: m.nats_url,
    status_socket: "/run/macula/mesh.sock",
  };
}

/** Writes the daemon's config file (what the daemon reads at its next start); returns whether it changed. */
export function renderMeshFile(sys: System): Promise<boolean> {
  return writeNetFile(netPaths(sys.root).meshConfig, `${JSON.stringify(renderMeshConfig(sys), null, 2)}\n`);
}

/** Restarts a systemd unit on a node (a development device has none); returns whether it did. */
export async function restartOnNode(sys: System, unit: string): Promise<boolean> {
  if (sys.kind !== "node") return false;
  // A daemon this node does not have (the image ships no mesh daemon yet): its config is written for when it comes.
  if ((await runCommand("systemctl", ["cat", "--", unit])).code !== 0) return false;
  const r = await runCommand("systemctl", ["restart", "--", unit]);
  if (r.code !== 0) throw new AppError("IO_FAILED", `cannot restart ${unit}: ${r.stderr.trim() || `exit code ${r.code}`}`);
  return true;
}

/** Writes the daemon's config and, on a node, restarts the daemon so it takes effect. */
export async function applyMesh(sys: System, who: Principal): Promise<{ restarted: boolean }> {
  await renderMeshFile(sys);
  const restarted = await restartOnNode(sys, MESH_UNIT);
  await sys.events.record({ actor: actorOf(who), action: "mesh.apply", target: MESH_UNIT, outcome: "ok", detail: restarted ? "config written, daemon restarted" : "config written" });
  return { restarted };
}

/** The daemon's own report, as its status endpoint returns it. */
interface DaemonStatus {
  self_node_id?: string;
  node_id?: string;
  healthy_links?: unknown[] | number;
  failed_links?: unknown[] | number;
  version?: string;
}

const count = (v: unknown[] | number | undefined) => (Array.isArray(v) ? v.length : typeof v === "number" ? v : 0);

/** Asks the daemon's status endpoint (GET /status on its unix socket). */
function askDaemon(socketPath: string, timeoutMs = 1500): Promise<DaemonStatus> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: "/status", timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c));
      res.on("end", () => {
        if (res.statusCode !== 200) return reject(new Error(`status endpoint answered HTTP ${res.statusCode}`));
        try {
          resolve(JSON.parse(body) as DaemonStatus);
        } catch {
          reject(new Error("status endpoint answered something that is not JSON"));
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (e: NodeJS.ErrnoException) => reject(e.code === "ENOENT" || e.code === "ECONNREFUSED" ? new Error(`nothing listens on ${socketPath}`) : e));
    req.end();
  });
}

/** One sample of a bootstrap node's RTT. */
export interface RttSample {
  at: string;
  rttMs: number | null;
}

const histories = new WeakMap<System, Map<string, RttSample[]>>();

/** Adds a sample to the history of `node` (at most one every 5 s). */
function remember(sys: System, node: string, r: ProbeResult): void {
  let all = histories.get(sys);
  if (!all) histories.set(sys, (all = new Map()));
  const list = all.get(node) ?? [];
  const last = list.at(-1);
  if (last && Date.now() - Date.parse(last.at) < 5000) return;
  list.push({ at: new Date().toISOString(), rttMs: r.rttMs });
  all.set(node, list.slice(-HISTORY));
}

/** The mesh daemon's own word: running with node id and links, or why it does not answer. */
export function daemonStatus(sys: System) {
  return askDaemon(netPaths(sys.root).meshSocket).then(
    (s) => ({ running: true as const, nodeId: s.self_node_id ?? s.node_id ?? null, version: s.version ?? null, linksUp: count(s.healthy_links), linksDown: count(s.failed_links), error: null }),
    (e: Error) => ({ running: false as const, nodeId: null, version: null, linksUp: 0, linksDown: 0, error: `the mesh daemon does not answer: ${e.message}` }),
  );
}

/** The local NATS bus (mesh.nats_url): whether it greets, and its version. */
export async function busStatus(sys: System) {
  const url = sys.config.current().mesh.nats_url;
  const bus = splitHostPort(url.replace(/^nats:\/\//, ""));
  return { url, ...(await natsInfo(bus.host, bus.port ?? 4222)) };
}

/** Role, realm, node id, links, each bootstrap node's reachability with RTT, and the local NATS bus. */
export async function meshStatus(sys: System) {
  const m = sys.config.current().mesh;
  const [daemon, bootstrap, bus] = await Promise.all([
    daemonStatus(sys),
    Promise.all(
      m.bootstrap_nodes.map(async (node) => {
        const { host, port } = splitHostPort(node);
        const r = await tcpProbe(host, port ?? 4433);
        remember(sys, node, r);
        return { node, reachable: r.rttMs !== null, rttMs: r.rttMs, error: r.error, history: histories.get(sys)?.get(node) ?? [] };
      }),
    ),
    busStatus(sys),
  ]);
  return { role: m.role, realm: m.realm, daemon, bootstrap, bus };
}

/** The shape `meshStatus` returns. */
export type MeshStatus = Awaited<ReturnType<typeof meshStatus>>;

/** Pings `target` `count` times: ICMP echo for a bare host, TCP connects for host:port (or when ICMP is not possible). */
export async function meshPing(target: string, count: number, timeoutMs = 2000) {
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new AppError("INVALID_INPUT", "count: expected a whole number from 1 to 100");
  const { host, port } = splitHostPort(target.trim());
  if (!host || /\s/.test(host) || host.startsWith("-")) throw new AppError("INVALID_INPUT", `expected HOST or HOST:PORT, got ${JSON.stringify(target)}`);
  let method: "icmp" | "tcp" = port === null ? "icmp" : "tcp";
  const replies: ProbeResult[] = [];
  for (let i = 0; i < count; i++) {
    let r = method === "icmp" ? await icmpProbe(host, timeoutMs).catch((e: Error) => ({ rttMs: null, error: e.message, unavailable: true })) : await tcpProbe(host, port ?? 4433, timeoutMs);
    if ("unavailable" in r) {
      method = "tcp"; // no ping on this device: fall back to TCP connects to the mesh port
      r = await tcpProbe(host, 4433, timeoutMs);
    }
    replies.push(r);
    if (i < count - 1) await new Promise((res) => setTimeout(res, 200));
  }
  const rtts = replies.map((r) => r.rttMs).filter((v): v is number => v !== null);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    target,
    method,
    port: method === "tcp" ? (port ?? 4433) : null,
    sent: count,
    received: rtts.length,
    lossPercent: round(((count - rtts.length) / count) * 100),
    minMs: rtts.length ? round(Math.min(...rtts)) : null,
    avgMs: rtts.length ? round(rtts.reduce((a, b) => a + b, 0) / rtts.length) : null,
    maxMs: rtts.length ? round(Math.max(...rtts)) : null,
    replies: replies.map((r, i) => ({ seq: i + 1, rttMs: r.rttMs, error: r.error })),
  };
}
