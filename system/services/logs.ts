// Service logs: /var/log/maculaos/services/<name>.log (rotated to .1, .2, .3 by the supervisor), each line
// "<ISO time> <stdout|stderr|supervisor> <text>". Reading the last lines, lines since a time, and following.
import { open, readFile, stat } from "node:fs/promises";
import { AppError } from "../errors";

/** One log line. */
export interface LogLine {
  at: string;
  stream: string;
  text: string;
}

/** How many rotated files the supervisor keeps. */
export const LOG_KEEP = 3;

/** Parses a stored line. */
function parseLine(raw: string): LogLine {
  const m = /^(\S+) (\S+) (.*)$/.exec(raw);
  return m ? { at: m[1] ?? "", stream: m[2] ?? "", text: m[3] ?? "" } : { at: "", stream: "stdout", text: raw };
}

/** Parses --since: a duration (30s, 10m, 2h, 1d) before now, or a date/time. */
export function parseSince(text: string, now = Date.now()): Date {
  const d = /^(\d+)([smhd])$/.exec(text.trim());
  if (d) return new Date(now - Number(d[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[d[2] as "s" | "m" | "h" | "d"]);
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new AppError("INVALID_INPUT", `--since: expected a duration like 10m or 2h, or a time like 2026-11-25T10:00:00Z, not ${JSON.stringify(text)}`);
  return new Date(t);
}

/** The last `lines` lines (all with `since`, from that time on) across the log and its rotations. */
export async function readLog(file: string, opts: { lines?: number; since?: Date }): Promise<LogLine[]> {
  const want = opts.lines ?? 100;
  let out: LogLine[] = [];
  for (let i = 0; i <= LOG_KEEP; i++) {
    const text = await readFile(i ? `${file}.${i}` : file, "utf8").catch(() => null);
    if (text === null) break;
    const lines = text.split("\n").filter(Boolean).map(parseLine);
    out = [...lines, ...out];
    if (opts.since ? (lines[0] && Date.parse(lines[0].at) < opts.since.getTime()) : out.length >= want) break;
  }
  if (opts.since) {
    const from = opts.since.getTime();
    out = out.filter((l) => Date.parse(l.at) >= from);
  }
  return out.slice(-want);
}

/** Yields new lines as they are written, following rotation, until `signal` aborts. */
export async function* followLog(file: string, signal?: AbortSignal): AsyncGenerator<LogLine[]> {
  let pos = await stat(file).then((s) => s.size, () => 0);
  let ino = await stat(file).then((s) => s.ino, () => 0);
  let rest = "";
  while (!signal?.aborted) {
    await new Promise((r) => setTimeout(r, 250));
    const st = await stat(file).catch(() => null);
    if (!st) continue;
    if (st.ino !== ino || st.size < pos) {
      ino = st.ino;
      pos = 0;
      rest = "";
    }
    if (st.size === pos) continue;
    const fh = await open(file, "r");
    try {
      const buf = Buffer.alloc(Math.min(st.size - pos, 1 << 20));
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      pos += bytesRead;
      const parts = (rest + buf.subarray(0, bytesRead).toString("utf8")).split("\n");
      rest = parts.pop() ?? "";
      if (parts.length) yield parts.map(parseLine);
    } finally {
      await fh.close();
    }
  }
}
