// The browser side of /api/terminal for one shell: connects, reattaches after a network blip from the exact output
// offset it has shown (so nothing is lost or repeated), acknowledges output once xterm.js has parsed it (flow control),
// and reports its state. Knows nothing of React or xterm: it hands bytes to `write` and gets keystrokes from `send`.

/** Where a connection stands. */
export type ConnectionState =
  | { kind: "connecting" }
  | { kind: "open" }
  | { kind: "reconnecting"; attempt: number }
  | { kind: "exited"; reason: string }
  | { kind: "ended"; reason: string }
  | { kind: "taken-over" }
  | { kind: "refused"; reason: string };

/** Output parsed between acknowledgements. */
const ACK_STEP = 64 * 1024;
/** Close codes of server/terminal-socket.ts. */
const CLOSE = { exited: 4000, takenOver: 4001, signedOut: 4401, notFound: 4404, refused: 4409, failed: 4500 };

/** What a connection calls back. */
export interface ConnectionEvents {
  /** Output to show; call `done` once it is processed (xterm's write callback). */
  write(data: Uint8Array, done: () => void): void;
  /** The server starts over from an earlier offset than shown (a reload): clear the screen first. */
  reset(): void;
  /** The shell's id, once known (to reattach after a reload). */
  id(id: string): void;
  state(state: ConnectionState): void;
}

/** One shell's WebSocket, reconnecting with backoff until the shell ends. */
export class TerminalConnection {
  private ws: WebSocket | null = null;
  private shellId: string | null;
  /** Output offset received (handed to the terminal) and processed (parsed by it). */
  private received = 0;
  private processed = 0;
  private acked = 0;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private readonly encoder = new TextEncoder();

  constructor(
    id: string | null,
    private size: { cols: number; rows: number },
    private readonly on: ConnectionEvents,
  ) {
    this.shellId = id;
    this.connect();
  }

  /** Sends keystrokes or a paste (already bracketed by xterm when the shell asked for it). */
  send(data: string): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(this.encoder.encode(data));
  }

  /** Sends raw bytes (xterm's binary mouse reports). */
  sendBinary(data: string): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff));
  }

  /** Tells the shell its new window size. */
  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: "resize", cols, rows }));
  }

  /** Connects again now (after a takeover or while waiting to retry). */
  reconnect(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.ws?.close();
    this.connect();
  }

  /** Ends the shell itself (closing the tab); `dispose` alone only detaches. */
  closeShell(): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: "close" }));
    this.dispose();
  }

  /** Stops for good without ending the shell (the page goes away; the shell waits to be reattached). */
  dispose(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    ws?.close();
  }

  private connect(): void {
    const url = new URL("/api/terminal", window.location.href);
    url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
    if (this.shellId) {
      url.searchParams.set("id", this.shellId);
      url.searchParams.set("from", String(this.received));
    }
    url.searchParams.set("cols", String(this.size.cols));
    url.searchParams.set("rows", String(this.size.rows));
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    this.on.state(this.attempt ? { kind: "reconnecting", attempt: this.attempt } : { kind: "connecting" });
    ws.onmessage = (e: MessageEvent<ArrayBuffer | string>) => (typeof e.data === "string" ? this.control(e.data) : this.output(new Uint8Array(e.data)));
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.closed(e.code, e.reason);
    };
  }

  private control(text: string): void {
    const msg = JSON.parse(text) as { type: string; id?: string; offset?: number; reason?: string };
    if (msg.type === "hello" && msg.id !== undefined && msg.offset !== undefined) {
      if (msg.offset < this.received || !this.shellId) this.on.reset();
      this.shellId = msg.id;
      this.on.id(msg.id);
      // Output still queued in the terminal keeps counting from where it was; the server counts from `offset`.
      this.received = msg.offset;
      this.processed = Math.min(this.processed, msg.offset);
      this.acked = this.processed;
      this.attempt = 0;
      this.on.state({ kind: "open" });
      // The window may have changed while the socket was down.
      this.resize(this.size.cols, this.size.rows);
    } else if (msg.type === "exit") {
      this.stopped = true;
      this.on.state({ kind: "exited", reason: msg.reason ?? "the shell ended" });
    }
  }

  private output(data: Uint8Array): void {
    const ws = this.ws;
    this.received += data.length;
    this.on.write(data, () => {
      this.processed += data.length;
      if (this.processed - this.acked >= ACK_STEP && ws === this.ws && ws?.readyState === WebSocket.OPEN) {
        this.acked = this.processed;
        ws.send(JSON.stringify({ type: "ack", offset: this.processed }));
      }
    });
  }

  private closed(code: number, reason: string): void {
    if (code === CLOSE.exited) this.stopped = true;
    if (this.stopped) return;
    if (code === CLOSE.takenOver) return this.on.state({ kind: "taken-over" });
    if (code === CLOSE.notFound) {
      this.stopped = true;
      return this.on.state({ kind: "ended", reason: reason || "this shell has ended" });
    }
    if (code === CLOSE.refused || code === CLOSE.failed || code === CLOSE.signedOut) {
      this.stopped = true;
      return this.on.state({ kind: "refused", reason: reason || "the terminal could not be opened" });
    }
    // A blip, a restart of the appliance or a refused handshake (signed out): retry with backoff.
    this.attempt++;
    this.on.state({ kind: "reconnecting", attempt: this.attempt });
    this.timer = setTimeout(() => this.connect(), Math.min(500 * 2 ** (this.attempt - 1), 5000));
  }
}
