// `maculaos rollback` and `maculaos reboot`.
import { UsageError, type Command } from "../command";
import { json } from "../format";

/** A boot state in words: "next boot: slot A (committed); slot B: bad". */
export function describeBoot(b: { order: ["A" | "B", "A" | "B"]; slots: Record<"A" | "B", string>; trial: { slot: string; attempt: number; of: number } | null }): string {
  const [first, second] = b.order;
  const trial = b.trial ? `; trial of slot ${b.trial.slot}, attempt ${b.trial.attempt} of ${b.trial.of}` : "";
  return `next boot: slot ${first} (${b.slots[first]}); slot ${second}: ${b.slots[second]}${trial}`;
}

/** `maculaos rollback`: boot the previous slot next time. */
export const rollback: Command = {
  name: "rollback",
  usage: "maculaos rollback [--json]",
  summary: "Boot the previous slot at the next boot (refused when it holds no good system); then reboot",
  async run({ api, args, json: asJson, out }) {
    if (args.length) throw new UsageError("rollback takes no arguments");
    const b = await api.system.rollback.mutate();
    out(asJson ? json(b) : `${describeBoot(b)}\nreboot to use it: maculaos reboot`);
    return 0;
  },
};

/** `maculaos reboot`: on the development device, boot again by the bootloader's rules. */
export const reboot: Command = {
  name: "reboot",
  usage: "maculaos reboot [--json]",
  summary: "Reboot (the development device boots again with the same slot rules as the image's GRUB)",
  async run({ api, args, json: asJson, out }) {
    if (args.length) throw new UsageError("reboot takes no arguments");
    const b = await api.system.reboot.mutate();
    out(asJson ? json(b) : `rebooted; ${describeBoot(b)}`);
    return 0;
  },
};
