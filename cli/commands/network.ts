// `maculaos network`, `firewall`, `mesh`, `wireguard` and `security`: the node's network side.
import { UsageError, type Command, type CommandContext } from "../command";
import { bytes, json, keyValues } from "../format";

/** Aligns rows of cells into columns. */
function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd()).join("\n");
}

/** Picks the subcommand and checks how many operands it got. */
function sub(ctx: CommandContext, allowed: Record<string, number>): [string, string[]] {
  const [name = "", ...rest] = ctx.args;
  if (!(name in allowed)) throw new UsageError(name ? `unknown subcommand ${name}` : "which subcommand?");
  if (rest.length !== allowed[name]) throw new UsageError(`${name} takes ${allowed[name] === 0 ? "no operands" : `${allowed[name]} operand(s)`}`);
  return [name, rest];
}

/** Parses a whole-number flag. */
function intFlag(v: string | boolean | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} takes a whole number from ${min} to ${max}`);
  return n;
}

/** `maculaos network ...`. */
export const network: Command = {
  name: "network",
  usage: "maculaos network status | apply [--confirm SECONDS] | confirm | revert | pending   [--json]",
  summary: "Interfaces, addresses, routes, DNS and time sync; apply config.yaml's network settings (remote changes revert unless confirmed)",
  options: { confirm: { type: "string" } },
  async run(ctx) {
    const { api, json: asJson, out, flags } = ctx;
    const [name] = sub(ctx, { status: 0, apply: 0, confirm: 0, revert: 0, pending: 0 });
    if (name === "status") {
      const s = await api.network.status.query();
      if (asJson) return out(json(s)), 0;
      const time = s.time.synchronized === null ? `unknown (${s.time.detail})` : s.time.synchronized ? `synchronized${s.time.server ? ` with ${s.time.server}` : ""}` : "not synchronized";
      out(keyValues([["Hostname", s.hostname], ["Where", s.where], ["DNS", s.dns.nameservers.join(", ") || "none"], ["Time", time], ["NTP", s.time.servers.join(", ")]]));
      out("\nInterfaces");
      out(table([["NAME", "STATE", "MAC", "ADDRESSES", "CONFIG"], ...s.interfaces.map((i) => [i.name, i.state, i.mac ?? "-", i.addresses.map((a) => a.address).join(" ") || "-", i.configured ? (i.configured.dhcp ? "dhcp" : `static ${i.configured.address}`) : "-"])]));
      out("\nRoutes");
      out(table([["DESTINATION", "GATEWAY", "DEVICE"], ...s.routes.map((r) => [r.destination, r.gateway ?? "-", r.device ?? "-"])]));
      return 0;
    }
    if (name === "pending") {
      const p = await api.network.pending.query();
      out(asJson ? json(p) : p ? `change by ${p.by} reverts at ${p.deadline} unless confirmed (maculaos network confirm)` : "no change is waiting for confirmation");
      return 0;
    }
    if (name === "apply") {
      const r = await api.network.applyChanges.mutate({ confirmSeconds: intFlag(flags.confirm, "confirm", 1, 600) });
      out(asJson ? json(r) : `network settings ${r.applied ? "applied" : "rendered"} on ${r.where}${r.pending ? `; they revert at ${r.pending.deadline} unless you run: maculaos network confirm` : ""}`);
      return 0;
    }
    const r = name === "confirm" ? await api.network.confirm.mutate() : await api.network.revert.mutate();
    out(asJson ? json(r) : name === "confirm" ? "network change kept" : "network change reverted");
    return 0;
  },
};

/** `maculaos firewall ...`. */
export const firewall: Command = {
  name: "firewall",
  usage: "maculaos firewall show | allow PORT/PROTO | deny PORT/PROTO | apply   [--json]",
  summary: "The nftables firewall: show the rules, allow or deny a port (persisted in config.yaml), re-apply",
  async run(ctx) {
    const { api, json: asJson, out } = ctx;
    const [name, rest] = sub(ctx, { show: 0, allow: 1, deny: 1, apply: 0 });
    if (name === "show") {
      const s = await api.firewall.show.query();
      if (asJson) return out(json(s)), 0;
      out(keyValues([["Policy", s.policy], ["Always", s.always.join("; ")], ["State", `${s.state} (${s.where})`]]));
      out(`\n${table([["PORT", "ACTION", "WHY"], ...s.rules.map((r) => [`${r.port}/${r.proto}`, r.action, r.note])])}`);
      return 0;
    }
    const r = name === "apply" ? { ...(await api.firewall.applyRules.mutate()), changed: true } : await api.firewall[name as "allow" | "deny"].mutate({ rule: rest[0]! });
    out(asJson ? json(r) : `${name === "apply" ? "firewall" : `${name} ${rest[0]}:`} ${r.applied ? "applied" : "checked (not applied)"} on ${r.where}: ${r.rules} port rules in ${r.ms} ms`);
    return 0;
  },
};

/** `maculaos mesh ...`. */
export const mesh: Command = {
  name: "mesh",
  usage: "maculaos mesh status | ping HOST[:PORT] [--count N] | apply   [--json]",
  summary: "Mesh role, realm, node id, links and bootstrap reachability; ping a node; re-render and restart the mesh daemon",
  options: { count: { type: "string", short: "c" } },
  async run(ctx) {
    const { api, json: asJson, out, flags } = ctx;
    const [name, rest] = sub(ctx, { status: 0, ping: 1, apply: 0 });
    if (name === "status") {
      const s = await api.mesh.status.query();
      if (asJson) return out(json(s)), s.daemon.running ? 0 : 3;
      const d = s.daemon;
      out(
        keyValues([
          ["Role", s.role],
          ["Realm", s.realm],
          ["Daemon", d.running ? `running${d.version ? ` (${d.version})` : ""}` : `NOT RUNNING: ${d.error}`],
          ["Node id", d.nodeId ?? "unknown"],
          ["Links", d.running ? `${d.linksUp} up, ${d.linksDown} down` : "unknown"],
          ["Bus", s.bus.up ? `NATS ${s.bus.version} at ${s.bus.url}` : `down at ${s.bus.url}: ${s.bus.error}`],
        ]),
      );
      out(`\n${table([["BOOTSTRAP NODE", "REACHABLE", "RTT"], ...s.bootstrap.map((b) => [b.node, b.reachable ? "yes" : `no (${b.error})`, b.rttMs === null ? "-" : `${b.rttMs} ms`])])}`);
      return d.running ? 0 : 3;
    }
    if (name === "apply") {
      const r = await api.mesh.applyConfig.mutate();
      out(asJson ? json(r) : r.restarted ? "mesh daemon config written and the daemon restarted" : "mesh daemon config written");
      return 0;
    }
    const p = await api.mesh.ping.mutate({ target: rest[0]!, count: intFlag(flags.count, "count", 1, 100) ?? 4 });
    if (asJson) return out(json(p)), p.received ? 0 : 1;
    for (const r of p.replies) out(r.rttMs === null ? `seq ${r.seq}: ${r.error}` : `seq ${r.seq}: ${r.rttMs} ms`);
    out(`--- ${p.target} (${p.method}${p.port ? ` port ${p.port}` : ""}) ---`);
    out(`${p.sent} sent, ${p.received} received, ${p.lossPercent}% loss`);
    if (p.received) out(`rtt min/avg/max = ${p.minMs}/${p.avgMs}/${p.maxMs} ms`);
    return p.received ? 0 : 1;
  },
};

/** `maculaos wireguard ...`. */
export const wireguard: Command = {
  name: "wireguard",
  usage: "maculaos wireguard genkey | status   [--json]",
  summary: "Make a WireGuard key pair; show WireGuard's peers and handshakes",
  async run(ctx) {
    const { api, json: asJson, out } = ctx;
    const [name] = sub(ctx, { genkey: 0, status: 0 });
    if (name === "genkey") {
      const k = await api.wireguard.genkey.mutate();
      out(asJson ? json(k) : `private key: ${k.privateKey}\npublic key:  ${k.publicKey}\nKeep the private key in the environment as WIREGUARD_PRIVATE_KEY; give peers the public key.`);
      return 0;
    }
    const s = await api.wireguard.status.query();
    if (asJson) return out(json(s)), 0;
    out(keyValues([["Enabled", s.enabled ? "yes" : "no"], ["Interface", `${s.interface} ${s.up ? "up" : `down${s.detail ? ` (${s.detail})` : ""}`}`], ["Port", `${s.listenPort}/udp`], ["Public key", s.publicKey ?? "-"]]));
    if (s.peers.length) out(`\n${table([["PEER", "ENDPOINT", "HANDSHAKE", "RX", "TX"], ...s.peers.map((p) => [p.publicKey, p.endpoint, p.live?.latestHandshake ?? "never", bytes(p.live?.rxBytes ?? 0), bytes(p.live?.txBytes ?? 0)])])}`);
    return 0;
  },
};

/** `maculaos security`. */
export const security: Command = {
  name: "security",
  usage: "maculaos security [--json]",
  summary: "Secure boot state, the firewall summary, open ports and the embedded services",
  async run({ api, args, json: asJson, out }) {
    if (args.length) throw new UsageError("security takes no arguments");
    const [s, services] = await Promise.all([api.security.status.query(), api.security.services.query()]);
    if (asJson) return out(json({ ...s, services })), 0;
    out(keyValues([["Secure boot", `${s.secureBoot.state} (${s.secureBoot.detail}); wanted: ${s.secureBoot.wanted ? "yes" : "no"}`], ["Firewall", `${s.firewall.state}, ${s.firewall.policy}; open: ${s.firewall.accepted.join(" ")}`]]));
    out(`\n${table([["PORT", "ADDRESS", "FIREWALL"], ...s.openPorts.map((p) => [`${p.port}/${p.proto}`, p.address, p.firewall])])}`);
    out(`\n${table([["SERVICE", "STATE", "PORT"], ...services.map((x) => [x.name, x.enabled ? x.state : "disabled", x.port === null ? "-" : `${x.port}/${x.proto}`])])}`);
    return 0;
  },
};
