// Applying the firewall (`maculaos firewall apply`: render, `nft -c`, then an atomic `nft -f`, as the appliance times
// it) in a network namespace made for the run, against loading the same ruleset with a bare `nft -f` in the same run.
// Target: under 200 ms. Needs root (ip netns add); the host's own ruleset is never touched.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, completeSetupApi, startAppliance } from "../scripts/lib/appliance-process.mjs";
import { report } from "./report.mjs";

const RUNS = 20;
const ns = `mos-bench-fw-${process.pid}`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1];
execFileSync("ip", ["netns", "add", ns]);
const app = await startAppliance();
try {
  await completeSetupApi(app.url, app.code);
  mkdirSync(join(app.root, "etc/maculaos"), { recursive: true });
  writeFileSync(join(app.root, "etc/maculaos/netns"), `${ns}\n`);
  const cli = (...args) => execFileSync(join(REPO, "bin/maculaos"), args, { env: { ...process.env, MACULAOS_ROOT: app.root } }).toString();
  const ours = [];
  for (let i = 0; i < RUNS; i++) ours.push(JSON.parse(cli("firewall", "apply", "--json")).ms);
  const ruleset = readFileSync(join(app.root, "var/lib/maculaos/firewall/ruleset.nft"));
  const bare = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    execFileSync("ip", ["netns", "exec", ns, "nft", "-f", "-"], { input: ruleset });
    bare.push(performance.now() - started);
  }
  report("Firewall apply (check + atomic load)", `p50 ${median(ours)} ms, p95 ${p95(ours)} ms`, `bare nft -f: p50 ${median(bare).toFixed(0)} ms, p95 ${p95(bare).toFixed(0)} ms`, "< 200 ms");
} finally {
  await app.stop();
  execFileSync("ip", ["netns", "del", ns]);
}
