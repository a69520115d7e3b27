// The service manager end to end through the CLI: images from a real docker-registry (basic auth, a multi-arch index,
// a corrupt blob), a real OTP release, script releases, a crash loop, a rollback, and services that outlive the appliance.
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startAppliance, type Appliance } from "~/server/app";
import { createLogger } from "~/system/logging/logger";
import { REPO, runBin } from "../helpers/appliance";
import { buildImage, buildOtpRelease, buildScriptRelease, freePort, manifestSize, pushIndex, startRegistry, stopSupervisors, supervisorPid, waitFor, type Registry } from "../helpers/services";

let work: string;
let root: string;
let registry: Registry;
let app: Appliance;
const logs: string[] = [];
vi.setConfig({ testTimeout: 60_000 });

/** Starts the appliance on the test's device root (again, for the restart cases). */
async function boot(): Promise<Appliance> {
  const log = createLogger("test", "info", (l) => void logs.push(l));
  return startAppliance({ root, port: 0, host: "127.0.0.1", appDir: REPO, version: "0.1.0-test", ui: false, env: {}, log, console: () => undefined });
}

const cli = (...args: string[]) => runBin("maculaos", args, { MACULAOS_ROOT: root });
/** One service as `maculaos services --json` shows it, read from the appliance directly (the CLI's own output is
 * checked where it matters; polling through a new CLI process each time only costs time). */
const one = async (name: string) => (await app.sys.services.list()).find((s) => s.name === name);
const errorLogs = () => logs.filter((l) => (JSON.parse(l) as { level: string }).level === "error");

let otp: Promise<string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "maculaos-services-"));
  root = join(work, "device");
  otp = buildOtpRelease(work, "1.2.3"); // built with Erlang while the image cases run
  otp.catch(() => undefined); // awaited (and failing) in its own case
  [registry, app] = await Promise.all([startRegistry(work), boot()]);
  // short restart delays and settle time: the same behaviour, in less time
  const set = await cli("config", "set", "services", JSON.stringify({ restart_delay_ms: 50, settle_seconds: 1 }));
  expect(set.code, set.stderr).toBe(0);
});

afterAll(async () => {
  for (const s of await app.sys.services.list().catch(() => [])) await app.sys.services.remove(s.name, "test", true).catch(() => undefined);
  await app.close();
  await stopSupervisors(root);
  await registry.stop();
  await rm(work, { recursive: true, force: true });
});

describe("images from an OCI registry", () => {
  let httpPort: number;
  let amd64: string;

  it("refuses a registry with basic auth without credentials, then deploys the linux/amd64 image of a multi-arch index with them", async () => {
    httpPort = await freePort();
    const script = `echo "realm=$MACULA_REALM node=$MACULA_NODE_NAME greeting=$GREETING data=$MACULA_DATA_DIR"\necho persisted > /data/hello\nexec /bin/busybox httpd -f -p 127.0.0.1:${httpPort} -h /www\n`;
    amd64 = await buildImage(work, registry, "demo/web:amd64", { script, arch: "amd64", files: { "www/index.html": "web v1\n" } });
    const arm64 = await buildImage(work, registry, "demo/web:arm64", { script: "echo wrong architecture; exit 1\n", arch: "arm64" });
    await pushIndex(registry, "demo/web", "multi", [
      { digest: arm64, arch: "arm64", size: await manifestSize(registry, "demo/web", "arm64") },
      { digest: amd64, arch: "amd64", size: await manifestSize(registry, "demo/web", "amd64") },
    ]);

    const refused = await cli("deploy", `${registry.host}/demo/web:multi`);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(/wants a user name and password/);

    const set = await cli("config", "set", "registries", JSON.stringify([{ host: registry.host, username: registry.user, password: registry.password }]));
    expect(set.code, set.stderr).toBe(0);
    const r = await cli("deploy", `${registry.host}/demo/web:multi`, "--health-http", `http://127.0.0.1:${httpPort}/`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/web is running/);

    const listed = JSON.parse((await cli("services", "--json")).stdout) as Array<{ name: string; state: string; source: { digest: string } }>;
    expect(listed).toMatchObject([{ name: "web", state: "running", source: { digest: amd64 } }]);
    expect(await (await fetch(`http://127.0.0.1:${httpPort}/`)).text()).toBe("web v1\n");
    const log = await cli("logs", "web", "-n", "5");
    expect(log.stdout).toMatch(/realm=io\.macula node=maculaos greeting=from-image data=\/data/);
    expect(await readFile(join(root, "var/lib/maculaos/web/hello"), "utf8")).toBe("persisted\n");
    expect((await cli("logs", "web", "--since", "1m")).stdout).toMatch(/realm=io\.macula/);
    const table = (await cli("services")).stdout;
    expect(table).toMatch(/^NAME\s+SOURCE\s+STATE\s+UPTIME\s+RESTARTS\s+PORTS/);
    expect(table).toMatch(new RegExp(`web\\s+${registry.host.replace(/\./g, "\\.")}/demo/web:multi@sha256:\\S+\\s+running`));
  });

  it("gets a bearer token from the registry's token service with the configured credentials", async () => {
    await buildImage(work, registry, "demo/tok:v1", { script: "echo token image up\nexec sleep 1000\n" });
    const asked: string[] = [];
    const token = `tok-${process.pid}`;
    const basic = `Basic ${Buffer.from(`${registry.user}:${registry.password}`).toString("base64")}`;
    // a token service and a registry front that only takes its bearer tokens, like ghcr.io or Docker Hub
    const front = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname === "/token") {
        asked.push(`${req.headers.authorization} ${url.searchParams.get("service")} ${url.searchParams.get("scope")}`);
        if (req.headers.authorization !== `Basic ${Buffer.from("tokuser:tokpass").toString("base64")}`) return void res.writeHead(401).end();
        return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token }));
      }
      if (req.headers.authorization !== `Bearer ${token}`) {
        const port = (front.address() as { port: number }).port;
        return void res.writeHead(401, { "www-authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="test-registry",scope="repository:demo/tok:pull"` }).end();
      }
      const up = request(`http://${registry.host}${req.url}`, { headers: { accept: req.headers.accept ?? "*/*", authorization: basic } }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.end();
    });
    await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
    const host = `127.0.0.1:${(front.address() as { port: number }).port}`;
    try {
      const set = await cli("config", "set", "registries", JSON.stringify([{ host: registry.host, username: registry.user, password: registry.password }, { host, username: "tokuser", password: "tokpass" }]));
      expect(set.code, set.stderr).toBe(0);
      const r = await cli("deploy", `${host}/demo/tok:v1`);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(asked[0]).toBe(`Basic ${Buffer.from("tokuser:tokpass").toString("base64")} test-registry repository:demo/tok:pull`);
      expect(await one("tok")).toMatchObject({ state: "running" });
      expect((await cli("remove", "tok", "--purge")).code).toBe(0);
    } finally {
      front.close();
    }
  });

  it("refuses a blob whose digest does not match, and nothing of it is left running or installed", async () => {
    await buildImage(work, registry, "demo/broken:v1", { script: "exec sleep 1000\n" });
    // corrupt the image's layer in the registry's storage, keeping its size
    const manifest = JSON.parse(execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", "--creds", `${registry.user}:${registry.password}`, `docker://${registry.host}/demo/broken:v1`]).toString()) as { layers: Array<{ digest: string }> };
    const hex = manifest.layers.at(-1)?.digest.slice("sha256:".length) ?? ""; // its own layer, not the shared busybox base
    const blob = join(registry.storage, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
    const bytes = await readFile(blob);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
    await writeFile(blob, bytes);
    const r = await cli("deploy", `${registry.host}/demo/broken:v1`);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/does not match its digest/);
    expect(await one("broken")).toBeUndefined();
    expect(existsSync(join(root, "var/lib/maculaos/services/broken"))).toBe(false);
    expect(await readdir(join(root, "var/lib/maculaos/services/.staging"))).toEqual([]);
  });

  it("downloads at most three layers at once and applies them in order, whiteouts included", async () => {
    const script = 'echo "a=$(cat /opt/a.txt) b=$(cat /opt/b.txt 2>&1) c=$(cat /opt/c.txt)"\nexec sleep 1000\n';
    await buildImage(work, registry, "demo/layers:v1", {
      script,
      files: { "opt/a.txt": "one", "opt/b.txt": "two" },
      layers: [{ files: { "opt/c.txt": "three" } }, { remove: ["opt/b.txt"] }, { files: { "opt/a.txt": "four" } }, { files: { "opt/d.txt": "five" } }],
    });
    // a front for the registry that holds each layer download for 300 ms and counts how many are in flight
    let inFlight = 0;
    let most = 0;
    const basic = `Basic ${Buffer.from(`${registry.user}:${registry.password}`).toString("base64")}`;
    const front = createServer((req, res) => {
      const download = req.url?.includes("/blobs/") && !req.headers.range;
      if (download) most = Math.max(most, ++inFlight);
      setTimeout(() => {
        const up = request(`http://${registry.host}${req.url}`, { headers: { accept: req.headers.accept ?? "*/*", authorization: basic, ...(req.headers.range ? { range: req.headers.range } : {}) } }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res).on("finish", () => download && inFlight--);
        });
        up.end();
      }, download ? 300 : 0);
    });
    await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
    try {
      const r = await cli("deploy", `127.0.0.1:${(front.address() as { port: number }).port}/demo/layers:v1`);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    } finally {
      front.close();
    }
    expect(most).toBe(3); // six layers and the config blob: in parallel, but never more than three
    await waitFor("the layered image's greeting", async () => /a=four b=cat: can't open '\/opt\/b\.txt': No such file or directory c=three/.test((await cli("logs", "layers")).stdout));
    expect(await readdir(join(root, "var/lib/maculaos/services/.staging"))).toEqual([]);
    expect((await cli("remove", "layers", "--purge")).code).toBe(0);
  });

  it("keeps running while the appliance restarts, and the new appliance finds the same process", async () => {
    const before = await one("web");
    await app.close();
    expect(await (await fetch(`http://127.0.0.1:${httpPort}/`)).text()).toBe("web v1\n");
    app = await boot();
    const after = await one("web");
    expect(after).toMatchObject({ state: "running", pid: before?.pid, restarts: 0 });
  });

  it("comes back after a reboot: supervisor and run state gone, desired state from the database", async () => {
    const before = await one("web");
    await app.close();
    process.kill((await supervisorPid(root)) ?? 0, "SIGKILL");
    process.kill(-(before?.pid ?? 0), "SIGKILL");
    await rm(join(root, "run/maculaos/services"), { recursive: true });
    app = await boot();
    const after = await waitFor("web running again", async () => {
      const s = await one("web");
      return s?.state === "running" && s;
    });
    expect(after.pid).not.toBe(before?.pid);
    // running means started; httpd listens a moment later
    expect(await waitFor("web answering", () => fetch(`http://127.0.0.1:${httpPort}/`).then((r) => r.text(), () => null))).toBe("web v1\n");
  });

  it("stops (and stays stopped after a restart of the appliance), starts, restarts and removes keeping the data", async () => {
    expect((await cli("stop", "web")).stdout).toMatch(/web: stopped/);
    await expect(fetch(`http://127.0.0.1:${httpPort}/`)).rejects.toThrow();
    await app.close();
    app = await boot();
    expect(await one("web")).toMatchObject({ state: "stopped" });
    expect((await cli("start", "web")).stdout).toMatch(/web: (running|starting)/);
    const first = await waitFor("web running", async () => (await one("web"))?.state === "running" && one("web"));
    expect((await cli("restart", "web")).code).toBe(0);
    const second = await waitFor("web running", async () => (await one("web"))?.state === "running" && one("web"));
    expect(second?.pid).not.toBe(first?.pid);
    const status = await cli("service", "status", "web");
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Health\s+(healthy|unknown) \(http:/);
    const rm1 = await cli("remove", "web");
    expect(rm1.stdout).toMatch(/its data stays in/);
    expect(await one("web")).toBeUndefined();
    expect(await readFile(join(root, "var/lib/maculaos/web/hello"), "utf8")).toBe("persisted\n");
  });
});

describe("release tarballs", () => {
  it("deploys a real OTP release built with systools, runs it with the mesh settings, then stops it", async () => {
    const r = await cli("deploy", await otp);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const s = await one("hello");
    expect(s).toMatchObject({ state: "running", source: { version: "1.2.3" } });
    expect(s?.sourceLabel).toMatch(/hello 1\.2\.3 \(systools release\)/);
    await waitFor("the OTP greeting", async () => /hello from OTP 1\.2\.3 in realm io\.macula/.test((await cli("logs", "hello")).stdout));
    expect((await cli("stop", "hello")).stdout).toMatch(/hello: stopped/);
    expect(await one("hello")).toMatchObject({ state: "stopped", pid: null });
    expect(execFileSync("ps", ["-eo", "args"]).toString()).not.toMatch(/releases\/1\.2\.3\/start/);
    await cli("remove", "hello", "--purge");
  });

  it("ends a crash loop in state failed with the reason", async () => {
    const tarball = await buildScriptRelease(work, "crashy", "0.1.0", `if [ -e /data/crash ]; then echo "crashing on purpose" >&2; exit 3; fi\nexec sleep 1000`);
    expect((await cli("deploy", tarball)).code).toBe(0);
    await writeFile(join(root, "var/lib/maculaos/crashy/crash"), "");
    process.kill(-((await one("crashy"))?.pid ?? 0), "SIGKILL");
    const failed = await waitFor("crashy failed", async () => {
      const s = await one("crashy");
      return s?.state === "failed" && s;
    });
    expect(failed.reason).toMatch(/crash loop: exited 5 times in a row within 10 s of starting; last: exit code 3/);
    expect(failed.restarts).toBeGreaterThanOrEqual(4);
    expect((await cli("logs", "crashy")).stdout).toMatch(/\[stderr\] crashing on purpose/);
    expect((await cli("service", "status", "crashy")).code).toBe(3);
    await cli("remove", "crashy", "--purge");
  });

  it("rolls a new version that fails its health check back to the previous one, which is running again", async () => {
    const port = await freePort();
    const manifest = (extra = "") => `name: site\nports: [${port}]\nvolumes: ["/var/lib/maculaos/site:/app/data"]\nhealth:\n  http: http://127.0.0.1:${port}/health\n  start_seconds: 2\n${extra}`;
    const serve = `exec busybox httpd -f -p 127.0.0.1:${port} -h /app/www`;
    const v1 = await buildScriptRelease(work, "site", "1.0.0", serve, manifest(), { "www/health": "ok\n", "www/index.html": "site 1.0.0\n" });
    const v2 = await buildScriptRelease(work, "site", "2.0.0", serve, manifest(), { "www/index.html": "site 2.0.0 without a health endpoint\n" });
    expect((await cli("deploy", v1)).code).toBe(0);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("site 1.0.0\n");
    const r = await cli("deploy", v2);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/site 2\.0\.0 did not come up: its health check did not pass .*rolled back to site 1\.0\.0, which is running again/);
    expect(await one("site")).toMatchObject({ state: "running", source: { version: "1.0.0" } });
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("site 1.0.0\n");
    const detail = JSON.parse((await cli("service", "status", "site", "--json")).stdout) as { history: Array<{ ok: boolean; check: string }> };
    expect(detail.history.some((h) => !h.ok && h.check === "http")).toBe(true);
    await cli("remove", "site", "--purge");
  });

  it("takes a tcp health check from the command line and reports the service healthy", async () => {
    const port = await freePort();
    const tarball = await buildScriptRelease(work, "tcpsvc", "0.1.0", `mkdir -p /tmp/www\nexec busybox httpd -f -p 127.0.0.1:${port} -h /tmp/www`);
    const r = await cli("deploy", tarball, "--health-tcp", `127.0.0.1:${port}`, "--env", "EXTRA=1");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const status = await waitFor("healthy", async () => {
      const s = await cli("service", "status", "tcpsvc");
      return /Health\s+healthy \(127\.0\.0\.1:\d+\)/.test(s.stdout) && s;
    });
    expect(status.code).toBe(0);
    const detail = JSON.parse((await cli("service", "status", "tcpsvc", "--json")).stdout) as { env: string[]; history: Array<{ ok: boolean; check: string }> };
    expect(detail.env).toContain("EXTRA");
    expect(detail.history[0]).toMatchObject({ ok: true, check: "tcp" });
    await cli("remove", "tcpsvc", "--purge");
  });

  it("runs a release as its user with its own /etc, not the host's", async () => {
    const script = `id\nls /etc\ncat /etc/passwd /etc/group /etc/nsswitch.conf\ntouch /data/mine && ls -ln /data/mine\nexec sleep 1000`;
    const tarball = await buildScriptRelease(work, "etcsvc", "0.1.0", script, "user: \"1000:1001\"\n");
    const r = await cli("deploy", tarball);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = await waitFor("its output", async () => {
      const out = (await cli("logs", "etcsvc", "-n", "50")).stdout;
      return /mine/.test(out) && out.split("\n").map((l) => l.replace(/^\S+ /, ""));
    });
    expect(lines).toContain("uid=1000(etcsvc) gid=1001(etcsvc) groups=1001(etcsvc)");
    expect(lines.join("\n")).toContain(["group", "hosts", "nsswitch.conf", "passwd", "resolv.conf", "ssl"].join("\n")); // nothing else of the host's /etc
    expect(lines).toContain("etcsvc:x:1000:1001:etcsvc:/app:/bin/sh");
    expect(lines).toContain("hosts: files dns");
    expect(lines.find((l) => l.endsWith("/data/mine"))).toMatch(/^-\S+ +1 1000 +1001 /);
    const bad = await cli("deploy", await buildScriptRelease(work, "baduser", "0.1.0", "exec sleep 1000", "user: www-data\n"));
    expect(bad.stdout + bad.stderr).toMatch(/maculaos\.yaml: user: expected root or a numeric UID\[:GID\]/);
    await cli("remove", "etcsvc", "--purge");
  });

  it("refuses a hostile release tarball and leaves nothing behind", async () => {
    const file = join(work, "evil.tar");
    execFileSync("tar", ["-cf", file, "-C", work, "--absolute-names", "--transform=s,^,../../,", "registry.yml"]);
    const r = await cli("deploy", file);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/refused: path with \.\./);
    expect(await readdir(join(root, "var/lib/maculaos/services/.staging"))).toEqual([]);
  });
});

describe("server log", () => {
  it("has no unexpected errors", () => {
    expect(errorLogs()).toEqual([]);
  });
});
