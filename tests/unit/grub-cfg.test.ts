// image/grub.cfg is valid GRUB script and speaks the same variables as the TypeScript boot state. Booting it for
// real (3 attempts, then the fallback) needs the QEMU tier of image/, which does not exist yet.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initialBootState, toVars } from "~/system/boot/boot-state";
import { REPO } from "../helpers/appliance";

const CFG = join(REPO, "image/grub.cfg");

describe("image/grub.cfg", () => {
  it("passes grub-script-check", () => {
    expect(() => execFileSync("grub-script-check", [CFG], { stdio: "pipe" })).not.toThrow();
  });

  it("loads exactly the variables the appliance writes, from the primary and then the backup copy", () => {
    const cfg = readFileSync(CFG, "utf8");
    const names = [...toVars(initialBootState()).keys()].join(" ");
    expect(cfg).toContain(`load_env -f "\${envfile}" ${names}`);
    expect(cfg).toContain(`load_env -f "\${prefix}/grubenv.bak" ${names}`);
  });

  it("saves only the trial variables, and only on a trial boot", () => {
    const saves = readFileSync(CFG, "utf8").split("\n").filter((l) => l.includes("save_env"));
    expect(saves.map((l) => l.trim())).toEqual(['save_env -f "${envfile}" A_TRY A_OK', 'save_env -f "${envfile}" B_TRY B_OK']);
  });
});
