// `network status` against a namespace with known addresses, and network changes that are applied and then reverted
// unless confirmed: the development device's network is a namespace the test makes (`ip netns add`).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeSetup, runBin, startTestAppliance, WebClient, type TestAppliance } from "../helpers/appliance";
import { makeNetPair, type NetPair } from "../helpers/netns";

let t: TestAppliance;
let admin: WebClient;
let net: NetPair;
const cli = (...args: string[]) => runBin("maculaos", [...args], { MACULAOS_ROOT: t.root });

type Status = { where: string; interfaces: { name: string; state: string; up: boolean; addresses: { address: string }[]; configured: unknown }[]; routes: { destination: string; gateway: string | null; device: string | null }[]; dns: { nameservers: string[] }; time: { servers: string[] } };
const status = async () => (await admin.query<Status>("network.status")).body.result!.data;
const addressesOf = async (name: string) => (await status()).interfaces.find((i) => i.name === name)?.addresses.map((a) => a.address) ?? [];
const iface = (address: string) => ({ name: net.nodeIf, address, gateway: "10.202.0.2", dns: ["10.202.0.2"] });

beforeAll(async () => {
  net = await makeNetPair("nt", 202);
  t = await startTestAppliance({
    seed: async (root) => {
      await mkdir(join(root, "etc/maculaos"), { recursive: true });
      await writeFile(join(root, "etc/maculaos/netns"), `${net.node}\n`);
      await writeFile(join(root, "etc/resolv.conf"), "nameserver 10.202.0.53\nsearch lan\n");
    },
  });
  admin = new WebClient(t.url);
  await completeSetup(t, admin);
  // Put the namespace's interface under the config, from the node's own socket (no revert window there).
  expect((await cli("config", "set", "network.interfaces", JSON.stringify([iface("10.202.0.1/24")]))).code).toBe(0);
  const applied = await cli("network", "apply", "--json");
  expect(applied.code, applied.stderr).toBe(0);
  expect((JSON.parse(applied.stdout) as { pending: unknown }).pending).toBeNull();
});

afterAll(async () => {
  await t?.close();
  await net?.remove();
});

describe("network status", () => {
  it("shows the namespace's interfaces, addresses, link state, routes and DNS", async () => {
    const s = await status();
    expect(s.where).toBe(`network namespace ${net.node}`);
    const v = s.interfaces.find((i) => i.name === net.nodeIf)!;
    expect(v.state).toBe("up");
    expect(v.addresses.map((a) => a.address)).toContain("10.202.0.1/24");
    expect(v.configured).toMatchObject({ address: "10.202.0.1/24", dhcp: false });
    expect(s.interfaces.find((i) => i.name === "lo")?.addresses.map((a) => a.address)).toContain("127.0.0.1/8");
    expect(s.routes).toContainEqual(expect.objectContaining({ destination: "default", gateway: "10.202.0.2", device: net.nodeIf }));
    expect(s.routes).toContainEqual(expect.objectContaining({ destination: "10.202.0.0/24", device: net.nodeIf }));
    expect(s.dns.nameservers).toEqual(["10.202.0.53"]);
    const text = await cli("network", "status");
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`${net.nodeIf}\\s+up\\s+\\S+\\s+10\\.202\\.0\\.1/24`));
  });

  it("renders systemd-networkd and timesyncd files", async () => {
    const file = await readFile(join(t.root, `etc/systemd/network/10-maculaos-${net.nodeIf}.network`), "utf8");
    expect(file).toContain(`Name=${net.nodeIf}`);
    expect(file).toContain("Address=10.202.0.1/24");
    expect(file).toContain("Gateway=10.202.0.2");
    expect(await readFile(join(t.root, "etc/systemd/timesyncd.conf.d/maculaos.conf"), "utf8")).toMatch(/^NTP=pool\.ntp\.org$/m);
  });
});

describe("apply, then revert unless confirmed", () => {
  it("reverts a remote change that nobody confirms, in config.yaml and on the device", async () => {
    const r = await admin.mutate<{ pending: { deadline: string } | null }>("network.set", { interfaces: [iface("10.202.0.77/24")], confirmSeconds: 1 });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.result!.data.pending).not.toBeNull();
    expect(await addressesOf(net.nodeIf)).toContain("10.202.0.77/24");
    expect((await admin.query("network.pending")).body.result!.data).not.toBeNull();
    await new Promise((res) => setTimeout(res, 1600));
    expect(await addressesOf(net.nodeIf)).toEqual(expect.arrayContaining(["10.202.0.1/24"]));
    expect(await addressesOf(net.nodeIf)).not.toContain("10.202.0.77/24");
    expect(await readFile(join(t.root, "var/lib/maculaos/config.yaml"), "utf8")).toContain("10.202.0.1/24");
    expect((await admin.query("network.pending")).body.result!.data).toBeNull();
    const { events } = (await admin.query<{ events: { action: string; detail: string }[] }>("events.list", { limit: 5 })).body.result!.data;
    expect(events.some((e) => e.action === "network.revert" && /not confirmed/.test(e.detail))).toBe(true);
  });

  it("keeps a confirmed change", async () => {
    const r = await admin.mutate("network.set", { interfaces: [iface("10.202.0.55/24")], confirmSeconds: 1 });
    expect(r.status).toBe(200);
    expect((await admin.mutate("network.confirm")).status).toBe(200);
    await new Promise((res) => setTimeout(res, 1400));
    expect(await addressesOf(net.nodeIf)).toContain("10.202.0.55/24");
    expect((await admin.query("network.pending")).body.result!.data).toBeNull();
  });

  it("gives a remote change 60 seconds by default and refuses a second change meanwhile", async () => {
    const r = await admin.mutate<{ pending: { deadline: string } }>("network.set", { hostname: "edge-node-02" });
    const left = Date.parse(r.body.result!.data.pending.deadline) - Date.now();
    expect(left).toBeGreaterThan(55_000);
    expect(left).toBeLessThanOrEqual(60_000);
    expect((await admin.mutate("network.set", { hostname: "edge-node-03" })).status).toBe(409);
    expect((await cli("network", "revert")).code).toBe(0);
    expect(await readFile(join(t.root, "etc/hostname"), "utf8")).toBe("edge-node-01\n");
  });

  it("refuses an interface the device does not have, changing nothing", async () => {
    const r = await admin.mutate("network.set", { interfaces: [{ name: "nosuchif0", address: "10.9.9.9/24", gateway: "10.9.9.1" }] });
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toMatch(/nosuchif0 does not exist/);
    expect(await readFile(join(t.root, "var/lib/maculaos/config.yaml"), "utf8")).not.toContain("nosuchif0");
  });

  it("puts the old settings back when the new ones cannot be applied", async () => {
    const r = await admin.mutate("network.set", { interfaces: [iface("10.202.0.66/24")].map((i) => ({ ...i, gateway: "10.99.0.1" })) });
    expect(r.status).toBe(500);
    expect(r.body.error?.message).toMatch(/ip route replace default via 10\.99\.0\.1/);
    expect(await addressesOf(net.nodeIf)).toContain("10.202.0.55/24");
    expect(await addressesOf(net.nodeIf)).not.toContain("10.202.0.66/24");
    expect(await readFile(join(t.root, "var/lib/maculaos/config.yaml"), "utf8")).not.toContain("10.99.0.1");
    expect(t.errorLogs().length).toBe(1); // the failed apply is logged; the next test checks nothing else was
    t.logs.splice(t.logs.findIndex((l) => l.includes('"level":"error"')), 1);
  });

  it("refuses an invalid address before touching anything", async () => {
    const r = await admin.mutate("network.set", { interfaces: [{ name: net.nodeIf, address: "10.202.0.300/24", gateway: "10.202.0.2" }] });
    expect(r.status).toBe(400);
    expect(await addressesOf(net.nodeIf)).toContain("10.202.0.55/24");
    expect(t.errorLogs()).toEqual([]);
  });
});
