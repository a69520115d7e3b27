// `maculaos rollback` and `maculaos reboot`.
import { UsageError, type Command, type CommandContext } from "../command";
import { json } from "../format";

/** A boot state in words: "next boot: slot A (committed); slot B: bad". */
export function describeBoot(b: { order: ["A" | "B", "A" | "B"]; slots: Record<"A" | "B", string>; trial: { slot: string; attempt: number; of: number } | null }): string {
  const [first, second] = b.order;
  const trial = b.trial ? `; trial of slot ${b.trial.slot}, attempt ${b.trial.attempt} of ${b.trial.of}` : "";
  return `next boot: slot ${first} (${b.slots[first]}); slot ${second}: ${b.slots[second]}${trial}`;
}

type BootView = Parameters<typeof describeBoot>[0];

/** A boot command: one admin call that returns the new boot state, printed in words. */
function bootCommand(name: string, summary: string, call: (api: CommandContext["api"], flags: CommandContext["flags"]) => Promise<BootView>, words: (b: BootView, flags: CommandContext["flags"]) => string, options?: Command["options"]): Command {
  const usage = Object.keys(options ?? {}).map((o) => ` [--${o}]`).join("");
  return {
    name,
    usage: `maculaos ${name}${usage} [--json]`,
    summary,
    options,
    async run({ api, args, flags, json: asJson, out }) {
      if (args.length) throw new UsageError(`${name} takes no arguments`);
      const b = await call(api, flags);
      out(asJson ? json(b) : words(b, flags));
      return 0;
    },
  };
}

/** `maculaos rollback`: boot the previous slot next time. */
export const rollback = bootCommand(
  "rollback",
  "Boot the previous slot at the next boot (refused when it holds no good system); then reboot",
  (api) => api.system.rollback.mutate(),
  (b) => `${describeBoot(b)}\nreboot to use it: maculaos reboot`,
);

/** `maculaos reboot [--recovery]`: on the development device, boot again by the bootloader's rules. */
export const reboot = bootCommand(
  "reboot",
  "Reboot; --recovery: this one boot in recovery mode (repair, restore, factory reset, shell). The development device boots again with the same slot rules as the image's GRUB",
  (api, flags) => api.system.reboot.mutate({ recovery: flags.recovery === true }),
  (b, flags) => `rebooted${flags.recovery ? " into recovery mode" : ""}; ${describeBoot(b)}`,
  { recovery: { type: "boolean" } },
);
