// Service commands: deploy, services, service status, logs, start, stop, restart, remove.
import { UsageError, type Command, type CommandContext } from "../command";
import { duration, json, keyValues } from "../format";
import { followJob } from "./jobs";

type View = Awaited<ReturnType<CommandContext["api"]["services"]["list"]["query"]>>["services"][number];

const stateText = (s: View) => `${s.state}${s.reason ? ` (${s.reason})` : ""}`;

/** One table row per service. */
function table(list: View[]): string {
  const rows = [["NAME", "SOURCE", "STATE", "UPTIME", "RESTARTS", "PORTS"], ...list.map((s) => [s.name, s.sourceLabel, s.state, s.uptimeSeconds === null ? "-" : duration(s.uptimeSeconds), String(s.restarts), s.ports.join(",") || "-"])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ")).join("\n");
}

/** Parses repeated `--env K=V`. */
function envFlags(values: unknown): Record<string, string> | undefined {
  const list = (Array.isArray(values) ? values : values ? [values] : []) as string[];
  if (!list.length) return undefined;
  return Object.fromEntries(list.map((kv) => {
    const eq = kv.indexOf("=");
    if (eq < 1) throw new UsageError(`--env takes KEY=VALUE, not ${kv}`);
    return [kv.slice(0, eq), kv.slice(eq + 1)];
  }));
}

const oneName = (args: string[], verb: string) => {
  if (args.length !== 1 || !args[0]) throw new UsageError(`${verb} takes one service name`);
  return args[0];
};

/** `maculaos deploy IMAGE|TARBALL`. */
export const deploy: Command = {
  name: "deploy",
  usage: "maculaos deploy IMAGE-REFERENCE | RELEASE.tar.gz [--name N] [--env K=V]... [--health-http URL | --health-tcp HOST:PORT] [--json]",
  summary: "Deploy a service from an OCI registry or an OTP release tarball; a new version that fails to come up is rolled back",
  options: { name: { type: "string" }, env: { type: "string", multiple: true }, "health-http": { type: "string" }, "health-tcp": { type: "string" } },
  async run(ctx) {
    const [what, ...rest] = ctx.args;
    if (!what || rest.length) throw new UsageError("deploy takes one image reference or tarball path");
    const isFile = /\.(tar|tar\.gz|tgz)$/.test(what) || what.startsWith("/") || what.startsWith(".");
    const health = ctx.flags["health-http"] || ctx.flags["health-tcp"] ? { http: ctx.flags["health-http"] as string | undefined, tcp: ctx.flags["health-tcp"] as string | undefined } : undefined;
    const common = { name: ctx.flags.name as string | undefined, env: envFlags(ctx.flags.env), health };
    const job = isFile ? await ctx.api.services.deploy.mutate({ ...common, upload: await ctx.upload(what) }) : await ctx.api.services.deploy.mutate({ ...common, image: what });
    const code = await followJob(ctx, job.id);
    const done = await ctx.api.jobs.get.query({ id: job.id });
    if (!ctx.json) ctx.out(done.state === "succeeded" ? (done.message ?? "deployed") : `deploy failed: ${done.error}`);
    return code;
  },
};

/** `maculaos services`. */
export const services: Command = {
  name: "services",
  usage: "maculaos services [--json]",
  summary: "List services: name, source (image digest or release version), state, uptime, restarts, ports",
  async run(ctx) {
    if (ctx.args.length) throw new UsageError("services takes no arguments");
    const { services: list } = await ctx.api.services.list.query();
    ctx.out(ctx.json ? json(list) : list.length ? table(list) : "no services; deploy one with maculaos deploy IMAGE or maculaos deploy RELEASE.tar.gz");
    return 0;
  },
};

/** `maculaos service status NAME`. */
export const service: Command = {
  name: "service",
  usage: "maculaos service status NAME [--json]",
  summary: "One service in detail: state, source, command, volumes, health checks and their history",
  async run(ctx) {
    const [sub, ...rest] = ctx.args;
    if (sub !== "status") throw new UsageError("the subcommand is status");
    const s = await ctx.api.services.get.query({ name: oneName(rest, "service status") });
    if (ctx.json) return ctx.out(json(s)), 0;
    ctx.out(keyValues([
      ["Name", s.name],
      ["Source", s.sourceLabel],
      ["State", stateText(s)],
      ["Desired", s.desired],
      ["PID", s.pid === null ? "-" : String(s.pid)],
      ["Uptime", s.uptimeSeconds === null ? "-" : duration(s.uptimeSeconds)],
      ["Restarts", String(s.restarts)],
      ["Health", `${s.health}${s.healthCheck ? ` (${s.healthCheck.http ?? s.healthCheck.tcp})` : " (process check)"}`],
      ["Ports", s.ports.join(", ") || "-"],
      ["Command", s.command.join(" ")],
      ["Volumes", s.volumes.map((v) => `${v.host}:${v.path}`).join(", ") || "-"],
      ["Runtime", `${s.runtime.runtime} (${s.runtime.reason})`],
    ]));
    if (s.history.length) ctx.out(`\nHealth history (newest first):\n${s.history.slice(0, 10).map((h) => `  ${new Date(h.at).toISOString()}  ${h.ok ? "ok  " : "FAIL"}  ${h.check}: ${h.detail ?? ""}`).join("\n")}`);
    return s.state === "running" ? 0 : 3;
  },
};

/** Prints a service's stdout and stderr (`maculaos logs NAME`); follows with -f. */
export async function serviceLogs(ctx: CommandContext, name: string): Promise<number> {
  const n = ctx.flags.lines === undefined ? undefined : Number(ctx.flags.lines);
  if (n !== undefined && !(Number.isInteger(n) && n > 0)) throw new UsageError("-n takes a positive number of lines");
  if (ctx.flags.level) throw new UsageError("--level applies to the appliance's and the system's logs, not a service's");
  const grep = ctx.flags.grep as string | undefined;
  const print = (l: { at: string; stream: string; text: string }) => (grep === undefined || l.text.includes(grep)) && ctx.out(ctx.json ? JSON.stringify(l) : `${l.at} ${l.stream === "stdout" ? "" : `[${l.stream}] `}${l.text}`);
  const { lines } = await ctx.api.services.logs.query({ name, lines: n ?? (ctx.flags.since ? 10000 : 100), ...(ctx.flags.since ? { since: ctx.flags.since as string } : {}) });
  lines.forEach(print);
  if (!ctx.flags.follow) return 0;
  return new Promise((resolve, reject) => {
    const sub = ctx.api.services.followLogs.subscribe({ name }, { onData: (batch) => batch.forEach(print), onError: reject, onComplete: () => resolve(0) });
    process.once("SIGINT", () => (sub.unsubscribe(), resolve(0)));
  });
}

/** start/stop/restart NAME. */
function action(verb: "start" | "stop" | "restart", summary: string): Command {
  return {
    name: verb,
    usage: `maculaos ${verb} NAME [--json]`,
    summary,
    async run(ctx) {
      const s = await ctx.api.services[verb].mutate({ name: oneName(ctx.args, verb) });
      ctx.out(ctx.json ? json(s) : `${s.name}: ${stateText(s)}`);
      return 0;
    },
  };
}

/** `maculaos start NAME`. */
export const start = action("start", "Start a stopped or failed service (it then starts at every boot)");
/** `maculaos stop NAME`. */
export const stop = action("stop", "Stop a service (it stays stopped across reboots)");
/** `maculaos restart NAME`. */
export const restart = action("restart", "Stop and start a service");

/** `maculaos remove NAME [--purge]`. */
export const remove: Command = {
  name: "remove",
  usage: "maculaos remove NAME [--purge] [--json]",
  summary: "Remove a service; its data in /var/lib/maculaos/NAME stays unless --purge",
  options: { purge: { type: "boolean" } },
  async run(ctx) {
    const r = await ctx.api.services.remove.mutate({ name: oneName(ctx.args, "remove"), purge: Boolean(ctx.flags.purge) });
    ctx.out(ctx.json ? json(r) : `${r.name} removed${r.dataKept ? `; its data stays in ${r.dataKept}` : " with its data"}`);
    return 0;
  },
};
