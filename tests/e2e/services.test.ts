// The Services page in a real browser: deploy a release tarball by upload with progress, watch it run and log live,
// see a crash and its restart pushed to the page without polling, stop, start and remove it. Fails on any unexpected
// browser console error or server error log.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeSetupApi, type ApplianceProcess } from "~/scripts/lib/appliance-process.mjs";
import { runBin } from "../helpers/appliance";
import { buildScriptRelease, stopSupervisors } from "../helpers/services";
import { startE2E, watchedContext, type WatchedContext } from "./browser";

let app: ApplianceProcess;
let browser: Browser;
let admin: WatchedContext;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "maculaos-e2e-services-"));
  ({ app, browser } = await startE2E());
  const cookie = await completeSetupApi(app.url, app.code);
  admin = await watchedContext(browser);
  const [name = "", value = ""] = cookie.split("=");
  await admin.context.addCookies([{ name, value, url: app.url }]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  const errors = app?.errorLogs() ?? [];
  if (app) await stopSupervisors(app.root);
  await app?.stop();
  await rm(work, { recursive: true, force: true });
  expect(errors).toEqual([]);
});

describe("services page", () => {
  it("deploys an uploaded release, shows it running with its live log, stops, starts and removes it", async () => {
    const { page } = admin;
    page.setDefaultTimeout(30_000);
    await page.goto(`${app.url}/services`);
    await page.getByText("No services yet").waitFor();
    const tarball = await buildScriptRelease(work, "ticker", "0.2.0", 'while :; do echo "tick from $MACULA_NODE_NAME"; sleep 1; done');
    await page.locator('input[type="file"]').setInputFiles(tarball);
    await page.getByRole("button", { name: "Deploy" }).click();
    await page.getByText(/Ticker is running ticker 0\.2\.0/).waitFor();
    const table = page.getByTestId("services-table");
    await expect.poll(() => table.getByTestId("service-state").first().textContent()).toBe("running");
    expect(await table.textContent()).toMatch(/ticker 0\.2\.0 \(rebar3 release\)/);
    await expect.poll(() => page.getByTestId("service-log").textContent()).toMatch(/tick from edge-node-01/);

    // a crash and its restart arrive by push: no list or detail polling while it happens
    const polls: string[] = [];
    page.on("request", (r) => /services\.(list|get|logs)/.test(r.url()) && !r.url().includes("followLogs") && polls.push(r.url()));
    const restarts = () => table.locator("tbody tr").first().locator("td").nth(4).textContent();
    expect(await restarts()).toBe("0");
    const { stdout } = await runBin("maculaos", ["service", "status", "ticker", "--json"], { MACULAOS_ROOT: app.root });
    process.kill(-(JSON.parse(stdout) as { pid: number }).pid, "SIGKILL");
    await expect.poll(restarts, { timeout: 10_000 }).toBe("1");
    await expect.poll(() => table.getByTestId("service-state").first().textContent()).toBe("running");
    expect(polls.filter((u) => u.includes("services.list"))).toEqual([]); // the list itself is never fetched again
    await expect.poll(() => page.getByTestId("service-log").textContent()).toMatch(/exited \(killed by SIGKILL\); restarting/);

    const detail = page.getByTestId("service-detail");
    await detail.getByRole("button", { name: "Stop", exact: true }).click();
    await expect.poll(() => detail.getByTestId("service-state").textContent()).toBe("stopped");
    await detail.getByRole("button", { name: "Start", exact: true }).click();
    await expect.poll(() => detail.getByTestId("service-state").textContent()).toBe("running");
    await detail.getByRole("button", { name: "Remove" }).click();
    await detail.getByRole("button", { name: "Remove" }).click();
    await page.getByText("No services yet").waitFor();
    expect(admin.unexpectedErrors()).toEqual([]);
  });
});
