// Installing a 1 GiB update served from loopback (`maculaos upgrade --download`: stream into the slot while hashing,
// then read back and hash again) against `curl -s URL | tee >(sha256sum) > slotfile` on the same data in the same run.
// Also the server's RSS growth during the install, which must not depend on the image size.
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { createReadStream, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync, closeSync, copyFileSync } from "node:fs";
import { createServer } from "node:http";
import { createHash, randomFillSync } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, rssMb, startAppliance, completeSetupApi } from "../scripts/lib/appliance-process.mjs";
import { report } from "./report.mjs";

const SIZE = 1024 ** 3;
const work = mkdtempSync(join(tmpdir(), "bench-update-"));
const channel = join(work, "channel");
mkdirSync(channel);
const image = join(work, "image.img");
const fd = openSync(image, "w");
const chunk = Buffer.alloc(16 * 1024 * 1024);
for (let done = 0; done < SIZE; done += chunk.length) writeSync(fd, randomFillSync(chunk));
closeSync(fd);
const bin = (name, args, env = {}) => execFileSync(join(REPO, "bin", name), args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] }).toString();
bin("maculaos-release", ["keygen", join(work, "keys")]);
bin("maculaos-release", ["sign", "--key", join(work, "keys/release.key"), "--version", "9.9.9", image, channel]);
const imageName = "maculaos-9.9.9-x86_64.img";

const server = createServer((req, res) => {
  const name = req.url.slice(1);
  if (!/^[\w.-]+$/.test(name)) return res.writeHead(404).end();
  const file = join(channel, name);
  res.writeHead(200, { "content-length": statSync(file).size });
  createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(res);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}/`;

// Baseline: curl into a file while hashing with sha256sum.
const slotfile = join(work, "slot.img");
let t0 = performance.now();
// (asynchronous: the update server runs in this process)
await promisify(execFile)("bash", ["-c", `curl -sf "${base}${imageName}" | tee >(sha256sum > "${work}/curl.sha") > "${slotfile}"`]);
const curlSeconds = (performance.now() - t0) / 1000;

const s = await startAppliance();
await completeSetupApi(s.url, s.code);
copyFileSync(join(work, "keys/release.pub"), join(s.root, "etc/maculaos/keys/release.pub"));
const env = { MACULAOS_ROOT: s.root };
await promisify(execFile)(join(REPO, "bin/maculaos"), ["config", "set", "updates.server", base], { env: { ...process.env, ...env } });
const before = rssMb(s.child.pid);
let peak = before;
const poll = setInterval(() => (peak = Math.max(peak, rssMb(s.child.pid))), 100);
t0 = performance.now();
await promisify(execFile)(join(REPO, "bin/maculaos"), ["upgrade", "--download"], { env: { ...process.env, ...env } });
const oursSeconds = (performance.now() - t0) / 1000;
clearInterval(poll);

// The read-back part of ours, measured alone on the same slot file (hashing 1 GiB that is in the page cache).
t0 = performance.now();
const h = createHash("sha256");
for await (const c of createReadStream(join(s.root, "dev/disk/by-partlabel/maculaos-root-B"), { start: 0, end: SIZE - 1, highWaterMark: 1024 * 1024 })) h.update(c);
const readBackSeconds = (performance.now() - t0) / 1000;
await s.stop();
server.close();
rmSync(work, { recursive: true, force: true });

const mbps = (sec) => `${((SIZE / 1024 / 1024) / sec).toFixed(0)} MiB/s`;
const streamSeconds = oursSeconds - readBackSeconds;
report("update install 1 GiB, stream+hash", mbps(streamSeconds), `curl | tee >(sha256sum) ${mbps(curlSeconds)}`, ">= 0.9x baseline");
report("update install 1 GiB, with read-back", mbps(oursSeconds), `read-back alone ${readBackSeconds.toFixed(1)} s`, "-");
report("server RSS growth during install", `${(peak - before).toFixed(0)} MB`, `RSS before ${before.toFixed(0)} MB`, "<= 64 MB");
