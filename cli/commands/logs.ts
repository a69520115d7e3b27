// `maculaos logs [SOURCE|SERVICE] [-f] [-n N] [--since T] [--grep TEXT] [--level L]`: the appliance's log and the
// journal, or a service's output.
import { UsageError, type Command } from "../command";
import { serviceLogs } from "./services";

/** The log sources that are not services. */
const SOURCES = ["all", "appliance", "system", "network"];

type Entry = { at: string; level: string; source: string; unit: string; message: string };

/** One entry as a line: time, level, unit, message. */
export function logLine(e: Entry): string {
  return `${e.at.replace("T", " ").slice(0, 23)} ${e.level.toUpperCase().padEnd(5)} ${e.unit}: ${e.message}`;
}

/** `maculaos logs`. */
export const logs: Command = {
  name: "logs",
  usage: "maculaos logs [all|appliance|system|network|SERVICE] [-f] [-n N] [--since 1h|DATE] [--grep TEXT] [--level debug|info|warn|error] [--json]",
  summary: "View logs: the appliance's own and the system journal; `logs network` for the network subsystem, `logs NAME` for a service; -f follows",
  options: { follow: { type: "boolean", short: "f" }, lines: { type: "string", short: "n" }, since: { type: "string" }, grep: { type: "string" }, level: { type: "string" } },
  async run(ctx) {
    const { api, args, flags, json: asJson, out } = ctx;
    if (args.length > 1) throw new UsageError("logs takes at most one source");
    const source = args[0] ?? "all";
    if (!SOURCES.includes(source)) return serviceLogs(ctx, source);
    const lines = flags.lines === undefined ? 100 : Number(flags.lines);
    if (!Number.isInteger(lines) || lines < 1 || lines > 10_000) throw new UsageError(`-n: expected a number of lines 1-10000, not ${String(flags.lines)}`);
    const level = flags.level as string | undefined;
    if (level !== undefined && !["debug", "info", "warn", "error"].includes(level)) throw new UsageError(`--level: expected debug, info, warn or error, not ${level}`);
    const filter = { source, grep: flags.grep as string | undefined, level: level as "debug" | "info" | "warn" | "error" | undefined };
    const print = (e: Entry) => out(asJson ? JSON.stringify(e) : logLine(e));
    const r = await api.logs.read.query({ ...filter, lines, since: flags.since as string | undefined });
    r.entries.forEach(print);
    for (const note of r.notes) process.stderr.write(`maculaos logs: ${note}\n`);
    if (!flags.follow) return 0;
    return new Promise((resolve, reject) => {
      const sub = api.logs.follow.subscribe(filter, { onData: print, onError: reject, onComplete: () => resolve(0) });
      process.once("SIGINT", () => (sub.unsubscribe(), resolve(0)));
    });
  },
};
