// The dashboard's pages: the production Next.js build, loaded only when the server serves a UI.
import { parse } from "node:url";
import type { PageHandler } from "./http";

/** Loads the Next.js production build in `appDir` (run `npm run build` first) and returns its page handler. */
export async function loadPages(appDir: string): Promise<PageHandler> {
  const { default: next } = await import("next");
  const app = next({ dev: false, dir: appDir, quiet: true });
  await app.prepare();
  const handle = app.getRequestHandler();
  return {
    handle: (req, res) => handle(req, res),
    // Next's own not-found page, with status 404: a path no page matches (render404 is deprecated in custom servers).
    render404: (req, res) => handle(req, res, parse("/_maculaos/not-found", true)),
  };
}
