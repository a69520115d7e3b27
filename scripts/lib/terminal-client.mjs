// A terminal client for tests and benchmarks that speaks /api/terminal like the browser page does: it keeps the
// output offset, acknowledges what it has processed (as xterm.js's write callback would) and can reattach.
import { StringDecoder } from "node:string_decoder";
import WebSocket from "ws";

/** Bytes processed between acknowledgements (the page uses the same step). */
export const ACK_STEP = 64 * 1024;
const KEEP_TEXT = 64 * 1024;

/** The ws:// URL of the terminal on `base` (http://host:port) with `params` in the query. */
export function terminalUrl(base, params = {}) {
  const url = new URL("/api/terminal", base.replace(/^http/, "ws"));
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
  return url.toString();
}

/** Tries the WebSocket handshake with `headers`; resolves with the HTTP status (101 when upgraded). */
export function handshakeStatus(base, headers, params = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(terminalUrl(base, params), { headers });
    ws.once("upgrade", (res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once("error", (e) => (/closed before/.test(e.message) ? undefined : reject(e)));
  });
}

/** One connection to one shell. */
export class TermClient {
  /** Connects to a new shell (or `id` from `from`); resolves once the server said hello. `onData(buf)` sees every
   * output chunk; `process(buf)` may return a promise to slow consumption down (acks wait for it); `keepText: false`
   * skips decoding output into `text` (waitFor then sees nothing), for benchmarks. */
  static connect(base, { cookie, origin = base, id, from, cols = 80, rows = 24, onData, process, keepText = true } = {}) {
    const c = new TermClient();
    c.keepText = keepText;
    c.ws = new WebSocket(terminalUrl(base, { id, from, cols, rows }), { headers: { cookie, origin }, perMessageDeflate: false });
    c.onData = onData;
    c.process = process;
    c.closed = new Promise((resolve) => c.ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    c.ws.on("message", (data, binary) => c.receive(data, binary));
    return new Promise((resolve, reject) => {
      c.ws.once("error", reject);
      c.ws.once("unexpected-response", (_q, res) => reject(new Error(`terminal refused: HTTP ${res.statusCode}`)));
      c.hello = resolve;
      c.closed.then(({ code, reason }) => reject(new Error(`terminal closed before hello: ${code} ${reason}`)));
    }).then(() => c);
  }

  id = "";
  /** The offset the server's output started at on this connection (after hello). */
  start = 0;
  /** The output offset up to which this client has processed output. */
  offset = 0;
  acked = 0;
  /** The most recent output as text (for waiting on a prompt or a result). */
  text = "";
  exit = null;
  /** Output messages received. */
  messages = 0;
  waiters = new Set();
  decoder = new StringDecoder("utf8");
  queue = Promise.resolve();

  receive(data, binary) {
    if (!binary) {
      const msg = JSON.parse(data.toString());
      if (msg.type === "hello") {
        this.id = msg.id;
        this.start = this.offset = this.acked = msg.offset;
        this.hello?.();
      } else if (msg.type === "exit") this.exit = msg.reason;
      return;
    }
    this.onData?.(data);
    this.messages++;
    if (this.keepText) {
      const added = this.decoder.write(data);
      this.text += added;
      if (this.text.length > 2 * KEEP_TEXT) this.text = this.text.slice(-KEEP_TEXT);
      // Waiters look at the new text and a little before it, so a match may span chunks without rescanning everything.
      for (const w of this.waiters) w(added.length + 4096);
    }
    const done = () => {
      this.offset += data.length;
      if (this.offset - this.acked >= ACK_STEP) this.ack();
    };
    this.queue = this.process ? this.queue.then(() => this.process(data)).then(done) : (done(), this.queue);
  }

  /** Tells the server output up to `offset` has been processed. */
  ack() {
    this.acked = this.offset;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: "ack", offset: this.offset }));
  }

  /** Types `text` into the shell. */
  type(text) {
    this.ws.send(Buffer.from(text, "utf8"), { binary: true });
  }

  /** Resizes the terminal. */
  resize(cols, rows) {
    this.ws.send(JSON.stringify({ type: "resize", cols, rows }));
  }

  /** Resolves with the match once the recent output matches `re` (rejects after `ms`). */
  waitFor(re, ms = 10_000) {
    return new Promise((resolve, reject) => {
      const check = (recent) => {
        const m = re.exec(recent === undefined ? this.text : this.text.slice(-recent));
        if (!m) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${re} in: ${JSON.stringify(this.text.slice(-400))}`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }

  /** Closes the connection (the shell lives on, detached); resolves when closed. */
  close() {
    this.ws.close();
    return this.closed;
  }
}
