// A person's first visit to a fresh node, in a real browser: the wizard with the setup code, the dashboard, sign out,
// sign in, a viewer who cannot change settings, and an unknown boot state repaired from the Recovery page. Fails on any unexpected browser console error or server error log.
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApplianceProcess } from "~/scripts/lib/appliance-process.mjs";
import { startE2E, watchedContext, type WatchedContext } from "./browser";

let app: ApplianceProcess;
let browser: Browser;
let admin: WatchedContext;

beforeAll(async () => {
  ({ app, browser } = await startE2E());
  admin = await watchedContext(browser);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  const errors = app?.errorLogs() ?? [];
  await app?.stop();
  expect(errors).toEqual([]);
});

/** Clicks the wizard's primary button and waits for the next step's heading. */
async function next(w: WatchedContext, heading: string) {
  await w.page.getByRole("button", { name: "Continue" }).click();
  await w.page.getByRole("heading", { name: heading, exact: true }).waitFor();
}

describe("first boot", () => {
  it("sends every page to the wizard while setup is pending", async () => {
    await admin.page.goto(`${app.url}/settings`);
    expect(new URL(admin.page.url()).pathname).toBe("/setup");
  });

  it("refuses a wrong setup code, then walks the wizard with the right one", async () => {
    const { page } = admin;
    admin.allow.push(/403/);
    await page.getByLabel("Setup code").fill("WRNG-CODE");
    await page.getByRole("button", { name: "Continue" }).click();
    await expect.poll(() => page.getByText(/wrong setup code/i).count()).toBeGreaterThan(0);
    const code = execFileSync(join(process.cwd(), "bin/maculaos"), ["setup-code"], { env: { ...process.env, MACULAOS_ROOT: app.root } }).toString().trim();
    expect(code).toBe(app.code);
    await page.getByLabel("Setup code").fill(code);
    await next(admin, "Admin account");
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password", { exact: true }).fill("correct horse battery");
    await page.getByLabel("Confirm password").fill("correct horse battery");
    await next(admin, "Hostname");
    await page.getByLabel("Hostname").fill("edge-node-01");
    await next(admin, "Network");
    await next(admin, "Mesh");
    await page.getByLabel("Realm").fill("io.mycompany");
    await next(admin, "SSH keys");
    await next(admin, "NTP servers");
    await next(admin, "Review & finish");
    await page.getByRole("button", { name: "Finish setup" }).click();
    await page.waitForURL(`${app.url}/`);
  });

  it("lands on the dashboard with the node's facts and the setup event", async () => {
    const { page } = admin;
    await expect.poll(() => page.getByTestId("hostname").textContent()).toBe("edge-node-01");
    expect(await page.getByTestId("slot").textContent()).toContain("A");
    expect(await page.getByTestId("mesh-role").textContent()).toMatch(/peer/i);
    expect(await page.getByTestId("mesh-realm").textContent()).toBe("io.mycompany");
    await expect.poll(() => page.getByTestId("recent-events").textContent()).toMatch(/setup/i);
  });

  it("has no wizard any more", async () => {
    admin.allow.push(/404 \(Not Found\) @ .*\/setup$/);
    const res = await admin.page.goto(`${app.url}/setup`);
    expect(res?.status()).toBe(404);
  });

  it("signs out, refuses a wrong password, and signs back in", async () => {
    const { page } = admin;
    await page.goto(`${app.url}/`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login/);
    await page.goto(`${app.url}/settings`);
    await page.waitForURL(/\/login\?next=%2Fsettings/);
    admin.allow.push(/401/);
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password", { exact: true }).fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: /wrong username or password/i }).waitFor();
    await page.getByLabel("Password", { exact: true }).fill("correct horse battery");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${app.url}/settings`);
  });

  it("lets an admin add a viewer who can read but not change settings", async () => {
    const { page } = admin;
    await page.goto(`${app.url}/settings#users`);
    await page.getByRole("tab", { name: "Users" }).click();
    await page.getByLabel("Username").fill("viewer1");
    await page.getByLabel("Initial password").fill("viewer password 1");
    await page.getByRole("button", { name: "Add user" }).click();
    await expect.poll(() => page.getByTestId("users-table").textContent()).toContain("viewer1");

    const viewer = await watchedContext(browser);
    await viewer.page.goto(`${app.url}/login`);
    await viewer.page.getByLabel("Username").fill("viewer1");
    await viewer.page.getByLabel("Password", { exact: true }).fill("viewer password 1");
    await viewer.page.getByRole("button", { name: "Sign in" }).click();
    await viewer.page.waitForURL(`${app.url}/`);
    await viewer.page.goto(`${app.url}/settings`);
    await viewer.page.getByTestId("viewer-notice").waitFor();
    expect(await viewer.page.getByLabel("Hostname").isEditable()).toBe(false);
    expect(await viewer.page.getByRole("button", { name: /save/i }).count()).toBe(0);
    expect(await viewer.page.getByRole("tab", { name: "Users" }).count()).toBe(0);
    expect(viewer.unexpectedErrors()).toEqual([]);
    await viewer.context.close();
  });

  it("says on the dashboard when the boot state is unknown, and a repair from the Recovery page rebuilds it", async () => {
    const { page } = admin;
    for (const f of ["boot/grub/grubenv", "boot/grub/grubenv.bak"]) await writeFile(join(app.root, f), "");
    await page.goto(`${app.url}/`);
    await expect.poll(() => page.locator("#boot-problem").textContent()).toMatch(/The boot state is unknown.*no trustworthy boot env/);
    // the Updates page shows the slots it knows, their state unknown, and the same way out
    await page.goto(`${app.url}/updates`);
    await expect.poll(() => page.locator("#boot-problem").textContent()).toMatch(/The boot state is unknown.*no trustworthy boot env/);
    expect(await page.getByTestId("slot-A-state").textContent()).toBe("unknown");
    expect(await page.getByTestId("slot-B-state").textContent()).toBe("unknown");
    expect(await page.getByTestId("running-version").textContent()).toMatch(/^\d+\.\d+\.\d+/);
    await page.locator("#boot-problem").getByRole("link", { name: "run a repair" }).click();
    await page.waitForURL(`${app.url}/recovery`);
    await page.getByRole("button", { name: "Run repair" }).click();
    await expect.poll(() => page.locator("main").textContent()).toMatch(/rebuilt: slot A \(running now\) is committed and boots first/);
    await page.goto(`${app.url}/`);
    await page.getByText(/^Booted /).first().waitFor(); // the node's facts have loaded
    expect(await page.locator("#boot-problem").count()).toBe(0);
  });

  it("logged no unexpected browser console errors", () => {
    expect(admin.unexpectedErrors()).toEqual([]);
  });
});
