// `maculaos repair`, `maculaos factory --keep-network | --full` and `maculaos shell`.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline/promises";
import { UsageError, type Command } from "../command";
import { json } from "../format";

const MARK = { ok: "ok   ", fixed: "FIXED", failed: "FAIL " } as const;

/** `maculaos repair`: find and fix, one line per step. */
export const repair: Command = {
  name: "repair",
  usage: "maculaos repair [--json]",
  summary: "Find and fix: boot env, database (integrity_check), config, permissions, stuck jobs, a full disk",
  async run({ api, args, json: asJson, out }) {
    if (args.length) throw new UsageError("repair takes no arguments");
    const r = await api.recovery.repair.mutate();
    if (asJson) out(json(r));
    else for (const s of r.steps) out(`${MARK[s.status]} ${s.step.padEnd(11)} ${s.detail}`);
    return r.healthy ? 0 : 1;
  },
};

/** `maculaos factory`: wipe the data state (keeping the network config, or everything), typed confirmation or --yes. */
export const factory: Command = {
  name: "factory",
  usage: "maculaos factory --keep-network | --full [--yes] [--json]",
  summary: "Factory reset: wipe the data state (--keep-network keeps the network config; --full wipes everything) and re-arm the setup wizard",
  options: { "keep-network": { type: "boolean" }, full: { type: "boolean" }, yes: { type: "boolean", short: "y" } },
  async run({ api, args, flags, json: asJson, out }) {
    if (args.length || Boolean(flags["keep-network"]) === Boolean(flags.full)) throw new UsageError("choose one of --keep-network and --full");
    const mode = flags.full ? "full" : "keep-network";
    let confirm = flags.yes ? "RESET" : "";
    if (!confirm) {
      if (!process.stdin.isTTY) throw new UsageError("a factory reset needs a typed confirmation on a terminal, or --yes");
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const what = mode === "full" ? "EVERYTHING on this node (data, network config, logs, stored backups)" : "all data on this node except the network config";
      confirm = (await rl.question(`This erases ${what}.\nType RESET to continue: `)).trim();
      rl.close();
      if (confirm !== "RESET") return out("cancelled: nothing was changed"), 1;
    }
    const r = await api.recovery.factory.mutate({ mode, confirm });
    if (asJson) return out(json(r)), 0;
    out(`factory reset (${mode}) done${r.keptNetwork ? "; the network config was kept" : ""}`);
    if (r.warning) process.stderr.write(`maculaos factory: ${r.warning}\n`);
    out(r.setupCode ? `open the dashboard and enter the new setup code ${r.setupCode}` : "the setup wizard is back: read the new setup code on the node's console (maculaos setup-code)");
    return 0;
  },
};

/** `maculaos shell`: a maintenance shell on the node, with the recovery state printed first. */
export const shell: Command = {
  name: "shell",
  usage: "maculaos shell",
  summary: "A maintenance shell on the node (root, local socket only); exit returns",
  async run({ api, args, out }) {
    if (args.length) throw new UsageError("shell takes no arguments");
    if (process.env.MACULAOS_HOST || process.argv.includes("--host")) throw new UsageError("the maintenance shell runs on the node itself; remotely, use the dashboard's terminal");
    const s = await api.recovery.status.query();
    out(`MaculaOS maintenance shell${s.recoveryMode ? " (recovery mode)" : ""}. Try: maculaos repair, maculaos restore FILE, maculaos factory --keep-network. exit to leave.`);
    if (s.configProblem) out(`config problem: ${s.configProblem}`);
    const sh = process.env.SHELL || "/bin/sh";
    const child = spawn(sh, process.stdin.isTTY ? ["-i"] : [], { stdio: "inherit", env: { ...process.env, MACULAOS_MAINTENANCE: "1", PS1: "maculaos-maintenance# " } });
    return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
  },
};
