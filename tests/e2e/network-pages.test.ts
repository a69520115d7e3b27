// The Firewall, Mesh and Network pages and the dashboard's security panel in a real browser, on an appliance process
// whose development device acts in a network namespace the test makes; traffic from a second namespace proves the
// rules. Fails on any unexpected browser console error or server error log.
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type AddressInfo, type Server } from "node:net";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeSetupApi, type ApplianceProcess } from "~/scripts/lib/appliance-process.mjs";
import { runBin } from "../helpers/appliance";
import { makeNetPair, type NetPair } from "../helpers/netns";
import { startE2E, watchedContext, type WatchedContext } from "./browser";

let app: ApplianceProcess;
let browser: Browser;
let admin: WatchedContext;
let net: NetPair;
let responder: Server;
let daemon: HttpServer;
const shots = process.env.SCREENSHOTS_DIR;
const shot = async (name: string) => void (shots && (await admin.page.waitForTimeout(300), await admin.page.screenshot({ path: join(shots, `${name}.png`) })));
const cli = (...args: string[]) => runBin("maculaos", args, { MACULAOS_ROOT: app.root });

beforeAll(async () => {
  ({ app, browser } = await startE2E());
  responder = createServer((s) => s.on("error", () => undefined).end()).listen(0, "127.0.0.1");
  await new Promise((r) => responder.once("listening", r));
  const bootstrap = `127.0.0.1:${(responder.address() as AddressInfo).port}`;
  const cookie = await completeSetupApi(app.url, app.code, { mesh: { role: "gateway", realm: "io.mycompany", bootstrap_nodes: [bootstrap] } });
  net = await makeNetPair("e2e", 203);
  await net.listen(["tcp:22", "tcp:8080"]);
  mkdirSync(join(app.root, "etc/maculaos"), { recursive: true });
  writeFileSync(join(app.root, "etc/maculaos/netns"), `${net.node}\n`);
  mkdirSync(join(app.root, "run/macula"), { recursive: true });
  daemon = createHttpServer((_req, res) => res.end(JSON.stringify({ self_node_id: "did:macula:edge01", healthy_links: [1, 2, 3], failed_links: [] }))).listen(join(app.root, "run/macula/mesh.sock"));
  admin = await watchedContext(browser, { width: 1280, height: 1100 });
  const [name, value] = cookie.split("=");
  await admin.context.addCookies([{ name: name!, value: value!, url: app.url }]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  daemon?.close();
  responder?.close();
  const errors = app?.errorLogs() ?? [];
  await app?.stop();
  await net?.remove();
  expect(errors).toEqual([]);
  expect(admin?.unexpectedErrors() ?? []).toEqual([]);
});

describe("network pages", () => {
  it("applies the firewall from the Firewall page and opens a port with the form", async () => {
    const { page } = admin;
    await page.goto(`${app.url}/firewall`);
    await expect.poll(() => page.getByTestId("firewall-state").textContent()).toMatch(/No MaculaOS rules are loaded/);
    expect(await net.reaches("tcp", 22)).toBe(true); // nothing loaded yet: everything gets in
    await page.getByRole("button", { name: "Apply again" }).click();
    await expect.poll(() => page.getByTestId("firewall-state").textContent()).toMatch(/exactly these rules/);
    expect(await net.reaches("tcp", 8080)).toBe(false);
    await page.getByLabel("Port and protocol").fill("8080/tcp");
    await page.getByRole("button", { name: "Allow", exact: true }).click();
    await page.getByTestId("firewall-rules").getByText("firewall allow 8080/tcp").waitFor();
    expect(await net.reaches("tcp", 8080)).toBe(true);
    expect(await page.getByTestId("firewall-rules").getByText("mesh gateway STUN").count()).toBe(2);
    await shot("firewall");
  });

  it("shows the mesh daemon, bootstrap reachability with a latency chart, and pings", async () => {
    const { page } = admin;
    await page.goto(`${app.url}/mesh`);
    await expect.poll(() => page.getByTestId("mesh-node-id").textContent()).toBe("did:macula:edge01");
    expect(await page.getByTestId("mesh-links").textContent()).toBe("3 up, 0 down");
    await page.getByTestId("bootstrap-table").getByText("yes").waitFor();
    await page.getByTestId("latency-chart").locator("svg path").first().waitFor();
    await page.getByLabel("Host").fill("127.0.0.1");
    await page.getByLabel("Count").fill("3");
    await page.getByRole("button", { name: "Ping" }).click();
    await expect.poll(() => page.getByTestId("ping-result").textContent(), { timeout: 10_000 }).toMatch(/3 sent, 3 received, 0% loss/);
    await shot("mesh");
  });

  it("changes an interface, shows the revert countdown, and keeps the change when confirmed", async () => {
    const { page } = admin;
    expect((await cli("config", "set", "network.interfaces", JSON.stringify([{ name: net.nodeIf, address: "10.203.0.1/24", gateway: "10.203.0.2" }]))).code).toBe(0);
    expect((await cli("network", "apply")).code).toBe(0);
    await page.goto(`${app.url}/network`);
    await page.getByTestId("interfaces-table").getByText("10.203.0.1/24").first().waitFor();
    await page.getByLabel("Interface").selectOption(net.nodeIf);
    await page.getByLabel("Addressing").selectOption("static");
    await page.getByLabel("Address/prefix").fill("10.203.0.88/24");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByText(/They revert in \d+ s/).waitFor();
    await page.getByTestId("interfaces-table").getByText("10.203.0.88/24").first().waitFor();
    await shot("network-pending");
    await page.getByRole("button", { name: "Keep settings" }).click();
    await expect.poll(() => page.getByText(/They revert in/).count()).toBe(0);
    expect(JSON.parse((await cli("network", "pending", "--json")).stdout)).toBeNull();
  });

  it("shows the security panel and the embedded services on the dashboard", async () => {
    const { page } = admin;
    await page.goto(`${app.url}/`);
    await page.getByTestId("security-panel").getByText("Secure boot").waitFor();
    await page.getByTestId("embedded-services").getByText("soft-serve").waitFor();
    expect(await page.getByTestId("embedded-services").getByText("23231/tcp").count()).toBe(1);
    await shot("dashboard-security");
  });
});
