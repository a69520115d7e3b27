// Memory of the shared service supervisor: its RSS (and the part that is its own, anonymous memory, not node's
// binary shared with the appliance) with 1 and with 5 services running and logging. Baseline: one bare `node`
// process per service, as each service had its own node supervisor before (the same flags as that supervisor had).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, rssMb, startAppliance } from "../scripts/lib/appliance-process.mjs";
import { report } from "./report.mjs";

const settle = () => new Promise((r) => setTimeout(r, 3000));
const work = mkdtempSync(join(tmpdir(), "maculaos-bench-supervisor-"));
const root = join(work, "device");
const cli = (...args) => execFileSync(join(REPO, "bin/maculaos"), args, { env: { ...process.env, MACULAOS_ROOT: root } }).toString();

/** A script release that prints a line every 100 ms. */
function release(name) {
  const dir = join(work, name);
  mkdirSync(join(dir, "bin"), { recursive: true });
  mkdirSync(join(dir, "releases/1.0.0"), { recursive: true });
  writeFileSync(join(dir, "bin", name), `#!/bin/sh\ni=0; while :; do i=$((i+1)); echo "line $i from ${name}"; sleep 0.1; done\n`, { mode: 0o755 });
  writeFileSync(join(dir, "releases/1.0.0", `${name}.rel`), `{release, {"${name}", "1.0.0"}, {erts, "13.1.5"}, []}.\n`);
  execFileSync("tar", ["-czf", `${dir}.tar.gz`, "-C", work, name]);
  return `${dir}.tar.gz`;
}

/** The supervisor of the test device: its pid, found by its title. */
function supervisor() {
  const title = `maculaos-supervisor ${join(root, "run/maculaos/services")}`;
  const pid = readdirSync("/proc").find((p) => /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, "utf8").replace(/\0+$/, "") === title);
  if (!pid) throw new Error("no supervisor runs");
  return Number(pid);
}

/** RSS and anonymous RSS of a process, in MB. */
function memory(pid) {
  const anon = Number(/RssAnon:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN) / 1024;
  return { rss: rssMb(pid), anon };
}

const bare = spawn(process.execPath, ["--max-old-space-size=16", "-e", "setInterval(() => {}, 1000)"]);
await settle();
const bareRss = rssMb(bare.pid);
bare.kill();

const app = await startAppliance({ root, args: ["--api-only"] });
try {
  cli("deploy", release("svc1"));
  await settle();
  const one = memory(supervisor());
  for (const n of [2, 3, 4, 5]) cli("deploy", release(`svc${n}`));
  await settle();
  const five = memory(supervisor());
  report("supervisor RSS, 1 service", `${one.rss.toFixed(1)} MB (own ${one.anon.toFixed(1)} MB)`, `node per service: ${bareRss.toFixed(0)} MB`, "one process");
  report("supervisor RSS, 5 services", `${five.rss.toFixed(1)} MB (own ${five.anon.toFixed(1)} MB)`, `node per service: ${(5 * bareRss).toFixed(0)} MB`, "one process");
} finally {
  await app.stop();
  try {
    process.kill(supervisor(), "SIGTERM");
  } catch {
    // already gone
  }
  await settle();
  rmSync(work, { recursive: true, force: true });
}
