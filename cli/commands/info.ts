// `maculaos info` and `maculaos setup-code`.
import { UsageError, type Command } from "../command";
import { bytes, duration, json, keyValues } from "../format";
import { describeBoot } from "./boot";

/** `maculaos info`: the node's facts. */
export const info: Command = {
  name: "info",
  usage: "maculaos info [--json]",
  summary: "System information: hostname, version, active slot, boot mode, uptime, resources, mesh role and realm",
  async run({ api, args, json: asJson, out }) {
    if (args.length) throw new UsageError("info takes no arguments");
    const i = await api.system.info.query();
    if (asJson) return out(json(i)), 0;
    const pct = (used: number, total: number) => `${bytes(used)} of ${bytes(total)} (${total ? Math.round((used / total) * 100) : 0}%)`;
    out(
      keyValues([
        ["Hostname", i.hostname],
        ["Version", i.version],
        ["Slot", i.slot],
        ["Boot", i.boot ? describeBoot(i.boot) : `UNKNOWN: ${i.bootProblem ?? "no boot state"}; run maculaos repair`],
        ...(i.rollback ? [["Rollback", `${i.rollback.detail} (${new Date(i.rollback.at).toISOString()})`] as [string, string]] : []),
        ["Uptime", duration(i.uptime)],
        ["Setup", i.setup],
        ["Device", i.device],
        ["Mode", i.mode === "recovery" ? "RECOVERY (maculaos.mode=recovery): no services, schedulers or boot commit; reboot to leave" : "normal"],
        ["Mesh", `${i.mesh.role} in realm ${i.mesh.realm}`],
        ["CPU", `${i.cpu.usage.toFixed(1)}% of ${i.cpu.cores} cores (${i.cpu.model})`],
        ["Memory", pct(i.memory.used, i.memory.total)],
        ["Disk", `${pct(i.disk.used, i.disk.total)} on ${i.disk.path}`],
        ...(i.configProblem ? [["Config", `INVALID, running on the last good config: ${i.configProblem}`] as [string, string]] : []),
      ]),
    );
    return 0;
  },
};

/** `maculaos setup-code`: the first-boot code, over the root socket only. */
export const setupCode: Command = {
  name: "setup-code",
  usage: "maculaos setup-code [--json]",
  summary: "Print the one-time code the setup wizard asks for (root on the node only)",
  async run({ api, args, json: asJson, out }) {
    if (args.length) throw new UsageError("setup-code takes no arguments");
    const { code } = await api.setup.code.query();
    out(asJson ? json({ code }) : code);
    return 0;
  },
};
