// The `maculaos` CLI: a thin shim over the appliance's API. Each command is one API call plus formatting.
// Exit codes: 0 ok, 1 the operation failed, 2 bad usage or invalid input, 3 unhealthy.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { connect, defaultSocket, describeError, type Target } from "./client";
import { UsageError, type Command } from "./command";
import { backup, restore } from "./commands/backup";
import { reboot, rollback } from "./commands/boot";
import { factory, repair, shell } from "./commands/recovery";
import { config } from "./commands/config";
import { info, setupCode } from "./commands/info";
import { alerts, health } from "./commands/health";
import { jobs } from "./commands/jobs";
import { logs } from "./commands/logs";
import { upgrade } from "./commands/upgrade";
import { firewall, mesh, network, security, wireguard } from "./commands/network";
import { install } from "./commands/install";
import { deploy, remove, restart, service, services, start, stop } from "./commands/services";
import { uploadFile } from "./upload";

declare const __VERSION__: string | undefined;
const COMMANDS: Command[] = [info, setupCode, config, upgrade, rollback, reboot, jobs, install];
COMMANDS.push(deploy, services, service, start, stop, restart, remove);
COMMANDS.push(backup, restore, repair, factory, shell);
COMMANDS.push(health, alerts, logs); // monitoring; `logs NAME` shows a service's
COMMANDS.push(network, firewall, mesh, wireguard, security);
const GLOBAL = {
  json: { type: "boolean" },
  host: { type: "string" },
  token: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "maculaos: manage a MaculaOS node",
    "",
    "Usage: maculaos COMMAND [ARGS] [--json] [--host URL --token T]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Global flags:",
    "  --json         machine-readable output",
    "  --host URL     reach a remote node (default: the local socket, as root)",
    "  --token T      API token for --host (or MACULAOS_TOKEN); make one on the dashboard under Settings",
    "  --help, -h     this help, or a command's usage",
    "  --version      the CLI's version",
    "",
    "Exit codes: 0 ok, 1 failed, 2 bad usage or invalid input, 3 unhealthy",
  ].join("\n");
}

/** Runs the CLI with `argv` (without node and the script); returns the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, out = (t: string) => process.stdout.write(`${t}\n`), err = (t: string) => process.stderr.write(`${t}\n`)): Promise<number> {
  const name = argv.find((a, i) => !a.startsWith("-") && !["--host", "--token"].includes(argv[i - 1] ?? ""));
  const command = COMMANDS.find((c) => c.name === name);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...GLOBAL, ...command?.options }, allowPositionals: true, strict: true });
  } catch (e) {
    err(`maculaos: ${(e as Error).message}\n${command ? `usage: ${command.usage}` : "see maculaos --help"}`);
    return 2;
  }
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  if (flags.version) return out(typeof __VERSION__ === "string" ? __VERSION__ : "dev"), 0;
  if (!name || flags.help) {
    out(command && flags.help ? `usage: ${command.usage}\n\n${command.summary}` : help());
    return name && !command ? 2 : 0;
  }
  if (!command) {
    err(`maculaos: unknown command ${name}; see maculaos --help`);
    return 2;
  }
  const target: Target = { host: (flags.host as string | undefined) || env.MACULAOS_HOST || undefined, token: (flags.token as string | undefined) || env.MACULAOS_TOKEN || undefined, socket: defaultSocket(env) };
  if (target.host && !/^https?:\/\/[^/]+/.test(target.host)) {
    err(`maculaos: --host needs a URL like http://node.local:9090, not ${target.host}`);
    return 2;
  }
  if (target.host && !target.token) {
    err("maculaos: --host needs --token T (or MACULAOS_TOKEN); an admin makes tokens on the dashboard under Settings");
    return 2;
  }
  try {
    return await command.run({ api: connect(target), upload: (f) => uploadFile(target, f), args: parsed.positionals.slice(1), flags, json: Boolean(flags.json), out, readFile: (p) => readFile(p, "utf8").catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read ${p}: ${e.code === "ENOENT" ? "no such file" : e.code === "EISDIR" ? "it is a directory" : e.message}`);
      }) });
  } catch (e) {
    if (e instanceof UsageError) {
      err(`maculaos ${command.name}: ${e.message}\nusage: ${command.usage}`);
      return 2;
    }
    const { message, exit } = describeError(e, target);
    err(`maculaos ${command.name}: ${message}`);
    return exit;
  }
}


