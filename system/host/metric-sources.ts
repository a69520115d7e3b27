// The machine's raw counters for metrics: per-CPU times, memory, filesystems, network, load, temperatures, processes.
// They read the kernel's /proc and /sys (the machine this runs on), as node_exporter does.
import { readdir, readFile, statfs } from "node:fs/promises";
import { join } from "node:path";

/** Kernel clock ticks per second for /proc/stat (USER_HZ is 100 on every Linux architecture we ship). */
const USER_HZ = 100;
/** The CPU time modes of /proc/stat, in its column order. */
export const CPU_MODES = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"] as const;

const read = (path: string) => readFile(path, "utf8").catch(() => "");

/** Seconds spent in each mode per CPU (`cpu` is "0", "1", ...). */
export async function readCpuTimes(): Promise<{ cpu: string; seconds: Record<(typeof CPU_MODES)[number], number> }[]> {
  const out = [];
  for (const line of (await read("/proc/stat")).split("\n")) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const fields = (m[2] ?? "").trim().split(/\s+/).map(Number);
    out.push({ cpu: m[1] ?? "", seconds: Object.fromEntries(CPU_MODES.map((mode, i) => [mode, (fields[i] ?? 0) / USER_HZ])) as Record<(typeof CPU_MODES)[number], number> });
  }
  return out;
}

/** /proc/meminfo in bytes, by field name (MemTotal, MemAvailable, ...). */
export async function readMeminfo(): Promise<Map<string, number>> {
  const fields = new Map<string, number>();
  for (const m of (await read("/proc/meminfo")).matchAll(/^(\w+(?:\(\w+\))?):\s+(\d+)(\s+kB)?$/gm)) fields.set(m[1] ?? "", Number(m[2]) * (m[3] ? 1024 : 1));
  return fields;
}

/** One mounted filesystem with its statfs figures. */
export interface FilesystemReading {
  device: string;
  fstype: string;
  mountpoint: string;
  size: number;
  free: number;
  avail: number;
  files: number;
  filesFree: number;
  readonly: boolean;
}

// node_exporter's default exclusions: pseudo filesystems and mount points nobody wants graphs of.
const SKIP_FSTYPE = /^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs|nfsd|ramfs)$/;
const SKIP_MOUNT = /^\/(dev|proc|run\/credentials\/.+|sys|var\/lib\/docker\/.+|var\/lib\/containers\/storage\/.+)($|\/)/;
const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Real filesystems (node_exporter's default selection) plus, always, the one that holds `mustInclude` (the data dir). */
export async function readFilesystems(mustInclude: string): Promise<FilesystemReading[]> {
  const mounts = (await read("/proc/mounts"))
    .split("\n")
    .map((l) => l.split(" "))
    .filter((f) => f.length >= 4)
    .map(([device = "", mountpoint = "", fstype = "", options = ""]) => ({ device, mountpoint: unescapeMount(mountpoint), fstype, readonly: options.split(",").includes("ro") }));
  const holder = mounts.filter((m) => mustInclude === m.mountpoint || mustInclude.startsWith(m.mountpoint === "/" ? "/" : `${m.mountpoint}/`)).sort((a, b) => b.mountpoint.length - a.mountpoint.length)[0];
  const chosen = new Map<string, (typeof mounts)[number]>();
  for (const m of mounts) if ((!SKIP_FSTYPE.test(m.fstype) && !SKIP_MOUNT.test(m.mountpoint)) || m === holder) chosen.set(m.mountpoint, m);
  const out: FilesystemReading[] = [];
  for (const m of chosen.values()) {
    const s = await statfs(m.mountpoint).catch(() => undefined);
    if (s) out.push({ ...m, size: s.blocks * s.bsize, free: s.bfree * s.bsize, avail: s.bavail * s.bsize, files: s.files, filesFree: s.ffree });
  }
  return out;
}

/** Counters of one network interface from /proc/net/dev. */
export interface NetReading {
  device: string;
  rxBytes: number;
  rxPackets: number;
  rxErrs: number;
  rxDrop: number;
  txBytes: number;
  txPackets: number;
  txErrs: number;
  txDrop: number;
}

/** Every interface's byte, packet, error and drop counters. */
export async function readNetwork(): Promise<NetReading[]> {
  const out: NetReading[] = [];
  for (const line of (await read("/proc/net/dev")).split("\n").slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const f = (m[2] ?? "").trim().split(/\s+/).map(Number);
    const n = (i: number) => f[i] ?? 0;
    out.push({ device: m[1] ?? "", rxBytes: n(0), rxPackets: n(1), rxErrs: n(2), rxDrop: n(3), txBytes: n(8), txPackets: n(9), txErrs: n(10), txDrop: n(11) });
  }
  return out;
}

/** The 1, 5 and 15 minute load averages. */
export async function readLoad(): Promise<[number, number, number]> {
  const [a = 0, b = 0, c = 0] = (await read("/proc/loadavg")).split(" ").slice(0, 3).map(Number);
  return [a, b, c];
}

/** One temperature sensor in degrees Celsius. */
export interface TemperatureReading {
  source: "thermal_zone" | "hwmon";
  /** thermal_zone: "thermal_zone0"; hwmon: the chip's name. */
  chip: string;
  /** thermal_zone: the zone type; hwmon: "temp1" etc. */
  sensor: string;
  celsius: number;
}

/** Every temperature sensor the kernel exposes; [] on machines without any (most VMs). */
export async function readTemperatures(): Promise<TemperatureReading[]> {
  const out: TemperatureReading[] = [];
  const list = (dir: string) => readdir(dir).catch(() => [] as string[]);
  for (const zone of await list("/sys/class/thermal")) {
    if (!zone.startsWith("thermal_zone")) continue;
    const text = (await read(join("/sys/class/thermal", zone, "temp"))).trim();
    const milli = Number(text);
    if (text !== "" && Number.isFinite(milli)) out.push({ source: "thermal_zone", chip: zone, sensor: (await read(join("/sys/class/thermal", zone, "type"))).trim() || zone, celsius: milli / 1000 });
  }
  for (const hw of await list("/sys/class/hwmon")) {
    const dir = join("/sys/class/hwmon", hw);
    const chip = (await read(join(dir, "name"))).trim() || hw;
    for (const f of await list(dir)) {
      const m = /^(temp\d+)_input$/.exec(f);
      const text = m ? (await read(join(dir, f))).trim() : "";
      if (m && text !== "" && Number.isFinite(Number(text))) out.push({ source: "hwmon", chip, sensor: m[1] ?? f, celsius: Number(text) / 1000 });
    }
  }
  return out;
}

/** The command names (comm) of every running process, for process checks. */
export async function runningProcessNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const pid of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const comm = (await read(`/proc/${pid}/comm`)).trim();
    if (comm) names.add(comm);
  }
  return names;
}
