// Atomic replacement of the data directory (/var/lib/maculaos) by a complete staged copy, crash-safe through a
// journal: the journal is written only once the staged copy is complete, so after a kill at any moment the next
// start either finishes the swap (journal present) or throws the staged copy away (no journal): old or new, never a mix.
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, rm, statfs } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { AppError } from "../errors";
import { writeFileAtomic } from "./atomic-write";
import { runChecked } from "./command";
import { exists, readTextIfExists } from "./files";
import type { DevicePaths } from "./paths";

const STAGING = ".maculaos-staging-";
const OLD = ".maculaos-old-";

function journalPath(paths: DevicePaths): string {
  return join(dirname(paths.dataDir), ".maculaos-swap.json");
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** A fresh, empty staging directory beside the data directory (same file system, so the swap is a rename). */
export async function createStaging(paths: DevicePaths): Promise<string> {
  const dir = join(dirname(paths.dataDir), `${STAGING}${randomBytes(6).toString("hex")}`);
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

/** Free bytes for an unprivileged writer on the file system holding `path`. */
export async function freeBytes(path: string): Promise<number> {
  const s = await statfs(path);
  return s.bavail * s.bsize;
}

/** Flushes everything written under `dir` to disk (syncfs of its file system, one call for the whole tree). */
export async function syncTree(dir: string): Promise<void> {
  await runChecked("sync", ["-f", "--", dir], { timeoutMs: 30 * 60_000 }).catch((cause: Error) => {
    throw new AppError("IO_FAILED", `cannot flush ${dir} to disk: ${cause.message}`, { cause });
  });
}

/** Swaps `staging` in as the data directory: journal, rename the old away, rename the new in, drop the journal; the old
 * copy is then deleted in the background. */
export async function swapIn(paths: DevicePaths, staging: string, hooks: { afterStep?: (step: string) => void } = {}): Promise<void> {
  const parent = dirname(paths.dataDir);
  const old = join(parent, `${OLD}${basename(staging).slice(STAGING.length)}`);
  await writeFileAtomic(journalPath(paths), JSON.stringify({ staging: basename(staging), old: basename(old) }), 0o600);
  hooks.afterStep?.("journal");
  await completeSwap(paths, staging, old, hooks);
  // The swap is complete and durable here. Deleting the old copy (an unlink per file: most of a second for 500 MB)
  // goes on in the background; a stop before it ends leaves a leftover that the next start removes.
  void rm(old, { recursive: true, force: true }).catch(() => undefined);
}

async function completeSwap(paths: DevicePaths, staging: string, old: string, hooks: { afterStep?: (step: string) => void } = {}): Promise<void> {
  const parent = dirname(paths.dataDir);
  if (await exists(staging)) {
    if (await exists(old)) await rm(paths.dataDir, { recursive: true, force: true }); // the old one is already away: this is debris
    else if (await exists(paths.dataDir)) await rename(paths.dataDir, old);
    hooks.afterStep?.("old-away");
    await rename(staging, paths.dataDir);
    await syncDir(parent);
  }
  hooks.afterStep?.("new-in");
  await rm(journalPath(paths), { force: true });
  await syncDir(parent);
}

/** At start, before anything opens the data directory: finishes a swap a crash interrupted and removes leftovers
 * (a staging copy without a journal was never complete). Returns what it did. */
export async function finishInterruptedSwap(paths: DevicePaths): Promise<"nothing" | "finished" | "cleaned"> {
  const parent = dirname(paths.dataDir);
  const text = await readTextIfExists(journalPath(paths));
  let did: "nothing" | "finished" | "cleaned" = "nothing";
  if (text !== undefined) {
    let j: { staging?: unknown; old?: unknown } = {};
    try {
      j = JSON.parse(text) as typeof j;
    } catch {
      // a torn journal cannot exist (it is written atomically); treat it as absent
    }
    if (typeof j.staging === "string" && typeof j.old === "string" && j.staging.startsWith(STAGING) && j.old.startsWith(OLD) && !j.staging.includes("/") && !j.old.includes("/")) {
      await completeSwap(paths, join(parent, j.staging), join(parent, j.old));
      did = "finished";
    } else await rm(journalPath(paths), { force: true });
  }
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    if (name.startsWith(STAGING) || name.startsWith(OLD)) {
      await rm(join(parent, name), { recursive: true, force: true });
      if (did === "nothing") did = "cleaned";
    }
  }
  return did;
}
