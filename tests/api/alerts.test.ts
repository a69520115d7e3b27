// An alert on a real condition: the test root's data path is a 16 MiB tmpfs; filling it past 90% fires disk_full,
// which a subscriber on a real nats-server (Debian's) receives on the topic's subject; freeing it resolves the alert.
import { execFileSync } from "node:child_process";
import { mkdir, rm, statfs, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { connect, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTemperatures } from "~/system/host/metric-sources";
import type { AlertMessage } from "~/system/monitoring/alerts";
import { runBin, startTestAppliance, type TestAppliance } from "../helpers/appliance";
import { startNats } from "../helpers/monitoring";

let t: TestAppliance | undefined;
let nats: Awaited<ReturnType<typeof startNats>>;
let nc: NatsConnection;
let mountpoint = "";
const received: AlertMessage[] = [];
const checkAlerts: AlertMessage[] = [];

const until = async (what: string, test: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end && !test()) await new Promise((r) => setTimeout(r, 100));
  if (!test()) throw new Error(`timed out waiting for ${what}`);
};

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url.replace("nats://", "") });
  const sub = nc.subscribe("io.test.alerts.disk_full");
  const web = nc.subscribe("io.test.alerts.web");
  void (async () => {
    for await (const m of web) checkAlerts.push(m.json<AlertMessage>());
  })();
  void (async () => {
    for await (const m of sub) received.push(m.json<AlertMessage>());
  })();
  await nc.flush();
  t = await startTestAppliance({
    seed: async (root) => {
      mountpoint = join(root, "var/lib/maculaos");
      await mkdir(mountpoint, { recursive: true });
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=16m,mode=0700", "--", "tmpfs", mountpoint]);
      await writeFile(
        join(mountpoint, "config.yaml"),
        `maculaos:\n  hostname: alert-node\n  mesh:\n    nats_url: ${nats.url}\n  monitoring:\n    interval: 1s\n  alerts:\n    - name: disk_full\n      condition: disk_usage > 90%\n      topic: io.test.alerts.disk_full\n    - name: hot\n      condition: temperature > 80\n      topic: io.test.alerts.hot\n  health:\n    checks:\n      - { name: web, type: http, target: "http://127.0.0.1:1/health", interval: 1s, topic: io.test.alerts.web }\n`,
      );
    },
  });
});

afterAll(async () => {
  if (t) {
    expect(t.errorLogs()).toEqual([]);
    await t.app.close();
  }
  if (mountpoint) execFileSync("umount", ["--", mountpoint]);
  if (t) await rm(t.root, { recursive: true, force: true });
  await nc?.close();
  await nats?.stop();
});

describe("alerts over the mesh bus", () => {
  const filler = () => join(mountpoint, "filler.bin");

  it("fires when the data partition passes 90%, once, on the topic's subject", async () => {
    const s = await statfs(mountpoint);
    const target = Math.ceil(s.blocks * 0.95) - (s.blocks - s.bfree); // blocks to add for 95% used
    await writeFile(filler(), Buffer.alloc(target * s.bsize));
    await until("the firing message", () => received.some((m) => m.state === "firing"));
    const m = received.find((x) => x.state === "firing")!;
    expect(m).toMatchObject({ type: "maculaos.alert", version: 1, alert: "disk_full", condition: "disk_usage > 90%", node: "alert-node", realm: "io.macula" });
    expect(m.value).toBeGreaterThan(90);
    await new Promise((r) => setTimeout(r, 2500)); // more evaluations while still full: no second message
    expect(received.filter((x) => x.state === "firing")).toHaveLength(1);
    const r = await runBin("maculaos", ["alerts", "--json"], { MACULAOS_ROOT: t!.root, MACULAOS_HOST: "", MACULAOS_TOKEN: "" });
    const view = JSON.parse(r.stdout) as { alerts: { name: string; state: string }[]; firing: number; bus: { state: string } };
    expect(view.alerts).toContainEqual(expect.objectContaining({ name: "disk_full", state: "firing" }));
    expect(view.firing).toBe(2); // disk_full and the failing health check "web" below
    expect(view.bus.state).toBe("connected");
  });

  it("says no_data for a metric this machine lacks rather than ok (no temperature sensor here)", async () => {
    const r = await runBin("maculaos", ["alerts", "--json"], { MACULAOS_ROOT: t!.root, MACULAOS_HOST: "", MACULAOS_TOKEN: "" });
    const hot = (JSON.parse(r.stdout) as { alerts: { name: string; state: string }[] }).alerts.find((a) => a.name === "hot");
    const sensors = await readTemperatures();
    if (sensors.length === 0) expect(hot?.state).toBe("no_data");
    else expect(["ok", "pending", "firing"]).toContain(hot?.state);
  });

  it("publishes a failing health check whose action is alert", async () => {
    await until("the check's alert", () => checkAlerts.length > 0);
    expect(checkAlerts[0]).toMatchObject({ alert: "check:web", state: "firing", condition: "health check web (http http://127.0.0.1:1/health) fails", node: "alert-node" });
  });

  it("resolves after the space is freed, and records both in the events", async () => {
    await rm(filler());
    await until("the resolved message", () => received.some((m) => m.state === "resolved"));
    const resolved = received.find((x) => x.state === "resolved")!;
    expect(resolved.alert).toBe("disk_full");
    expect(resolved.value).toBeLessThan(88);
    const events = (await t!.app.sys.events.list(20, "alert.")).filter((e) => e.target === "disk_full");
    expect(events.map((e) => `${e.action} ${e.target} ${e.outcome}`)).toEqual(["alert.resolved disk_full ok", "alert.firing disk_full failed"]);
    expect(events[1]?.detail).toContain("published on io.test.alerts.disk_full");
  });
});
