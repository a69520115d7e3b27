// p50/p99 latency of the `system.info` procedure at 50 concurrent clients (autocannon), against the same load on a
// bare Node HTTP server answering a fixed JSON body in the same run.
import { createServer } from "node:http";
import autocannon from "autocannon";
import { completeSetupApi, startAppliance } from "../scripts/lib/appliance-process.mjs";
import { report } from "./report.mjs";

const run = (url, headers) => autocannon({ url, connections: 50, duration: 10, headers });

const bare = createServer((_q, s) => s.end('{"result":{"data":{}}}')).listen(0, "127.0.0.1");
await new Promise((r) => bare.once("listening", r));
const base = await run(`http://127.0.0.1:${bare.address().port}/`, {});
bare.close();

const s = await startAppliance();
const cookie = await completeSetupApi(s.url, s.code);
const ours = await run(`${s.url}/api/trpc/system.info`, { cookie });
await s.stop();
if (ours.non2xx) throw new Error(`${ours.non2xx} requests failed`);
const fmt = (r) => `p50 ${r.latency.p50} ms p99 ${r.latency.p99} ms`;
report("system.info at 50 connections", fmt(ours), `bare http ${fmt(base)}`, "p99 <= 25 ms");
report("system.info throughput", `${Math.round(ours.requests.average)} req/s`, `bare http ${Math.round(base.requests.average)} req/s`, "-");
