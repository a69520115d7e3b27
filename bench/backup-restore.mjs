// Backup and restore of a 500 MB tree of mixed files (`maculaos backup FILE`, `maculaos restore FILE` against a running
// appliance) against `tar czf` / `tar xzf` at the same gzip level (6) on the same tree in the same run.
// Target: each at least 0.8x tar's throughput. Ours also hashes every file (manifest), verifies after writing (shown
// separately), and a restore verifies, stages, flushes to disk (sync -f) and swaps atomically. Restores alternate with
// tar's BENCH_RESTORE_RUNS times (default 3) and the medians are compared.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, startAppliance, completeSetupApi } from "../scripts/lib/appliance-process.mjs";
import { report } from "./report.mjs";

const run = promisify(execFile);
const TOTAL = Number(process.env.BENCH_BACKUP_MB ?? 500) * 1024 * 1024;
const RESTORE_RUNS = Number(process.env.BENCH_RESTORE_RUNS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const WORDS = "mesh node realm peer gateway bootstrap service deploy update slot rollback backup restore config event job".split(" ");

/** Two 8 MiB pools of compressible text (log-like lines and JSON records, about 4:1 with gzip), made once. */
function pool(kind) {
  const lines = [];
  let n = 0;
  for (let i = 0; n < 8 * 1024 * 1024; i++) {
    const line = kind === 0 ? `${WORDS[(i * 7) % WORDS.length]} ${((i * 2654435761) >>> 0).toString(16)} ${i}\n` : `{"id":${i},"node":"${((i * 40503) >>> 0).toString(16)}","value":${(i * 31) % 997}}\n`;
    lines.push(line);
    n += line.length;
  }
  return Buffer.from(lines.join(""));
}
const POOLS = [pool(0), pool(1)];

/** One file's content: a third random, two thirds text from a pool at a file-specific offset. */
function content(i, size) {
  if (i % 3 === 1) return randomBytes(size);
  const p = POOLS[i % 3 === 0 ? 0 : 1];
  const at = (i * 104729) % (p.length - Math.min(size, p.length - 1));
  return size <= p.length - at ? p.subarray(at, at + size) : Buffer.concat(Array.from({ length: Math.ceil(size / p.length) + 1 }, () => p)).subarray(at, at + size);
}

/** Writes the mixed tree: many small files, some medium, a few large, in nested directories. */
function makeTree(dir) {
  let written = 0;
  let i = 0;
  while (written < TOTAL) {
    const size = i % 50 === 0 ? 24 * 1024 * 1024 : i % 10 === 0 ? 2 * 1024 * 1024 : 4096 + ((i * 7919) % 60000);
    const sub = join(dir, `d${i % 20}`, `e${i % 7}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${i}.dat`), content(i, Math.min(size, TOTAL - written)));
    written += size;
    i++;
  }
  return i;
}

const work = mkdtempSync(join(tmpdir(), "bench-backup-"));
const s = await startAppliance();
try {
  await completeSetupApi(s.url, s.code);
  const tree = join(s.root, "var/lib/maculaos/benchdata");
  const files = makeTree(tree);
  const env = { ...process.env, MACULAOS_ROOT: s.root, MACULAOS_HOST: "" };
  const bin = (args) => run(join(REPO, "bin/maculaos"), args, { env, maxBuffer: 64 * 1024 * 1024 });
  const time = async (f) => {
    const t0 = performance.now();
    await f();
    return (performance.now() - t0) / 1000;
  };
  await run("tar", ["cf", "/dev/null", "-C", tree, "."]); // warm the page cache for both sides

  const tarFile = join(work, "tar.tar.gz");
  const tarC = await time(() => run("tar", ["czf", tarFile, "-C", tree, "."]));
  const oursFile = join(work, "ours.tar.gz");
  const oursC = await time(() => bin(["backup", oursFile, "--no-verify"]));
  const verifiedFile = join(work, "verified.tar.gz");
  const oursCV = await time(() => bin(["backup", verifiedFile]));

  // Restores are short next to the noise of a shared machine: tar and ours alternate RESTORE_RUNS times, medians count.
  const tarXs = [];
  const tarXSs = [];
  const oursXs = [];
  for (let r = 0; r < RESTORE_RUNS; r++) {
    const dest = join(work, "x");
    mkdirSync(dest);
    const tarX = await time(() => run("tar", ["xzf", tarFile, "-C", dest]));
    tarXs.push(tarX);
    tarXSs.push(tarX + (await time(() => run("sync", ["-f", dest]))));
    rmSync(dest, { recursive: true, force: true });
    await run("sync");
    oursXs.push(await time(() => bin(["restore", oursFile])));
    await new Promise((r) => setTimeout(r, 3000)); // the swapped-out copy is deleted in the background
    await run("sync");
  }
  if (s.errorLogs().length) throw new Error(`the appliance logged errors:\n${s.errorLogs().join("\n")}`);
  const [tarX, tarXS, oursX] = [tarXs, tarXSs, oursXs].map(median);

  const mb = TOTAL / 1024 / 1024;
  const rate = (sec) => `${(mb / sec).toFixed(1)} MiB/s`;
  const ratio = (a, b) => `${(b / a).toFixed(2)}x`;
  console.log(`${mb.toFixed(0)} MiB in ${files} files; gzip level 6 on both sides`);
  report("backup (no verify)", `${rate(oursC)} (${ratio(oursC, tarC)})`, `tar czf ${rate(tarC)}`, ">= 0.8x baseline");
  report("backup + read-back verification", `${rate(oursCV)} (${ratio(oursCV, tarC)})`, `tar czf ${rate(tarC)}`, "-");
  report(`restore (verify, stage, sync, swap), median of ${RESTORE_RUNS}`, `${rate(oursX)} (${ratio(oursX, tarX)})`, `tar xzf ${rate(tarX)}; + sync ${rate(tarXS)}`, ">= 0.8x baseline");
  console.log(`restore runs (tar xzf s / ours s / ratio): ${tarXs.map((t, i) => `${t.toFixed(1)}/${oursXs[i].toFixed(1)}/${(t / oursXs[i]).toFixed(2)}x`).join("  ")}`);
} finally {
  await s.stop();
  rmSync(work, { recursive: true, force: true });
}
