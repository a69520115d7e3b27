// `maculaos upgrade [--check | --download | --apply]`.
import { createInterface } from "node:readline/promises";
import { UsageError, type Command } from "../command";
import { bytes, json } from "../format";
import { followJob } from "./jobs";

/** `maculaos upgrade`: A/B system updates. */
export const upgrade: Command = {
  name: "upgrade",
  usage: "maculaos upgrade [--check | --download | --apply] [--yes] [--json]",
  summary: "System updates: check the channel, download and verify into the inactive slot, apply for the next boot; all three without a flag",
  options: { check: { type: "boolean" }, download: { type: "boolean" }, apply: { type: "boolean" }, yes: { type: "boolean", short: "y" } },
  async run(ctx) {
    const { api, args, flags, json: asJson, out } = ctx;
    const chosen = ["check", "download", "apply"].filter((f) => flags[f]);
    if (args.length || chosen.length > 1) throw new UsageError("upgrade takes at most one of --check, --download, --apply");
    if (chosen.length === 0) {
      const c = await api.updates.checkUpdate.query();
      if (!c.available) return out(`up to date: ${c.current} is the latest on the ${c.channel} channel`), 0;
      out(`updating ${c.current} -> ${c.latest} (${bytes(c.size)})`);
      const job = await api.updates.downloadUpdate.mutate();
      if ((await followJob(ctx, job.id)) !== 0) return 1;
      const staged = await api.updates.applyUpdate.mutate();
      out(`${staged.version} in slot ${staged.slot} boots next (3 attempts, then the current system again)`);
      let reboot = Boolean(flags.yes);
      if (!reboot && process.stdin.isTTY) {
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        reboot = /^y(es)?$/i.test((await rl.question("Reboot now? [y/N] ")).trim());
        rl.close();
      }
      if (!reboot) return out("reboot to start it: maculaos reboot"), 0;
      const b = await api.system.reboot.mutate({ recovery: false });
      out(`rebooted into slot ${b.order[0]}`);
      return 0;
    }
    if (flags.check) {
      const c = await api.updates.checkUpdate.query();
      if (asJson) out(json(c));
      else if (!c.available) out(`up to date: ${c.current} is the latest on the ${c.channel} channel`);
      else out(`update available on the ${c.channel} channel: ${c.current} -> ${c.latest} (${bytes(c.size)})${c.notes ? `\n\n${c.notes}` : ""}`);
      return 0;
    }
    if (flags.download) {
      const job = await api.updates.downloadUpdate.mutate();
      return followJob(ctx, job.id);
    }
    const staged = await api.updates.applyUpdate.mutate();
    out(asJson ? json(staged) : `${staged.version} in slot ${staged.slot} boots next (3 attempts, then the current system again); reboot to start it`);
    return 0;
  },
};
