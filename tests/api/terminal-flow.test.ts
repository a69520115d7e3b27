// Flow control: 100 MB printed by a real shell goes through the terminal WebSocket of a real appliance process to a
// client that stops reading now and then. Every byte arrives, the server never has more than the high watermark (plus
// one read) unacknowledged, its RSS stays under a fixed bound, and Ctrl-C stops an endless producer quickly.
import { afterAll, beforeAll, expect, it } from "vitest";
import { completeSetupApi, rssMb, startAppliance, type ApplianceProcess } from "~/scripts/lib/appliance-process.mjs";
import { TermClient } from "~/scripts/lib/terminal-client.mjs";
import { HIGH_WATERMARK } from "~/system/terminal/terminals";

const TOTAL = 100 * 1024 * 1024;
/** How much the server's RSS may grow while 100 MB pass through it (without flow control it buffers what the client has not read). */
const RSS_GROWTH_BOUND_MB = 40;

let app: ApplianceProcess;
let cookie: string;

beforeAll(async () => {
  app = await startAppliance({ args: ["--api-only"] });
  cookie = await completeSetupApi(app.url, app.code);
});

afterAll(async () => {
  const errors = app?.errorLogs() ?? [];
  await app?.stop();
  expect(errors).toEqual([]);
});

it("delivers 100 MB completely with bounded server memory and a bounded window", { timeout: 120_000 }, async () => {
  let ones = 0;
  let received = 0;
  let maxUnacked = 0;
  let sinceStall = 0;
  let client: TermClient | undefined;
  let done: (value?: unknown) => void = () => undefined;
  const all = new Promise((r) => (done = r));
  client = await TermClient.connect(app.url, {
    cookie,
    keepText: false,
    onData: (data) => {
      received += data.length;
      for (let i = 0; i < data.length; i++) if (data[i] === 1) ones++;
      if (ones === TOTAL) done();
      if (client) maxUnacked = Math.max(maxUnacked, client.start + received - (client as unknown as { acked: number }).acked);
    },
    // A consumer slower than the shell: it stops reading the socket for a moment every 4 MB.
    process: async (data) => {
      sinceStall += data.length;
      if (sinceStall < 4 * 1024 * 1024 || !client) return;
      sinceStall = 0;
      client.ws.pause();
      await new Promise((r) => setTimeout(r, 15));
      client.ws.resume();
    },
  });
  await expect.poll(() => client.messages).toBeGreaterThan(0);
  await new Promise((r) => setTimeout(r, 200));
  const baseline = rssMb(app.child.pid!);
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(app.child.pid!))), 20);
  const started = Date.now();
  client.type(`head -c ${TOTAL} /dev/zero | tr '\\0' '\\001'\r`);
  await all;
  clearInterval(sampler);
  await new Promise((r) => setTimeout(r, 200));
  const seconds = (Date.now() - started) / 1000;
  expect(ones).toBe(TOTAL);
  expect(maxUnacked).toBeLessThanOrEqual(HIGH_WATERMARK + 256 * 1024);
  expect(peak - baseline, `RSS ${baseline.toFixed(0)} -> ${peak.toFixed(0)} MB in ${seconds.toFixed(1)} s`).toBeLessThan(RSS_GROWTH_BOUND_MB);
  await client.close();
});

it("stops an endless producer within a second of Ctrl-C", async () => {
  const client = await TermClient.connect(app.url, { cookie });
  await client.waitFor(/\$ $|# $/);
  client.type("yes flowing\r");
  await client.waitFor(/flowing\r\nflowing\r\n/);
  await new Promise((r) => setTimeout(r, 300));
  const sent = Date.now();
  client.type("\x03");
  client.type("echo STOP\"\"PED\r");
  await client.waitFor(/^STOPPED\r$/m, 5000);
  expect(Date.now() - sent).toBeLessThan(1000);
  await client.close();
});
