// The appliance's side of the shared service supervisor (system/host/supervisor.mjs): connects to its socket
// <run>/services/supervisor.sock, starting the supervisor when none answers, sends it requests, and keeps the
// statuses it pushes. When the supervisor goes away the link says so (`lost`, with `stopped` set when it was stopped
// on purpose); the next ensure() starts a new one, which takes over the services that are still running.
import { EventEmitter } from "node:events";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { AppError } from "../errors";
import { startSupervisor } from "../host/sandbox";

/** How the supervisor runs one service. */
export interface SupervisorSpec {
  name: string;
  argv: string[];
  env: Record<string, string>;
  logFile: string;
  logMaxBytes: number;
  logKeep: number;
  backoffMs: number;
  maxBackoffMs: number;
  maxQuickCrashes: number;
  quickMs: number;
  stopTimeoutMs: number;
}

/** A service as the supervisor sees it. */
export interface SupervisorStatus {
  name: string;
  state: "running" | "backoff" | "failed" | "stopped";
  /** The sandbox's process (its process group leader). */
  pid: number | null;
  startedAt: string | null;
  restarts: number;
  reason: string | null;
  lastExit: { code: number | null; signal: string | null; at: string } | null;
}

type Message =
  | { event: "hello"; pid: number; services: SupervisorStatus[] }
  | { event: "status"; status: SupervisorStatus }
  | { event: "removed"; name: string }
  | { event: "bye" }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };

type Request = { op: "start"; spec: SupervisorSpec } | { op: "stop"; name: string } | { op: "forget"; name: string };

const START_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Connects to a unix socket; null when nothing listens there. */
function dial(path: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const s = connect(path, () => {
      s.off("error", fail);
      resolve(s);
    });
    const fail = () => resolve(null);
    s.once("error", fail);
  });
}

/** One connection to the supervisor, made again on demand. */
export class SupervisorLink extends EventEmitter<{ status: [SupervisorStatus]; removed: [string]; lost: [gone: number | null] }> {
  /** The supervisor's statuses, by service name (empty while not connected). */
  readonly statuses = new Map<string, SupervisorStatus>();
  /** The supervisor's pid while connected. */
  pid: number | null = null;
  /** True once the supervisor said it was stopped on purpose (SIGTERM, a shutdown), until a new one is connected. */
  stopped = false;
  private socket: Socket | null = null;
  private opening: Promise<boolean> | null = null;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private next = 1;

  constructor(
    private readonly runDir: string,
    private readonly logFile: string,
  ) {
    super();
  }

  /** True while connected to a supervisor. */
  get connected(): boolean {
    return this.socket !== null;
  }

  /** Connects, starting a supervisor when none answers. */
  async ensure(): Promise<void> {
    if (!this.socket) await (this.opening ??= this.open(true).finally(() => (this.opening = null)));
  }

  /** Connects when a supervisor is running, without starting one; false when none is. */
  async attach(): Promise<boolean> {
    return this.socket !== null || (await (this.opening ??= this.open(false).finally(() => (this.opening = null))));
  }

  private async open(start: boolean): Promise<boolean> {
    const path = join(this.runDir, "supervisor.sock");
    let socket = await dial(path);
    if (!socket && !start) return false;
    if (!socket) {
      startSupervisor(this.runDir, this.logFile);
      for (const end = Date.now() + START_MS; !socket && Date.now() < end; ) {
        await sleep(25);
        socket = await dial(path);
      }
      if (!socket) throw new AppError("UNAVAILABLE", `the service supervisor did not start within ${START_MS / 1000} s; see ${this.logFile}`);
    }
    await this.listen(socket);
    return true;
  }

  /** Reads the supervisor's messages; resolves once its hello has arrived. */
  private listen(socket: Socket): Promise<void> {
    return new Promise((resolve, reject) => {
      let buf = "";
      const timer = setTimeout(() => (socket.destroy(), reject(new AppError("UNAVAILABLE", "the service supervisor does not answer"))), START_MS);
      socket.setEncoding("utf8");
      socket.on("data", (text: string) => {
        buf += text;
        for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
          let m: Message;
          try {
            m = JSON.parse(buf.slice(0, i)) as Message;
          } catch {
            return void socket.destroy(); // not our supervisor speaking; "close" handles the rest
          }
          buf = buf.slice(i + 1);
          if ("event" in m && m.event === "hello") {
            clearTimeout(timer);
            this.socket = socket;
            this.pid = m.pid;
            this.stopped = false;
            this.statuses.clear();
            for (const s of m.services) this.update(s);
            resolve();
          } else this.receive(m);
        }
      });
      socket.on("error", () => undefined); // "close" follows
      socket.on("close", () => {
        clearTimeout(timer);
        reject(new AppError("UNAVAILABLE", "the service supervisor closed the connection"));
        if (this.socket !== socket) return;
        const gone = this.pid;
        this.socket = null;
        this.pid = null;
        this.statuses.clear();
        for (const w of this.waiting.values()) w.reject(new AppError("UNAVAILABLE", "the service supervisor went away"));
        this.waiting.clear();
        this.emit("lost", gone);
      });
    });
  }

  private update(s: SupervisorStatus): void {
    this.statuses.set(s.name, s);
    this.emit("status", s);
  }

  private receive(m: Message): void {
    if ("event" in m) {
      if (m.event === "status") this.update(m.status);
      else if (m.event === "bye") this.stopped = true;
      else if (m.event === "removed") {
        this.statuses.delete(m.name);
        this.emit("removed", m.name);
      }
      return;
    }
    const w = this.waiting.get(m.id);
    this.waiting.delete(m.id);
    if (m.ok) w?.resolve(m.result);
    else w?.reject(new AppError("IO_FAILED", `the service supervisor: ${m.error}`));
  }

  /** Sends a request (starting the supervisor first when needed) and waits for its answer. */
  async request(r: Request): Promise<SupervisorStatus | null> {
    await this.ensure();
    const socket = this.socket;
    if (!socket) throw new AppError("UNAVAILABLE", "the service supervisor went away");
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: (v) => resolve(v as SupervisorStatus | null), reject });
      socket.write(`${JSON.stringify({ ...r, id })}\n`);
    });
  }

  /** Disconnects; the supervisor and the services keep running. */
  close(): void {
    const socket = this.socket;
    this.socket = null;
    this.pid = null;
    this.statuses.clear();
    socket?.end();
  }
}
