// Mesh status from the daemon's status endpoint and direct probes, a real nats-server on loopback as the local bus,
// mesh ping against loopback responders, WireGuard keys and config, SSH keys, and the security panel.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeSetup, runBin, startTestAppliance, WebClient, type TestAppliance } from "../helpers/appliance";

let t: TestAppliance;
let admin: WebClient;
let responder: Server;
let respPort: number;
let nats: ChildProcess;
let natsPort: number;
const cli = (...args: string[]) => runBin("maculaos", [...args], { MACULAOS_ROOT: t.root });

/** A free loopback port. */
async function freePort(): Promise<number> {
  const s = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => s.once("listening", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Starts Debian's nats-server on a loopback port and waits until it greets. */
async function startNats(): Promise<void> {
  natsPort = await freePort();
  nats = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(natsPort)], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((res) => {
      const c = connect(natsPort, "127.0.0.1");
      c.once("data", () => (c.destroy(), res(true)));
      c.once("error", () => res(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("nats-server did not start");
}

beforeAll(async () => {
  responder = createServer((s) => s.on("error", () => undefined).end()).listen(0, "127.0.0.1");
  await new Promise((r) => responder.once("listening", r));
  respPort = (responder.address() as AddressInfo).port;
  await startNats();
  t = await startTestAppliance({ env: { WIREGUARD_PRIVATE_KEY: "" } });
  admin = new WebClient(t.url);
  await completeSetup(t, admin);
  const set = await admin.mutate("config.set", { entries: [{ key: "mesh", value: { role: "peer", realm: "io.mycompany", bootstrap_nodes: [`127.0.0.1:${respPort}`], nats_url: `nats://127.0.0.1:${natsPort}` } }] });
  expect(set.status, JSON.stringify(set.body)).toBe(200);
});

afterAll(async () => {
  responder?.close();
  nats?.kill();
  await t?.close();
});

type Mesh = { role: string; realm: string; daemon: { running: boolean; nodeId: string | null; linksUp: number; linksDown: number; error: string | null }; bootstrap: { node: string; reachable: boolean; rttMs: number | null; history: unknown[] }[]; bus: { up: boolean; version: string | null } };

describe("mesh status", () => {
  it("says plainly when the mesh daemon does not answer, and still probes the bootstrap nodes and the bus", async () => {
    const r = await cli("mesh", "status");
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/Daemon\s+NOT RUNNING: the mesh daemon does not answer: nothing listens on .*mesh\.sock/);
    expect(r.stdout).toMatch(new RegExp(`127\\.0\\.0\\.1:${respPort}\\s+yes\\s+[\\d.]+ ms`));
    expect(r.stdout).toMatch(/Bus\s+NATS \d+\.\d+\.\d+ at nats:\/\/127\.0\.0\.1/);
    const j = JSON.parse((await cli("mesh", "status", "--json")).stdout) as Mesh;
    expect(j.daemon.running).toBe(false);
    expect(j.bootstrap[0]).toMatchObject({ reachable: true });
    expect(j.bootstrap[0]!.history.length).toBeGreaterThan(0);
  });

  it("reads role, node id and links from the daemon's status endpoint", async () => {
    const sock = join(t.root, "run/macula/mesh.sock");
    await mkdir(join(t.root, "run/macula"), { recursive: true });
    const daemon: HttpServer = createHttpServer((req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(req.url === "/status" ? { self_node_id: "did:macula:abc123", healthy_links: ["a", "b"], failed_links: ["c"], version: "0.9.1" } : {}));
    }).listen(sock);
    await new Promise((r) => daemon.once("listening", r));
    try {
      const s = (await admin.query<Mesh>("mesh.status")).body.result!.data;
      expect(s).toMatchObject({ role: "peer", realm: "io.mycompany", daemon: { running: true, nodeId: "did:macula:abc123", linksUp: 2, linksDown: 1, error: null }, bus: { up: true } });
      const r = await cli("mesh", "status");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Links\s+2 up, 1 down/);
      const services = (await admin.query<{ name: string; state: string }[]>("security.services")).body.result!.data;
      expect(services.find((x) => x.name === "mesh")?.state).toBe("running");
      expect(services.find((x) => x.name === "nats")?.state).toBe("running");
      expect(services.find((x) => x.name === "soft-serve")?.state).toBe("stopped");
    } finally {
      await new Promise((r) => daemon.close(r));
      await rm(sock, { force: true });
    }
  });

  it("renders the mesh daemon's config from mesh:", async () => {
    const r = await admin.mutate("mesh.applyConfig");
    expect(r.status).toBe(200);
    const c = JSON.parse(await readFile(join(t.root, "var/lib/maculaos/mesh/daemon.json"), "utf8")) as Record<string, unknown>;
    expect(c).toMatchObject({ role: "peer", realm: "io.mycompany", bootstrap_nodes: [`127.0.0.1:${respPort}`], nats_url: `nats://127.0.0.1:${natsPort}` });
  });
});

describe("network status on a development device without a namespace", () => {
  it("shows the real interfaces of the machine it runs on, read-only", async () => {
    const s = (await admin.query<{ where: string; interfaces: { name: string; addresses: { address: string }[] }[] }>("network.status")).body.result!.data;
    const real = (JSON.parse(execFileSync("ip", ["-j", "addr", "show"]).toString()) as { ifname: string }[]).map((i) => i.ifname);
    expect(s.interfaces.map((i) => i.name)).toEqual(real);
    expect(s.interfaces.find((i) => i.name === "lo")?.addresses.map((a) => a.address)).toContain("127.0.0.1/8");
    expect(s.where).toMatch(/development device/);
  });
});

describe("mesh ping", () => {
  it("pings a loopback responder over TCP with a count, and reports min/avg/max and loss", async () => {
    const r = await cli("mesh", "ping", `127.0.0.1:${respPort}`, "--count", "3", "--json");
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout) as { method: string; sent: number; received: number; lossPercent: number; minMs: number; avgMs: number; maxMs: number };
    expect(p).toMatchObject({ method: "tcp", sent: 3, received: 3, lossPercent: 0 });
    expect(p.minMs).toBeLessThanOrEqual(p.avgMs);
    expect(p.avgMs).toBeLessThanOrEqual(p.maxMs);
  });

  it("uses ICMP echo for a bare host", async () => {
    const r = await cli("mesh", "ping", "127.0.0.1", "--count", "2");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/127\.0\.0\.1 \(icmp\)/);
    expect(r.stdout).toMatch(/2 sent, 2 received, 0% loss/);
    expect(r.stdout).toMatch(/rtt min\/avg\/max = [\d.]+\/[\d.]+\/[\d.]+ ms/);
  });

  it("counts a refused connection as an answer (the host is there), and refuses bad operands", async () => {
    const closed = await freePort();
    const refused = await cli("mesh", "ping", `127.0.0.1:${closed}`, "--count", "1", "--json");
    expect(JSON.parse(refused.stdout)).toMatchObject({ received: 1, lossPercent: 0 });
    expect((await cli("mesh", "ping", "-x")).code).toBe(2);
    expect((await cli("mesh", "ping", "127.0.0.1", "--count", "0")).code).toBe(2);
  });
});

describe("WireGuard, SSH keys and the security panel", () => {
  it("makes WireGuard keys that wg agrees with, and renders wg0.conf 0600 without logging the key", async () => {
    const r = await cli("wireguard", "genkey", "--json");
    expect(r.code).toBe(0);
    const k = JSON.parse(r.stdout) as { privateKey: string; publicKey: string };
    expect(execFileSync("wg", ["pubkey"], { input: k.privateKey }).toString().trim()).toBe(k.publicKey);
    const set = await admin.mutate("config.set", { entries: [{ key: "mesh.wireguard", value: { enabled: true, private_key: k.privateKey, peers: [{ public_key: k.publicKey, endpoint: "peer1.example.com:51820", allowed_ips: ["10.0.0.2/32"] }] } }] });
    expect(set.status).toBe(200);
    const file = join(t.root, "etc/wireguard/wg0.conf");
    for (let i = 0; i < 50 && !(await stat(file).catch(() => null)); i++) await new Promise((res) => setTimeout(res, 50));
    const text = await readFile(file, "utf8");
    expect(text).toContain(`PrivateKey = ${k.privateKey}`);
    expect(text).toContain("Endpoint = peer1.example.com:51820");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(t.logs.join("\n")).not.toContain(k.privateKey);
    const status = JSON.parse((await cli("wireguard", "status", "--json")).stdout) as { enabled: boolean; up: boolean; peers: unknown[] };
    expect(status).toMatchObject({ enabled: true, up: false });
    expect(status.peers).toHaveLength(1);
  });

  it("writes ssh.authorized_keys to the admin account's authorized_keys", async () => {
    const dir = join(t.root, "keys");
    await mkdir(dir);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ops@example.com", "-f", join(dir, "id")]);
    const pub = (await readFile(join(dir, "id.pub"), "utf8")).trim();
    expect((await admin.mutate("config.set", { entries: [{ key: "ssh.authorized_keys", value: [pub] }] })).status).toBe(200);
    const file = join(t.root, "home/admin/.ssh/authorized_keys");
    let text = "";
    for (let i = 0; i < 50 && !text.includes(pub); i++) {
      text = await readFile(file, "utf8").catch(() => "");
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(text.split("\n")).toContain(pub);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(t.root, "home/admin/.ssh"))).mode & 0o777).toBe(0o700);
  });

  it("starts even when the admin's authorized_keys cannot be written, and the error names the file", async () => {
    // /home/admin is a plain file here, as a read-only or missing home would be on a broken image.
    const broken = await startTestAppliance({ seed: async (root) => void (await mkdir(join(root, "home"), { recursive: true }), await writeFile(join(root, "home/admin"), "not a directory")) });
    try {
      expect((await new WebClient(broken.url).query<{ ok: boolean }>("health.probe")).body.result?.data.ok).toBe(true);
      expect(broken.errorLogs().join("\n")).toMatch(/could not be written at start.*home\/admin\/\.ssh/);
    } finally {
      await broken.close();
    }
  });

  it("shows secure boot as mokutil reports it, the firewall summary and the open ports", async () => {
    const s = (await admin.query<{ secureBoot: { state: string; detail: string; wanted: boolean }; firewall: { state: string; accepted: string[] }; openPorts: { port: number; proto: string }[] }>("security.status")).body.result!.data;
    const mokutil = (() => {
      try {
        return execFileSync("mokutil", ["--sb-state"], { stdio: ["ignore", "pipe", "pipe"] }).toString();
      } catch (e) {
        return `${(e as { stdout: Buffer }).stdout}${(e as { stderr: Buffer }).stderr}`;
      }
    })();
    expect(s.secureBoot.detail).toBe(mokutil.trim().split("\n")[0]);
    expect(s.secureBoot.wanted).toBe(false);
    expect(s.firewall.state).toBe("offline"); // a development device without a namespace applies nothing to this machine
    expect(s.firewall.accepted).toEqual(expect.arrayContaining(["9090/tcp", "22/tcp", "51820/udp"]));
    expect(s.openPorts).toContainEqual(expect.objectContaining({ port: natsPort, proto: "tcp" }));
    const r = await cli("security");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Secure boot\s+/);
    expect(r.stdout).toMatch(/nats\s+running\s+\d+\/tcp/);
    expect(t.errorLogs()).toEqual([]);
  });
});
