// Backup files over HTTP, outside tRPC because they are large: GET /api/backups/download/NAME streams a stored backup
// to an admin; PUT /api/backups/upload/NAME stores one from an admin (CSRF header and same-origin Origin, like every
// browser mutation) or, while setup is pending, from whoever holds the setup code (the wizard's restore).
import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { backupDir } from "~/system/backup/service";
import { AppError, isAppError } from "~/system/errors";
import { ensureDir } from "~/system/host/files";
import { freeBytes } from "~/system/host/swap";
import { checkSetupCode, setupPending } from "~/system/setup/setup";
import type { System } from "~/system/system";
import { createHttpContext } from "./trpc";

/** Path prefix of the transfer endpoints. */
export const TRANSFER_PREFIX = "/api/backups/";
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.(tar\.gz|tgz|tar\.zst|tzst)(\.enc)?$/;
const STATUS: Partial<Record<string, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, INVALID_INPUT: 400, NO_SPACE: 507, RATE_LIMITED: 429 };

async function authorize(sys: System, req: IncomingMessage, res: ServerResponse, upload: boolean): Promise<void> {
  const code = req.headers["x-maculaos-setup-code"];
  if (upload && typeof code === "string" && (await setupPending(sys))) return void (await checkSetupCode(sys, code, req.socket.remoteAddress ?? "unknown"));
  const ctx = await createHttpContext(sys, req, res);
  if (!ctx.principal) throw new AppError("UNAUTHENTICATED", "sign in first");
  if (ctx.principal.role !== "admin") throw new AppError("FORBIDDEN", "this needs the admin role; you are a viewer");
  if (upload && ctx.csrfProblem && !/^Bearer /i.test(req.headers.authorization ?? "")) throw new AppError("FORBIDDEN", ctx.csrfProblem);
}

/** Serves one transfer request (download or upload of a stored backup). */
export async function serveBackupTransfer(sys: System, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    const [, action, name = ""] = /^\/api\/backups\/(download|upload)\/(.*)$/.exec(url.pathname) ?? [];
    const upload = action === "upload";
    if (!action || (upload ? req.method !== "PUT" : req.method !== "GET")) throw new AppError("NOT_FOUND", "no such endpoint: GET /api/backups/download/NAME or PUT /api/backups/upload/NAME");
    await authorize(sys, req, res, upload);
    const decoded = decodeURIComponent(name);
    if (!NAME.test(decoded)) throw new AppError("INVALID_INPUT", `not a backup name: ${decoded} (expected NAME.tar.gz, .tar.zst, optionally .enc)`);
    const dir = backupDir(sys);
    const file = join(dir, decoded);
    if (!upload) {
      const s = await stat(file).catch(() => null);
      if (!s?.isFile()) throw new AppError("NOT_FOUND", `no backup ${decoded}`);
      res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": s.size, "Content-Disposition": `attachment; filename="${decoded}"`, "Cache-Control": "no-store" });
      return await pipeline(createReadStream(file), res);
    }
    await ensureDir(dir, 0o700);
    if (await stat(file).then(() => true, () => false)) throw new AppError("CONFLICT", `a backup named ${decoded} already exists`);
    const length = Number(req.headers["content-length"] ?? 0);
    if (length > (await freeBytes(dir))) throw new AppError("NO_SPACE", `not enough space for an upload of ${length} bytes`);
    const temp = join(dir, `.${decoded}.upload-${process.pid}`);
    try {
      await pipeline(req, createWriteStream(temp, { flags: "wx", mode: 0o600 }));
      await rename(temp, file);
    } finally {
      await rm(temp, { force: true });
    }
    res.writeHead(201, { "Content-Type": "application/json" }).end(JSON.stringify({ name: decoded, size: (await stat(file)).size }));
  } catch (e) {
    const app = isAppError(e) ? e : null;
    if (!app) sys.log.error("backup transfer failed", { path: url.pathname, error: e });
    if (!res.headersSent) res.writeHead(app ? (STATUS[app.code] ?? 500) : 500, { "Content-Type": "application/json" }).end(JSON.stringify({ error: app?.message ?? "internal error", code: app?.code ?? "INTERNAL" }));
    else res.destroy();
  }
}
