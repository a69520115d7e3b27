// Putting network settings in force: hostname, interfaces (DHCP or static) and NTP servers are rendered to
// systemd-networkd and timesyncd files, then applied (networkctl on a node; `ip` in a development device's
// namespace). A change from a remote session is applied and reverted unless confirmed in time, so a typo in an
// address never strands a node; the pending change is kept on disk, so a restart in between still reverts it.
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { actorOf, type Principal } from "../accounts/accounts";
import type { MaculaConfig } from "../config/schema";
import { AppError } from "../errors";
import { runChecked } from "../host/command";
import { listDir, readTextIfExists } from "../host/files";
import { netPaths, netTarget, writeNetFile, type NetTarget } from "../host/net-paths";
import type { System } from "../system";

/** The settings this module puts in force. */
export interface NetworkSettings {
  hostname: string;
  interfaces: MaculaConfig["network"]["interfaces"];
  ntp_servers: string[];
}

/** A change waiting for confirmation. */
export interface PendingChange {
  id: string;
  by: string;
  deadline: string;
  previous: NetworkSettings;
}

const PREFIX = "10-maculaos-";

/** The network settings of a config. */
export function settingsOf(config: MaculaConfig): NetworkSettings {
  return { hostname: config.hostname, interfaces: config.network.interfaces, ntp_servers: config.ntp.servers };
}

/** The config.yaml entries that hold the settings. */
function settingEntries(s: NetworkSettings) {
  return [{ key: "hostname", value: s.hostname }, { key: "network.interfaces", value: s.interfaces }, { key: "ntp.servers", value: s.ntp_servers }];
}

/** systemd-networkd files (name -> text) for the interfaces, and the timesyncd drop-in. */
export function renderNetwork(s: NetworkSettings): { networkd: Record<string, string>; timesyncd: string } {
  const networkd: Record<string, string> = {};
  for (const i of s.interfaces) {
    const body = i.dhcp ? ["DHCP=yes"] : [`Address=${i.address}`, `Gateway=${i.gateway}`, ...i.dns.map((d) => `DNS=${d}`)];
    networkd[`${PREFIX}${i.name}.network`] = ["# Rendered from config.yaml by the MaculaOS appliance.", "[Match]", `Name=${i.name}`, "", "[Network]", ...body, ""].join("\n");
  }
  return { networkd, timesyncd: ["# Rendered from config.yaml by the MaculaOS appliance.", "[Time]", `NTP=${s.ntp_servers.join(" ")}`, ""].join("\n") };
}

/** Applies the interfaces with `ip` in a development device's namespace (no networkd or DHCP client there). */
async function applyWithIp(target: NetTarget, s: NetworkSettings): Promise<void> {
  const ip = (...args: string[]) => runChecked("ip", args, { netns: target.netns });
  for (const i of s.interfaces) {
    await ip("addr", "flush", "dev", i.name, "scope", "global");
    await ip("link", "set", "dev", i.name, "up");
    if (i.dhcp) continue;
    await ip("addr", "add", i.address, "dev", i.name);
    await ip("route", "replace", "default", "via", i.gateway, "dev", i.name);
  }
}

/** Refuses settings that name an interface the device does not have (and puts the config back as it was). */
async function checkInterfacesExist(sys: System, target: NetTarget, next: NetworkSettings, previous: NetworkSettings, who: Principal): Promise<void> {
  const links = JSON.parse(await runChecked("ip", ["-j", "link", "show"], { netns: target.netns })) as { ifname: string }[];
  const names = links.map((l) => l.ifname);
  const missing = next.interfaces.filter((i) => !names.includes(i.name)).map((i) => i.name);
  if (!missing.length) return;
  await sys.config.set(settingEntries(previous), who);
  throw new AppError("INVALID_INPUT", `network.interfaces: ${missing.join(", ")} ${missing.length > 1 ? "do" : "does"} not exist on ${target.where} (it has ${names.join(", ")}); nothing was changed`);
}

/** Renders the settings to the device's files and, where the device is live, puts them in force. */
async function putInForce(sys: System, s: NetworkSettings): Promise<void> {
  const paths = netPaths(sys.root);
  const { networkd, timesyncd } = renderNetwork(s);
  for (const name of await listDir(paths.networkdDir)) if (name.startsWith(PREFIX) && !(name in networkd)) await unlink(join(paths.networkdDir, name));
  for (const [name, text] of Object.entries(networkd)) await writeNetFile(join(paths.networkdDir, name), text);
  await writeNetFile(paths.timesyncd, timesyncd);
  await writeNetFile(sys.paths.hostname, `${s.hostname}\n`);
  const target = await netTarget(sys.root, sys.kind);
  if (target.netns) await applyWithIp(target, s);
  else if (target.live) {
    await runChecked("hostnamectl", ["set-hostname", "--", s.hostname]);
    await runChecked("networkctl", ["reload"]);
    if (s.interfaces.length) await runChecked("networkctl", ["reconfigure", "--", ...s.interfaces.map((i) => i.name)]);
    await runChecked("systemctl", ["restart", "systemd-timesyncd.service"]);
  }
  await writeNetFile(paths.appliedNetwork, JSON.stringify(s, null, 2));
}

/** The settings last put in force, or the config's when none were recorded yet. */
async function lastApplied(sys: System): Promise<NetworkSettings> {
  const text = await readTextIfExists(netPaths(sys.root).appliedNetwork);
  return text ? (JSON.parse(text) as NetworkSettings) : settingsOf(sys.config.current());
}

const timers = new WeakMap<System, NodeJS.Timeout>();

/** The change waiting for confirmation, or null. */
export async function pendingChange(sys: System): Promise<PendingChange | null> {
  const text = await readTextIfExists(netPaths(sys.root).pendingChange);
  return text ? (JSON.parse(text) as PendingChange) : null;
}

/** Arms the automatic revert of `p` at its deadline. */
function arm(sys: System, p: PendingChange): void {
  clearTimeout(timers.get(sys));
  const wait = Math.max(0, Date.parse(p.deadline) - Date.now());
  timers.set(sys, setTimeout(() => void revertNetwork(sys, "system", `not confirmed by ${p.deadline}`).catch((error: unknown) => sys.log.error("the automatic network revert failed", { error })), wait).unref());
}

/** Puts the network settings of the config in force. From a remote session (`confirmSeconds` given) the change
 * reverts to the settings in force before unless `confirmNetwork` is called within that many seconds. */
export async function applyNetwork(sys: System, who: Principal, confirmSeconds: number | null): Promise<{ applied: boolean; where: string; pending: PendingChange | null }> {
  if (await pendingChange(sys)) throw new AppError("CONFLICT", "a network change is waiting for confirmation: confirm or revert it first");
  const previous = await lastApplied(sys);
  const next = settingsOf(sys.config.current());
  const target = await netTarget(sys.root, sys.kind);
  const actor = actorOf(who);
  if (target.live) await checkInterfacesExist(sys, target, next, previous, who);
  try {
    await putInForce(sys, next);
  } catch (e) {
    // Back to what worked, in config.yaml and on the device: a typo must never strand the node.
    await sys.config.set(settingEntries(previous), who).catch(() => undefined);
    await putInForce(sys, previous).catch(() => undefined);
    await sys.events.record({ actor, action: "network.apply", target: target.where, outcome: "failed", detail: (e as Error).message });
    throw e;
  }
  let pending: PendingChange | null = null;
  if (confirmSeconds !== null) {
    pending = { id: crypto.randomUUID(), by: actor, deadline: new Date(Date.now() + confirmSeconds * 1000).toISOString(), previous };
    await writeNetFile(netPaths(sys.root).pendingChange, JSON.stringify(pending, null, 2), 0o600);
    arm(sys, pending);
  }
  await sys.events.record({ actor, action: "network.apply", target: target.where, outcome: "ok", detail: pending ? `applied; reverts at ${pending.deadline} unless confirmed` : "applied" });
  return { applied: target.live, where: target.where, pending };
}

/** Keeps the pending change. */
export async function confirmNetwork(sys: System, who: Principal): Promise<{ confirmed: boolean }> {
  const p = await pendingChange(sys);
  if (!p) throw new AppError("NOT_FOUND", "no network change is waiting for confirmation");
  clearTimeout(timers.get(sys));
  await unlink(netPaths(sys.root).pendingChange);
  await sys.events.record({ actor: actorOf(who), action: "network.confirm", target: "network", outcome: "ok", detail: `change ${p.id} by ${p.by} kept` });
  return { confirmed: true };
}

/** Goes back to the settings in force before the pending change: in config.yaml and on the device. */
export async function revertNetwork(sys: System, actor: string, why: string): Promise<{ reverted: boolean }> {
  const p = await pendingChange(sys);
  if (!p) throw new AppError("NOT_FOUND", "no network change is waiting for confirmation");
  clearTimeout(timers.get(sys));
  const s = p.previous;
  await sys.config.set(settingEntries(s));
  await putInForce(sys, s);
  await unlink(netPaths(sys.root).pendingChange);
  await sys.events.record({ actor, action: "network.revert", target: "network", outcome: "ok", detail: `change ${p.id} by ${p.by} reverted: ${why}` });
  return { reverted: true };
}

/** At start: re-arms the revert of a change left pending by the last run (reverting at once when its time is up). */
export async function resumePending(sys: System): Promise<void> {
  const p = await pendingChange(sys);
  if (p) arm(sys, p);
}

/** Stops the revert timer (the pending change stays on disk for the next start). */
export function stopNetwork(sys: System): void {
  clearTimeout(timers.get(sys));
}

/** How long a change may wait for confirmation: from a remote session always (60 s unless asked otherwise); from the
 * node's own socket only when asked. */
export function revertWindow(channel: "http" | "socket", requested: number | undefined): number | null {
  return channel === "http" ? (requested ?? 60) : (requested ?? null);
}

/** Changes hostname, interfaces and/or NTP servers in config.yaml (validated first) and applies them with a revert window. */
export async function setNetwork(sys: System, input: { hostname?: string; interfaces?: unknown[]; ntp_servers?: string[] }, who: Principal, confirmSeconds: number | null) {
  if (await pendingChange(sys)) throw new AppError("CONFLICT", "a network change is waiting for confirmation: confirm or revert it first");
  const entries = [
    ...(input.hostname === undefined ? [] : [{ key: "hostname", value: input.hostname }]),
    ...(input.interfaces === undefined ? [] : [{ key: "network.interfaces", value: input.interfaces }]),
    ...(input.ntp_servers === undefined ? [] : [{ key: "ntp.servers", value: input.ntp_servers }]),
  ];
  if (!entries.length) throw new AppError("INVALID_INPUT", "nothing to change: give hostname, interfaces or ntp_servers");
  await sys.config.set(entries, who);
  return applyNetwork(sys, who, confirmSeconds);
}
