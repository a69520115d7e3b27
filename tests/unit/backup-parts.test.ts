// What a backup's parts are: config, database, the metrics history and each service's data; this node's own state
// (an update's download record) is never backed up, and a restore keeps it as it is.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readArchive, writeArchive } from "~/system/backup/archive";
import { availableParts, prepareBackup } from "~/system/backup/create";
import { restoreBackup } from "~/system/backup/restore";
import { createLogger } from "~/system/logging/logger";
import { openSystem, type System } from "~/system/system";
import { REPO } from "../helpers/appliance";

let sys: System;
let root: string;
let work: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "parts-root-"));
  work = await mkdtemp(join(tmpdir(), "parts-work-"));
  sys = await openSystem({ root, env: {}, migrationsDir: join(REPO, "prisma/migrations"), version: "0.1.0", log: createLogger("test", "error", () => undefined) });
  await mkdir(join(sys.paths.dataDir, "svc"), { recursive: true });
  await mkdir(join(sys.paths.dataDir, "update"), { recursive: true });
  await writeFile(join(sys.paths.dataDir, "svc/state"), "service state at the backup");
  await writeFile(join(sys.paths.dataDir, "metrics-history.json"), '{"at":"the backup"}');
  await writeFile(join(sys.paths.dataDir, "update/download.json"), '{"record":"at the backup"}');
});

afterAll(async () => {
  await sys.close();
  await rm(root, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

it("lists the metrics history as its own part and leaves node-local state out of the parts and the archive", async () => {
  expect(await availableParts(sys)).toEqual(["config", "database", "metrics", "svc"]);
  const file = join(work, "all.tar.gz");
  const p = await prepareBackup(sys, {});
  await writeArchive(file, p.tar, { compression: "gzip" });
  await p.cleanup();
  const summary = await readArchive(file);
  expect(summary.header.parts).toEqual(["config", "database", "metrics", "svc"]);
  const names = Object.keys(summary.manifest.files);
  expect(names.some((n) => n.endsWith("metrics-history.json"))).toBe(true);
  expect(names.some((n) => n.endsWith("svc/state"))).toBe(true);
  expect(names.filter((n) => n.includes("update"))).toEqual([]);

  await writeFile(join(sys.paths.dataDir, "svc/state"), "changed later");
  await writeFile(join(sys.paths.dataDir, "metrics-history.json"), '{"at":"later"}');
  await writeFile(join(sys.paths.dataDir, "update/download.json"), '{"record":"this node now"}');
  await restoreBackup(sys, file);
  expect(await readFile(join(sys.paths.dataDir, "svc/state"), "utf8")).toBe("service state at the backup");
  expect(await readFile(join(sys.paths.dataDir, "metrics-history.json"), "utf8")).toBe('{"at":"the backup"}');
  expect(await readFile(join(sys.paths.dataDir, "update/download.json"), "utf8")).toBe('{"record":"this node now"}');
});
