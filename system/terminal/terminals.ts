// Browser terminals: login shells on pseudo-terminals that outlive their connection. A client attaches to a shell,
// gets what it has not seen yet from the scrollback ring, and acknowledges what it has processed; the shell's output
// is paused while too much is unacknowledged (the watermarks of xterm.js's flow-control guide), so a `cat` of any
// size keeps memory bounded and loses nothing. A detached shell ends after the configured idle time.
import { randomBytes } from "node:crypto";
import { actorOf, type Principal } from "../accounts/accounts";
import type { ConfigService } from "../config/service";
import { durationMs } from "../config/schema";
import { AppError } from "../errors";
import type { EventLog } from "../events/events";
import type { DeviceKind } from "../host/device";
import { loginShell, spawnPty, type LoginShell, type Pty } from "../host/pty";
import type { Logger } from "../logging/logger";
import { OutputBatch } from "./batch";
import { Scrollback } from "./scrollback";

/** Unacknowledged output above which the shell is paused. */
export const HIGH_WATERMARK = 1024 * 1024;
/** Unacknowledged output below which a paused shell resumes. */
export const LOW_WATERMARK = 256 * 1024;
/** Output each shell keeps for reattaching clients (more than the high watermark plus one read, so a blip loses nothing). */
export const SCROLLBACK_BYTES = 2 * 1024 * 1024;
/** How long streaming output is batched. */
const BATCH_MS = 8;
/** Live shells one user may have at once. */
export const MAX_SHELLS_PER_USER = 10;

/** A connection that shows a shell: it receives output and is told when it must go. */
export interface TerminalClient {
  /** Output bytes, in order, continuing from the offset attach() returned; `data` is reused once `sent` is called (when
   * it has been written out or dropped), so a client that keeps it copies it. */
  output(data: Buffer, sent: () => void): void;
  /** The shell ended (exited, closed, or idle too long) or another connection took it over: close the connection
   * with this reason. */
  end(reason: string, takenOver: boolean): void;
}

/** What a shell's list entry shows. */
export interface TerminalInfo {
  id: string;
  owner: string;
  shell: string;
  pid: number;
  attached: boolean;
  createdAt: Date;
}

/** The window size of a terminal, clamped to sane bounds. */
export function clampSize(cols: number, rows: number): { cols: number; rows: number } {
  const clamp = (n: number, lo: number, hi: number, dflt: number) => (Number.isFinite(n) ? Math.min(Math.max(Math.trunc(n), lo), hi) : dflt);
  return { cols: clamp(cols, 2, 1000, 80), rows: clamp(rows, 1, 500, 24) };
}

/** One live shell on a pseudo-terminal, attached to at most one client at a time. */
export class TerminalSession {
  readonly scrollback = new Scrollback(SCROLLBACK_BYTES);
  readonly createdAt = new Date();
  private client: TerminalClient | null = null;
  /** The absolute output offset the attached client has acknowledged. */
  private acked = 0;
  private paused = false;
  private idleTimer: NodeJS.Timeout | null = null;
  private ended = false;
  /** Output read and not yet sent to the client. */
  private readonly pending = new OutputBatch((data, sent) => {
    this.lastFlush = performance.now();
    this.lastFlushBytes = data.length;
    if (this.client) this.client.output(data, sent);
    else sent();
  });
  private flushTimer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private lastFlush = 0;
  private lastFlushBytes = 0;

  constructor(
    readonly id: string,
    readonly owner: Principal,
    readonly shell: string,
    private readonly pty: Pty,
    private readonly idleMs: number,
    private readonly onEnd: (session: TerminalSession, why: string) => void,
  ) {
    pty.onData((data) => {
      this.scrollback.append(data);
      if (!this.client) return;
      // A pty read is 4 KiB at most. A lone read (an echo) goes out at once; while output streams, reads are gathered
      // for BATCH_MS (or until a message is full, see batch.ts) into one message, as VS Code's terminal does.
      this.pending.add(data);
      if (this.pending.length === 0) this.cancelFlush();
      else if (!this.flushTimer) this.flushTimer = this.streaming() ? setTimeout(() => this.flush(), BATCH_MS) : setImmediate(() => this.flush());
      this.throttle();
    });
    pty.onExit(({ exitCode, signal }) => this.finish(signal ? `the shell was ended by signal ${signal}` : `the shell exited with code ${exitCode}`));
    this.startIdle();
  }

  /** The shell's process id. */
  get pid(): number {
    return this.pty.pid;
  }

  /** True while a client is attached. */
  get attached(): boolean {
    return this.client !== null;
  }

  /** Output sent to the client that it has not acknowledged yet. */
  get unacknowledged(): number {
    return this.client ? this.scrollback.total - this.acked : 0;
  }

  /** Attaches `client` (ending any other), resized to `size`; returns the kept output from offset `from` on, which
   * the caller sends first, and the offset it starts at. */
  attach(client: TerminalClient, from: number, size: { cols: number; rows: number }): { offset: number; replay: Buffer } {
    if (this.ended) throw new AppError("NOT_FOUND", `terminal ${this.id} has ended`);
    const previous = this.client;
    this.pending.drop();
    this.client = client;
    previous?.end("this terminal was opened in another window", true);
    this.stopIdle();
    this.resize(size.cols, size.rows);
    const { offset, data } = this.scrollback.since(from);
    this.acked = offset;
    this.throttle();
    return { offset, replay: data };
  }

  /** Detaches `client` if it is the attached one; the shell goes on and ends after the idle time unless reattached. */
  detach(client: TerminalClient): void {
    if (this.client !== client) return;
    this.client = null;
    this.pending.drop();
    this.setPaused(false);
    this.startIdle();
  }

  /** The attached client has processed output up to absolute offset `offset`. */
  ack(client: TerminalClient, offset: number): void {
    if (this.client !== client || !Number.isFinite(offset)) return;
    this.acked = Math.min(Math.max(this.acked, offset), this.scrollback.total);
    this.throttle();
  }

  /** Types `data` into the shell (keystrokes, pastes); never logged. */
  input(client: TerminalClient, data: Buffer | string): void {
    if (this.client === client && !this.ended) this.pty.write(data);
  }

  /** Resizes the pseudo-terminal (the shell gets SIGWINCH). */
  resize(cols: number, rows: number): void {
    const size = clampSize(cols, rows);
    if (!this.ended) this.pty.resize(size.cols, size.rows);
  }

  /** Ends the shell (SIGHUP, as when a terminal closes) and says why. */
  close(why: string): void {
    if (this.ended) return;
    this.pty.kill("SIGHUP");
    this.finish(why);
  }

  /** What a list shows of this shell. */
  info(): TerminalInfo {
    return { id: this.id, owner: this.owner.name, shell: this.shell, pid: this.pid, attached: this.attached, createdAt: this.createdAt };
  }

  private flush(): void {
    this.cancelFlush();
    this.pending.flush();
  }

  private cancelFlush(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer as NodeJS.Timeout);
      clearImmediate(this.flushTimer as NodeJS.Immediate);
    }
    this.flushTimer = null;
  }

  /** True while output streams: the last message, a moment ago, held about a full pty read (an echo is a few bytes). */
  private streaming(): boolean {
    return this.lastFlushBytes >= 2048 && performance.now() - this.lastFlush < BATCH_MS;
  }

  private throttle(): void {
    const pending = this.unacknowledged;
    if (!this.paused && pending > HIGH_WATERMARK) this.setPaused(true);
    else if (this.paused && pending < LOW_WATERMARK) this.setPaused(false);
  }

  private setPaused(paused: boolean): void {
    if (this.paused === paused || this.ended) return;
    this.paused = paused;
    if (paused) this.pty.pause();
    else this.pty.resume();
  }

  private startIdle(): void {
    this.stopIdle();
    this.idleTimer = setTimeout(() => this.close(`ended after ${Math.round(this.idleMs / 1000)} s detached`), this.idleMs);
    this.idleTimer.unref();
  }

  private stopIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private finish(why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.stopIdle();
    this.flush();
    const client = this.client;
    this.client = null;
    client?.end(why, false);
    this.onEnd(this, why);
  }
}

/** Every live shell of the appliance. Opening and ending a shell are events; what is typed never is. */
export class Terminals {
  private readonly sessions = new Map<string, TerminalSession>();
  private readonly recording = new Set<Promise<unknown>>();
  private readonly opening = new Map<string, number>();

  constructor(
    private readonly o: { root: string; kind: DeviceKind; config: ConfigService; events: EventLog; log: Logger },
  ) {}

  /** Starts a login shell for `owner` (an admin) at `size`. */
  async open(owner: Principal, size: { cols: number; rows: number }): Promise<TerminalSession> {
    if (owner.role !== "admin") throw new AppError("FORBIDDEN", "the terminal needs the admin role");
    const mine = [...this.sessions.values()].filter((s) => s.owner.name === owner.name).length + (this.opening.get(owner.name) ?? 0);
    if (mine >= MAX_SHELLS_PER_USER) throw new AppError("CONFLICT", `${owner.name} already has ${mine} terminals open; close one first`);
    const config = this.o.config.current().terminal;
    // Shells being started count against the limit too, so simultaneous opens cannot pass it.
    this.opening.set(owner.name, (this.opening.get(owner.name) ?? 0) + 1);
    let who: LoginShell;
    let pty: Pty;
    try {
      who = await loginShell(this.o.root, this.o.kind, config.shell);
      const { cols, rows } = clampSize(size.cols, size.rows);
      pty = await spawnPty(who, cols, rows);
    } finally {
      this.opening.set(owner.name, (this.opening.get(owner.name) ?? 1) - 1);
    }
    const id = randomBytes(9).toString("base64url");
    const session = new TerminalSession(id, owner, who.shell, pty, durationMs(config.idle_timeout) ?? 15 * 60_000, (s, why) => this.ended(s, why));
    this.sessions.set(id, session);
    this.record(owner, "terminal.open", id, `${who.shell} as ${who.user} (pid ${pty.pid})`);
    return session;
  }

  /** `owner`'s live shell `id`; a shell is only ever shown to the user who opened it. */
  get(owner: Principal, id: string): TerminalSession {
    const s = this.sessions.get(id);
    if (!s || s.owner.name !== owner.name || s.owner.kind !== owner.kind) throw new AppError("NOT_FOUND", `no live terminal ${id} of ${owner.name}; it has ended`);
    return s;
  }

  /** `owner`'s live shells, oldest first. */
  list(owner: Principal): TerminalInfo[] {
    return [...this.sessions.values()].filter((s) => s.owner.name === owner.name && s.owner.kind === owner.kind).map((s) => s.info());
  }

  /** Ends every shell (the appliance is stopping) and waits until their events are written. */
  async closeAll(): Promise<void> {
    for (const s of [...this.sessions.values()]) s.close("the appliance stopped");
    await Promise.all(this.recording);
  }

  private ended(s: TerminalSession, why: string): void {
    this.sessions.delete(s.id);
    this.record(s.owner, "terminal.close", s.id, why);
  }

  private record(owner: Principal, action: string, target: string, detail: string): void {
    const done = this.o.events
      .record({ actor: actorOf(owner), action, target, outcome: "ok", detail })
      .catch((error: unknown) => this.o.log.error("a terminal event could not be recorded", { action, error }))
      .finally(() => this.recording.delete(done));
    this.recording.add(done);
  }
}
