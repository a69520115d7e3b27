// The appliance's own log on the device: JSON lines in <root>/var/log/maculaos/appliance.log, rotated by size
// (appliance.log.1 .. .3); live followers get each entry as it is written.
import { EventEmitter } from "node:events";
import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";

/** One structured log entry, from the appliance or the journal. */
export interface LogEntry {
  at: string;
  level: "debug" | "info" | "warn" | "error";
  source: "appliance" | "journal";
  /** The appliance component (e.g. maculaos.http) or the systemd unit / syslog identifier. */
  unit: string;
  message: string;
}

/** Rotation: a file is rotated past this size, and this many old files are kept. */
export const ROTATE_BYTES = 5 * 1024 * 1024;
const KEEP = 3;

/** Turns one appliance JSON log line into an entry (the fields besides msg are appended as JSON). */
export function parseApplianceLine(line: string): LogEntry | undefined {
  try {
    const { time, level, component, msg, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : "";
    const lv = level === "debug" || level === "warn" || level === "error" ? level : "info";
    return { at: String(time), level: lv, source: "appliance", unit: String(component ?? "maculaos"), message: `${String(msg ?? "")}${extra}` };
  } catch {
    return undefined;
  }
}

/** Writes log lines to the rotating file and tells followers. */
export class LogSink extends EventEmitter<{ entry: [LogEntry] }> {
  readonly file: string;
  private fd: number | undefined;
  private size = 0;
  /** Set when the file cannot be written, so it is said once on stderr rather than for every line. */
  private failed = false;

  constructor(
    readonly dir: string,
    private readonly rotateBytes = ROTATE_BYTES,
  ) {
    super();
    this.setMaxListeners(0);
    this.file = join(dir, "appliance.log");
  }

  /** The log files, newest first (appliance.log, appliance.log.1, ...). */
  files(): string[] {
    return [this.file, ...Array.from({ length: KEEP }, (_, i) => `${this.file}.${i + 1}`)];
  }

  /** Appends one JSON line (as the logger produces it). */
  readonly write = (line: string): void => {
    const entry = parseApplianceLine(line);
    if (entry) this.emit("entry", entry);
    try {
      if (this.fd === undefined) this.open();
      if (this.size + line.length > this.rotateBytes && this.size > 0) this.rotate();
      this.size += writeSync(this.fd as number, line);
      this.failed = false;
    } catch (error) {
      if (!this.failed) process.stderr.write(`maculaos: cannot write ${this.file}: ${(error as Error).message}\n`);
      this.failed = true;
      this.fd = undefined;
    }
  };

  private open(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o750 });
    this.fd = openSync(this.file, "a", 0o640);
    this.size = statSync(this.file).size;
  }

  private rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(`${this.file}.${KEEP}`, { force: true });
    for (let i = KEEP - 1; i >= 1; i--) {
      try {
        renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
      } catch {
        // that generation does not exist yet
      }
    }
    renameSync(this.file, `${this.file}.1`);
    this.open();
  }

  /** Closes the file. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
