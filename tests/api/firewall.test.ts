// The firewall for real: the appliance's development device acts in a network namespace joined by veth to a second
// one; real TCP and UDP traffic from the second proves what the ruleset lets in. The host's own ruleset is never touched.
import { execFileSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeSetup, runBin, startTestAppliance, WebClient, type TestAppliance } from "../helpers/appliance";
import { makeNetPair, type NetPair } from "../helpers/netns";

let t: TestAppliance;
let admin: WebClient;
let net: NetPair;
const hostRuleset = () => execFileSync("nft", ["list", "ruleset"]).toString();
let hostBefore: string;

type Show = { state: string; rules: { port: number; proto: string; action: string; source: string }[]; allow: string[]; deny: string[] };
const show = async () => (await admin.query<Show>("firewall.show")).body.result!.data;
const cli = (...args: string[]) => runBin("maculaos", [...args], { MACULAOS_ROOT: t.root });

/** Waits until the kernel holds the ruleset of the config (after a config change the appliance re-applies it). */
async function loaded(check: (s: Show) => boolean): Promise<Show> {
  for (let i = 0; i < 100; i++) {
    const s = await show();
    if (s.state === "loaded" && check(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`firewall never loaded as expected: ${JSON.stringify(await show())}`);
}

beforeAll(async () => {
  hostBefore = hostRuleset();
  net = await makeNetPair("fw", 201);
  await net.listen(["tcp:22", "tcp:8080", "tcp:9090", "tcp:9100", "tcp:5000", "udp:4433", "udp:3478", "tcp:3478", "udp:3479", "tcp:3479", "udp:51820"]);
  t = await startTestAppliance({
    seed: async (root) => {
      await mkdir(join(root, "etc/maculaos"), { recursive: true });
      await writeFile(join(root, "etc/maculaos/netns"), `${net.node}\n`);
    },
  });
  admin = new WebClient(t.url);
  await completeSetup(t, admin);
});

afterAll(async () => {
  await t?.close();
  await net?.remove();
  expect(hostRuleset()).toBe(hostBefore);
});

describe("firewall in a network namespace", () => {
  it("drops inbound by default and lets in ssh, the dashboard and metrics", async () => {
    const s = await loaded(() => true);
    expect(s.rules.map((r) => `${r.port}/${r.proto}:${r.source}`)).toEqual(["9090/tcp:dashboard", "22/tcp:ssh", "9100/tcp:metrics"]);
    const reached = await Promise.all([net.reaches("tcp", 22), net.reaches("tcp", 9090), net.reaches("tcp", 9100), net.reaches("tcp", 8080), net.reaches("udp", 4433)]);
    expect(reached).toEqual([true, true, true, false, false]);
    const text = await net.exec(net.node, "nft", ["list", "table", "inet", "maculaos"]);
    expect(text).toContain("policy drop");
    expect(await readFile(join(t.root, "var/lib/maculaos/firewall/ruleset.nft"), "utf8")).toContain("tcp dport 22 accept");
  });

  it("`firewall allow` opens a port and `deny` closes it again, persisted in config.yaml, each apply under 200 ms", async () => {
    const allow = await cli("firewall", "allow", "8080/tcp", "--json");
    expect(allow.code, allow.stderr).toBe(0);
    expect((JSON.parse(allow.stdout) as { ms: number }).ms).toBeLessThan(200);
    expect(await net.reaches("tcp", 8080)).toBe(true);
    expect(await readFile(join(t.root, "var/lib/maculaos/config.yaml"), "utf8")).toMatch(/allow:\s*\n\s*- 8080\/tcp/);
    const deny = await cli("firewall", "deny", "8080/tcp");
    expect(deny.code, deny.stderr).toBe(0);
    expect(await net.reaches("tcp", 8080)).toBe(false);
    const s = await show();
    expect(s.allow).toEqual([]);
    expect(s.deny).toEqual(["8080/tcp"]);
  });

  it("`firewall deny` closes a port the defaults open", async () => {
    expect((await cli("firewall", "deny", "22/tcp")).code).toBe(0);
    expect(await net.reaches("tcp", 22)).toBe(false);
    expect((await cli("firewall", "allow", "22/tcp")).code).toBe(0);
    expect(await net.reaches("tcp", 22)).toBe(true);
  });

  it("refuses to close the dashboard that the change comes through", async () => {
    const r = await admin.mutate("firewall.deny", { rule: "9090/tcp" });
    expect(r.status).toBe(403);
    expect(r.body.error?.message).toMatch(/cut off the dashboard/);
    expect(await net.reaches("tcp", 9090)).toBe(true);
    const bad = await cli("firewall", "allow", "70000/tcp");
    expect(bad.code).toBe(2);
  });

  it("`firewall show` prints the rules, with --json", async () => {
    const r = await cli("firewall", "show");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/policy\s+drop inbound/i);
    expect(r.stdout).toMatch(/9090\/tcp\s+accept\s+dashboard/);
    const j = JSON.parse((await cli("firewall", "show", "--json")).stdout) as Show;
    expect(j.state).toBe("loaded");
  });

  it.each([
    { role: "gateway", extra: {}, open: ["udp:4433", "udp:3478", "tcp:3478", "udp:3479", "tcp:3479"], closed: ["tcp:5000"] },
    { role: "bootstrap", extra: { advertise_address: "203.0.113.10:4433" }, open: ["udp:4433"], closed: ["udp:3478", "udp:3479"] },
    { role: "peer", extra: {}, open: [], closed: ["udp:4433", "udp:3478"] },
  ])("opens the mesh ports of the $role role", async ({ role, extra, open, closed }) => {
    const r = await admin.mutate("config.set", { entries: [{ key: "mesh", value: { role, realm: "io.mycompany", bootstrap_nodes: ["127.0.0.1:4433"], ...extra } }] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const s = await loaded((x) => open.every((spec) => x.rules.some((rule) => `${rule.proto}:${rule.port}` === spec)) && !x.rules.some((rule) => rule.source === "mesh" && closed.includes(`${rule.proto}:${rule.port}`)));
    expect(s.rules.filter((x) => x.source === "mesh").map((x) => `${x.proto}:${x.port}`).sort()).toEqual([...open].sort());
    const probe = (spec: string) => net.reaches(spec.split(":")[0] as "tcp" | "udp", Number(spec.split(":")[1])).then((ok) => `${spec} ${ok ? "open" : "closed"}`);
    const seen = await Promise.all([...open, ...closed].map(probe));
    expect(seen).toEqual([...open.map((x) => `${x} open`), ...closed.map((x) => `${x} closed`)]);
  });

  it("opens WireGuard's port when it is enabled", async () => {
    const key = (await admin.mutate<{ privateKey: string }>("wireguard.genkey")).body.result!.data.privateKey;
    expect(await net.reaches("udp", 51820)).toBe(false);
    expect((await admin.mutate("config.set", { entries: [{ key: "mesh.wireguard", value: { enabled: true, private_key: key } }] })).status).toBe(200);
    await loaded((s) => s.rules.some((r) => r.source === "wireguard" && r.port === 51820));
    expect(await net.reaches("udp", 51820)).toBe(true);
    expect(t.errorLogs()).toEqual([]);
  });
});
