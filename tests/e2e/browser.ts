// End-to-end harness: the built appliance as a real process and headless Debian chromium via playwright-core.
// Any browser console error or page error that a test did not expect fails the test.
import { execFileSync } from "node:child_process";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { CHROMIUM, REPO, startAppliance, type ApplianceProcess } from "~/scripts/lib/appliance-process.mjs";

/** A browser context whose console errors are collected. */
export interface WatchedContext {
  context: BrowserContext;
  page: Page;
  consoleErrors: string[];
  /** Console errors matching one of these are expected by the test (e.g. a 401 it provokes). */
  allow: RegExp[];
  unexpectedErrors(): string[];
}

/** Builds the pages if the sources changed, starts the appliance (in `root` when given, which it keeps) and launches chromium. */
export async function startE2E(opts: { root?: string } = {}): Promise<{ app: ApplianceProcess; browser: Browser }> {
  execFileSync(process.execPath, ["scripts/build.mjs", "--if-needed"], { cwd: REPO, stdio: "inherit" });
  const app = await startAppliance(opts);
  const browser = await chromium.launch({ executablePath: CHROMIUM.executablePath, args: CHROMIUM.args, headless: true });
  return { app, browser };
}

/** Opens a fresh context (its own cookies) with console watching. */
export async function watchedContext(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<WatchedContext> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const w: WatchedContext = {
    context,
    page,
    consoleErrors: [],
    allow: [],
    unexpectedErrors: () => w.consoleErrors.filter((e) => !w.allow.some((re) => re.test(e))),
  };
  page.on("console", (m) => {
    if (m.type() === "error") w.consoleErrors.push(`${m.text()} @ ${m.location().url}`);
  });
  page.on("pageerror", (e) => w.consoleErrors.push(`pageerror: ${e.message}`));
  return w;
}

/** Closes the browser and stops the appliance; returns the error-level lines it logged (a test expects none). */
export async function stopE2E(app: ApplianceProcess | undefined, browser: Browser | undefined): Promise<string[]> {
  await browser?.close();
  const errors = app?.errorLogs() ?? [];
  await app?.stop();
  return errors;
}
