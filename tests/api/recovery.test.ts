// Recovery through the CLI against a real appliance: repair fixes each injected fault (a damaged GRUB env, a database
// that fails integrity_check, an invalid config, wrong permissions, a stuck job, a full disk); factory --keep-network
// keeps only the network section and brings the wizard back with a new code, --full wipes everything; the maintenance
// shell (recovery mode itself: recovery-mode.test.ts).
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { open } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBootState } from "~/system/boot/boot-env";
import { startBackup } from "~/system/backup/service";
import { getInfo } from "~/system/info/info";
import { repair } from "~/system/recovery/repair";
import { completeSetup, REPO, runBin, startTestAppliance, WebClient, type TestAppliance } from "../helpers/appliance";

function maculaos(root: string, args: string[]) {
  return runBin("maculaos", args, { MACULAOS_ROOT: root, MACULAOS_HOST: "", MACULAOS_TOKEN: "" });
}

/** Runs bin/maculaos with `input` on stdin. */
function withStdin(root: string, args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(join(REPO, "bin/maculaos"), args, { env: { ...process.env, MACULAOS_ROOT: root, MACULAOS_HOST: "", SHELL: "/bin/sh" } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let t: TestAppliance;
const data = () => join(t.root, "var/lib/maculaos");

beforeAll(async () => {
  t = await startTestAppliance();
  await completeSetup(t, new WebClient(t.url));
  // the known good database copy is taken after setup completes
  await until(() => {
    try {
      const db = new Database(join(t.root, "var/lib/maculaos-recovery/maculaos.db"), { readonly: true });
      try {
        return (db.prepare(`SELECT count(*) AS n FROM "User"`).get() as { n: number }).n === 1;
      } finally {
        db.close();
      }
    } catch {
      return false;
    }
  }, "the known good database copy");
});

afterAll(async () => {
  expect(t.errorLogs()).toEqual([]);
  await t.close();
});

describe("maculaos repair", () => {
  it("reports every step as ok on a healthy node", async () => {
    const r = await maculaos(t.root, ["repair"]);
    expect(r.code).toBe(0);
    for (const step of ["boot-env", "database", "config", "permissions", "jobs", "disk"]) expect(r.stdout).toMatch(new RegExp(`^ok\\s+${step}`, "m"));
  });

  it("fixes each injected fault and says how", async () => {
    // a torn GRUB env block
    await writeFile(join(t.root, "boot/grub/grubenv"), Buffer.alloc(1024, "x"));
    // a database page overwritten with junk (after moving the WAL into the main file)
    const sqlite = new Database(join(data(), "maculaos.db"));
    sqlite.pragma("wal_checkpoint(TRUNCATE)");
    const pageSize = sqlite.pragma("page_size", { simple: true }) as number;
    const rootpage = (sqlite.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'User'`).get() as { rootpage: number }).rootpage;
    sqlite.close();
    const fh = await open(join(data(), "maculaos.db"), "r+");
    await fh.write(Buffer.alloc(200, 0xa5), 0, 200, (rootpage - 1) * pageSize + 8);
    await fh.close();
    // an invalid config.yaml, wrong permissions, a stuck job
    const goodConfig = await readFile(join(data(), "config.yaml"), "utf8");
    await writeFile(join(data(), "config.yaml"), "maculaos:\n  mesh:\n    role: relay\n");
    await chmod(data(), 0o777);
    await chmod(join(data(), "config.yaml"), 0o666);
    await t.app.sys.db.job.create({ data: { id: "stuck-1", kind: "backup", target: "/x", state: "running", actor: "test" } }).catch(() => undefined);

    const r = await maculaos(t.root, ["repair"]);
    expect(r.stdout).toMatch(/^FIXED boot-env\s+the GRUB env was damaged; rewritten from its good second copy/m);
    expect(r.stdout).toMatch(/^FIXED database\s+the database failed integrity_check .*; restored the good snapshot of/m);
    expect(r.stdout).toMatch(/^FIXED config\s+config\.yaml was invalid \(maculaos\.mesh\.role: expected peer \| gateway \| bootstrap.*rolled back/m);
    expect(r.stdout).toMatch(/^FIXED permissions\s+.*777 -> 700/m);
    expect(r.code).toBe(0);

    expect((await readBootState(t.app.sys.paths)).source).toBe("primary");
    // Both copies gone (0 bytes): rebuilt from the slot that runs, the other one no longer trusted.
    await writeFile(join(t.root, "boot/grub/grubenv"), "");
    await writeFile(join(t.root, "boot/grub/grubenv.bak"), "");
    expect((await getInfo(t.app.sys)).bootProblem).toMatch(/^no trustworthy boot env/);
    const torn = await maculaos(t.root, ["repair"]);
    expect(torn.stdout).toMatch(/^FIXED boot-env\s+no trustworthy boot env: .*; rebuilt: slot A \(running now\) is committed and boots first, slot B is not trusted until an update writes it/m);
    // the node's facts show the rebuilt state at once, not a sample from before the repair
    expect(await getInfo(t.app.sys)).toMatchObject({ bootProblem: null, boot: { order: ["A", "B"], slots: { A: "committed", B: "bad" } } });
    expect((await readBootState(t.app.sys.paths)).state).toEqual({ order: ["A", "B"], slots: { A: { ok: true, tries: 0 }, B: { ok: false, tries: 0 } } });
    const db = new Database(join(data(), "maculaos.db"), { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
    expect(await readFile(join(data(), "config.yaml"), "utf8")).toBe(goodConfig);
    expect((await stat(data())).mode & 0o777).toBe(0o700);
    expect((await stat(join(data(), "config.yaml"))).mode & 0o022).toBe(0);
    // the admin from the snapshot can still sign in
    expect((await new WebClient(t.url).mutate("auth.login", { username: "admin", password: "correct horse battery" })).status).toBe(200);
    // a second run finds nothing left to fix
    const again = await maculaos(t.root, ["repair", "--json"]);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as { steps: { status: string }[] }).steps.every((s) => s.status === "ok")).toBe(true);
  });

  it("marks a stuck job failed", async () => {
    await t.app.sys.db.job.create({ data: { id: "stuck-2", kind: "backup", target: "/y", state: "running", actor: "test" } });
    const r = await maculaos(t.root, ["repair"]);
    expect(r.stdout).toMatch(/^FIXED jobs\s+1 stuck job marked failed/m);
    expect((await t.app.sys.db.job.findUnique({ where: { id: "stuck-2" } }))?.state).toBe("failed");
  });

  it("cleans rotated logs (the appliance's and the services') and caches when the disk is full, keeping the live logs", async () => {
    const logs = join(t.root, "var/log/maculaos");
    await mkdir(logs, { recursive: true });
    await mkdir(join(t.root, "var/cache/maculaos/pkg"), { recursive: true });
    for (const f of ["appliance.log", "appliance.log.1", "appliance.log.2.gz"]) await writeFile(join(logs, f), Buffer.alloc(4096));
    for (const f of ["web.log", "web.log.1", "web.log.2", "db.log", "db.log.3"]) await writeFile(join(logs, "services", f), Buffer.alloc(2048));
    await writeFile(join(t.root, "var/cache/maculaos/pkg/blob"), Buffer.alloc(8192));
    const r = await repair(t.app.sys, "test", { minFreeBytes: Number.MAX_SAFE_INTEGER });
    expect(r.steps.find((s) => s.step === "disk")).toMatchObject({ status: "fixed", detail: expect.stringMatching(/removed 6 rotated logs, cache entries and temporary files \(22 KiB\)/) });
    expect(await readdir(logs)).toEqual(["appliance.log", "services"]);
    expect((await readdir(join(logs, "services"))).sort()).toEqual(["db.log", "web.log"]); // the services' live logs stay
    expect(await readdir(join(t.root, "var/cache/maculaos"))).toEqual([]);
  });
});

describe("maintenance shell", () => {
  it("maculaos shell runs a shell marked as maintenance and returns its exit code", async () => {
    const r = await withStdin(t.root, ["shell"], "echo maint=$MACULAOS_MAINTENANCE\nexit 7\n");
    expect(r.code).toBe(7);
    expect(r.stdout).toMatch(/MaculaOS maintenance shell\. Try: maculaos repair/);
    expect(r.stdout).toMatch(/maint=1/);
  });
});

describe("the data lock", () => {
  it("refuses repair and factory reset while a backup runs, naming it, and changes nothing", async () => {
    await mkdir(join(data(), "bulk"), { recursive: true });
    await writeFile(join(data(), "bulk/blob"), randomBytes(64 * 1024 * 1024)); // incompressible: the backup takes seconds
    const file = join(t.root, "lock-test.tar.gz");
    const job = await startBackup(t.app.sys, "test", { file });
    const config = await readFile(join(data(), "config.yaml"), "utf8");
    const r = await maculaos(t.root, ["repair"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`maculaos repair: cannot run repair: a backup to ${file} is running; wait for it to finish`);
    const f = await maculaos(t.root, ["factory", "--keep-network", "--yes"]);
    expect(f.code).toBe(1);
    expect(f.stderr).toContain(`maculaos factory: cannot run a factory reset: a backup to ${file} is running; wait for it to finish`);
    const refusedAt = Date.now();
    const done = await t.app.sys.jobs.finished(job.id);
    expect(done.state).toBe("succeeded");
    expect(done.finishedAt!.getTime()).toBeGreaterThan(refusedAt); // it really was running when both were refused
    expect(await readFile(join(data(), "config.yaml"), "utf8")).toBe(config);
    expect((await new WebClient(t.url).mutate("auth.login", { username: "admin", password: "correct horse battery" })).status).toBe(200);
    expect((await maculaos(t.root, ["repair"])).code).toBe(0); // and once it is done, repair runs
    await rm(join(data(), "bulk"), { recursive: true, force: true });
    await rm(file, { force: true });
  }, 120_000);
});

describe("maculaos factory", () => {
  it("needs a typed confirmation or --yes", async () => {
    const r = await maculaos(t.root, ["factory", "--keep-network"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/typed confirmation/);
    const no = await withStdin(t.root, ["factory", "--full"], "RESET\n");
    expect(no.code).toBe(2); // no terminal: refused rather than read from a pipe
    expect((await maculaos(t.root, ["factory"])).code).toBe(2);
  });

  it("--keep-network keeps the network section, wipes the rest and brings the wizard back with a new code", async () => {
    expect((await maculaos(t.root, ["config", "set", "network.interfaces", "[{name: eth0, address: 10.1.2.3/24, gateway: 10.1.2.1}]"])).code).toBe(0);
    await mkdir(join(data(), "myservice"), { recursive: true });
    await writeFile(join(data(), "myservice/state"), "service data");
    const r = await maculaos(t.root, ["factory", "--keep-network", "--yes"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const code = /new setup code (\S+)/.exec(r.stdout)?.[1];
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(await readFile(join(data(), "config.yaml"), "utf8")).toBe("maculaos:\n  network:\n    interfaces:\n      - name: eth0\n        address: 10.1.2.3/24\n        gateway: 10.1.2.1\n");
    expect(await readdir(data())).not.toContain("myservice");
    const web = new WebClient(t.url);
    expect((await web.query<{ pending: boolean }>("setup.status")).body.result?.data.pending).toBe(true);
    expect((await web.mutate("auth.login", { username: "admin", password: "correct horse battery" })).status).toBe(401);
    expect((await maculaos(t.root, ["setup-code"])).stdout.trim()).toBe(code);
    expect((await web.mutate("setup.checkCode", { code })).status).toBe(200);
    const info = JSON.parse((await maculaos(t.root, ["info", "--json"])).stdout) as { setup: string; hostname: string };
    expect(info).toMatchObject({ setup: "pending", hostname: "maculaos" });
  });

  it("--full wipes everything, the network config, the known good copies, the SSH keys and the passphrase file too", async () => {
    // The old owner's SSH key and backup passphrase must not outlive a full reset.
    await mkdir(join(t.root, "keys"), { recursive: true });
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "old@owner", "-f", join(t.root, "keys/id")]);
    const pub = (await readFile(join(t.root, "keys/id.pub"), "utf8")).trim();
    await mkdir(join(t.root, "var/lib/maculaos-secrets"), { recursive: true, mode: 0o700 });
    await writeFile(join(t.root, "var/lib/maculaos-secrets/backup.pass"), "old owner's passphrase\n", { mode: 0o600 });
    expect((await maculaos(t.root, ["config", "set", "ssh.authorized_keys", JSON.stringify([pub])])).code).toBe(0);
    expect((await maculaos(t.root, ["config", "set", "backup.passphrase_file", "/var/lib/maculaos-secrets/backup.pass"])).code).toBe(0);
    const keys = () => readFile(join(t.root, "home/admin/.ssh/authorized_keys"), "utf8").catch(() => "");
    await expect.poll(keys).toContain(pub);
    const r = await maculaos(t.root, ["factory", "--full", "--yes"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    await expect.poll(keys).not.toContain(pub);
    expect(await readdir(join(t.root, "var/lib/maculaos-secrets"))).toEqual([]);
    expect(await readdir(data())).not.toContain("config.yaml");
    expect(await readdir(join(t.root, "var/lib"))).not.toContain("maculaos-recovery");
    expect((await new WebClient(t.url).query<{ pending: boolean }>("setup.status")).body.result?.data.pending).toBe(true);
  });
});
