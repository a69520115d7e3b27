// The Backups and Recovery pages in a real browser: back up with a progress bar, the backup appears with the last
// good time, verify it, restore it (confirming), run repair; screenshots for the README when SCREENSHOTS=DIR is set.
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeSetupApi, type ApplianceProcess } from "~/scripts/lib/appliance-process.mjs";
import { startE2E, stopE2E, watchedContext, type WatchedContext } from "./browser";

let app: ApplianceProcess;
let browser: Browser;
let admin: WatchedContext;

async function shot(name: string): Promise<void> {
  if (process.env.SCREENSHOTS) await admin.page.screenshot({ path: join(process.env.SCREENSHOTS, `${name}.png`) });
}

beforeAll(async () => {
  ({ app, browser } = await startE2E());
  admin = await watchedContext(browser);
  const cookie = await completeSetupApi(app.url, app.code);
  const [name, value] = cookie.split("=");
  await admin.context.addCookies([{ name: name!, value: value!, url: app.url }]);
}, 300_000);

afterAll(async () => {
  expect(await stopE2E(app, browser)).toEqual([]);
});

describe("backups page", () => {
  it("warns that there is no backup, backs up with progress, then lists it as the last good one", async () => {
    const { page } = admin;
    await page.goto(`${app.url}/backups`);
    await page.getByText("No backup yet").waitFor();
    await page.getByText("No stored backups").waitFor();
    await page.getByRole("button", { name: "Back up now" }).click();
    await page.getByText("Backup: done").waitFor({ timeout: 30_000 });
    await page.getByText("Last good backup").waitFor();
    const row = page.getByRole("row").filter({ hasText: /maculaos-edge-node-01-.*\.tar\.gz/ });
    await expect(row.count()).resolves.toBe(1);
    await shot("backups");
    await row.getByRole("button", { name: "Verify" }).click();
    await page.getByText(/Verification: done/).waitFor({ timeout: 30_000 });
    await expect(page.getByText(/verified: \d+ files/i).count()).resolves.toBe(1);
  });

  it("restores a stored backup after a confirmation", async () => {
    const { page } = admin;
    await page.getByRole("button", { name: "Dismiss" }).click();
    await page.getByRole("button", { name: "Restore" }).first().click();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("region", { name: /Restore maculaos-/ }).getByRole("button", { name: "Restore" }).click();
    await page.getByText("Restore: done").waitFor({ timeout: 30_000 });
    await expect(page.getByText(/restored \d+ files/i).count()).resolves.toBe(1);
  });
});

describe("recovery page", () => {
  it("runs repair and shows each step", async () => {
    const { page } = admin;
    await page.goto(`${app.url}/recovery`);
    await page.getByRole("button", { name: "Run repair" }).click();
    const steps = page.getByRole("list", { name: "Repair steps" });
    await steps.waitFor();
    for (const s of ["boot-env", "database", "config", "permissions", "jobs", "disk"]) await steps.getByText(s, { exact: true }).waitFor();
    await expect(page.getByRole("button", { name: "Reset this node" }).isDisabled()).resolves.toBe(true);
    await shot("recovery");
    expect(admin.unexpectedErrors()).toEqual([]);
  });
});
