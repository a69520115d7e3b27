// Idle RSS of the appliance after start, and after 2,000 dashboard and API requests; baseline: a bare Node HTTP
// server started the same way, the floor any Node server pays.
import { spawn } from "node:child_process";
import { completeSetupApi, rssMb, startAppliance } from "../scripts/lib/appliance-process.mjs";
import { report } from "./report.mjs";

const settle = () => new Promise((r) => setTimeout(r, 3000));

const bare = spawn(process.execPath, ["-e", "require('http').createServer((q,s)=>s.end('{}')).listen(0,'127.0.0.1')"]);
await settle();
const bareRss = rssMb(bare.pid);
bare.kill();

const s = await startAppliance();
await settle();
const idle = rssMb(s.child.pid);
const cookie = await completeSetupApi(s.url, s.code);
const paths = ["/", "/settings", "/events", "/api/trpc/system.info", "/api/trpc/events.list", "/api/trpc/config.get", "/api/trpc/auth.me"];
for (let i = 0; i < 2000; i += 10) {
  await Promise.all(paths.concat(paths.slice(0, 3)).map((p) => fetch(`${s.url}${p}`, { headers: { cookie } }).then((r) => r.arrayBuffer())));
}
await settle();
const after = rssMb(s.child.pid);
await s.stop();
report("server idle RSS after start", `${idle.toFixed(0)} MB`, `bare node http ${bareRss.toFixed(0)} MB`, "<= 120 MB");
report("server RSS after 2,000 requests", `${after.toFixed(0)} MB`, `bare node http ${bareRss.toFixed(0)} MB`, "<= 120 MB");
