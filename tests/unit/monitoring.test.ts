// Monitoring's parts on their own: bounded ring buffers, alert evaluation without flapping (with a real System on a
// temporary root), health check config errors, the fluent-bit rendering, and the QUIC reachability probe.
import { createSocket } from "node:dgram";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCondition, validateConfigText } from "~/system/config";
import { probeQuic } from "~/system/host/quic-probe";
import { createLogger } from "~/system/logging/logger";
import { renderFluentBit } from "~/system/logs/fluent-bit";
import { parseSince } from "~/system/logs/read";
import { Alerts, observe } from "~/system/monitoring/alerts";
import { Bus } from "~/system/monitoring/bus";
import { parseDuration } from "~/system/monitoring/duration";
import { Downsampler, RingTable } from "~/system/monitoring/ring";
import { Sampler, type Sample } from "~/system/monitoring/sampler";
import { openSystem, type System } from "~/system/system";
import { REPO } from "../helpers/appliance";

describe("ring buffers", () => {
  it("keep at most their capacity, oldest first, NaN as null", () => {
    const r = new RingTable(3, ["a", "b"] as const);
    for (let i = 1; i <= 5; i++) r.push(i * 1000, { a: i, b: i === 4 ? NaN : -i });
    expect(r.size).toBe(3);
    expect(r.since()).toEqual({ at: [3000, 4000, 5000], values: { a: [3, 4, 5], b: [-3, null, -5] } });
    expect(r.since(4000).at).toEqual([4000, 5000]);
  });

  it("average into buckets for the long history", () => {
    const d = new Downsampler(60_000, 10, ["v"] as const);
    d.add(0, { v: 1 });
    d.add(30_000, { v: 3 });
    d.add(60_000, { v: NaN });
    d.add(90_000, { v: 10 });
    d.flush();
    expect(d.table.since()).toEqual({ at: [0, 60_000], values: { v: [2, 10] } });
  });
});

describe("the sampler", () => {
  it("reads the machine and keeps the 7-day history across restarts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "maculaos-unit-"));
    const file = join(dir, "metrics-history.json");
    const a = new Sampler(5000, dir);
    await a.loadHistory(file);
    const t0 = Math.floor(Date.now() / 300_000) * 300_000 - 600_000;
    const first = await a.sample(t0);
    expect(first.memory).toBeGreaterThan(0);
    expect(first.disk).toBeGreaterThan(0);
    expect(Number.isNaN(first.cpu)).toBe(true); // a rate needs two readings
    await new Promise((r) => setTimeout(r, 100)); // let the kernel's CPU counters advance a few ticks
    const second = await a.sample(t0 + 5000);
    expect(second.cpu).toBeGreaterThanOrEqual(0);
    await a.sample(t0 + 300_000); // a new 5-minute step closes the first one and saves the history
    expect(a.week().at).toEqual([t0]);
    const b = new Sampler(5000, dir);
    await b.loadHistory(file);
    expect(b.week()).toEqual(a.week());
    expect(b.lastHour(0).at).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });
});

describe("alert evaluation", () => {
  let root: string;
  let sys: System;
  const bus = new Bus("nats://127.0.0.1:1", createLogger("test", "error", () => undefined));
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "maculaos-unit-"));
    sys = await openSystem({ root, env: {}, migrationsDir: join(REPO, "prisma/migrations"), version: "0.1.0-test", log: createLogger("test", "error", () => undefined) });
  });
  afterAll(async () => {
    await bus.close();
    await sys.close();
    await rm(root, { recursive: true, force: true });
  });
  const sample = (disk: number): Sample => ({ at: 0, cpu: 1, memory: 1, disk, rx: 0, tx: 0, temperature: NaN, load: 0 });

  it("fires after `for`, never flaps in the margin, and resolves once clear for `for`", async () => {
    const alerts = new Alerts(sys, () => bus, () => 1000);
    const rule = { name: "disk_full", condition: "disk_usage > 90%", topic: "io.x.disk", forMs: 3000 };
    const c = parseCondition(rule.condition)!;
    const states: string[] = [];
    const values = [91, 92, 95, 96, 89, 91, 89.5, 88.5, 91, 89, 87, 87.5, 80, 70, 91];
    for (const [i, v] of values.entries()) {
      await alerts.update(rule, observe(c, sample(v), undefined), i * 1000);
      states.push(alerts.list()[0]!.state);
    }
    // 0-2 s pending, fires at 3 s; 89-89.5 is inside the 2-point margin so it stays firing; clear from 10 s (87 < 88)
    // for 3 s resolves at 13 s; a single 91 afterwards is pending again, not firing
    expect(states).toEqual(["pending", "pending", "pending", "firing", "firing", "firing", "firing", "firing", "firing", "firing", "firing", "firing", "firing", "ok", "pending"]);
    const events = await sys.events.list(10, "alert.");
    expect(events.map((e) => e.action)).toEqual(["alert.resolved", "alert.firing"]);
  });

  it("is no_data without a reading and for an unknown service", () => {
    expect(observe(parseCondition("temperature > 80")!, sample(1), undefined).active).toBeNull();
    expect(observe(parseCondition("service_down(api)")!, undefined, [{ name: "web", up: false, restarts: 0 }]).active).toBeNull();
    expect(observe(parseCondition("service_down")!, undefined, [{ name: "web", up: false, restarts: 0 }])).toEqual({ active: true, cleared: false, value: 1 });
  });
});

describe("config", () => {
  const problems = (yaml: string) => {
    const r = validateConfigText(yaml, { env: {} });
    return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
  };

  it("names the path of a bad health check", () => {
    expect(problems("maculaos:\n  health:\n    checks:\n      - {name: web, type: http, target: localhost:80}\n")).toEqual([expect.stringMatching(/^maculaos\.health\.checks\.0\.target: expected an http\(s\) URL/)]);
    expect(problems("maculaos:\n  health:\n    checks:\n      - {name: d, type: disk, target: /var, threshold: 120}\n")).toEqual([expect.stringMatching(/^maculaos\.health\.checks\.0\.threshold: expected a percentage/)]);
    expect(problems("maculaos:\n  health:\n    checks:\n      - {name: h, type: http, target: 'http://x/', action: restart}\n")).toEqual([expect.stringMatching(/^maculaos\.health\.checks\.0\.service: required for action restart/)]);
    expect(problems("maculaos:\n  mesh:\n    nats_url: localhost:4222\n")).toEqual([expect.stringMatching(/^maculaos\.mesh\.nats_url: expected a NATS URL/)]);
    expect(problems("maculaos:\n  health:\n    checks:\n      - {name: p, type: process, target: nginx, interval: 10s, action: alert}\n")).toEqual([]);
  });

  it("parses durations and --since", () => {
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseSince("2h", 10_000_000).getTime()).toBe(10_000_000 - 7_200_000);
    expect(parseSince("2026-11-25T10:00:00Z").toISOString()).toBe("2026-11-25T10:00:00.000Z");
    expect(() => parseSince("last week")).toThrow(/--since: expected a duration/);
  });
});

describe("fluent-bit", () => {
  it("renders nothing without forward_to, and forwards raw lines for format text", () => {
    expect(renderFluentBit({ format: "json" })).toBeNull();
    const r = renderFluentBit({ format: "text", forward_to: "[2001:db8::1]:24224" })!;
    expect(r.conf).toContain("host                     2001:db8::1\n    port                     24224");
    expect(r.conf).not.toContain("parser       maculaos_json");
  });
});

describe("QUIC reachability probe", () => {
  it("sees a Version Negotiation answer, and times out where nothing answers", async () => {
    const server = createSocket("udp4");
    server.on("message", (msg, from) => {
      // what a QUIC server does with an unknown version: Version Negotiation echoing the connection IDs
      const dcid = msg.subarray(6, 6 + (msg[5] ?? 0));
      const scid = msg.subarray(7 + dcid.length, 7 + dcid.length + (msg[6 + dcid.length] ?? 0));
      const vn = Buffer.concat([Buffer.from([0x80]), Buffer.alloc(4), Buffer.from([scid.length]), scid, Buffer.from([dcid.length]), dcid, Buffer.from([0, 0, 0, 1])]);
      if (msg.length >= 1200) server.send(vn, from.port, from.address);
    });
    await new Promise<void>((r) => server.bind(0, "127.0.0.1", r));
    const port = server.address().port;
    expect(await probeQuic("127.0.0.1", port)).toMatchObject({ ok: true });
    server.close();
    expect(await probeQuic("127.0.0.1", port, 300)).toMatchObject({ ok: false });
    expect((await probeQuic("no-such-host.invalid", 4433)).detail).toContain("cannot resolve");
  });
});
