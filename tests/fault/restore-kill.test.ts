// kill -9 at random moments of a restore leaves the old state or the new one, never a mix: a child process restores
// backup A over state B (or B over A) and is killed at a random point in [0, 1.2 x the restore's duration]; the next
// open of the device (which finishes or discards an interrupted swap) must show every marker from one state.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { writeArchive } from "~/system/backup/archive";
import { prepareBackup } from "~/system/backup/create";
import { createLogger } from "~/system/logging/logger";
import { openSystem, type System } from "~/system/system";
import { REPO } from "../helpers/appliance";

const MIGRATIONS = join(REPO, "prisma/migrations");
let root: string;
let work: string;
const log = createLogger("test", "error", () => undefined);
const open = () => openSystem({ root, env: {}, migrationsDir: MIGRATIONS, version: "0.1.0", log });

/** Writes state `m` everywhere a restore touches: config, database, many service files. */
async function writeState(sys: System, m: string): Promise<void> {
  await writeFile(sys.paths.config, `maculaos:\n  hostname: node-${m}\n`);
  await sys.config.reload();
  await sys.db.meta.upsert({ where: { key: "marker" }, create: { key: "marker", value: m }, update: { value: m } });
  const dir = join(sys.paths.dataDir, "svc");
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < 80; i++) await writeFile(join(dir, `f${i}`), Buffer.concat([Buffer.from(`${m}\n`), randomBytes(32 * 1024)]));
  await writeFile(join(dir, `only-in-${m}`), m);
}

/** Every marker of the device now; throws unless they all name one state. */
async function stateNow(): Promise<string> {
  const sys = await open();
  try {
    const markers = new Set<string>();
    markers.add(/hostname: node-(\w)/.exec(await readFile(sys.paths.config, "utf8"))![1]!);
    markers.add((await sys.db.meta.findUnique({ where: { key: "marker" } }))!.value);
    const dir = join(sys.paths.dataDir, "svc");
    for (const name of await readdir(dir)) markers.add(name.startsWith("only-in-") ? name.slice(8) : (await readFile(join(dir, name), "latin1")).split("\n", 1)[0]!);
    expect([...markers], "every marker from one state").toHaveLength(1);
    expect((await readdir(join(sys.paths.dataDir, ".."))).filter((n) => n.startsWith(".maculaos-")), "no leftovers").toEqual([]);
    return [...markers][0]!;
  } finally {
    await sys.close();
  }
}

/** Runs the restore child; kills it `killAfter` ms after it is ready (or lets it finish); resolves with its run time. */
function restoreChild(file: string, killAfter: number | null): Promise<{ ms: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(REPO, "tests/helpers/restore-child.ts"), root, file, MIGRATIONS], { cwd: REPO, stdio: ["ignore", "pipe", "inherit"] });
    let ready = 0;
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (!ready && out.includes("ready")) {
        ready = performance.now();
        if (killAfter !== null) setTimeout(() => child.kill("SIGKILL"), killAfter);
      }
    });
    child.on("error", reject);
    child.on("exit", () => resolve({ ms: performance.now() - ready, finished: out.includes("restored") }));
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "kill-root-"));
  work = await mkdtemp(join(tmpdir(), "kill-work-"));
  const sys = await open();
  try {
    for (const m of ["a", "b"]) {
      await writeState(sys, m);
      const p = await prepareBackup(sys, {});
      await writeArchive(join(work, `${m}.tar.gz`), p.tar, { compression: "gzip", level: 1 });
      await p.cleanup();
    }
  } finally {
    await sys.close();
  }
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

it("kill -9 at random points of a restore gives the old or the new state", { timeout: 180_000 }, async () => {
  expect(await stateNow()).toBe("b");
  const full = await restoreChild(join(work, "a.tar.gz"), null);
  expect(full.finished).toBe(true);
  expect(await stateNow()).toBe("a");
  const outcomes: string[] = [];
  for (let i = 0; i < 5; i++) {
    const before = await stateNow();
    const target = before === "a" ? "b" : "a";
    const killAt = Math.random() * 1.2 * full.ms;
    const r = await restoreChild(join(work, `${target}.tar.gz`), killAt);
    const after = await stateNow();
    expect([before, target]).toContain(after);
    if (r.finished) expect(after).toBe(target);
    outcomes.push(`${Math.round(killAt)}ms:${after === target ? "new" : "old"}`);
  }
  console.log(`restore ${Math.round(full.ms)} ms; kills: ${outcomes.join(" ")}`);
});
