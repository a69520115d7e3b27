// `maculaos health` (every check with ok|warn|fail; exit 3 when one fails) and `maculaos alerts`.
import { UsageError, type Command } from "../command";
import { json } from "../format";

/** `maculaos health`: runs every health check now. */
export const health: Command = {
  name: "health",
  usage: "maculaos health [--json]",
  summary: "Run the health checks (disk, memory, services, mesh, time, update, config, database, yours); exit 3 if one fails",
  async run({ api, args, json: asJson, out }) {
    if (args.length) throw new UsageError("health takes no arguments");
    const r = await api.health.report.query();
    if (asJson) out(json(r));
    else {
      const width = Math.max(...r.checks.map((c) => c.name.length));
      out(r.checks.map((c) => `${c.state.padEnd(4)}  ${c.name.padEnd(width)}  ${c.detail}`).join("\n"));
      out(`\nhealth: ${r.status}`);
    }
    return r.status === "fail" ? 3 : 0;
  },
};

/** `maculaos alerts`: every configured alert's state. */
export const alerts: Command = {
  name: "alerts",
  usage: "maculaos alerts [list] [--json]",
  summary: "Configured alerts and whether they fire, and the state of the bus they are published on",
  async run({ api, args: [sub = "list", ...rest], json: asJson, out }) {
    if (sub !== "list" || rest.length) throw new UsageError(`unknown alerts subcommand ${[sub, ...rest].join(" ")}`);
    const r = await api.alerts.list.query();
    if (asJson) return out(json(r)), 0;
    if (!r.alerts.length) out("no alerts configured (add them under alerts: in config.yaml)");
    else out(r.alerts.map((a) => `${a.state.padEnd(8)}  ${a.name}  ${a.condition}${a.value === null ? "" : ` (now ${a.value})`}  -> ${a.topic}  since ${a.since}`).join("\n"));
    out(`bus: ${r.bus.url} (${r.bus.state}${r.bus.dropped ? `, ${r.bus.dropped} messages dropped while down` : ""})`);
    return 0;
  },
};
