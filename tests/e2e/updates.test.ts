// The whole A/B update loop in a real browser on a fresh appliance process: check, download (the live progress bar),
// apply, reboot into the new version committed; roll back by hand; then a release marked bad on the testing channel:
// the trial shown as "attempt n of 3" on each reboot, and finally the automatic rollback. The images come from the
// development device's own signed release, served from a throttled loopback HTTP server so the download takes a
// moment. Fails on any unexpected browser console error or server error log.
import type { Server } from "node:http";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeSetupApi, type ApplianceProcess } from "~/scripts/lib/appliance-process.mjs";
import { adminApi, slowReleaseServer } from "~/scripts/lib/update-loop.mjs";
import { startE2E, watchedContext, type WatchedContext } from "./browser";

let app: ApplianceProcess;
let browser: Browser;
let admin: WatchedContext;
let page: Page;
let cookie: string;
let releases: Server;
let releasesUrl: string;
let api: (path: string, input?: unknown) => Promise<unknown>;

const text = (testId: string) => page.getByTestId(testId).textContent();

/** Reboots through the confirm dialog, with the keyboard: Enter on Reboot, then Enter on the focused "Reboot now". */
async function reboot() {
  const history = (await text("update-history")) ?? "";
  await page.getByRole("button", { name: "Reboot", exact: true }).press("Enter");
  await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Reboot now");
  await page.keyboard.press("Enter");
  await page.getByRole("status").filter({ hasText: "Rebooted" }).waitFor();
  await expect.poll(() => text("update-history")).not.toBe(history);
}

/** Checks, then downloads the offered `version`, seeing the progress bar move. */
async function checkAndDownload(version: string) {
  await page.getByRole("button", { name: "Check for updates" }).click();
  await expect.poll(() => text("check-result")).toContain(`Version ${version} is available`);
  await page.getByRole("button", { name: `Download ${version}` }).click();
  await seeDownloadProgress(version);
}

/** Sees the download's progress bar part-way, then its success. */
async function seeDownloadProgress(version: string) {
  // Read in one go: the bar gives way to the success notice as soon as the job ends.
  const partWay = () =>
    page.evaluate((label) => {
      const bar = document.querySelector(`[role="progressbar"][aria-label="${label}"]`);
      const value = Number(bar?.getAttribute("aria-valuenow") ?? 0);
      return value > 0 && value < 100 ? bar?.getAttribute("aria-valuetext") : null;
    }, `Downloading ${version}`);
  await expect.poll(partWay, { timeout: 10_000, interval: 50 }).toMatch(/^\d+%: downloading 0\.1\.\d into slot [AB]$/);
  await page.locator('[data-testid="job-progress"][data-state="succeeded"]').waitFor({ timeout: 15_000 });
  await expect.poll(() => text("staged")).toContain(`${version} is in slot`);
}

beforeAll(async () => {
  ({ app, browser } = await startE2E());
  cookie = await completeSetupApi(app.url, app.code);
  api = adminApi(app.url, cookie);
  const slow = await slowReleaseServer(app.root, 300); // about 5 s for the 4 MiB image
  releases = slow.server;
  releasesUrl = slow.url;
  await api("config.set", { entries: [{ key: "updates.server", value: releasesUrl }] });
  admin = await watchedContext(browser);
  const [name, value] = cookie.split("=") as [string, string];
  await admin.context.addCookies([{ name, value, url: app.url }]);
  page = admin.page;
}, 300_000);

afterAll(async () => {
  await browser?.close();
  releases?.close();
  const errors = app?.errorLogs() ?? [];
  await app?.stop();
  expect(errors).toEqual([]);
});

describe("updates page", () => {
  it("is in the navigation and shows both slots of a fresh node", async () => {
    await page.goto(`${app.url}/`);
    await page.getByRole("link", { name: "Updates" }).click();
    await page.waitForURL(`${app.url}/updates`);
    await page.getByRole("heading", { name: "Updates", level: 1 }).waitFor();
    await expect.poll(() => text("slot-A")).toMatch(/running.*boots next/);
    expect(await text("slot-A-version")).toBe("0.1.0");
    expect(await text("slot-A-state")).toBe("committed");
    expect(await text("slot-B-version")).toBe("No system");
    expect(await text("slot-B-state")).toBe("bad");
    expect(await page.getByRole("button", { name: "Roll back" }).isDisabled()).toBe(true);
    expect(await text("auto-settings")).toMatch(/Channel\s*stable/);
    expect(await page.getByRole("link", { name: "Change in Settings" }).getAttribute("href")).toBe("/settings");
  });

  it("checks, downloads with a live progress bar, applies and reboots into the new version, committed", async () => {
    await checkAndDownload("0.1.1");
    expect(await text("check-result")).toContain("A development release: it boots");
    expect(await text("check-result")).toMatch(/Last checked just now/);
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(() => page.locator("#pending-reboot").textContent()).toContain("0.1.1 is applied to slot B and boots next");
    expect(await page.getByRole("button", { name: "Download 0.1.1" }).isDisabled()).toBe(true);
    expect(await text("slot-B")).toContain("boots next");
    await reboot();
    await expect.poll(() => text("running-version")).toBe("0.1.1");
    expect(await text("slot-B")).toMatch(/running.*boots next/);
    expect(await text("slot-B-version")).toBe("0.1.1");
    expect(await text("slot-B-state")).toBe("committed");
    expect(await text("slot-A-version")).toBe("0.1.0");
    expect(await page.locator("#pending-reboot").count()).toBe(0);
    expect(await page.getByTestId("trial").count()).toBe(0);
    await expect.poll(() => text("update-history")).toContain("update to 0.1.1 committed after a healthy boot");
    expect(await text("check-result")).toContain("while 0.1.0 was running; check again");
    expect(await page.getByRole("button", { name: /^Download/ }).isDisabled()).toBe(true);
  });

  it("rolls back to the previous slot after a confirmation, and Escape backs out of it", async () => {
    await page.getByRole("button", { name: "Roll back" }).click();
    await page.getByRole("group", { name: /Boot slot A \(0\.1\.0\) next\?/ }).waitFor();
    await page.keyboard.press("Escape");
    await expect.poll(() => page.getByRole("group", { name: /Boot slot A/ }).count()).toBe(0);
    await page.getByRole("button", { name: "Roll back" }).click();
    await page.getByRole("group", { name: /Boot slot A/ }).getByRole("button", { name: "Roll back" }).click();
    await page.getByRole("status").filter({ hasText: "Slot A boots next" }).waitFor();
    await expect.poll(() => text("slot-A")).toContain("boots next");
    expect(await page.getByRole("button", { name: "Roll back" }).isDisabled()).toBe(true);
  });

  it("shows a check that failed, and a download that broke off", async () => {
    admin.allow.push(/status of 503/);
    await api("config.set", { entries: [{ key: "updates.server", value: "http://127.0.0.1:9/" }] });
    await page.getByRole("button", { name: "Check for updates" }).click();
    await expect.poll(() => text("check-result")).toMatch(/The check failed.*cannot reach the update server at http:\/\/127\.0\.0\.1:9\/stable\.json/i);
    expect(await page.getByText("That did not work").count()).toBe(0);
    expect(await page.getByRole("button", { name: /^Download/ }).isDisabled()).toBe(true);

    await api("config.set", { entries: [{ key: "updates.server", value: releasesUrl }, { key: "updates.channel", value: "testing" }] });
    await page.reload();
    await expect.poll(() => text("auto-settings")).toMatch(/Channel\s*testing/);
    await page.getByRole("button", { name: "Check for updates" }).click();
    await page.getByRole("button", { name: "Download 0.1.2" }).click();
    await page.waitForFunction(() => Number(document.querySelector('[role="progressbar"][aria-label="Downloading 0.1.2"]')?.getAttribute("aria-valuenow")) > 0);
    releases.closeAllConnections();
    await page.locator('[data-testid="job-progress"][data-state="failed"]').waitFor();
    expect(await page.getByTestId("job-progress").textContent()).toMatch(/The download failed.*broke off at \d+ of 4194304 bytes.*run it again to resume/);
    await expect.poll(() => text("slot-A-state"), { timeout: 5_000 }).toBe("bad");
    expect(await text("slot-B")).toMatch(/running.*boots next/);
  });

  it("shows a download that is already running when the page opens", async () => {
    await page.goto(`${app.url}/`);
    await api("updates.downloadUpdate", null);
    await page.goto(`${app.url}/updates`);
    await expect.poll(() => text("slot-A-version"), { interval: 50 }).toBe("Receiving an update…");
    await seeDownloadProgress("0.1.2");
    expect(await text("check-result")).toContain("marked bad");
  });

  it("tries a bad release 3 times, showing each attempt, then shows the rollback", async () => {
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(() => page.locator("#pending-reboot").textContent()).toContain("0.1.2 is applied to slot A");
    for (const attempt of [1, 2, 3]) {
      await reboot();
      await expect.poll(() => text("trial")).toContain(`Trial of version 0.1.2, attempt ${attempt} of 3`);
      expect(await text("slot-A-state")).toBe(`trial, attempt ${attempt} of 3`);
      expect(await text("slot-A")).toContain("running");
    }
    await reboot();
    await expect.poll(() => page.getByTestId("trial").count()).toBe(0);
    await expect.poll(() => page.locator("#update-rollback").textContent()).toMatch(/update to 0\.1\.2 failed after 3 attempts; rolled back to 0\.1\.1/i);
    expect(await text("running-version")).toBe("0.1.1");
    expect(await text("slot-B")).toMatch(/running.*boots next/);
    expect(await text("slot-A-state")).toBe("bad");
    expect(await text("update-history")).toContain("update to 0.1.2 failed after 3 attempts; rolled back to 0.1.1");
  });

  it("shows a viewer the state without any update buttons", async () => {
    await api("users.create", { username: "viewer1", password: "viewer password 1", role: "viewer" });
    const viewer = await watchedContext(browser);
    await viewer.page.goto(`${app.url}/login?next=%2Fupdates`);
    await viewer.page.getByLabel("Username").fill("viewer1");
    await viewer.page.getByLabel("Password", { exact: true }).fill("viewer password 1");
    await viewer.page.getByRole("button", { name: "Sign in" }).click();
    await viewer.page.waitForURL(`${app.url}/updates`);
    await expect.poll(() => viewer.page.getByTestId("slot-B-version").textContent()).toBe("0.1.1");
    await viewer.page.getByText("Only admins can install updates").waitFor();
    for (const name of ["Check for updates", "Apply", "Reboot", "Roll back"]) expect(await viewer.page.getByRole("button", { name }).count()).toBe(0);
    expect(await viewer.page.getByTestId("update-history").textContent()).toContain("rolled back to 0.1.1");
    expect(viewer.unexpectedErrors()).toEqual([]);
    await viewer.context.close();
  });

  it("logged no unexpected browser console errors", () => {
    expect(admin.unexpectedErrors()).toEqual([]);
  });
});
