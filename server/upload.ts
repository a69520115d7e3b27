// Streaming uploads of release tarballs (POST /api/upload/service): far larger than the API's 2 MB body limit, so
// they go straight to a file under the services directory; the caller then deploys it by the returned id.
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import type { Context } from "./trpc";

/** The upload path. */
export const UPLOAD_PATH = "/api/upload/service";
/** Largest release tarball accepted. */
const MAX_UPLOAD = 4 * 1024 * 1024 * 1024;

const reply = (res: ServerResponse, status: number, body: unknown) => void res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" }).end(JSON.stringify(body));

/** Serves one upload for an admin (same-origin browser with the CSRF header, a bearer token, or the root socket). */
export async function handleUpload(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "POST") return reply(res, 405, { error: "POST a tarball" });
  if (!ctx.principal) return reply(res, 401, { error: "sign in first" });
  if (ctx.principal.role !== "admin") return reply(res, 403, { error: "only an admin may deploy services" });
  if (ctx.csrfProblem) return reply(res, 403, { error: ctx.csrfProblem });
  if (Number(req.headers["content-length"] ?? 0) > MAX_UPLOAD) return reply(res, 413, { error: "the tarball is larger than 4 GiB" });
  const { id, file } = await ctx.sys.services.newUpload();
  let size = 0;
  req.on("data", (c: Buffer) => {
    size += c.length;
    if (size > MAX_UPLOAD) req.destroy(new Error("the tarball is larger than 4 GiB"));
  });
  try {
    await pipeline(req, createWriteStream(file, { mode: 0o600 }));
  } catch (e) {
    await rm(file, { force: true });
    if (!res.headersSent && !res.destroyed) reply(res, 400, { error: `upload failed: ${(e as Error).message}` });
    return;
  }
  reply(res, 200, { upload: id, size });
}
