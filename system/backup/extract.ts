// Reads a backup in a worker thread (extract-worker.ts, bundled as dist/extract-worker.mjs): verify, inspect, and a
// restore's extraction into its staging directory. The appliance's main thread only follows the progress, and the
// hundreds of megabytes of buffers an extraction allocates never reach its heap (bench/backup-restore.mjs).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { AppError, type ErrorCode } from "../errors";
import type { ArchiveSummary } from "./archive";

/** What the worker is asked to do. */
export interface ExtractJob {
  file: string;
  passphrase?: string | undefined;
  /** Write every entry under this fresh directory (a restore); absent: only verify. */
  staging?: string;
  /** Check the header's totals against the free space of this directory's file system. */
  spaceDir?: string;
}

/** What the worker reports. */
export type ExtractMessage =
  | { type: "progress"; done: number; total: number }
  | { type: "done"; summary: ArchiveSummary }
  | { type: "failed"; code: ErrorCode; message: string; details: Record<string, unknown> | undefined };

/** The worker script: beside the bundle in dist/, or in dist/ from the sources (the tests' global setup builds it). */
function workerScript(): string {
  for (const rel of ["./extract-worker.mjs", "../../dist/extract-worker.mjs"]) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new AppError("INTERNAL", "the backup reader (dist/extract-worker.mjs) is missing: run npm run build");
}

/** Runs readArchive for `job` in a worker thread; resolves once the worker has ended (its files are all closed). */
export function extractInWorker(job: ExtractJob, progress?: (done: number, total: number) => void): Promise<ArchiveSummary> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerScript(), { workerData: job, resourceLimits: { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 16 } });
    let outcome: { ok: true; summary: ArchiveSummary } | { ok: false; error: AppError } | null = null;
    worker.on("message", (m: ExtractMessage) => {
      if (m.type === "progress") progress?.(m.done, m.total);
      else if (m.type === "done") outcome = { ok: true, summary: m.summary };
      else outcome = { ok: false, error: new AppError(m.code, m.message, m.details ? { details: m.details } : undefined) };
    });
    worker.on("error", (cause) => (outcome ??= { ok: false, error: new AppError("INTERNAL", `the backup reader failed: ${cause.message}`, { cause }) }));
    worker.on("exit", (code) => {
      if (outcome?.ok) resolve(outcome.summary);
      else reject(outcome?.error ?? new AppError("INTERNAL", `the backup reader stopped (exit code ${code}) without an answer`));
    });
  });
}
