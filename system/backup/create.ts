// What goes into a backup and how it is taken: the data state under /var/lib/maculaos (config, database, service
// data), the database through SQLite's online backup API (never a file copy), a manifest of sha256s at the end.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir, readFile, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import Database from "better-sqlite3";
import { AppError } from "../errors";
import { systemVersion } from "../host/device";
import { createStaging } from "../host/swap";
import type { System } from "../system";
import { DATA_PREFIX, FORMAT, HEADER_ENTRY, MANIFEST_ENTRY, type BackupHeader, type BackupManifest } from "./archive";
import { padding, TAR_END, tarHeader } from "./tar";

/** Top-level names under /var/lib/maculaos that belong to a named part; every other top-level entry is a service's data. */
const ALIASES: Record<string, string> = {
  "config.yaml": "config",
  "config.d": "config",
  "maculaos.db": "database",
  "maculaos.db-wal": "database",
  "maculaos.db-shm": "database",
  "maculaos.db-journal": "database",
  "metrics-history.json": "metrics",
};

/** Top-level entries that belong to this node alone and are never backed up; a restore keeps this node's. (An update's
 * download record describes this node's inactive slot.) */
const NODE_LOCAL = new Set(["update"]);

/** The part a top-level entry of the data directory belongs to: config, database, metrics, or the service of that
 * name; null for what is never backed up (hidden entries and node-local state). */
export function partOf(topName: string): string | null {
  if (topName.startsWith(".") || NODE_LOCAL.has(topName)) return null;
  return ALIASES[topName] ?? topName;
}

/** Which parts to take: all by default, only `include` when given, minus `exclude`. */
export interface PartChoice {
  include?: string[] | undefined;
  exclude?: string[] | undefined;
}

/** The parts a data directory holds now (config and database always), sorted. */
export async function availableParts(sys: System): Promise<string[]> {
  const names = await readdir(sys.paths.dataDir).catch(() => [] as string[]);
  return [...new Set(["config", "database", ...names.map(partOf).filter((p) => p !== null)])].sort();
}

/** Resolves include/exclude against the parts that exist; an unknown name is INVALID_INPUT listing the real ones. */
export async function chooseParts(sys: System, choice: PartChoice): Promise<string[]> {
  const all = await availableParts(sys);
  for (const n of [...(choice.include ?? []), ...(choice.exclude ?? [])]) {
    if (!all.includes(n)) throw new AppError("INVALID_INPUT", `no part named ${JSON.stringify(n)} to include or exclude (parts: ${all.join(", ")})`);
  }
  const chosen = all.filter((p) => (choice.include?.length ? choice.include.includes(p) : true) && !(choice.exclude ?? []).includes(p));
  if (chosen.length === 0) throw new AppError("INVALID_INPUT", "that choice leaves nothing to back up");
  return chosen;
}

interface Item {
  rel: string;
  abs: string;
  type: "file" | "dir";
  size: number;
  mode: number;
  mtime: number;
}

async function walk(base: string, dir: string, items: Item[], skipped: string[]): Promise<void> {
  for (const d of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const abs = join(dir, d.name);
    const rel = relative(base, abs);
    const s = await lstat(abs);
    if (s.isDirectory()) {
      items.push({ rel, abs, type: "dir", size: 0, mode: s.mode & 0o777, mtime: s.mtimeMs / 1000 });
      await walk(base, abs, items, skipped);
    } else if (s.isFile()) items.push({ rel, abs, type: "file", size: s.size, mode: s.mode & 0o777, mtime: s.mtimeMs / 1000 });
    else skipped.push(rel); // symlinks, sockets, FIFOs and devices are never archived: a restore refuses them
  }
}

/** Takes the database with SQLite's online backup API into `dest`; the backup's own job row is marked succeeded
 * in the copy (the copy only survives if the backup does). */
async function snapshotDatabase(sys: System, dest: string, jobId?: string): Promise<void> {
  const live = new Database(sys.paths.db, { readonly: true, fileMustExist: true });
  try {
    await live.backup(dest);
  } finally {
    live.close();
  }
  if (!jobId) return;
  const copy = new Database(dest);
  try {
    copy.prepare(`UPDATE "Job" SET state = 'succeeded', progress = 1, finishedAt = ?, message = 'this backup' WHERE id = ?`).run(Date.now(), jobId);
  } finally {
    copy.close();
  }
}

/** What a finished backup holds. */
export interface BackupStats {
  parts: string[];
  files: number;
  bytes: number;
  skipped: string[];
}

/** A prepared backup: its tar stream (header, data, manifest, end) and a cleanup for the database snapshot. */
export interface PreparedBackup {
  stats: BackupStats;
  tar: AsyncGenerator<Buffer>;
  cleanup(): Promise<void>;
}

const BATCH = 1024 * 1024;
const SMALL = 1024 * 1024;

/** Snapshots the database and lists the chosen files; the returned stream reads them, hashing as it goes. */
export async function prepareBackup(sys: System, choice: PartChoice, o: { jobId?: string; progress?: (done: number, total: number) => void } = {}): Promise<PreparedBackup> {
  const parts = await chooseParts(sys, choice);
  const scratch = await createStaging(sys.paths);
  try {
    const items: Item[] = [];
    const skipped: string[] = [];
    for (const name of (await readdir(sys.paths.dataDir)).sort()) {
      const part = partOf(name);
      if (part === null || !parts.includes(part) || part === "database") continue;
      const abs = join(sys.paths.dataDir, name);
      const s = await lstat(abs);
      if (s.isDirectory()) {
        items.push({ rel: name, abs, type: "dir", size: 0, mode: s.mode & 0o777, mtime: s.mtimeMs / 1000 });
        await walk(sys.paths.dataDir, abs, items, skipped);
      } else if (s.isFile()) items.push({ rel: name, abs, type: "file", size: s.size, mode: s.mode & 0o777, mtime: s.mtimeMs / 1000 });
      else skipped.push(name);
    }
    if (parts.includes("database")) {
      const snap = join(scratch, "maculaos.db");
      await snapshotDatabase(sys, snap, o.jobId);
      const s = await lstat(snap);
      items.push({ rel: "maculaos.db", abs: snap, type: "file", size: s.size, mode: 0o600, mtime: s.mtimeMs / 1000 });
    }
    const files = items.filter((i) => i.type === "file");
    const bytes = files.reduce((n, i) => n + i.size, 0);
    const cfg = sys.config.current();
    const version = await systemVersion(sys.paths).catch(() => "unknown");
    const header: BackupHeader = { format: FORMAT, version, hostname: cfg.hostname, createdAt: new Date().toISOString(), parts, files: files.length, bytes };
    const manifest: BackupManifest = { format: FORMAT, version, hostname: cfg.hostname, files: {}, skipped };
    return {
      stats: { parts, files: files.length, bytes, skipped },
      tar: tarStream(items, header, manifest, bytes, o.progress),
      cleanup: () => rm(scratch, { recursive: true, force: true }),
    };
  } catch (e) {
    await rm(scratch, { recursive: true, force: true });
    throw e;
  }
}

function changed(rel: string): AppError {
  return new AppError("CONFLICT", `${rel} changed while it was being backed up; run the backup again`);
}

async function* tarStream(items: Item[], header: BackupHeader, manifest: BackupManifest, total: number, progress?: (done: number, total: number) => void): AsyncGenerator<Buffer> {
  let batch: Buffer[] = [];
  let batched = 0;
  const push = (b: Buffer) => {
    batch.push(b);
    batched += b.length;
  };
  const flush = () => {
    const out = Buffer.concat(batch, batched);
    batch = [];
    batched = 0;
    return out;
  };
  const entry = (name: string, body: Buffer) => {
    push(tarHeader({ name, type: "file", size: body.length, mode: 0o600, mtime: Date.now() / 1000 }));
    push(body);
    push(Buffer.alloc(padding(body.length)));
  };
  entry(HEADER_ENTRY, Buffer.from(JSON.stringify(header, null, 2)));
  let done = 0;
  for (const item of items) {
    const name = `${DATA_PREFIX}${item.rel}`;
    if (item.type === "dir") {
      push(tarHeader({ name, type: "dir", size: 0, mode: item.mode, mtime: item.mtime }));
      continue;
    }
    const hash = createHash("sha256");
    push(tarHeader({ name, type: "file", size: item.size, mode: item.mode, mtime: item.mtime }));
    if (item.size <= SMALL) {
      const data = await readFile(item.abs);
      if (data.length !== item.size) throw changed(item.rel);
      hash.update(data);
      push(data);
    } else {
      let got = 0;
      for await (const c of createReadStream(item.abs, { start: 0, end: item.size - 1, highWaterMark: BATCH }) as AsyncIterable<Buffer>) {
        hash.update(c);
        got += c.length;
        push(c);
        if (batched >= BATCH) yield flush();
      }
      if (got !== item.size) throw changed(item.rel);
    }
    push(Buffer.alloc(padding(item.size)));
    manifest.files[item.rel] = { size: item.size, sha256: hash.digest("hex") };
    done += item.size;
    if (batched >= BATCH) {
      progress?.(done, total);
      yield flush();
    }
  }
  entry(MANIFEST_ENTRY, Buffer.from(JSON.stringify(manifest)));
  push(TAR_END);
  yield flush();
  progress?.(total, total);
}
