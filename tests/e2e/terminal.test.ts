// The Terminal page in headless chromium against real shells: typing, resizing the viewport, a reload that comes back
// to the same live shell, two independent tabs, a multi-line paste, reattaching the shells of a closed window, and a
// network blip (a TCP proxy whose connections the test cuts) that loses and repeats nothing. Fails on any unexpected browser console error or server error log.
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeSetupApi, type ApplianceProcess } from "~/scripts/lib/appliance-process.mjs";
import { startE2E, stopE2E, watchedContext, type WatchedContext } from "./browser";

let app: ApplianceProcess;
let browser: Browser;
let admin: WatchedContext;

/** The visible panel's terminal screen, one string per row, as xterm's screen reader mode mirrors it. */
async function screen(page: Page): Promise<string[]> {
  const rows = await page.locator("[role=tabpanel]:not([hidden]) .xterm-accessibility-tree > div").allTextContents();
  return rows.map((r) => r.replace(/\u00a0/g, " "));
}

/** Types a command line into the visible terminal and presses Enter. */
async function typeLine(page: Page, line: string): Promise<void> {
  await page.locator("[role=tabpanel]:not([hidden]) .xterm-helper-textarea").focus();
  await page.keyboard.type(line);
  await page.keyboard.press("Enter");
}

/** Waits until a row of the visible terminal is exactly `text` (trailing blanks ignored). */
async function seeRow(page: Page, text: string | RegExp): Promise<void> {
  const matches = (row: string) => (typeof text === "string" ? row.trimEnd() === text : text.test(row.trimEnd()));
  await expect.poll(async () => (await screen(page)).some(matches), { timeout: 10_000 }).toBe(true);
}

async function connected(page: Page): Promise<void> {
  await expect.poll(() => page.getByTestId("terminal-state").textContent(), { timeout: 15_000 }).toBe("Connected");
}

beforeAll(async () => {
  ({ app, browser } = await startE2E());
  const cookie = await completeSetupApi(app.url, app.code);
  const [name, value] = cookie.split("=") as [string, string];
  admin = await watchedContext(browser);
  await admin.context.addCookies([{ name, value, url: app.url, httpOnly: true, sameSite: "Strict" }]);
}, 300_000);

afterAll(async () => {
  expect(await stopE2E(app, browser)).toEqual([]);
});

describe("terminal page", () => {
  it("opens a shell that answers what is typed", async () => {
    const { page } = admin;
    await page.goto(`${app.url}/terminal`);
    await connected(page);
    await page.getByRole("button", { name: "Screen reader" }).click();
    expect(await page.getByRole("button", { name: "Screen reader" }).getAttribute("aria-pressed")).toBe("true");
    expect(await page.locator("[data-testid=terminal]").first().getAttribute("data-renderer")).toMatch(/^(webgl|dom)$/);
    await typeLine(page, "echo $((6*7))");
    await seeRow(page, "42");
  });

  it("tells the shell the new size when the viewport changes", async () => {
    const { page } = admin;
    for (const size of [{ width: 1000, height: 640 }, { width: 1400, height: 900 }]) {
      await page.setViewportSize(size);
      await page.waitForTimeout(300);
      const rows = (await screen(page)).length;
      await typeLine(page, "clear; stty size; printf '%*s\\n' $(tput cols) '' | tr ' ' '#'");
      await seeRow(page, new RegExp(`^${rows} \\d+$`));
      const [, cols] = (await screen(page)).find((r) => /^\d+ \d+$/.test(r.trimEnd()))!.trimEnd().split(" ");
      // A row of exactly `cols` #s fills one screen row: the shell's width is the terminal's (it may follow the size's
      // row by a moment on a busy machine).
      await expect.poll(async () => (await screen(page)).filter((r) => /^#+$/.test(r.trimEnd())).map((r) => r.trimEnd().length)).toEqual([Number(cols)]);
    }
  });

  it("comes back to the same live shell after a reload", async () => {
    const { page } = admin;
    await typeLine(page, "MARK=kept-$((20+22)); echo before-reload");
    await seeRow(page, "before-reload");
    await page.reload();
    await connected(page);
    await seeRow(page, "before-reload");
    await typeLine(page, "echo mark=$MARK");
    await seeRow(page, "mark=kept-42");
  });

  it("keeps two tabs independent", async () => {
    const { page } = admin;
    await typeLine(page, "echo first-pid=$$");
    await seeRow(page, /^first-pid=\d+$/);
    const firstPid = (await screen(page)).find((r) => r.startsWith("first-pid="))!.trimEnd();
    await page.getByRole("button", { name: "New tab", exact: true }).first().click();
    await expect.poll(() => page.getByRole("tab").count()).toBe(2);
    await connected(page);
    await typeLine(page, "echo second-mark=[$MARK] second-pid=$$");
    await seeRow(page, /^second-mark=\[\] second-pid=\d+$/);
    expect((await screen(page)).find((r) => r.startsWith("second-mark"))).not.toContain(firstPid.split("=")[1]);
    await page.getByRole("tab", { name: /Shell 1|root|@/ }).first().click();
    await typeLine(page, "echo back-in-first=$MARK");
    await seeRow(page, "back-in-first=kept-42");
  });

  it("pastes several lines as one bracketed paste that runs only on Enter", async () => {
    const { page } = admin;
    await admin.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
    await page.evaluate(() => navigator.clipboard.writeText("echo pasted-one\necho pasted-two"));
    await page.getByRole("button", { name: "Paste", exact: true }).click();
    await page.waitForTimeout(500);
    expect((await screen(page)).map((r) => r.trimEnd())).not.toContain("pasted-one");
    await page.keyboard.press("Enter");
    await seeRow(page, "pasted-one");
    await seeRow(page, "pasted-two");
  });

  it("offers the shells of a closed window for reattaching", async () => {
    await admin.page.close();
    const other = await watchedContext(browser);
    await other.context.addCookies(await admin.context.cookies());
    const { page } = other;
    await page.goto(`${app.url}/terminal`);
    await connected(page);
    await expect.poll(() => page.locator("#detached-shells").textContent(), { timeout: 20_000 }).toMatch(/2 shells are still running detached/);
    await page.getByRole("button", { name: "Reattach" }).click();
    await expect.poll(() => page.getByRole("tab").count()).toBe(3);
    await page.getByRole("button", { name: "Screen reader" }).click();
    await page.getByRole("tab").nth(1).click();
    await connected(page);
    await typeLine(page, "echo again=$MARK");
    await seeRow(page, "again=kept-42");
    expect(other.unexpectedErrors()).toEqual([]);
  });

  it("reattaches after a network blip, losing and repeating no output", async () => {
    // A loopback TCP proxy in front of the appliance whose connections the test cuts.
    const target = new URL(app.url);
    const links = new Set<Socket>();
    const proxy = createServer((down) => {
      const up = connect(Number(target.port), target.hostname);
      for (const [a, b] of [[down, up], [up, down]] as const) {
        links.add(a);
        a.on("error", () => b.destroy());
        a.on("close", () => (links.delete(a), b.destroy()));
        a.pipe(b);
      }
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const blip = await watchedContext(browser);
    blip.allow.push(/WebSocket connection to .* failed/);
    await blip.context.addCookies((await admin.context.cookies()).map((c) => ({ ...c, domain: undefined, path: undefined, url: base })));
    const { page } = blip;
    try {
      await page.goto(`${base}/terminal`);
      await connected(page);
      await page.getByRole("button", { name: "Screen reader" }).click();
      await typeLine(page, "for i in 1 2 3 4 5 6; do echo tick-$i; sleep 0.5; done");
      await seeRow(page, "tick-2");
      for (const s of links) s.destroy();
      await expect.poll(() => page.getByTestId("terminal-state").textContent()).toBe("Reconnecting");
      await connected(page);
      await seeRow(page, "tick-6");
      const ticks = (await screen(page)).map((r) => r.trimEnd()).filter((r) => /^tick-\d$/.test(r));
      expect(ticks).toEqual(["tick-1", "tick-2", "tick-3", "tick-4", "tick-5", "tick-6"]);
      expect(blip.unexpectedErrors()).toEqual([]);
    } finally {
      await blip.context.close();
      for (const s of links) s.destroy();
      proxy.close();
    }
  });

  it("logged no unexpected browser console errors", () => {
    expect(admin.unexpectedErrors()).toEqual([]);
  });
});
