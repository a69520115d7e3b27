// `maculaos network status`: interfaces, addresses, link state, routes, DNS and time sync, read from the kernel with
// `ip -j` (inside the development device's namespace when it has one) and from timedatectl.
import { AppError } from "../errors";
import { runChecked, runCommand } from "../host/command";
import { readTextIfExists } from "../host/files";
import { netPaths, netTarget } from "../host/net-paths";
import type { System } from "../system";

interface IpAddr {
  ifname: string;
  flags?: string[];
  mtu?: number;
  operstate?: string;
  address?: string;
  link_type?: string;
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string; dynamic?: boolean }[];
}
interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  prefsrc?: string;
  metric?: number;
}

/** Parses the output of an `ip -j` command. */
function ipJson<T>(text: string, what: string): T[] {
  try {
    return JSON.parse(text || "[]") as T[];
  } catch (cause) {
    throw new AppError("IO_FAILED", `ip -j ${what} printed something that is not JSON`, { cause });
  }
}

/** Nameservers and search domains of a resolv.conf text. */
export function parseResolvConf(text: string): { nameservers: string[]; search: string[] } {
  const nameservers: string[] = [];
  const search: string[] = [];
  for (const line of text.split("\n")) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === "nameserver" && rest[0]) nameservers.push(rest[0]);
    if (key === "search" || key === "domain") search.push(...rest);
  }
  return { nameservers, search };
}

/** The time-sync state from `timedatectl show`; `synchronized` is null when it cannot be read (no systemd). */
async function timeSync(): Promise<{ synchronized: boolean | null; ntpEnabled: boolean | null; server: string | null; detail: string | null }> {
  const r = await runCommand("timedatectl", ["show"]).catch((e: Error) => ({ code: 127, stdout: "", stderr: e.message }));
  if (r.code !== 0) return { synchronized: null, ntpEnabled: null, server: null, detail: `timedatectl does not answer: ${r.stderr.trim().split("\n")[0]}` };
  const kv = Object.fromEntries(r.stdout.split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  const sync = await runCommand("timedatectl", ["show-timesync", "-p", "ServerName", "--value"]).catch(() => null);
  return { synchronized: kv.NTPSynchronized === "yes", ntpEnabled: kv.NTP === "yes", server: sync?.code === 0 ? sync.stdout.trim() || null : null, detail: null };
}

/** The network as the kernel has it, with what config.yaml asks for each interface. */
export async function networkStatus(sys: System) {
  const target = await netTarget(sys.root, sys.kind);
  const ip = (args: string[]) => runChecked("ip", ["-j", ...args], { netns: target.netns });
  const [addrs, routes4, routes6] = await Promise.all([ip(["addr", "show"]), ip(["route", "show"]), ip(["-6", "route", "show"])]);
  const config = sys.config.current();
  const paths = netPaths(sys.root);
  // A development device has no resolver of its own: it shows the one of the machine it runs on.
  const resolv = (await readTextIfExists(paths.resolvConf)) ?? (sys.kind === "development" && !target.netns ? await readTextIfExists("/etc/resolv.conf") : undefined);
  return {
    where: target.where,
    hostname: config.hostname,
    interfaces: ipJson<IpAddr>(addrs, "addr").map((i) => ({
      name: i.ifname,
      state: (i.operstate ?? "UNKNOWN").toLowerCase(),
      up: (i.flags ?? []).includes("UP"),
      carrier: (i.flags ?? []).includes("LOWER_UP"),
      mac: i.address ?? null,
      mtu: i.mtu ?? null,
      kind: i.link_type ?? null,
      addresses: (i.addr_info ?? []).map((a) => ({ family: a.family === "inet6" ? ("ipv6" as const) : ("ipv4" as const), address: `${a.local}/${a.prefixlen}`, scope: a.scope ?? "global", dynamic: Boolean(a.dynamic) })),
      configured: config.network.interfaces.find((c) => c.name === i.ifname) ?? null,
    })),
    routes: [...ipJson<IpRoute>(routes4, "route"), ...ipJson<IpRoute>(routes6, "-6 route")].map((r) => ({ destination: r.dst, gateway: r.gateway ?? null, device: r.dev ?? null, protocol: r.protocol ?? null, source: r.prefsrc ?? null, metric: r.metric ?? null })),
    dns: resolv === undefined ? { nameservers: [], search: [], source: null } : { ...parseResolvConf(resolv), source: "resolv.conf" },
    time: { ...(await timeSync()), servers: config.ntp.servers },
  };
}

/** The shape `networkStatus` returns. */
export type NetworkStatus = Awaited<ReturnType<typeof networkStatus>>;
