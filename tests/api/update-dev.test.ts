// The development device's own update loop, with nothing but its local signed release: a good update from the stable
// channel is committed after a healthy boot; a release marked bad (testing channel) is tried 3 times and rolled back.
// Also what the Updates page reads (updates.status) and automatic updates (check, download, apply, reboot, notify).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAutomaticUpdate } from "~/system/update/schedule";
import { updateStatus } from "~/system/update/status";
import { runBin, startTestAppliance, type TestAppliance } from "../helpers/appliance";

let t: TestAppliance;
const maculaos = (...args: string[]) => runBin("maculaos", args, { MACULAOS_ROOT: t.root });
const status = () => updateStatus(t.app.sys);

beforeAll(async () => {
  t = await startTestAppliance();
});

afterAll(async () => {
  expect(t.errorLogs()).toEqual([]);
  await t.close();
});

describe("the development device's local release", () => {
  it("shows both slots before any update: A running and committed, B empty", async () => {
    const s = await status();
    expect(s.slots).toEqual([
      { slot: "A", version: "0.1.0-test", state: "committed", booted: true, next: true },
      { slot: "B", version: null, state: "bad", booted: false, next: false },
    ]);
    expect(s).toMatchObject({ trial: null, pending: null, staged: null, download: null, lastCheck: null });
  });

  it("updates to the stable release and commits it after a healthy boot", async () => {
    const r = await maculaos("upgrade", "--yes");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/updating 0\.1\.0-test -> 0\.1\.1/);
    expect(r.stdout).toMatch(/rebooted into slot B/);
    const s = await status();
    expect(s).toMatchObject({ booted: "B", version: "0.1.1", trial: null, pending: null, lastCheck: { result: { latest: "0.1.1" } } });
    expect(s.slots.map((x) => [x.slot, x.version, x.state])).toEqual([["A", "0.1.0-test", "committed"], ["B", "0.1.1", "committed"]]);
    expect(s.history.map((e) => e.action)).toEqual(expect.arrayContaining(["update.download", "update.apply", "boot.commit"]));
  });

  it("tries the release marked bad 3 times, shows each attempt, then rolls back and says so", async () => {
    expect((await maculaos("config", "set", "updates.channel", "testing")).code).toBe(0);
    expect((await maculaos("upgrade", "--download")).code).toBe(0);
    expect((await maculaos("upgrade", "--apply")).code).toBe(0);
    expect((await status()).pending).toMatchObject({ slot: "A", version: "0.1.2", from: "0.1.1" });
    const attempts = [];
    for (let i = 0; i < 3; i++) {
      expect((await maculaos("reboot")).code).toBe(0);
      attempts.push((await status()).trial);
    }
    expect(attempts).toEqual([1, 2, 3].map((attempt) => ({ slot: "A", version: "0.1.2", attempt, of: 3 })));
    const commits = await t.app.sys.events.list(3, "boot.commit");
    expect(commits.every((e) => e.outcome === "failed" && /slot A does not start: its development image is marked bad/.test(e.detail ?? ""))).toBe(true);
    expect((await maculaos("reboot")).code).toBe(0);
    const s = await status();
    expect(s).toMatchObject({ booted: "B", version: "0.1.1", trial: null });
    expect(s.slots.find((x) => x.slot === "A")?.state).toBe("bad");
    expect(s.history.find((e) => e.action === "boot.rollback")?.detail).toBe("update to 0.1.2 failed after 3 attempts; rolled back to 0.1.1");
    const info = await maculaos("info");
    expect(info.stdout).toMatch(/update to 0\.1\.2 failed after 3 attempts; rolled back to 0\.1\.1/);
  });
});

describe("automatic updates", () => {
  it("checks, finds nothing newer, and notifies the address in updates.notify", async () => {
    expect((await maculaos("config", "set", "updates.channel", "stable")).code).toBe(0);
    expect((await maculaos("config", "set", "updates.notify", "ops@example.com")).code).toBe(0);
    expect(await runAutomaticUpdate(t.app.sys)).toBe("up-to-date");
    const [notice] = await t.app.sys.events.list(1, "update.notify");
    expect(notice).toMatchObject({ target: "ops@example.com", outcome: "ok", detail: "up to date: 0.1.1 is the latest on the stable channel" });
  });

  it("a failing check is an event and a failed notification, not a crash", async () => {
    expect((await maculaos("config", "set", "updates.channel", "nightly")).code).toBe(0);
    expect(await runAutomaticUpdate(t.app.sys)).toBe("failed");
    const [run] = await t.app.sys.events.list(1, "update.auto.run");
    expect(run).toMatchObject({ outcome: "failed", detail: expect.stringMatching(/^automatic update failed: cannot reach the update server at file:.*nightly\.json/) });
    expect((await t.app.sys.events.list(1, "update.notify"))[0]).toMatchObject({ outcome: "failed" });
    expect((await status()).lastCheck).toMatchObject({ error: expect.stringMatching(/nightly\.json/) });
  });
});
