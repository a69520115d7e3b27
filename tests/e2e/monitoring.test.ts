// In chromium: the dashboard's resource charts grow with live samples without a reload; the health tiles link to the
// Health page; the Logs page filters by source and text and follows new lines live.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeSetupApi, type ApplianceProcess } from "~/scripts/lib/appliance-process.mjs";
import { startE2E, stopE2E, watchedContext, type WatchedContext } from "./browser";

let app: ApplianceProcess;
let browser: Browser;
let w: WatchedContext;
let cookie: string;

/** Calls a mutation as the signed-in admin. */
async function mutate(path: string, input: unknown): Promise<void> {
  const res = await fetch(`${app.url}/api/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json", origin: app.url, "x-maculaos-csrf": "1", cookie }, body: JSON.stringify(input) });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  ({ app, browser } = await startE2E());
  cookie = await completeSetupApi(app.url, app.code);
  await mutate("config.set", { entries: [{ key: "monitoring.interval", value: "1s" }, { key: "alerts", value: [{ name: "disk_full", condition: "disk_usage > 99%", topic: "io.mycompany.alerts.disk_full" }] }] });
  w = await watchedContext(browser);
  const [name = "", value = ""] = cookie.split("=");
  await w.context.addCookies([{ name, value, url: app.url }]);
}, 300_000);

afterAll(async () => {
  expect(await stopE2E(app, browser)).toEqual([]);
});

describe("monitoring in the browser", () => {
  it("updates the resource charts live, without a reload", async () => {
    const { page } = w;
    await page.goto(`${app.url}/`);
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const chart = page.getByRole("img", { name: "CPU, memory and disk usage over time" });
    await chart.locator("canvas").waitFor();
    const before = Number(await chart.getAttribute("data-points"));
    await expect.poll(async () => Number(await chart.getAttribute("data-points")), { timeout: 20_000 }).toBeGreaterThanOrEqual(before + 3);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    // the legend shows the newest values while the pointer is elsewhere: CPU, memory and disk as percentages
    await expect.poll(() => chart.locator(".u-legend .u-series .u-value").allTextContents()).toEqual([expect.any(String), expect.stringMatching(/^\d+(\.\d)?%$/), expect.stringMatching(/^\d+(\.\d)?%$/), expect.stringMatching(/^\d+(\.\d)?%$/)]);
    expect(w.unexpectedErrors()).toEqual([]);
  });

  it("has health tiles that link to their detail on the Health page", async () => {
    const { page } = w;
    await page.getByTestId("tile-alerts").getByText("None firing").waitFor();
    await page.getByTestId("tile-mesh-connectivity").click();
    await page.waitForURL(`${app.url}/health#check-mesh`);
    await page.getByTestId("checks-table").getByRole("row").nth(8).waitFor();
    expect(await page.getByTestId("checks-table").getByRole("row").count()).toBe(9); // heading + 8 built-in checks
    await expect.poll(() => page.getByTestId("alerts-table").getByText("disk_usage > 99%").count()).toBe(1);
    expect(w.unexpectedErrors()).toEqual([]);
  });

  it("filters logs by source and text and follows new lines live", async () => {
    const { page } = w;
    await page.goto(`${app.url}/logs`);
    await page.getByLabel("Source").selectOption("appliance");
    await page.getByLabel("Text").fill("serving Prometheus");
    await expect.poll(() => page.getByTestId("log-lines").getByRole("listitem").count()).toBe(1);
    await page.getByLabel("Text").fill("fluent-bit configuration");
    await page.getByText("No log lines match").waitFor();
    await mutate("config.set", { entries: [{ key: "logging.forward_to", value: "logs.example.com:24224" }] });
    await expect.poll(() => page.getByTestId("log-lines").getByRole("listitem").count(), { timeout: 20_000 }).toBe(1);
    expect(await page.getByTestId("log-lines").textContent()).toContain("fluent-bit configuration written");
    expect(w.unexpectedErrors()).toEqual([]);
  });
});
