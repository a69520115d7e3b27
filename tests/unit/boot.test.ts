// A/B boot selection with exactly 3 attempts, the two-copy boot env with checksums, and a torn primary at every
// offset still selecting a valid slot. The env files are real GRUB environment blocks (grub-editenv reads them).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { backupPath, bootloaderSave, readBootState, writeBootState } from "~/system/boot/boot-env";
import { initialBootState, selectBoot, slotStatus, TRIES, type BootState } from "~/system/boot/boot-state";
import { firstBoot, simulateBoot } from "~/system/boot/dev-boot";
import { makeDevImage } from "~/system/update/dev-release";
import { bootedSlot } from "~/system/host/device";
import { parseGrubEnv, serializeGrubEnv } from "~/system/host/grubenv";
import { devicePaths } from "~/system/host/paths";

/** A device root with its boot folders. */
function device() {
  const paths = devicePaths(mkdtempSync(join(tmpdir(), "boot-")));
  mkdirSync(dirname(paths.grubenv), { recursive: true });
  mkdirSync(dirname(paths.cmdline), { recursive: true });
  mkdirSync(dirname(paths.slot("A")), { recursive: true });
  return paths;
}

/** Slot A committed, slot B freshly written and first in ORDER with 3 tries: the state after `upgrade --apply`. */
const trialOfB = (): BootState => ({ order: ["B", "A"], slots: { A: { ok: true, tries: 0 }, B: { ok: true, tries: TRIES } } });

describe("boot selection", () => {
  it("boots a committed slot without writing the env", () => {
    expect(selectBoot(initialBootState())).toMatchObject({ slot: "A", write: false });
  });

  it("gives a trial slot exactly 3 boots, then falls back to the committed one", () => {
    let state = trialOfB();
    const booted: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = selectBoot(state);
      booted.push(`${r.slot}${r.write ? "*" : ""}`);
      state = r.next;
    }
    expect(booted).toEqual(["B*", "B*", "B*", "A", "A"]);
    expect(slotStatus(state, "B")).toBe("bad");
  });

  it("boots the recovery entry once when asked, with the slot it would have booted anyway", () => {
    const asked = selectBoot({ ...trialOfB(), recoveryNext: true });
    expect(asked).toMatchObject({ slot: "B", recovery: true, write: true });
    expect(asked.next).toEqual(selectBoot(trialOfB()).next); // the trial still loses its try; the request is gone
    expect(selectBoot(asked.next).recovery).toBe(false);
    expect(selectBoot({ ...initialBootState(), recoveryNext: true })).toMatchObject({ slot: "A", recovery: true, write: true, next: initialBootState() });
  });

  it("boots the slot that is not first when no slot qualifies, and B with no env at all", () => {
    expect(selectBoot({ order: ["A", "B"], slots: { A: { ok: false, tries: 0 }, B: { ok: false, tries: 0 } } }).slot).toBe("B");
    expect(selectBoot(null)).toEqual({ slot: "B", recovery: false, next: null, write: false });
  });

  it("passes over a slot that holds no system when the other one holds one", () => {
    const onlyA = (s: string) => s === "A";
    expect(selectBoot(null, onlyA).slot).toBe("A"); // a node that lost its env and has only ever had A
    expect(selectBoot({ order: ["A", "B"], slots: { A: { ok: false, tries: 0 }, B: { ok: false, tries: 0 } } }, onlyA).slot).toBe("A");
    expect(selectBoot(trialOfB(), onlyA)).toMatchObject({ slot: "A", write: true }); // GRUB counted the try before looking
    expect(selectBoot(trialOfB(), () => false).slot).toBe("B"); // neither holds one: the rule as it was
  });
});

describe("boot env on disk", () => {
  it("writes both copies that grub-editenv reads, and reads them back", async () => {
    const paths = device();
    await writeBootState(paths, trialOfB());
    const listed = execFileSync("grub-editenv", [paths.grubenv, "list"], { encoding: "utf8" });
    expect(listed).toMatch(/^ORDER=B A\nA_OK=1\nA_TRY=\nB_OK=1\nB_TRY=xxx\nMACULAOS_SUM=[0-9a-f]{16}\n$/);
    expect(readFileSync(backupPath(paths))).toEqual(readFileSync(paths.grubenv));
    expect(await readBootState(paths)).toEqual({ state: trialOfB(), source: "primary" });
  });

  it("accepts the bootloader's own progress in the primary (no checksum update) and nothing else", async () => {
    const paths = device();
    await writeBootState(paths, trialOfB());
    execFileSync("grub-editenv", [paths.grubenv, "set", "B_TRY=xx"]);
    expect((await readBootState(paths)).state.slots.B).toEqual({ ok: true, tries: 2 });
    execFileSync("grub-editenv", [paths.grubenv, "set", "ORDER=A B"]);
    expect(await readBootState(paths)).toEqual({ state: trialOfB(), source: "backup" });
  });

  it("keeps MODE out of an env that asks for no recovery boot (sums of envs written before MODE still match)", async () => {
    const paths = device();
    await writeBootState(paths, trialOfB());
    expect(execFileSync("grub-editenv", [paths.grubenv, "list"], { encoding: "utf8" })).not.toMatch(/MODE/);
    await writeBootState(paths, { ...trialOfB(), recoveryNext: true });
    expect(execFileSync("grub-editenv", [paths.grubenv, "list"], { encoding: "utf8" })).toMatch(/^MODE=recovery$/m);
    // GRUB clears MODE (and strips a try) in the primary only, without a sum: that is its progress, and is accepted.
    execFileSync("grub-editenv", [paths.grubenv, "set", "MODE=", "B_TRY=xx"]);
    expect(await readBootState(paths)).toEqual({ state: { ...trialOfB(), slots: { ...trialOfB().slots, B: { ok: true, tries: 2 } } }, source: "primary" });
    // Setting MODE is never the bootloader's doing.
    await writeBootState(paths, trialOfB());
    execFileSync("grub-editenv", [paths.grubenv, "set", "MODE=recovery"]);
    expect(await readBootState(paths)).toEqual({ state: trialOfB(), source: "backup" });
    execFileSync("grub-editenv", [backupPath(paths), "set", "MODE=rescue"]);
    await expect(readBootState(paths)).rejects.toThrow(/MODE is "rescue", expected "recovery" or nothing/);
  });

  it("refuses when both copies are damaged, naming both", async () => {
    const paths = device();
    await writeBootState(paths, trialOfB());
    writeFileSync(paths.grubenv, "garbage");
    writeFileSync(backupPath(paths), Buffer.alloc(1024));
    await expect(readBootState(paths)).rejects.toThrow(/no trustworthy boot env: .*grubenv is 7 bytes.*grubenv\.bak/);
  });

  it("still selects a valid slot when the primary is torn at any offset 0-1023", async () => {
    const paths = device();
    await writeBootState(paths, trialOfB());
    const before = readFileSync(paths.grubenv);
    const progressed = selectBoot(trialOfB()).next;
    const after = serializeGrubEnv(bootloaderSave(parseGrubEnv(before), progressed));
    const seen = new Set<string>();
    for (let k = 0; k <= 1023; k++) {
      writeFileSync(paths.grubenv, Buffer.concat([after.subarray(0, k), before.subarray(k)]));
      const { state } = await readBootState(paths);
      expect([trialOfB(), progressed]).toContainEqual(state);
      const { slot } = selectBoot(state);
      expect(["A", "B"]).toContain(slot);
      seen.add(JSON.stringify(state));
    }
    expect(seen.size).toBe(2);
  });
});

describe("the development device's boot", () => {
  it("boots a new device from slot A, and a trial of B three times before rolling back", async () => {
    const paths = device();
    await firstBoot(paths);
    expect(await bootedSlot(paths)).toBe("A");
    const committed = readFileSync(paths.grubenv);
    await simulateBoot(paths);
    expect(readFileSync(paths.grubenv)).toEqual(committed);
    await writeBootState(paths, trialOfB());
    writeFileSync(paths.slot("B"), makeDevImage({ version: "0.2.0", boots: true }));
    const slots = [];
    for (let i = 0; i < 4; i++) slots.push(await simulateBoot(paths));
    expect(slots).toEqual(["B", "B", "B", "A"]);
    expect(slotStatus((await readBootState(paths)).state, "B")).toBe("bad");
    expect(execFileSync("grub-editenv", [paths.grubenv, "list"], { encoding: "utf8" })).toMatch(/B_OK=0\nB_TRY=\n/);
  });

  it("with neither env copy loadable boots the slot that holds a system, and saves nothing", async () => {
    const paths = device();
    await firstBoot(paths);
    writeFileSync(paths.grubenv, "");
    writeFileSync(backupPath(paths), "");
    expect(await simulateBoot(paths)).toBe("A"); // B was never written
    writeFileSync(paths.slot("B"), makeDevImage({ version: "0.2.0", boots: true }));
    expect(await simulateBoot(paths)).toBe("B"); // GRUB's rule with no env: the second of "A B"
    expect(readFileSync(paths.grubenv).length).toBe(0);
  });
});
