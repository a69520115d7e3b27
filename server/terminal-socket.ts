// The terminal WebSocket, /api/terminal: an admin's browser session (cookie) and an exact same-origin Origin are
// checked on the upgrade itself, then the socket is bridged to a live shell of system/terminal.
//
// Protocol. Query: `id` (reattach to that shell; absent opens a new one), `from` (the output offset the client has
// already shown), `cols`, `rows`. Server to client: a text frame {"type":"hello","id","offset"} first, then binary
// frames of output continuing from `offset`; {"type":"exit","reason"} before the close when the shell ended. Client to
// server: binary frames are keystrokes and pastes; text frames are {"type":"resize","cols","rows"} and
// {"type":"ack","offset"} (output processed up to that offset, for flow control) and {"type":"close"} (end the shell;
// closing the socket only detaches it).
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { isAppError } from "~/system/errors";
import type { System } from "~/system/system";
import type { TerminalClient, TerminalSession } from "~/system/terminal/terminals";
import { expectedOrigin, principalFromCookie } from "./trpc";

/** The path of the terminal WebSocket. */
const TERMINAL_PATH = "/api/terminal";

/** Close codes the browser acts on: the shell ended (exited, closed or idle; an exit message says why), another
 * window took it over, the session ended, there is no such shell, or it cannot open. */
const CLOSE = { exited: 4000, takenOver: 4001, signedOut: 4401, notFound: 4404, refused: 4409, failed: 4500 } as const;
/** Events after which every open terminal's session is checked again (a sign-out or a removed user ends the socket). */
const SESSION_CHANGES = /^(auth\.logout|auth\.password|user\.remove)$/;

const PING_MS = 30_000;
const MAX_MESSAGE = 1024 * 1024;

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 1}\r\nConnection: close\r\n\r\n${text}\n`);
}

const num = (v: string | null, dflt: number) => (v !== null && /^\d{1,10}$/.test(v) ? Number(v) : dflt);

/** Bridges one WebSocket to one shell until either ends. */
function bridge(sys: System, ws: WebSocket, session: TerminalSession, from: number, size: { cols: number; rows: number }): void {
  const client: TerminalClient = {
    output: (data, sent) => ws.send(data, { binary: true }, sent),
    end: (reason, takenOver) => {
      if (!takenOver) ws.send(JSON.stringify({ type: "exit", reason }));
      ws.close(takenOver ? CLOSE.takenOver : CLOSE.exited, reason.slice(0, 120));
    },
  };
  const { offset, replay } = session.attach(client, from, size);
  ws.send(JSON.stringify({ type: "hello", id: session.id, offset }));
  if (replay.length) ws.send(replay, { binary: true });
  ws.on("message", (data: RawData, isBinary: boolean) => {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) return session.input(client, bytes);
    let msg: { type?: unknown; cols?: unknown; rows?: unknown; offset?: unknown };
    try {
      msg = JSON.parse(bytes.toString("utf8")) as typeof msg;
    } catch {
      return void ws.close(1003, "expected JSON control messages in text frames");
    }
    if (msg.type === "ack") session.ack(client, Number(msg.offset));
    else if (msg.type === "resize") session.resize(Number(msg.cols), Number(msg.rows));
    else if (msg.type === "close") session.close("closed by its user");
  });
  ws.on("close", () => session.detach(client));
  if (ws.readyState !== ws.OPEN) session.detach(client);
  sys.log.child("terminal").info("terminal attached", { id: session.id, user: session.owner.name });
}

/** The upgrade handler of /api/terminal and close() for shutdown. */
export function terminalSockets(sys: System): { upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void; close(): Promise<void> } {
  const log = sys.log.child("terminal");
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE, perMessageDeflate: false });
  const alive = new WeakSet<WebSocket>();
  const requests = new Map<WebSocket, IncomingMessage>();
  const recheck = (e: { action: string }) => {
    if (!SESSION_CHANGES.test(e.action)) return;
    for (const [ws, req] of requests) {
      principalFromCookie(sys, req).then(
        (p) => p?.role === "admin" || ws.close(CLOSE.signedOut, "signed out: sign in again to reattach"),
        (error: unknown) => log.error("a terminal's session could not be checked", { error }),
      );
    }
  };
  sys.events.on("event", recheck);
  const ping = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) ws.terminate();
      alive.delete(ws);
      ws.ping();
    }
  }, PING_MS).unref();

  const accept = async (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => {
    const origin = req.headers.origin;
    const address = req.socket.remoteAddress ?? "unknown";
    if (!origin || origin !== expectedOrigin(req)) {
      log.warn("terminal refused: cross-origin", { origin: origin ?? null, address });
      return refuse(socket, 403, "Forbidden: cross-origin");
    }
    const principal = await principalFromCookie(sys, req);
    if (!principal) {
      log.warn("terminal refused: no session", { address });
      return refuse(socket, 401, "Unauthorized: sign in first");
    }
    if (principal.role !== "admin") {
      log.warn("terminal refused: not an admin", { user: principal.name, address });
      return refuse(socket, 403, "Forbidden: the terminal needs the admin role");
    }
    const id = url.searchParams.get("id");
    const size = { cols: num(url.searchParams.get("cols"), 80), rows: num(url.searchParams.get("rows"), 24) };
    const from = num(url.searchParams.get("from"), 0);
    wss.handleUpgrade(req, socket, head, (ws) => {
      alive.add(ws);
      requests.set(ws, req);
      ws.on("close", () => requests.delete(ws));
      ws.on("pong", () => alive.add(ws));
      ws.on("error", (error) => log.warn("terminal socket error", { error: error.message }));
      (async () => bridge(sys, ws, id ? sys.terminals.get(principal, id) : await sys.terminals.open(principal, size), from, size))().catch((error: unknown) => {
        if (isAppError(error, "NOT_FOUND")) return ws.close(CLOSE.notFound, error.message.slice(0, 120));
        if (isAppError(error)) return ws.close(CLOSE.refused, error.message.slice(0, 120));
        log.error("a terminal could not be opened", { error });
        ws.close(CLOSE.failed, "the terminal could not be opened");
      });
    });
  };

  return {
    upgrade(req, socket, head) {
      socket.on("error", () => socket.destroy());
      let url: URL;
      try {
        url = new URL(req.url ?? "/", "http://local");
      } catch {
        return refuse(socket, 400, "Bad Request");
      }
      if (url.pathname !== TERMINAL_PATH) return refuse(socket, 404, "Not Found");
      accept(req, socket, head, url).catch((error: unknown) => {
        log.error("terminal upgrade failed", { error });
        refuse(socket, 500, "Internal Server Error");
      });
    },
    async close() {
      clearInterval(ping);
      sys.events.off("event", recheck);
      for (const ws of wss.clients) ws.terminate();
      await sys.terminals.closeAll();
      await new Promise((r) => wss.close(r));
    },
  };
}
