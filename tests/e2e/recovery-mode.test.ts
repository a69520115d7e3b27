// Recovery mode in a real browser: a device booted with maculaos.mode=recovery sends a signed-in admin to the Recovery
// page, shows the recovery banner on every page, and the page offers repair, restore (run here from a backup file on
// the node and from an upload), factory reset and a shell. Screenshot for the README when SCREENSHOTS=DIR is set.
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeSetupApi, REPO, type ApplianceProcess } from "~/scripts/lib/appliance-process.mjs";
import { startE2E, stopE2E, watchedContext, type WatchedContext } from "./browser";

let app: ApplianceProcess;
let browser: Browser;
let admin: WatchedContext;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "maculaos-proc-"));
  await mkdir(join(root, "proc"), { recursive: true });
  await writeFile(join(root, "proc/cmdline"), "ro console=ttyS0,115200 maculaos.slot=A maculaos.mode=recovery\n");
  ({ app, browser } = await startE2E({ root }));
  await completeSetupApi(app.url, app.code);
  admin = await watchedContext(browser);
}, 300_000);

afterAll(async () => {
  expect(await stopE2E(app, browser)).toEqual([]);
  await rm(root, { recursive: true, force: true });
});

describe("recovery mode", () => {
  it("sends the admin to the Recovery page after signing in, with the banner", async () => {
    const { page } = admin;
    await page.goto(`${app.url}/`);
    await page.waitForURL(/\/login\?next=%2F$/);
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password", { exact: true }).fill("correct horse battery");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${app.url}/recovery`);
    await page.getByRole("heading", { name: "Recovery", exact: true }).waitFor();
    await expect(page.locator("#recovery-banner").textContent()).resolves.toMatch(/Recovery mode.*services are stopped, and no automatic updates, scheduled backups or alerts run/);
  });

  it("offers repair, restore, factory reset and a shell", async () => {
    const { page } = admin;
    await page.getByRole("button", { name: "Run repair" }).waitFor();
    await page.getByRole("form", { name: "Restore a backup" }).waitFor();
    await page.getByRole("radio", { name: /A file on this node/ }).waitFor();
    await page.getByRole("radio", { name: /Upload from this computer/ }).waitFor();
    await page.getByRole("button", { name: "Reset this node" }).waitFor();
    await expect(page.getByRole("link", { name: "Open a shell" }).getAttribute("href")).resolves.toBe("/terminal");
    if (process.env.SCREENSHOTS) await page.screenshot({ path: join(process.env.SCREENSHOTS, "recovery-mode.png") });
  });

  it("restores a backup file on the node after a confirmation, with progress", async () => {
    const { page } = admin;
    await mkdir(join(root, "var/backups/maculaos"), { recursive: true });
    await promisify(execFile)(join(REPO, "bin/maculaos"), ["backup", join(root, "var/backups/maculaos/before-repair.tar.gz")], { env: { ...process.env, MACULAOS_ROOT: root, MACULAOS_HOST: "" } });
    await page.getByLabel("Backup file").fill("before-repair.tar.gz");
    await page.getByRole("button", { name: "Restore…" }).click();
    await page.getByRole("group", { name: "Confirm the restore" }).getByRole("button", { name: "Restore" }).click();
    await page.getByText("Restore: done").waitFor({ timeout: 60_000 });
    await expect(page.getByText(/restored \d+ files/i).count()).resolves.toBe(1);
  });

  it("uploads a backup from this computer and restores it, with progress", async () => {
    const { page } = admin;
    await page.getByText("Upload from this computer", { exact: true }).click();
    await expect(page.getByRole("radio", { name: /Upload from this computer/ }).isChecked()).resolves.toBe(true);
    const laptop = join(root, "from-laptop.tar.gz"); // outside the backup directory, under another name
    await copyFile(join(root, "var/backups/maculaos/before-repair.tar.gz"), laptop);
    await page.getByLabel("Backup file").setInputFiles(laptop);
    await page.getByRole("button", { name: "Upload and restore…" }).click();
    await page.getByRole("group", { name: "Confirm the restore" }).getByRole("button", { name: "Restore" }).click();
    await page.getByText("Restore: done").waitFor({ timeout: 60_000 });
    await expect(page.getByText(/restored \d+ files/i).count()).resolves.toBe(1);
    await page.getByText("A file on this node", { exact: true }).click();
  });

  it("refuses a file that is not there, naming it", async () => {
    const { page } = admin;
    admin.allow.push(/status of 404 \(Not Found\) @ .*\/api\/trpc\/backups\.restore/);
    await page.getByLabel("Backup file").fill("/nonexistent/backup.tar.gz");
    await page.getByRole("button", { name: "Restore…" }).click();
    await page.getByRole("group", { name: "Confirm the restore" }).getByRole("button", { name: "Restore" }).click();
    await page.getByText("Not restored: nothing was changed").waitFor();
    await page.getByText(/cannot read \/nonexistent\/backup\.tar\.gz: no such file/i).waitFor();
  });

  it("shows the banner on the other pages, and the shell opens the terminal", async () => {
    const { page } = admin;
    await page.getByRole("navigation", { name: "Main" }).first().getByRole("link", { name: "Services" }).click();
    await page.waitForURL(`${app.url}/services`);
    await page.locator("#recovery-banner").getByRole("link", { name: "Recovery page" }).click();
    await page.waitForURL(`${app.url}/recovery`);
    await page.getByRole("link", { name: "Open a shell" }).click();
    await page.waitForURL(`${app.url}/terminal`);
    await page.locator("#recovery-banner").waitFor();
    expect(admin.unexpectedErrors()).toEqual([]);
  });
});
