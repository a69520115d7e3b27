// The dashboard's pages: the production Next.js build, loaded only when the server serves a UI.
import type { PageHandler } from "./http";

/** Loads the Next.js production build in `appDir` (run `npm run build` first) and returns its page handler. */
export async function loadPages(appDir: string): Promise<PageHandler> {
  const { default: next } = await import("next");
  const app = next({ dev: false, dir: appDir, quiet: true });
  await app.prepare();
  const handle = app.getRequestHandler();
  return {
    handle: (req, res) => handle(req, res),
    render404: (req, res) => app.render404(req, res),
  };
}
