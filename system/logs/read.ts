// Reading logs: the appliance's own rotating log and, where the device has one, the systemd journal (read with
// `journalctl --root <device root> -o json`, so a development device never reads the host's journal). Sources:
// `all` (default), `appliance`, `system` (the journal) and `network` (the network daemons and our network component).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { AppError } from "../errors";
import { exists, readTextIfExists } from "../host/files";
import type { System } from "../system";
import { parseDuration } from "../monitoring/duration";
import { parseApplianceLine, type LogEntry, type LogSink } from "./sink";

/** The log sources `maculaos logs SOURCE` knows (services come with the services capability). */
export const LOG_SOURCES = ["all", "appliance", "system", "network"] as const;
/** One log source. */
export type LogSource = (typeof LOG_SOURCES)[number];

/** What to read. */
export interface LogQuery {
  source: LogSource;
  /** Most entries returned (the newest). */
  lines: number;
  /** A duration back from now ("1h") or an ISO date-time. */
  since?: string;
  /** Literal text, case-insensitive, matched against unit and message. */
  grep?: string;
  /** Only this level and above. */
  level?: LogEntry["level"];
}

/** The systemd units whose journal is "the network subsystem's logs". */
export const NETWORK_UNITS = ["systemd-networkd.service", "NetworkManager.service", "systemd-resolved.service", "wpa_supplicant.service", "nftables.service", "wg-quick@wg0.service"];
const LEVELS = { debug: 0, info: 1, warn: 2, error: 3 } as const;
/** The appliance's own unit on a node: its stderr reaches the journal too, but its log file already has those lines. */
export const APPLIANCE_UNIT = "maculaos.service";

/** Parses --since: a duration back from now or a date-time; INVALID_INPUT otherwise. */
export function parseSince(text: string, now = Date.now()): Date {
  if (/^(\d+[smhd])+$/.test(text)) return new Date(now - parseDuration(text));
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new AppError("INVALID_INPUT", `--since: expected a duration like 30m or 2h, or a date-time like 2026-11-25T10:00, not ${JSON.stringify(text)}`);
  return d;
}

/** A filter for entries by level, grep text and time. */
export function entryFilter(q: Pick<LogQuery, "grep" | "level"> & { since?: Date; network?: boolean }): (e: LogEntry) => boolean {
  const needle = q.grep?.toLowerCase();
  const min = LEVELS[q.level ?? "debug"];
  return (e) =>
    !(e.source === "journal" && e.unit === APPLIANCE_UNIT) &&
    LEVELS[e.level] >= min &&
    (!needle || e.message.toLowerCase().includes(needle) || e.unit.toLowerCase().includes(needle)) &&
    (!q.since || new Date(e.at) >= q.since) &&
    (!q.network || e.source === "journal" || /(^|\.)(network|firewall|mesh)(\.|$)/.test(e.unit));
}

/** Where the device's journal lives, if it has one. */
async function journalRoot(sys: System): Promise<string | undefined> {
  for (const dir of ["var/log/journal", "run/log/journal"]) if (await exists(join(sys.root, dir))) return sys.root;
  return undefined;
}

/** journalctl's JSON entry as ours. */
export function parseJournalLine(line: string): LogEntry | undefined {
  try {
    const j = JSON.parse(line) as Record<string, unknown>;
    const prio = Number(j.PRIORITY ?? 6);
    const message = Array.isArray(j.MESSAGE) ? Buffer.from(j.MESSAGE as number[]).toString("utf8") : String(j.MESSAGE ?? "");
    return {
      at: new Date(Number(j.__REALTIME_TIMESTAMP) / 1000).toISOString(),
      level: prio <= 3 ? "error" : prio === 4 ? "warn" : prio === 7 ? "debug" : "info",
      source: "journal",
      unit: String(j._SYSTEMD_UNIT ?? j.SYSLOG_IDENTIFIER ?? j._COMM ?? "kernel"),
      message,
    };
  } catch {
    return undefined;
  }
}

function journalArgs(root: string, q: { source: LogSource; since?: Date; lines: number; follow?: boolean }): string[] {
  const args = [`--root=${root}`, "-o", "json", "--no-pager", "-n", String(q.lines)];
  if (q.since) args.push(`--since=@${Math.floor(q.since.getTime() / 1000)}`);
  if (q.follow) args.push("-f");
  if (q.source === "network") for (const u of NETWORK_UNITS) args.push(`--unit=${u}`);
  return args;
}

/** Runs journalctl and collects its entries; [] and a note when the device has no journal or no journalctl. */
async function readJournal(sys: System, q: { source: LogSource; since?: Date; lines: number }): Promise<{ entries: LogEntry[]; note?: string }> {
  const root = await journalRoot(sys);
  if (!root) return { entries: [], note: "this device has no systemd journal" };
  return new Promise((resolve) => {
    const child = spawn("journalctl", journalArgs(root, q), { stdio: ["ignore", "pipe", "pipe"] });
    const entries: LogEntry[] = [];
    let err = "";
    child.stderr.on("data", (d: Buffer) => void (err = (err + d.toString()).slice(-500)));
    createInterface({ input: child.stdout }).on("line", (l) => {
      const e = parseJournalLine(l);
      if (e) entries.push(e);
    });
    child.on("error", (e) => resolve({ entries, note: `journalctl could not run: ${e.message}` }));
    child.on("close", (code) => resolve(code === 0 ? { entries } : { entries, note: `journalctl exited with ${code}: ${err.trim()}` }));
  });
}

/** Reads the appliance's log files, oldest first. */
async function readAppliance(sink: LogSink): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for (const file of sink.files().reverse()) {
    for (const line of ((await readTextIfExists(file)) ?? "").split("\n")) {
      const e = line ? parseApplianceLine(line) : undefined;
      if (e) entries.push(e);
    }
  }
  return entries;
}

/** The newest `lines` entries of a source that pass the filters, oldest first; `notes` say what could not be read. */
export async function readLogs(sys: System, sink: LogSink, q: LogQuery): Promise<{ entries: LogEntry[]; notes: string[] }> {
  const since = q.since ? parseSince(q.since) : undefined;
  const keep = entryFilter({ ...q, since, network: q.source === "network" });
  const notes: string[] = [];
  let entries: LogEntry[] = [];
  if (q.source !== "system") entries = (await readAppliance(sink)).filter(keep);
  if (q.source !== "appliance") {
    // the journal filters time and units itself; grep and level are applied here, so read enough to fill `lines`
    const j = await readJournal(sys, { source: q.source, since, lines: q.grep || q.level ? Math.max(q.lines * 20, 5000) : q.lines });
    if (j.note) notes.push(j.note);
    entries = entries.concat(j.entries.filter(keep));
  }
  entries.sort((a, b) => a.at.localeCompare(b.at));
  return { entries: entries.slice(-q.lines), notes };
}

/** Follows a source live: yields each new entry that passes the filters until `signal` aborts. */
export async function* followLogs(sys: System, sink: LogSink, q: Omit<LogQuery, "lines" | "since">, signal: AbortSignal | undefined): AsyncGenerator<LogEntry> {
  const keep = entryFilter({ ...q, network: q.source === "network" });
  const queue: LogEntry[] = [];
  let wake: (() => void) | undefined;
  const push = (e: LogEntry) => {
    if (!keep(e)) return;
    queue.push(e);
    if (queue.length > 1000) queue.shift(); // a slow follower loses the oldest, never the server's memory
    wake?.();
  };
  if (q.source !== "system") sink.on("entry", push);
  const root = q.source !== "appliance" ? await journalRoot(sys) : undefined;
  const child = root ? spawn("journalctl", journalArgs(root, { source: q.source, lines: 0, follow: true }), { stdio: ["ignore", "pipe", "ignore"] }) : undefined;
  child?.on("error", () => undefined);
  if (child) createInterface({ input: child.stdout! }).on("line", (l) => {
    const e = parseJournalLine(l);
    if (e) push(e);
  });
  const onAbort = () => wake?.();
  signal?.addEventListener("abort", onAbort);
  try {
    while (!signal?.aborted) {
      const e = queue.shift();
      if (e) yield e;
      else await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  } finally {
    sink.off("entry", push);
    signal?.removeEventListener("abort", onAbort);
    child?.kill();
  }
}
