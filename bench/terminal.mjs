// Terminal throughput and keystroke echo latency. Throughput: 100 MB printed by a shell through /api/terminal of a
// real appliance process into a client that consumes like xterm.js (acknowledges each 64 KiB after a write callback),
// against the same command read straight from a node-pty in this process. Latency: one keystroke to its echo.
import { spawn } from "node-pty";
import { completeSetupApi, startAppliance } from "../scripts/lib/appliance-process.mjs";
import { TermClient } from "../scripts/lib/terminal-client.mjs";
import { report } from "./report.mjs";

const TOTAL = 100 * 1024 * 1024;
const COMMAND = `head -c ${TOTAL} /dev/zero | tr '\\0' '\\001'`;
const mbps = (bytes, ms) => bytes / 1048576 / (ms / 1000);

const ONES = Buffer.alloc(1 << 20, 1);

/** Counts the 0x01 bytes in `data`; a chunk of nothing else is compared natively (counting byte by byte in JS was
 * most of the client's CPU, which the appliance then had to share two cores with). */
function ones(data) {
  if (data.length <= ONES.length && data.equals(ONES.subarray(0, data.length))) return data.length;
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === 1) n++;
  return n;
}

/** The baseline: the command on a node-pty in this process, read until every byte arrived. */
function direct() {
  return new Promise((resolve) => {
    const started = performance.now();
    let got = 0;
    const pty = spawn("/bin/sh", ["-c", `${COMMAND}; sleep 1`], { cols: 80, rows: 24, encoding: null });
    pty.onData((d) => {
      got += ones(d);
      if (got === TOTAL) {
        resolve(performance.now() - started);
        pty.kill();
      }
    });
  });
}

const baseMs = await direct();

const app = await startAppliance({ args: ["--api-only"] });
const cookie = await completeSetupApi(app.url, app.code);
let got = 0;
let done = () => undefined;
const finished = new Promise((r) => (done = r));
// Like xterm.js: each chunk is parsed in a later task, and its write callback acknowledges. The consumer counts bytes,
// as the baseline does.
const client = await TermClient.connect(app.url, {
  cookie,
  keepText: false,
  onData: (d) => (got += ones(d)) === TOTAL && done(),
  process: () => new Promise((r) => setImmediate(r)),
});
while (client.messages === 0) await new Promise((r) => setTimeout(r, 20));
await new Promise((r) => setTimeout(r, 300));
const started = performance.now();
client.type(`${COMMAND}\r`);
await finished;
const oursMs = performance.now() - started;
await new Promise((r) => setTimeout(r, 300));

// Echo latency: type one character, wait for its echo; 300 times.
const latencies = [];
for (let i = 0; i < 300; i++) {
  const before = client.offset;
  const t0 = performance.now();
  client.type("x");
  await new Promise((resolve) => {
    const poll = () => (client.offset > before ? resolve() : setImmediate(poll));
    poll();
  });
  latencies.push(performance.now() - t0);
}
client.type("\x15");
await client.close();
await app.stop();

latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.floor((latencies.length - 1) * p)].toFixed(2);
const ours = mbps(TOTAL, oursMs);
const base = mbps(TOTAL, baseMs);
report("terminal 100 MB throughput", `${ours.toFixed(1)} MB/s (${(ours / base).toFixed(2)}x)`, `node-pty in-process ${base.toFixed(1)} MB/s`, ">= 0.5x");
report("terminal keystroke echo latency", `p50 ${pct(0.5)} ms p99 ${pct(0.99)} ms`, "-", "p50 <= 5 ms");
