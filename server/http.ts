// The appliance's listeners: HTTP on PORT (the dashboard and the API) and the root-only unix socket (the API).
import { chmod, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { setupPending } from "~/system/setup/setup";
import type { System } from "~/system/system";
import { serveBackupTransfer, TRANSFER_PREFIX } from "./backup-transfer";
import { fastQuery, refuseMutationOverGet } from "./fast-query";
import { observeRequest } from "./metrics";
import { handleUpload, UPLOAD_PATH } from "./upload";
import { terminalSockets } from "./terminal-socket";
import { appRouter } from "./root";
import { createHttpContext, createSocketContext, principalFromCookie } from "./trpc";

/** Serves pages: the Next.js request handler and its 404 renderer. */
export interface PageHandler {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  render404(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** What startListeners returns. */
export interface Listeners {
  http: Server;
  socket: Server;
  port: number;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": "frame-ancestors 'none'",
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
};
/** Largest request body the API reads (a whole config.yaml is at most 1 MB); larger ones get 413 before parsing. */
const MAX_BODY = 2 * 1024 * 1024;
/** Most calls in one batched request; the browser's batch link uses the same limit. */
const MAX_BATCH = 10;
const PUBLIC_ASSET = /^\/(_next\/|favicon\.ico$|icon\.|robots\.txt$)/;
const API_PREFIX = "/api/trpc/";

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { Location: location, "Cache-Control": "no-store" }).end();
}

/** Decides where a page request may go: the wizard while setup is pending, the login page without a session, and in
 * recovery mode an admin's landing page (a full load of /, as after signing in) is the Recovery page. */
async function routePage(sys: System, pages: PageHandler, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname;
  if (PUBLIC_ASSET.test(path)) return pages.handle(req, res);
  const inSetup = path === "/setup" || path.startsWith("/setup/");
  if (await setupPending(sys)) return inSetup ? pages.handle(req, res) : redirect(res, "/setup");
  if (inSetup) return pages.render404(req, res);
  const principal = await principalFromCookie(sys, req);
  const signedIn = principal !== null;
  if (path === "/login") return signedIn ? redirect(res, "/") : pages.handle(req, res);
  if (!signedIn && req.headers.rsc === "1") return void res.writeHead(204, { "Cache-Control": "no-store" }).end(); // the client router's fetch (a prefetch racing a sign-out): no page data, no redirect loop through /login's own RSC
  if (!principal) return redirect(res, `/login?next=${encodeURIComponent(path + url.search)}`);
  if (sys.mode === "recovery" && path === "/" && principal.role === "admin" && req.headers.rsc !== "1") return redirect(res, "/recovery");
  return pages.handle(req, res);
}

/** Starts the HTTP listener on `port` (0 picks one) and the unix socket; `pages` is absent for API-only servers. */
export async function startListeners(sys: System, opts: { port: number; host: string; pages?: PageHandler }): Promise<Listeners> {
  const log = sys.log.child("http");
  const onError = ({ error, path }: { error: { code: string; message: string; cause?: unknown }; path?: string | undefined }) => {
    if (error.code === "INTERNAL_SERVER_ERROR") log.error("procedure failed", { path, error: error.cause ?? error.message });
  };
  const limits = { maxBodySize: MAX_BODY, maxBatchSize: MAX_BATCH };
  const api = createHTTPHandler({ router: appRouter, basePath: API_PREFIX, allowMethodOverride: true, ...limits, createContext: ({ req, res }) => createHttpContext(sys, req, res), onError });
  const socketApi = createHTTPHandler({ router: appRouter, basePath: API_PREFIX, ...limits, createContext: () => createSocketContext(sys), onError });

  const http = createServer((req, res) => {
    observeRequest(sys, req, res);
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const path = req.url ?? "/";
    let url: URL;
    try {
      url = new URL(path, "http://local");
    } catch {
      return void res.writeHead(400, { "Content-Type": "text/plain" }).end("bad request URL\n");
    }
    if (url.pathname.startsWith(TRANSFER_PREFIX)) return void serveBackupTransfer(sys, req, res, url);
    if (url.pathname === UPLOAD_PATH) return void createHttpContext(sys, req, res).then((ctx) => handleUpload(ctx, req, res)).catch((error) => log.error("upload failed", { error }));
    if (Number(req.headers["content-length"] ?? 0) > MAX_BODY) return void res.writeHead(413, { "Content-Type": "text/plain", Connection: "close" }).end("request body too large\n");
    if (path.startsWith(API_PREFIX)) {
      const procedure = url.pathname.slice(API_PREFIX.length);
      if (refuseMutationOverGet(req, res, procedure)) return;
      return void fastQuery(req, res, url, procedure, () => createHttpContext(sys, req, res), onError).then(
        (served) => served || api(req, res),
        (error) => {
          log.error("request failed", { path, error });
          if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" }).end("internal error\n");
        },
      );
    }
    if (!opts.pages) return void res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
    routePage(sys, opts.pages, req, res, url).catch((error) => {
      log.error("page failed", { path, error });
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" }).end("internal error\n");
    });
  });
  const socket = createServer((req, res) => {
    if ((req.url ?? "").startsWith(API_PREFIX)) return socketApi(req, res);
    if ((req.url ?? "") === UPLOAD_PATH) return void handleUpload(createSocketContext(sys), req, res).catch((error) => log.error("upload failed", { error }));
    res.writeHead(404).end();
  });

  // WebSocket upgrades: only the terminal, which checks the session and the exact Origin before upgrading.
  const terminals = terminalSockets(sys);
  http.on("upgrade", (req, sock, head) => terminals.upgrade(req, sock, head));

  await new Promise<void>((resolve, reject) => http.once("error", reject).listen(opts.port, opts.host, resolve));
  await rm(sys.paths.socket, { force: true });
  await new Promise<void>((resolve, reject) => socket.once("error", reject).listen(sys.paths.socket, resolve));
  await chmod(sys.paths.socket, 0o600);
  const port = (http.address() as AddressInfo).port;
  log.info("listening", { port, socket: sys.paths.socket });

  const close = async () => {
    await terminals.close();
    http.closeAllConnections();
    socket.closeAllConnections();
    await Promise.all([new Promise((r) => http.close(r)), new Promise((r) => socket.close(r))]);
    await rm(sys.paths.socket, { force: true });
  };
  return { http, socket, port, close };
}
