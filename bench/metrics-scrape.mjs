// Scrape latency (p50/p99) and CPU cost per scrape of our /metrics, against Debian's prometheus-node-exporter on the
// same machine in the same run. Scrapes are sequential and 300 ms apart (Prometheus scrapes one at a time, every
// 15 s by default), so no scrape reuses the previous one's readings. CPU is the process's utime+stime from /proc
// over the run, divided by the scrapes (it includes whatever else the process did meanwhile).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { completeSetupApi, startAppliance } from "../scripts/lib/appliance-process.mjs";
import { report } from "./report.mjs";

const SCRAPES = 100;
const GAP_MS = 300;
const TICK_MS = 10; // USER_HZ 100

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
};
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function measure(url, pid) {
  for (let i = 0; i < 5; i++) await (await fetch(url)).text(); // warm up
  const times = [];
  let bytes = 0;
  const cpu0 = cpuMs(pid);
  for (let i = 0; i < SCRAPES; i++) {
    await new Promise((r) => setTimeout(r, GAP_MS));
    const t = performance.now();
    const res = await fetch(url);
    const text = await res.text();
    times.push(performance.now() - t);
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    bytes = text.length;
  }
  const cpu = (cpuMs(pid) - cpu0) / SCRAPES;
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), p99: pct(times, 99), cpu, bytes };
}

const nePort = await freePort();
const ne = spawn("prometheus-node-exporter", [`--web.listen-address=127.0.0.1:${nePort}`], { stdio: "ignore" });
await new Promise((r) => setTimeout(r, 1000));
const base = await measure(`http://127.0.0.1:${nePort}/metrics`, ne.pid);
ne.kill();

const app = await startAppliance();
const cookie = await completeSetupApi(app.url, app.code);
const port = await freePort();
const set = await fetch(`${app.url}/api/trpc/config.set`, { method: "POST", headers: { "content-type": "application/json", origin: app.url, "x-maculaos-csrf": "1", cookie }, body: JSON.stringify({ entries: [{ key: "monitoring.prometheus.port", value: port }] }) });
if (!set.ok) throw new Error(`config.set failed: ${await set.text()}`);
await new Promise((r) => setTimeout(r, 500));
const ours = await measure(`http://127.0.0.1:${port}/metrics`, app.child.pid);
await app.stop();

const fmt = (r) => `p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms`;
report("/metrics scrape latency", fmt(ours), `node_exporter ${fmt(base)}`, `p99 <= 2x node_exporter and < 25 ms`);
report("/metrics CPU per scrape", `${ours.cpu.toFixed(1)} ms`, `node_exporter ${base.cpu.toFixed(1)} ms`, "-");
report("/metrics size", `${(ours.bytes / 1024).toFixed(1)} KiB`, `node_exporter ${(base.bytes / 1024).toFixed(1)} KiB`, "-");
const ok = ours.p99 < 25 && ours.p99 <= 2 * base.p99;
console.log(ok ? "target met" : "target MISSED");
