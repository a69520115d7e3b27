// The worker thread that reads a backup (system/backup/extract.ts starts it): one verified pass of readArchive, writing
// into a staging directory for a restore. Every chunk it inflates is a fresh buffer; here they count against this
// small heap, not the appliance's, where they would set off a full collection every few megabytes.
import { parentPort, workerData } from "node:worker_threads";
import { isAppError } from "../errors";
import { readArchive } from "./archive";
import type { ExtractJob, ExtractMessage } from "./extract";
import { checkSpace, stagingSink } from "./staging-sink";

const job = workerData as ExtractJob;
const post = (m: ExtractMessage) => parentPort!.postMessage(m);
const sink = job.staging === undefined ? undefined : stagingSink(job.staging);
try {
  const spaceDir = job.spaceDir;
  const summary = await readArchive(job.file, {
    passphrase: job.passphrase,
    sink,
    onHeader: spaceDir === undefined ? undefined : (h) => checkSpace(spaceDir, h),
    progress: (done, total) => post({ type: "progress", done, total }),
  });
  await sink?.settled();
  post({ type: "done", summary });
} catch (e) {
  await sink?.settled().catch(() => undefined); // no flush may still hold a staged file when the caller removes them
  post({ type: "failed", code: isAppError(e) ? e.code : "INTERNAL", message: e instanceof Error ? e.message : String(e), details: isAppError(e) ? e.details : undefined });
}
