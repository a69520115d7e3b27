// `maculaos upgrade --check`.
import { UsageError, type Command } from "../command";
import { bytes, json } from "../format";

/** `maculaos upgrade`: A/B system updates. */
export const upgrade: Command = {
  name: "upgrade",
  usage: "maculaos upgrade --check [--json]",
  summary: "Check the update channel for a newer signed release (size and notes)",
  options: { check: { type: "boolean" } },
  async run({ api, args, flags, json: asJson, out }) {
    if (args.length || !flags.check) throw new UsageError("upgrade takes --check");
    const c = await api.updates.check.query();
    if (asJson) out(json(c));
    else if (!c.available) out(`up to date: ${c.current} is the latest on the ${c.channel} channel`);
    else out(`update available on the ${c.channel} channel: ${c.current} -> ${c.latest} (${bytes(c.size)})${c.notes ? `\n\n${c.notes}` : ""}`);
    return 0;
  },
};
