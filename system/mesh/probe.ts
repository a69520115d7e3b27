// Probes a node can make without the mesh daemon: a TCP connect (a refused connection is an answer too: the host is
// there), an ICMP echo through the system's `ping`, and the local NATS bus's INFO greeting.
import { connect } from "node:net";
import { isIPv6 } from "node:net";
import { runCommand } from "../host/command";

/** One probe's outcome: the round trip in milliseconds, or null when nothing answered. */
export interface ProbeResult {
  rttMs: number | null;
  error: string | null;
}

/** Splits `host:port` or `[v6]:port`; the port is null when absent. */
export function splitHostPort(s: string): { host: string; port: number | null } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(s);
  if (m) return { host: m[1] ?? m[2] ?? "", port: Number(m[3]) };
  return { host: s.replace(/^\[(.*)\]$/, "$1"), port: null };
}

/** Times a TCP connection to host:port: an accepted or a refused connection counts as an answer. */
export function tcpProbe(host: string, port: number, timeoutMs = 2000): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const sock = connect({ host, port, timeout: timeoutMs });
    const done = (r: ProbeResult) => {
      sock.destroy();
      resolve(r);
    };
    const rtt = () => Math.round((performance.now() - started) * 100) / 100;
    sock.once("connect", () => done({ rttMs: rtt(), error: null }));
    sock.once("timeout", () => done({ rttMs: null, error: `no answer within ${timeoutMs} ms` }));
    sock.once("error", (e: NodeJS.ErrnoException) => done(e.code === "ECONNREFUSED" ? { rttMs: rtt(), error: null } : { rttMs: null, error: e.code === "ENOTFOUND" ? `cannot resolve ${host}` : e.message }));
  });
}

/** Sends one ICMP echo with the system's `ping`; the RTT is ping's own figure. */
export async function icmpProbe(host: string, timeoutMs = 2000): Promise<ProbeResult> {
  const args = [isIPv6(host) ? "-6" : "-4", "-n", "-c", "1", "-W", String(Math.max(1, Math.ceil(timeoutMs / 1000))), "--", host];
  const r = await runCommand("ping", args, { timeoutMs: timeoutMs + 1000 });
  const m = /time[=<]([\d.]+) ms/.exec(r.stdout);
  if (r.code === 0 && m) return { rttMs: Number(m[1]), error: null };
  return { rttMs: null, error: r.code === 1 ? `no answer within ${timeoutMs} ms` : (r.stderr.trim().split("\n")[0] ?? `ping exit code ${r.code}`) };
}

/** Reads the NATS server's INFO greeting at host:port: its version and id, or why it did not answer. */
export function natsInfo(host: string, port: number, timeoutMs = 1000): Promise<{ up: boolean; version: string | null; serverId: string | null; error: string | null }> {
  return new Promise((resolve) => {
    const sock = connect({ host, port, timeout: timeoutMs });
    let buf = "";
    const done = (r: { up: boolean; version: string | null; serverId: string | null; error: string | null }) => {
      sock.destroy();
      resolve(r);
    };
    sock.on("data", (d: Buffer) => {
      buf += d.toString("latin1");
      const line = /^INFO\s+(\{.*\})\s*\r?\n/.exec(buf);
      if (!line) return buf.length > 65536 ? done({ up: false, version: null, serverId: null, error: "not a NATS server (no INFO greeting)" }) : undefined;
      try {
        const info = JSON.parse(line[1]!) as { version?: string; server_id?: string };
        done({ up: true, version: info.version ?? null, serverId: info.server_id ?? null, error: null });
      } catch {
        done({ up: false, version: null, serverId: null, error: "not a NATS server (bad INFO greeting)" });
      }
    });
    sock.once("timeout", () => done({ up: false, version: null, serverId: null, error: `no answer within ${timeoutMs} ms` }));
    sock.once("error", (e) => done({ up: false, version: null, serverId: null, error: e.message }));
  });
}
