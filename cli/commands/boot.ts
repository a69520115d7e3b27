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
function bootCommand(name: string, summary: string, call: (api: CommandContext["api"]) => Promise<BootView>, words: (b: BootView) => string): Command {
  return {
    name,
    usage: `maculaos ${name} [--json]`,
    summary,
    async run({ api, args, json: asJson, out }) {
      if (args.length) throw new UsageError(`${name} takes no arguments`);
      const b = await call(api);
      out(asJson ? json(b) : words(b));
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

/** `maculaos reboot`: on the development device, boot again by the bootloader's rules. */
export const reboot = bootCommand(
  "reboot",
  "Reboot (the development device boots again with the same slot rules as the image's GRUB)",
  (api) => api.system.reboot.mutate(),
  (b) => `rebooted; ${describeBoot(b)}`,
);
