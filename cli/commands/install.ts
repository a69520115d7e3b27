// `maculaos install [--disk DISK] [--image FILE] [--dry-run] [--yes]`.
import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { UsageError, type Command } from "../command";
import { bytes, json } from "../format";
import { followJob } from "./jobs";

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** `maculaos install`: MaculaOS onto a disk (or a disk image file), after showing the plan and a confirmation. */
export const install: Command = {
  name: "install",
  usage: "maculaos install [--disk DISK] [--image FILE] [--dry-run] [--yes] [--json]",
  summary: "Install MaculaOS to a disk: detect disks, confirm, partition, write slot A and the bootloader, make the data partition",
  options: { disk: { type: "string" }, image: { type: "string" }, "dry-run": { type: "boolean" }, yes: { type: "boolean", short: "y" } },
  async run(ctx) {
    const { api, args, flags, json: asJson, out } = ctx;
    if (args.length) throw new UsageError("install takes no arguments; name the disk with --disk");
    const interactive = Boolean(process.stdin.isTTY) && !asJson;
    let disk = flags.disk as string | undefined;
    if (!disk) {
      const disks = await api.install.disks.query();
      if (asJson && !flags["dry-run"]) return out(json(disks)), 0;
      out(disks.length ? "Disks:" : "No disks found.");
      for (const d of disks) out(`  ${d.path}  ${bytes(d.size)}  ${d.model ?? ""}${d.removable ? " (removable)" : ""}${d.refusal ? `  - cannot install: ${d.refusal}` : ""}`);
      if (!interactive) throw new UsageError("name the disk to install to with --disk");
      disk = await ask("Install MaculaOS to which disk? ");
      if (!disk) throw new UsageError("no disk chosen");
    }
    const input = { disk: resolve(disk), ...(flags.image ? { image: resolve(flags.image as string) } : {}) };
    const plan = await api.install.plan.query(input);
    if (asJson && flags["dry-run"]) return out(json(plan)), 0;
    out(`${flags["dry-run"] ? "Would install" : "Installing"} MaculaOS to ${plan.disk} (${plan.kind === "file" ? "disk image file" : "disk"}, ${bytes(plan.size)}):`);
    plan.steps.forEach((s, i) => out(`  ${i + 1}. ${s}`));
    if (flags["dry-run"]) return 0;
    if (!flags.yes) {
      if (!interactive) throw new UsageError(`installing erases ${plan.disk}: confirm with --yes`);
      if ((await ask(`Everything on ${plan.disk} will be erased. Type the disk's path to go on: `)) !== plan.disk) return out("not installed"), 1;
    }
    const job = await api.install.run.mutate(input);
    return followJob(ctx, job.id);
  },
};
