// Applying the firewall: render the rules of the config in force, check them with `nft -c`, apply them atomically with
// `nft -f`, and read back what the kernel holds. `firewall allow|deny` change config.yaml and apply in one step; a
// ruleset nft refuses leaves both the config and the kernel as they were.
import { actorOf, type Principal } from "../accounts/accounts";
import { AppError } from "../errors";
import { runCommand } from "../host/command";
import { netPaths, netTarget, writeNetFile, type NetTarget } from "../host/net-paths";
import type { System } from "../system";
import { DASHBOARD_PORT, firewallRules, parsePortSpec, renderRuleset, TABLE, type PortRule } from "./rules";

/** What one apply did. */
export interface ApplyResult {
  applied: boolean;
  where: string;
  rules: number;
  /** Milliseconds for the check and the atomic apply together. */
  ms: number;
}

/** Checks `text` with `nft -c` and, when the target is live, applies it with `nft -f`; both read the script from stdin. */
async function load(target: NetTarget, text: string): Promise<void> {
  const nft = async (args: string[]) => {
    // A hang guard, not a speed bound: a node's first apply loads nf_tables' modules, slow on a busy small machine.
    const r = await runCommand("nft", args, { input: text, netns: target.netns, timeoutMs: 60_000 });
    if (r.code !== 0) throw new AppError(args.includes("-c") ? "INVALID_INPUT" : "IO_FAILED", `nft refused the ruleset: ${r.stderr.trim() || `exit code ${r.code}`}`);
  };
  await nft(["-c", "-f", "-"]);
  if (target.live) await nft(["-f", "-"]);
}

/** Per system: the ruleset text last put in force and its result, and the queue that runs applies one at a time. */
const applied = new WeakMap<System, { text: string | null; result: ApplyResult | null; queue: Promise<unknown> }>();

/** Renders, checks and applies the firewall of the config in force, one apply at a time; records the outcome as an
 * event. Unless `force`, a ruleset the same as the one last put in force is not loaded again. */
export function applyFirewall(sys: System, actor = "system", force = true): Promise<ApplyResult> {
  const state = applied.get(sys) ?? { text: null, result: null, queue: Promise.resolve() };
  applied.set(sys, state);
  const step = async (): Promise<ApplyResult> => {
    const target = await netTarget(sys.root, sys.kind);
    const rules = firewallRules(sys.config.current());
    const text = renderRuleset(rules);
    if (!force && state.result && text === state.text) return state.result;
    const started = performance.now();
    try {
      await load(target, text);
    } catch (e) {
      await sys.events.record({ actor, action: "firewall.apply", target: target.where, outcome: "failed", detail: (e as Error).message });
      throw e;
    }
    const ms = Math.round(performance.now() - started);
    await writeNetFile(netPaths(sys.root).ruleset, text);
    await sys.events.record({ actor, action: "firewall.apply", target: target.where, outcome: "ok", detail: `${rules.length} port rules ${target.live ? "applied" : "checked, not applied"} in ${ms} ms` });
    state.text = text;
    state.result = { applied: target.live, where: target.where, rules: rules.length, ms };
    return state.result;
  };
  const run = state.queue.then(step, step);
  state.queue = run.catch(() => undefined);
  return run;
}

/** A port rule as the kernel holds it. */
type LiveRule = Pick<PortRule, "port" | "proto" | "action">;

/** Reads our table's port rules from the kernel; null when the table is not loaded. */
async function liveRules(target: NetTarget): Promise<LiveRule[] | null> {
  const r = await runCommand("nft", ["-j", "list", "table", "inet", TABLE], { netns: target.netns });
  if (r.code !== 0) return null;
  type Expr = { match?: { left?: { payload?: { protocol?: string; field?: string } }; right?: unknown }; accept?: null; drop?: null };
  const items = (JSON.parse(r.stdout) as { nftables: { rule?: { expr: Expr[] } }[] }).nftables;
  const out: LiveRule[] = [];
  for (const { rule } of items) {
    const m = rule?.expr.find((e) => e.match?.left?.payload?.field === "dport")?.match;
    const proto = m?.left?.payload?.protocol;
    if (!m || (proto !== "tcp" && proto !== "udp") || typeof m.right !== "number") continue;
    out.push({ port: m.right, proto, action: rule!.expr.some((e) => "drop" in e) ? "drop" : "accept" });
  }
  return out;
}

/** The firewall as configured and as the kernel holds it (`maculaos firewall show`). */
export async function showFirewall(sys: System) {
  const config = sys.config.current();
  const target = await netTarget(sys.root, sys.kind);
  const rules = firewallRules(config);
  const live = target.live ? await liveRules(target).catch(() => null) : null;
  const key = (r: LiveRule) => `${r.port}/${r.proto}/${r.action}`;
  const inSync = live !== null && live.map(key).join() === rules.map(key).join();
  return {
    policy: "drop inbound" as const,
    always: ["established and related traffic", "loopback", "ICMP echo and errors, IPv6 neighbour discovery"],
    rules,
    allow: config.firewall.allow,
    deny: config.firewall.deny,
    where: target.where,
    /** loaded: our table is in the kernel and matches the config; stale: loaded but different; absent: not loaded; offline: not applied on a development device. */
    state: !target.live ? ("offline" as const) : live === null ? ("absent" as const) : inSync ? ("loaded" as const) : ("stale" as const),
    ruleset: renderRuleset(rules),
  };
}

/** The firewall view `showFirewall` returns. */
export type FirewallView = Awaited<ReturnType<typeof showFirewall>>;

/** Adds (`allow`) or removes (`deny`) a port in config.yaml and applies the result; a refused ruleset restores the config. */
export async function changeFirewall(sys: System, verb: "allow" | "deny", spec: string, who: Principal): Promise<ApplyResult & { changed: boolean }> {
  const { port, proto } = parsePortSpec(spec);
  const canonical = `${port}/${proto}`;
  if (verb === "deny" && proto === "tcp" && port === DASHBOARD_PORT) {
    throw new AppError("FORBIDDEN", `refused: denying ${canonical} would cut off the dashboard (and this session); it is always open`);
  }
  const before = sys.config.current().firewall;
  const allow = verb === "allow" ? [...new Set([...before.allow, canonical])] : before.allow.filter((s) => s !== canonical);
  const deny = verb === "deny" ? [...new Set([...before.deny, canonical])] : before.deny.filter((s) => s !== canonical);
  const changed = allow.join() !== before.allow.join() || deny.join() !== before.deny.join();
  if (changed) await sys.config.set([{ key: "firewall.allow", value: allow }, { key: "firewall.deny", value: deny }], who);
  try {
    return { ...(await applyFirewall(sys, actorOf(who), false)), changed };
  } catch (e) {
    if (changed) await sys.config.set([{ key: "firewall.allow", value: before.allow }, { key: "firewall.deny", value: before.deny }], who);
    throw e;
  }
}
