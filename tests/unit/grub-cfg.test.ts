// image/grub.cfg is valid GRUB script and speaks the same variables as the TypeScript boot state. Booting it for
// real (3 attempts, then the fallback) is image/tests/vm.test.ts (npm run test:vm).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ENV_NAMES, initialBootState, toVars } from "~/system/boot/boot-state";
import { REPO } from "../helpers/appliance";

const CFG = join(REPO, "image/grub.cfg");

describe("image/grub.cfg", () => {
  it("passes grub-script-check", () => {
    expect(() => execFileSync("grub-script-check", [CFG], { stdio: "pipe" })).not.toThrow();
  });

  it("loads exactly the variables the appliance writes, from the primary and then the backup copy", () => {
    const cfg = readFileSync(CFG, "utf8");
    expect(ENV_NAMES.filter((n) => !toVars({ ...initialBootState(), recoveryNext: true }).has(n))).toEqual([]);
    const names = ENV_NAMES.join(" ");
    expect(cfg).toContain(`load_env -f "\${envfile}" ${names}`);
    expect(cfg).toContain(`load_env -f "\${prefix}/grubenv.bak" ${names}`);
  });

  it("saves only the trial variables on a trial boot, and MODE once it boots a recovery that was asked for", () => {
    const saves = readFileSync(CFG, "utf8").split("\n").filter((l) => l.includes("save_env"));
    expect(saves.map((l) => l.trim())).toEqual(['save_env -f "${envfile}" A_TRY A_OK', 'save_env -f "${envfile}" B_TRY B_OK', 'save_env -f "${envfile}" MODE']);
  });

  it("a recovery boot that was asked for picks the recovery entry", () => {
    const cfg = readFileSync(CFG, "utf8");
    const titles = [...cfg.matchAll(/^menuentry "([^"]*)"/gm)].map((m) => m[1]);
    const entry = Number(/if \[ "\$\{MODE\}" = "recovery" \]; then\n\s*set default=(\d)/.exec(cfg)?.[1]);
    expect(titles[entry]).toMatch(/recovery mode/);
    expect(/^menuentry "MaculaOS recovery mode.*\{\n([\s\S]*?)^\}/m.exec(cfg)?.[1]).toMatch(/ maculaos\.mode=recovery\n/);
  });

  it("menu entries use only exported variables (they run in a new context), and never GRUB's own 'chosen'", () => {
    const cfg = readFileSync(CFG, "utf8");
    const exported = new Set([...cfg.matchAll(/^export (\w+)$/gm)].map((m) => m[1]));
    const bodies = [...cfg.matchAll(/^menuentry .*\{\n([\s\S]*?)^\}/gm)].map((m) => m[1]!);
    expect(bodies).toHaveLength(3);
    const used = new Set(bodies.flatMap((b) => [...b.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1])));
    expect([...used].filter((v) => !exported.has(v))).toEqual([]);
    expect(cfg).not.toMatch(/\$\{chosen\}|set chosen=/);
  });

  it("passes over a slot with no kernel for the other, looking for the very file its entries boot", () => {
    const cfg = readFileSync(CFG, "utf8");
    expect(new Set([...cfg.matchAll(/^\s*linux (\S+) /gm)].map((m) => m[1]))).toEqual(new Set(["/boot/vmlinuz"]));
    expect(cfg).toMatch(/if \[ ! -f "\(hd0,\$\{picked_part\}\)\/boot\/vmlinuz" \]; then\n\s*if \[ -f "\(hd0,\$\{other_part\}\)\/boot\/vmlinuz" \]; then/);
  });
});
