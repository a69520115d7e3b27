// Takes the README's screenshots: a fresh appliance, the wizard, then each page in light and dark mode.
// Usage: node scripts/screenshots.mjs [OUTDIR]   (default docs/screenshots)
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM, REPO, completeSetupApi, startAppliance } from "./lib/appliance-process.mjs";
import { adminApi, slowReleaseServer } from "./lib/update-loop.mjs";

/** Waits until the YAML editor has loaded the config. */
async function untilLoaded(editor) {
  for (let i = 0; i < 50 && !(await editor.inputValue()).includes("role:"); i++) await new Promise((r) => setTimeout(r, 100));
}

/** The Terminal page with two shells, colours and a command's output. */
async function terminalShot(page, url, shot) {
  await page.goto(`${url}/terminal`);
  await page.getByTestId("terminal-state").filter({ hasText: "Connected" }).waitFor();
  await page.getByRole("button", { name: "New tab", exact: true }).first().click();
  await page.getByRole("tab").nth(1).waitFor();
  await page.getByTestId("terminal-state").filter({ hasText: "Connected" }).waitFor();
  await page.locator("[role=tabpanel]:not([hidden]) .xterm-helper-textarea").focus();
  await page.keyboard.type(`clear; echo $((6*7)); for i in $(seq 16 51); do printf '\\e[48;5;%sm  ' $i; done; printf '\\e[0m\\n'; ls --color=always /usr`);
  await page.keyboard.press("Enter");
  await page.waitForTimeout(800);
  await shot(page, "terminal");
}

const out = process.argv[2] ?? join(REPO, "docs/screenshots");
mkdirSync(out, { recursive: true });
execFileSync(process.execPath, [join(REPO, "scripts/build.mjs"), "--if-needed"], { stdio: "inherit" });
const app = await startAppliance();
const browser = await chromium.launch({ executablePath: CHROMIUM.executablePath, args: CHROMIUM.args });
try {
  const shot = async (page, name) => {
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(out, `${name}.png`) });
    console.log(`wrote ${name}.png`);
  };
  const setup = await (await browser.newContext({ viewport: { width: 1280, height: 820 }, colorScheme: "light" })).newPage();
  await setup.goto(`${app.url}/`);
  await shot(setup, "setup-code");
  await setup.getByLabel("Setup code").fill(app.code);
  await setup.getByRole("button", { name: "Continue" }).click();
  await setup.getByRole("heading", { name: "Admin account", exact: true }).waitFor();
  for (let i = 0; i < 3; i++) await setup.getByRole("button", { name: "Continue" }).click().catch(() => undefined);
  await setup.getByLabel("Username").fill("admin");
  await setup.getByLabel("Password", { exact: true }).fill("correct horse battery");
  await setup.getByLabel("Confirm password").fill("correct horse battery");
  for (const h of ["Hostname", "Network", "Mesh"]) {
    await setup.getByRole("button", { name: "Continue" }).click();
    await setup.getByRole("heading", { name: h, exact: true }).waitFor();
    if (h === "Hostname") await setup.getByLabel("Hostname").fill("edge-node-01");
  }
  await setup.getByLabel("Realm").fill("io.mycompany");
  await shot(setup, "setup-mesh");
  await setup.context().close();

  const cookie = await completeSetupApi(app.url, app.code).catch(() => null);
  for (const scheme of ["light", "dark"]) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 820 }, colorScheme: scheme });
    const page = await ctx.newPage();
    if (cookie) {
      const [name, value] = cookie.split("=");
      await ctx.addCookies([{ name, value, url: app.url }]);
    }
    await page.goto(`${app.url}/`);
    await page.getByTestId("hostname").waitFor();
    await shot(page, `dashboard-${scheme}`);
    if (scheme === "dark") continue;
    await page.goto(`${app.url}/settings`);
    await page.getByLabel("Hostname").waitFor();
    await shot(page, "settings-general");
    await page.goto(`${app.url}/settings#yaml`);
    await page.getByRole("tab", { name: "YAML" }).click();
    const editor = page.getByRole("textbox").first();
    await untilLoaded(editor);
    await editor.fill((await editor.inputValue()).replace("role: peer", "role: relay"));
    await page.waitForTimeout(900);
    await shot(page, "settings-yaml");
    await page.goto(`${app.url}/events`);
    await shot(page, "events");
    await page.goto(`${app.url}/health`);
    await page.getByTestId("checks-table").waitFor();
    await shot(page, "health");
    await page.goto(`${app.url}/logs`);
    await page.getByTestId("log-lines").waitFor();
    await shot(page, "logs");
    await terminalShot(page, app.url, shot);
    const mobile = await browser.newContext({ viewport: { width: 390, height: 780 }, colorScheme: "light" });
    if (cookie) await mobile.addCookies([{ name: cookie.split("=")[0], value: cookie.split("=")[1], url: app.url }]);
    const m = await mobile.newPage();
    await m.goto(`${app.url}/`);
    await m.getByTestId("hostname").waitFor();
    await shot(m, "dashboard-mobile");
  }

  // Updates: the development release's loop through the API (stable 0.1.1 installed and committed), then the
  // testing channel's release downloading from a slow loopback server (the progress bar); then that release on trial.
  if (cookie) {
    const api = adminApi(app.url, cookie);
    const releases = await slowReleaseServer(app.root, 600);
    const finished = async (job) => {
      while ((await api(`jobs.get?input=${encodeURIComponent(JSON.stringify({ id: job.id }))}`)).state === "running") await new Promise((r) => setTimeout(r, 100));
    };
    await finished(await api("updates.downloadUpdate", null));
    await api("updates.applyUpdate", null);
    await api("system.reboot", null);
    await api("config.set", { entries: [{ key: "updates.channel", value: "testing" }, { key: "updates.automatic", value: true }, { key: "updates.server", value: releases.url }] });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 }, colorScheme: "light" });
    await ctx.addCookies([{ name: cookie.split("=")[0], value: cookie.split("=")[1], url: app.url }]);
    const page = await ctx.newPage();
    const job = await api("updates.downloadUpdate", null);
    await page.goto(`${app.url}/updates`);
    await page.waitForFunction(() => Number(document.querySelector('[role="progressbar"]')?.getAttribute("aria-valuenow")) > 40, null, { timeout: 15_000 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(out, "updates.png") });
    console.log("wrote updates.png");
    await finished(job);
    releases.server.close();
    await api("updates.applyUpdate", null);
    await api("system.reboot", null);
    await api("system.reboot", null);
    await page.reload();
    await page.getByTestId("trial").waitFor();
    await shot(page, "updates-trial");
  }
} finally {
  await browser.close();
  await app.stop();
}
