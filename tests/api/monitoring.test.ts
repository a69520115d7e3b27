// Monitoring against a real appliance: the Prometheus endpoint checked by promtool and against known state (a
// service process killed shows up=0), health checks and `maculaos health` exit codes, user checks with the restart
// and cleanup actions, logs (the appliance's own and a real journal), and the fluent-bit configuration.
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { monitoringOf } from "~/system/monitoring/monitoring";
import { runBin, startTestAppliance, type TestAppliance } from "../helpers/appliance";
import { ProcessServices, promtool } from "../helpers/monitoring";

const CONFIG = `maculaos:
  hostname: metrics-node
  mesh:
    bootstrap_nodes: ["127.0.0.1:9"]
  monitoring:
    interval: 1s
  health:
    checks:
      - name: worker-alive
        type: process
        target: mworker${process.pid}
        interval: 1s
        action: restart
        service: worker
`;

let t: TestAppliance;
const services = new ProcessServices();
const maculaos = (args: string[]) => runBin("maculaos", args, { MACULAOS_ROOT: t.root, MACULAOS_HOST: "", MACULAOS_TOKEN: "" });

async function scrape(): Promise<string> {
  const port = t.app.metrics.port();
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return res.text();
}

/** The value of one series line (name with its exact label set), or undefined. */
function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const until = async (what: string, test: () => Promise<boolean>, ms = 8000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};

beforeAll(async () => {
  t = await startTestAppliance({
    seed: async (root) => {
      await mkdir(join(root, "var/lib/maculaos"), { recursive: true });
      await writeFile(join(root, "var/lib/maculaos/config.yaml"), CONFIG);
    },
  });
  await services.add("web", `mweb${process.pid}`);
  await services.add("worker", `mworker${process.pid}`);
  monitoringOf(t.app.sys).connect({ services, meshPeers: async () => 3, lastBackup: async () => new Date("2026-11-20T04:00:00Z") });
});

afterAll(async () => {
  await services.close();
  expect(t.errorLogs()).toEqual([]);
  await t.close();
});

describe("Prometheus metrics", () => {
  it("passes promtool: it parses, and the only lint complaints are node_exporter's own camelCase memory names", async () => {
    const text = await scrape();
    const r = await promtool(text);
    expect([0, 3]).toContain(r.code); // 1 would be a parse error
    const complaints = r.output.split("\n").filter(Boolean);
    for (const c of complaints) expect(c).toMatch(/^node_memory_[A-Za-z]+_bytes metric names should be written in 'snake_case' not 'camelCase'$/);
  });

  it("has node_exporter's series with real values", async () => {
    const text = await scrape();
    expect(value(text, 'node_cpu_seconds_total{cpu="0",mode="idle"}')).toBeGreaterThan(0);
    expect(value(text, "node_memory_MemTotal_bytes")).toBeGreaterThan(1e8);
    expect(value(text, "node_load1")).toBeGreaterThanOrEqual(0);
    expect(value(text, "node_boot_time_seconds")).toBeLessThan(Date.now() / 1000);
    expect(text).toMatch(/^node_network_receive_bytes_total\{device="lo"\} \d+/m);
    expect(text).toMatch(/^node_filesystem_avail_bytes\{device="[^"]+",fstype="[^"]+",mountpoint="[^"]+"\} \d+/m);
  });

  it("has the appliance's series matching known state", async () => {
    const text = await scrape();
    expect(value(text, 'maculaos_info{version="0.1.0-test",slot="A",device="development"}')).toBe(1);
    expect(value(text, 'maculaos_update_state{state="committed"}')).toBe(1);
    expect(value(text, 'maculaos_slot_bootable{slot="B"}')).toBe(0);
    expect(value(text, "maculaos_mesh_peers")).toBe(3);
    expect(value(text, "maculaos_backup_last_success_timestamp_seconds")).toBe(Date.parse("2026-11-20T04:00:00Z") / 1000);
    expect(value(text, "maculaos_alerts_firing")).toBe(0);
    expect(value(text, 'maculaos_service_up{service="web"}')).toBe(1);
  });

  it("shows a service whose process was killed as up=0", async () => {
    await services.kill("web");
    await new Promise((r) => setTimeout(r, 300)); // past the 250 ms a scrape snapshot is shared
    const text = await scrape();
    expect(value(text, 'maculaos_service_up{service="web"}')).toBe(0);
  });

  it("times API requests by procedure", async () => {
    await maculaos(["info", "--json"]); // over the socket: not counted; the dashboard's HTTP requests are
    await fetch(`${t.url}/api/trpc/system.info`);
    const text = await scrape();
    expect(value(text, 'maculaos_http_request_duration_seconds_count{method="GET",route="api:system.info",code="401"}')).toBeGreaterThanOrEqual(1);
  });

  it("answers 404 off the path and 405 to POST", async () => {
    const port = t.app.metrics.port();
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: "POST" })).status).toBe(405);
  });
});

describe("health", () => {
  it("reports each check honestly and exits 3 when one fails", async () => {
    const r = await maculaos(["health"]);
    expect(r.stdout).toMatch(/^fail\s+services\s+1 of 2 down: web/m);
    expect(r.stdout).toMatch(/^fail\s+mesh\s+0 of 1 bootstrap nodes answer over QUIC/m);
    expect(r.stdout).toMatch(/^warn\s+time\s+the clock is not known to be synchronized/m);
    expect(r.stdout).toMatch(/^ok\s+config\s+/m);
    expect(r.stdout).toMatch(/^ok\s+database\s+integrity ok/m);
    expect(r.stdout).toContain("health: fail");
    expect(r.code).toBe(3);
  });

  it("exits 0 once nothing fails, and --json has every check", async () => {
    await services.restart("web");
    await mkdir(join(t.root, "run/systemd/timesync"), { recursive: true });
    await writeFile(join(t.root, "run/systemd/timesync/synchronized"), "");
    await t.app.sys.config.set([{ key: "mesh.bootstrap_nodes", value: [] }]);
    const r = await maculaos(["health", "--json"]);
    const report = JSON.parse(r.stdout) as { status: string; checks: { name: string; state: string }[] };
    expect(report.checks.map((c) => c.name)).toEqual(["disk", "memory", "services", "mesh", "time", "update", "config", "database", "worker-alive"]);
    expect(report.checks.find((c) => c.name === "time")?.state).toBe("ok");
    expect(report.checks.find((c) => c.name === "services")?.state).toBe("ok");
    expect(report.checks.find((c) => c.name === "mesh")?.state).not.toBe("fail");
    expect(report.status).not.toBe("fail");
    expect(r.code).toBe(0);
  });

  it("restarts a service whose process check fails (action restart)", async () => {
    await services.kill("worker");
    await until("the restart action", async () => (services.procs.get("worker")?.restarts ?? 0) > 0);
    const events = await t.app.sys.events.list(20, "health.restart");
    expect(events[0]).toMatchObject({ target: "worker-alive", outcome: "ok" });
    expect(events[0]?.detail).toContain(`no process named mworker${process.pid} is running; restarted worker`);
  });

  it("removes rotated logs (the services' too) and temporary files when a check with action cleanup fails", async () => {
    const logs = join(t.root, "var/log/maculaos");
    await mkdir(join(logs, "services"), { recursive: true });
    await mkdir(join(t.root, "var/tmp"), { recursive: true });
    for (const f of ["services/web.log", "services/web.log.1", "services/web.log.2.gz", "appliance.log.1"]) await writeFile(join(logs, f), Buffer.alloc(1024));
    await writeFile(join(t.root, "var/tmp/scratch"), Buffer.alloc(1024));
    const checks = t.app.sys.config.current().health.checks;
    await t.app.sys.config.set([{ key: "health.checks", value: [...checks, { name: "scratch-space", type: "process", target: `nosuch${process.pid}`, interval: "1s", action: "cleanup" }] }]);
    try {
      await until("the cleanup action", async () => (await t.app.sys.events.list(5, "health.cleanup")).length > 0);
      const [event] = await t.app.sys.events.list(5, "health.cleanup");
      expect(event).toMatchObject({ target: "scratch-space", outcome: "ok" });
      expect(event?.detail).toMatch(/; removed [4-9] rotated logs, cache entries and temporary files \(\d/);
      expect((await readdir(join(logs, "services"))).filter((f) => f.startsWith("web."))).toEqual(["web.log"]); // the live log stays
      expect(await readdir(logs)).not.toContain("appliance.log.1");
      expect(await readdir(join(t.root, "var/tmp"))).toEqual([]);
    } finally {
      await t.app.sys.config.set([{ key: "health.checks", value: checks }]);
    }
  });
});

describe("logs", () => {
  it("reads the appliance's own log with -n and --grep, as text and JSON", async () => {
    const r = await maculaos(["logs", "appliance", "-n", "5", "--grep", "LISTENING"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ INFO  maculaos\.http: listening \{"port":\d+/);
    const j = await maculaos(["logs", "appliance", "--json", "--since", "1h", "--level", "warn"]);
    for (const line of j.stdout.trim().split("\n").filter(Boolean)) expect(["warn", "error"]).toContain(JSON.parse(line).level);
    expect(await readFile(join(t.root, "var/log/maculaos/appliance.log"), "utf8")).toContain('"msg":"listening"');
  });

  it("reads a real systemd journal under the device root, and logs network keeps the network units", async () => {
    const dir = join(t.root, "var/log/journal/0123456789abcdef0123456789abcdef");
    await mkdir(dir, { recursive: true });
    const us = Date.now() * 1000;
    const entry = (unit: string, prio: number, msg: string, i: number) => `__REALTIME_TIMESTAMP=${us + i}\n__MONOTONIC_TIMESTAMP=${i + 1}\n_BOOT_ID=0123456789abcdef0123456789abcdef\n_MACHINE_ID=0123456789abcdef0123456789abcdef\n_SYSTEMD_UNIT=${unit}\nPRIORITY=${prio}\nMESSAGE=${msg}\n\n`;
    const exportText = entry("systemd-networkd.service", 4, "eth0: lost carrier", 0) + entry("sshd.service", 6, "Accepted publickey for admin", 1) + entry("maculaos.service", 6, "already in appliance.log", 2);
    await new Promise<void>((resolve, reject) => {
      const child = execFile("/lib/systemd/systemd-journal-remote", ["-o", join(dir, "remote.journal"), "-"], (e) => (e ? reject(e) : resolve()));
      child.stdin!.end(exportText);
    });
    const net = await maculaos(["logs", "network", "--json"]);
    expect(net.code).toBe(0);
    const lines = net.stdout.trim().split("\n").map((l) => JSON.parse(l) as { unit: string; level: string; message: string });
    expect(lines).toContainEqual(expect.objectContaining({ source: "journal", unit: "systemd-networkd.service", level: "warn", message: "eth0: lost carrier" }));
    expect(lines.some((l) => l.unit === "sshd.service")).toBe(false);
    const all = await maculaos(["logs", "system", "--grep", "publickey"]);
    expect(all.stdout).toMatch(/INFO  sshd\.service: Accepted publickey for admin/);
    expect((await maculaos(["logs", "system"])).stdout).not.toContain("already in appliance.log");
    await rm(join(t.root, "var/log/journal"), { recursive: true });
  });

  it("refuses an unknown source and bad flags", async () => {
    const r = await maculaos(["logs", "myservice"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no service myservice"); // a name that is no log source is a service's
    expect((await maculaos(["logs", "-n", "0"])).code).toBe(2);
    expect((await maculaos(["logs", "--since", "yesterday-ish"])).code).toBe(2);
  });

  it("follows new entries live (-f)", async () => {
    const child = execFile(join(__dirname, "../../bin/maculaos"), ["logs", "appliance", "-f", "-n", "1", "--grep", "follow-marker"], { env: { ...process.env, MACULAOS_ROOT: t.root, MACULAOS_HOST: "", MACULAOS_TOKEN: "" } });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise((r) => setTimeout(r, 1500));
    t.app.sys.log.warn("follow-marker seen live");
    await until("the followed line", async () => out.includes("follow-marker seen live"));
    expect(out).toMatch(/WARN  maculaos: follow-marker seen live/);
    child.kill("SIGINT");
  });

  it("renders fluent-bit's forward configuration from logging.forward_to and format", async () => {
    const conf = join(t.root, "etc/fluent-bit/fluent-bit.conf");
    const root = { kind: "root" as const, name: "root", role: "admin" as const };
    await t.app.sys.config.set([{ key: "logging.forward_to", value: "logs.example.com:24224" }], root);
    await until("fluent-bit.conf", async () => (await readFile(conf, "utf8").catch(() => "")).includes("logs.example.com"));
    const text = await readFile(conf, "utf8");
    expect(text).toMatch(/\[OUTPUT\]\n\s+name\s+forward\n\s+match\s+\*\n\s+host\s+logs\.example\.com\n\s+port\s+24224/);
    expect(text).toContain("parser       maculaos_json");
    expect(await readFile(join(t.root, "etc/fluent-bit/parsers.conf"), "utf8")).toContain("format      json");
    await t.app.sys.config.set([{ key: "logging.forward_to", value: null }], root);
    await until("removal", async () => (await readFile(conf, "utf8").catch(() => "gone")) === "gone");
  });
});
