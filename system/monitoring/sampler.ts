// The resource sampler: every `monitoring.interval` it reads CPU, memory, disk, network, temperature and load once,
// keeps the last hour at full resolution and 7 days of 5-minute averages, and tells live followers.
import { EventEmitter } from "node:events";
import { statfs } from "node:fs/promises";
import { writeFileAtomic } from "../host/atomic-write";
import { readTextIfExists } from "../host/files";
import { readCpuTimes, readLoad, readMeminfo, readNetwork, readTemperatures } from "../host/metric-sources";
import { Downsampler, RingTable, type Columns } from "./ring";

/** The series the dashboard charts and the alerts compare. */
export const SERIES = ["cpu", "memory", "disk", "rx", "tx", "temperature", "load"] as const;
/** One series name. */
export type SeriesName = (typeof SERIES)[number];
/** One reading of every series (percentages, bytes/s, degrees Celsius, load average); NaN when there is no reading. */
export type Sample = Record<SeriesName, number> & { at: number };

const HOUR_MS = 3_600_000;
/** The long history: 7 days of 5-minute averages (2,016 rows). */
const HISTORY_BUCKET_MS = 5 * 60_000;
const HISTORY_ROWS = (7 * 24 * HOUR_MS) / HISTORY_BUCKET_MS;

/** Reads the machine and keeps bounded history. */
export class Sampler extends EventEmitter<{ sample: [Sample] }> {
  readonly recent: RingTable<SeriesName>;
  readonly history = new Downsampler<SeriesName>(HISTORY_BUCKET_MS, HISTORY_ROWS, SERIES);
  private prev: { at: number; busy: number; total: number; rx: number; tx: number } | undefined;
  private latestSample: Sample | undefined;

  /** `intervalMs` sets the ring so that it holds one hour; `diskPath` is the data directory whose filesystem counts. */
  constructor(
    readonly intervalMs: number,
    private readonly diskPath: string,
  ) {
    super();
    this.setMaxListeners(0); // one per live dashboard
    this.recent = new RingTable(Math.ceil(HOUR_MS / intervalMs) + 1, SERIES);
  }

  /** The newest sample, if one was taken. */
  latest(): Sample | undefined {
    return this.latestSample;
  }

  /** Reads everything once, stores it and returns it. CPU and network rates need the previous reading: the first sample has NaN there. */
  async sample(now = Date.now()): Promise<Sample> {
    const [cpus, mem, disk, nets, temps, load] = await Promise.all([readCpuTimes(), readMeminfo(), statfs(this.diskPath).catch(() => undefined), readNetwork(), readTemperatures(), readLoad()]);
    let busy = 0;
    let total = 0;
    for (const c of cpus) {
      const s = c.seconds;
      const all = s.user + s.nice + s.system + s.idle + s.iowait + s.irq + s.softirq + s.steal;
      total += all;
      busy += all - s.idle - s.iowait;
    }
    const wan = nets.filter((n) => n.device !== "lo");
    const rx = wan.reduce((a, n) => a + n.rxBytes, 0);
    const tx = wan.reduce((a, n) => a + n.txBytes, 0);
    const p = this.prev;
    const dt = p ? (now - p.at) / 1000 : 0;
    const memTotal = mem.get("MemTotal") ?? NaN;
    const used = disk ? (disk.blocks - disk.bfree) * disk.bsize : NaN;
    const avail = disk ? disk.bavail * disk.bsize : NaN;
    const s: Sample = {
      at: now,
      cpu: p && total > p.total ? round(((busy - p.busy) / (total - p.total)) * 100) : NaN,
      memory: round(((memTotal - (mem.get("MemAvailable") ?? mem.get("MemFree") ?? NaN)) / memTotal) * 100),
      // as df computes Use%: space reserved for root counts as unavailable
      disk: round((used / (used + avail)) * 100),
      rx: p && dt > 0 ? Math.max(0, (rx - p.rx) / dt) : NaN,
      tx: p && dt > 0 ? Math.max(0, (tx - p.tx) / dt) : NaN,
      temperature: temps.length ? Math.max(...temps.map((t) => t.celsius)) : NaN,
      load: load[0],
    };
    this.prev = { at: now, busy, total, rx, tx };
    this.latestSample = s;
    this.recent.push(now, s);
    if (this.history.add(now, s) && this.historyFile) await this.saveHistory();
    this.emit("sample", s);
    return s;
  }

  /** Where the 7-day history is kept across restarts (set by loadHistory). */
  private historyFile: string | undefined;

  /** Loads the 7-day history saved by an earlier run (rows older than 7 days are dropped); keeps saving it there. */
  async loadHistory(file: string): Promise<void> {
    this.historyFile = file;
    const text = await readTextIfExists(file);
    if (!text) return;
    try {
      const saved = JSON.parse(text) as { at: number[]; values: Record<string, (number | null)[]> };
      const oldest = Date.now() - 7 * 24 * HOUR_MS;
      saved.at.forEach((at, i) => {
        if (at >= oldest) this.history.table.push(at, Object.fromEntries(SERIES.map((c) => [c, saved.values[c]?.[i] ?? NaN])) as Record<SeriesName, number>);
      });
    } catch {
      // a torn or foreign file: start the history afresh (it is rewritten at the next 5-minute step)
    }
  }

  /** Writes the 7-day history (about 100 KB) atomically. */
  async saveHistory(): Promise<void> {
    if (this.historyFile) await writeFileAtomic(this.historyFile, JSON.stringify(this.week()), 0o600);
  }

  /** The last hour (or since `since`) at full resolution. */
  lastHour(since?: number): Columns<SeriesName> {
    return this.recent.since(since ?? Date.now() - HOUR_MS);
  }

  /** Up to 7 days of 5-minute averages. */
  week(): Columns<SeriesName> {
    return this.history.table.since();
  }
}

const round = (n: number) => Math.round(n * 10) / 10;
