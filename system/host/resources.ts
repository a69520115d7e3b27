// Reads the machine's resources: CPU, memory, disk and uptime from /proc and statfs.
import { readFile, statfs } from "node:fs/promises";
import { cpus, freemem, totalmem, uptime } from "node:os";

/** CPU model, core count and busy percentage since the previous sample. */
export interface CpuReading {
  model: string;
  cores: number;
  usage: number;
}

let previous: { busy: number; total: number } | undefined;

async function cpuTimes(): Promise<{ busy: number; total: number }> {
  const line = (await readFile("/proc/stat", "utf8")).split("\n", 1)[0] ?? "";
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** Samples CPU usage; the first call measures over 100 ms, later calls since the call before. */
export async function readCpu(): Promise<CpuReading> {
  if (!previous) {
    previous = await cpuTimes();
    await new Promise((r) => setTimeout(r, 100));
  }
  const now = await cpuTimes();
  const dt = now.total - previous.total;
  const usage = dt > 0 ? ((now.busy - previous.busy) / dt) * 100 : 0;
  previous = now;
  cpuModel ??= (() => {
    const list = cpus(); // reads /proc/cpuinfo: once per process
    return { model: list[0]?.model.trim() ?? "unknown", cores: list.length };
  })();
  return { ...cpuModel, usage: Math.round(usage * 10) / 10 };
}

let cpuModel: { model: string; cores: number } | undefined;

/** Total and used memory in bytes; "used" excludes reclaimable cache (MemAvailable), as `free` does. */
export async function readMemory(): Promise<{ total: number; used: number }> {
  const info = await readFile("/proc/meminfo", "utf8").catch(() => "");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(info)?.[1] ?? NaN) * 1024;
  const total = kb("MemTotal") || totalmem();
  const available = kb("MemAvailable");
  return { total, used: total - (Number.isFinite(available) ? available : freemem()) };
}

/** Size and use in bytes of the filesystem that holds `path`. */
export async function readDisk(path: string): Promise<{ total: number; used: number; path: string }> {
  const s = await statfs(path);
  return { total: s.blocks * s.bsize, used: (s.blocks - s.bfree) * s.bsize, path };
}

/** Seconds since the machine booted. */
export function machineUptime(): number {
  return uptime();
}

/** Shares one in-flight or recent result of `load` for `ms`, so many callers do the work once per interval;
 * `forget()` drops it (after a change the next caller must see). */
export function memoize<T>(ms: number, load: () => Promise<T>): (() => Promise<T>) & { forget(): void } {
  let last: { at: number; value: Promise<T> } | undefined;
  const get = () => {
    const now = Date.now();
    if (!last || now - last.at >= ms) {
      const value = load();
      last = { at: now, value };
      value.catch(() => (last = undefined));
    }
    return last.value;
  };
  return Object.assign(get, { forget: () => void (last = undefined) });
}
