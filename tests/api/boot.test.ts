// The appliance's side of A/B boots on a development device: a healthy trial boot is committed, a fallback is
// reported once as a rollback, `maculaos rollback` refuses an empty slot, `maculaos reboot` follows GRUB's rules, and
// a boot env torn beyond both copies is rebuilt from the slot that runs.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupPath, readBootState, writeBootState } from "~/system/boot/boot-env";
import { devicePaths } from "~/system/host/paths";
import { afterBoot } from "~/system/boot/lifecycle";
import { bootMode, setBootedSlot } from "~/system/host/device";
import { makeDevImage } from "~/system/update/dev-release";
import { runBin, startTestAppliance, WebClient, type TestAppliance } from "../helpers/appliance";

let t: TestAppliance;

/** Runs bin/maculaos against the test device. */
const maculaos = (...args: string[]) => runBin("maculaos", args, { MACULAOS_ROOT: t.root });

beforeAll(async () => {
  t = await startTestAppliance();
});
afterAll(async () => {
  expect(t.errorLogs()).toEqual([]);
  await t.close();
});

describe("boot lifecycle", () => {
  it("starts a new device on slot A, committed, and refuses a rollback to the empty slot B", async () => {
    const info = JSON.parse((await maculaos("info", "--json")).stdout);
    expect(info).toMatchObject({ slot: "A", boot: { order: ["A", "B"], slots: { A: "committed", B: "bad" }, trial: null } });
    const r = await maculaos("rollback");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot roll back: slot B holds no good system/);
  });

  it("commits a healthy trial boot of the new slot, then rolls back to the old one on request", async () => {
    await writeFile(t.app.sys.paths.slot("B"), makeDevImage({ version: "0.2.0", boots: true })); // a system to try
    await writeBootState(t.app.sys.paths, { order: ["B", "A"], slots: { A: { ok: true, tries: 0 }, B: { ok: true, tries: 3 } } });
    const r = await maculaos("reboot", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ order: ["B", "A"], slots: { A: "committed", B: "committed" }, trial: null });
    expect((await t.app.sys.events.list(5)).map((e) => `${e.action} ${e.outcome}`)).toContain("boot.commit ok");
    const back = await maculaos("rollback");
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/next boot: slot A \(committed\)/);
    await maculaos("reboot");
    expect(JSON.parse((await maculaos("info", "--json")).stdout).slot).toBe("A");
  });

  it("reports a fallback after 3 failed attempts once, and never commits the old slot's boot as the new one", async () => {
    const sys = t.app.sys;
    await writeBootState(sys.paths, { order: ["B", "A"], slots: { A: { ok: true, tries: 0 }, B: { ok: false, tries: 0 } } });
    await setBootedSlot(sys.paths, "A");
    const view = await afterBoot(sys);
    expect(view).toMatchObject({ order: ["A", "B"], slots: { A: "committed", B: "bad" } });
    const events = await sys.events.list(10, "boot.rollback");
    expect(events[0]).toMatchObject({ outcome: "failed", detail: "update to slot B failed after 3 attempts; rolled back to slot A" });
    await afterBoot(sys);
    expect(await sys.events.list(10, "boot.rollback")).toHaveLength(events.length);
    expect((await readBootState(sys.paths)).state.slots.B).toEqual({ ok: false, tries: 0 });
  });

  it("`maculaos reboot --recovery` boots recovery mode once, then the normal system again", async () => {
    const r = await maculaos("reboot", "--recovery");
    expect(r.stdout).toMatch(/^rebooted into recovery mode; next boot: slot \w \(committed\)/);
    expect(await readFile(t.app.sys.paths.cmdline, "utf8")).toMatch(/maculaos\.mode=recovery/);
    expect(await bootMode(t.app.sys.paths)).toBe("recovery");
    expect(t.app.sys.mode).toBe("recovery"); // this process follows the simulated boot into the recovery profile
    expect((await readBootState(t.app.sys.paths)).state.recoveryNext).toBeUndefined();
    await maculaos("reboot");
    expect(await bootMode(t.app.sys.paths)).toBe("normal");
    expect(t.app.sys.mode).toBe("normal");
  });

  it("starts with a boot env it cannot write, and says why", async () => {
    // The second copy's place is taken by a directory: the primary is torn, so the appliance must rewrite both.
    const broken = await startTestAppliance({
      seed: async (root) => {
        const paths = devicePaths(root);
        await mkdir(backupPath(paths), { recursive: true });
        await writeFile(paths.grubenv, "torn");
        await mkdir(dirname(paths.cmdline), { recursive: true });
        await writeFile(paths.cmdline, "maculaos.slot=A\n"); // booted, as a node is, before the appliance starts
      },
    });
    try {
      expect((await new WebClient(broken.url).query<{ ok: boolean }>("health.probe")).body.result?.data.ok).toBe(true);
      expect(broken.errorLogs().join("\n")).toMatch(/the boot state could not be read or updated after this boot/);
      const events = await broken.app.sys.events.list(50);
      expect(events.find((e) => e.action === "boot.commit")).toMatchObject({ outcome: "failed", target: "boot env" });
    } finally {
      await broken.close();
    }
  });

  it("rebuilds a boot env neither copy of which can be trusted once the boot is healthy, from the slot that runs", async () => {
    // What power cuts on a FAT ESP once did: both copies cut to 0 bytes by fsck.fat. GRUB booted slot B anyway.
    const torn = await startTestAppliance({
      seed: async (root) => {
        const paths = devicePaths(root);
        await mkdir(dirname(paths.grubenv), { recursive: true });
        await writeFile(paths.grubenv, "");
        await writeFile(backupPath(paths), "");
        await mkdir(dirname(paths.cmdline), { recursive: true });
        await writeFile(paths.cmdline, "maculaos.slot=B\n");
      },
    });
    try {
      const read = await readBootState(torn.app.sys.paths);
      expect(read).toEqual({ source: "primary", state: { order: ["B", "A"], slots: { A: { ok: false, tries: 0 }, B: { ok: true, tries: 0 } } } });
      const [event] = await torn.app.sys.events.list(5, "boot.repair");
      expect(event).toMatchObject({ outcome: "ok", target: "boot env" });
      expect(event?.detail).toMatch(/^no trustworthy boot env: .*grubenv is 0 bytes.*; rebuilt: slot B \(running, healthy\) is committed and boots first, slot A is not trusted until an update writes it$/);
      const info = JSON.parse((await runBin("maculaos", ["info", "--json"], { MACULAOS_ROOT: torn.root })).stdout);
      expect(info).toMatchObject({ slot: "B", boot: { order: ["B", "A"], slots: { A: "bad", B: "committed" }, trial: null }, bootProblem: null });
      // Torn again while the appliance runs: the facts still show, with the boot state unknown and why.
      await writeFile(torn.app.sys.paths.grubenv, "");
      await writeFile(backupPath(torn.app.sys.paths), "");
      await new Promise((r) => setTimeout(r, 1100)); // the facts are sampled at most once a second
      const cli = await runBin("maculaos", ["info"], { MACULAOS_ROOT: torn.root });
      expect(cli.code).toBe(0);
      expect(cli.stdout).toMatch(/^Boot\s+UNKNOWN: no trustworthy boot env: .*; run maculaos repair$/m);
      expect(JSON.parse((await runBin("maculaos", ["info", "--json"], { MACULAOS_ROOT: torn.root })).stdout)).toMatchObject({ slot: "B", boot: null, bootProblem: expect.stringMatching(/^no trustworthy boot env/) });
    } finally {
      await torn.close();
    }
  });

  it("does not commit a trial boot while the appliance is unhealthy", async () => {
    const sys = t.app.sys;
    await writeBootState(sys.paths, { order: ["B", "A"], slots: { A: { ok: true, tries: 0 }, B: { ok: true, tries: 2 } } });
    await setBootedSlot(sys.paths, "B");
    sys.config.problem = "maculaos.mesh.role: expected peer | gateway | bootstrap";
    try {
      const view = await afterBoot(sys);
      expect(view.trial).toEqual({ slot: "B", attempt: 1, of: 3 });
      expect((await readBootState(sys.paths)).state.slots.B).toEqual({ ok: true, tries: 2 });
    } finally {
      sys.config.problem = null;
    }
  });
});
