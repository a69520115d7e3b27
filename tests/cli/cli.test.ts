// The maculaos CLI against a real appliance: over the root socket, and over --host with an API token.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeSetup, runBin, startTestAppliance, WebClient, type TestAppliance } from "../helpers/appliance";

/** Runs bin/maculaos with `args` against the device at `root`, with only PATH from the test's environment. */
function maculaos(root: string, args: string[], env: Record<string, string> = {}) {
  return runBin("maculaos", args, { MACULAOS_ROOT: root, MACULAOS_HOST: "", MACULAOS_TOKEN: "", ...env });
}

let t: TestAppliance;
let adminToken: string;
let viewerToken: string;

beforeAll(async () => {
  t = await startTestAppliance();
});

afterAll(async () => {
  expect(t.errorLogs()).toEqual([]);
  await t.close();
});

describe("over the root socket", () => {
  it("prints the setup code the console printed, before setup", async () => {
    const r = await maculaos(t.root, ["setup-code"]);
    expect(r.code).toBe(0);
    expect(t.consoleLines.join("\n")).toContain(r.stdout.trim());
    expect(r.stdout.trim()).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const j = await maculaos(t.root, ["setup-code", "--json"]);
    expect(JSON.parse(j.stdout)).toEqual({ code: r.stdout.trim() });
  });

  it("info --json has the keys scripts rely on", async () => {
    const r = await maculaos(t.root, ["info", "--json"]);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({ hostname: "maculaos", slot: "A", setup: "pending", mesh: { role: "peer", realm: "io.macula" } });
    expect(typeof info.version).toBe("string");
    expect(info.uptime).toBeGreaterThanOrEqual(0);
  });

  it("info after setup shows the wizard's answers, in words", async () => {
    const web = new WebClient(t.url);
    await completeSetup(t, web);
    const r = await maculaos(t.root, ["info"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Hostname\s+edge-node-01/);
    expect(r.stdout).toMatch(/Slot\s+A/);
    expect(r.stdout).toMatch(/Mesh\s+peer in realm io\.mycompany/);
    expect(r.stdout).toMatch(/Setup\s+done/);
    const code = await maculaos(t.root, ["setup-code"]);
    expect(code.code).toBe(1);
    expect(code.stderr).toMatch(/setup is already done/);
    adminToken = (await web.mutate<{ token: string }>("tokens.create", { name: "cli-admin", role: "admin" })).body.result!.data.token;
    viewerToken = (await web.mutate<{ token: string }>("tokens.create", { name: "cli-viewer", role: "viewer" })).body.result!.data.token;
  });

  it("config get/set/show work and keep comments", async () => {
    const file = join(t.root, "var/lib/maculaos/config.yaml");
    await writeFile(file, `# my node\n${await readFile(file, "utf8")}`);
    expect((await maculaos(t.root, ["config", "set", "mesh.role", "gateway"])).code).toBe(0);
    expect((await maculaos(t.root, ["config", "get", "mesh.role"])).stdout.trim()).toBe("gateway");
    expect((await maculaos(t.root, ["config", "get", "mesh.stun_port"])).stdout.trim()).toBe("3478");
    expect(JSON.parse((await maculaos(t.root, ["config", "get", "mesh.bootstrap_nodes", "--json"])).stdout)).toEqual(["bootstrap.macula.io:4433"]);
    const show = await maculaos(t.root, ["config", "show"]);
    expect(show.stdout).toContain("# my node");
    expect(show.stdout).toMatch(/role: gateway/);
  });

  it("config set refuses an invalid value with exit 2, naming the path, and changes nothing", async () => {
    const file = join(t.root, "var/lib/maculaos/config.yaml");
    const before = await readFile(file, "utf8");
    const r = await maculaos(t.root, ["config", "set", "mesh.role", "relay"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("maculaos.mesh.role");
    expect(await readFile(file, "utf8")).toBe(before);
    const bad = await maculaos(t.root, ["config", "get", "mesh.nope"]);
    expect(bad.code).toBe(2);
  });

  it("config validate FILE: 0 for a good file, 2 with path and line for a bad one", async () => {
    const good = join(t.root, "good.yaml");
    const bad = join(t.root, "bad.yaml");
    await writeFile(good, "maculaos:\n  hostname: edge-node-02\n  mesh:\n    role: bootstrap\n    advertise_address: \"203.0.113.10:4433\"\n");
    await writeFile(bad, "maculaos:\n  mesh:\n    role: bootstrap\n");
    expect((await maculaos(t.root, ["config", "validate", good])).code).toBe(0);
    const r = await maculaos(t.root, ["config", "validate", bad]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("maculaos.mesh.advertise_address");
    expect((await maculaos(t.root, ["config", "validate", join(t.root, "missing.yaml")])).code).toBe(2);
  });
});

describe("usage and failures", () => {
  it("--help and --version exit 0; an unknown command or flag exits 2", async () => {
    const help = await maculaos(t.root, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/setup-code/);
    expect((await maculaos(t.root, ["--version"])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect((await maculaos(t.root, ["frobnicate"])).code).toBe(2);
    expect((await maculaos(t.root, ["info", "--bogus"])).code).toBe(2);
    expect((await maculaos(t.root, ["config"])).code).toBe(2);
    expect((await maculaos(t.root, ["info", "extra"])).code).toBe(2);
    expect((await maculaos(t.root, ["config", "validate", t.root])).code).toBe(2);
    const noScheme = await maculaos(t.root, ["info", "--host", "127.0.0.1:9090", "--token", "x"]);
    expect(noScheme.code).toBe(2);
    expect(noScheme.stderr).toMatch(/needs a URL like http/);
  });

  it.each([["info"], ["jobs", "follow", "some-job"]])("says in one line that the server is not running (%s)", async (...args) => {
    const r = await maculaos(join(t.root, "nowhere"), args);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot reach the appliance at .*api\.sock: is it running\?/);
  });
});

describe("over --host with a token", () => {
  it("an admin token reads and changes", async () => {
    const r = await maculaos(t.root, ["info", "--json", "--host", t.url, "--token", adminToken]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).hostname).toBe("edge-node-01");
    expect((await maculaos(t.root, ["config", "set", "ntp.servers", "[ntp1.example.org]", "--host", t.url], { MACULAOS_TOKEN: adminToken })).code).toBe(0);
  });

  it("a viewer token reads but cannot change; a wrong token is refused", async () => {
    expect((await maculaos(t.root, ["config", "get", "hostname", "--host", t.url, "--token", viewerToken])).stdout.trim()).toBe("edge-node-01");
    const denied = await maculaos(t.root, ["config", "set", "hostname", "x", "--host", t.url, "--token", viewerToken]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/admin role/);
    const wrong = await maculaos(t.root, ["info", "--host", t.url, "--token", "mot_wrong"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/sign in first/);
    expect((await maculaos(t.root, ["setup-code", "--host", t.url, "--token", adminToken])).code).toBe(1);
  });

  it("--host without a token is bad usage", async () => {
    expect((await maculaos(t.root, ["info", "--host", t.url])).code).toBe(2);
  });
});

describe("jobs", () => {
  /** Starts `maculaos jobs follow ID` and resolves with its result. */
  const follow = (id: string, args: string[] = []) => maculaos(t.root, ["jobs", "follow", id, ...args]);

  it("follows a job's live progress to success, line by line when not on a terminal", async () => {
    let step: (fraction: number, message: string) => void = () => undefined;
    let finish: () => void = () => undefined;
    const job = await t.app.sys.jobs.start("backup", "/mnt/usb/backup.tar.gz", "root", (c) => {
      step = (f, m) => c.progress(f, m);
      return new Promise<string>((r) => (finish = () => r("3 files, 12 KiB")));
    });
    const listeners = t.app.sys.jobs.listenerCount("update");
    const running = follow(job.id);
    while (t.app.sys.jobs.listenerCount("update") === listeners) await new Promise((r) => setTimeout(r, 20)); // the CLI follows
    step(0.5, "archiving /var/lib/maculaos");
    await new Promise((r) => setTimeout(r, 500));
    finish();
    const r = await running;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/backup \/mnt\/usb\/backup\.tar\.gz \[=+> +\]  50% archiving \/var\/lib\/maculaos/);
    expect(r.stdout.trim().split("\n").at(-1)).toMatch(/\[=+\] 100% 3 files, 12 KiB$/);
    const list = await maculaos(t.root, ["jobs", "--json"]);
    expect(JSON.parse(list.stdout)[0]).toMatchObject({ id: job.id, state: "succeeded" });
  });

  it("exits 1 with the reason when the job fails, and for an unknown job", async () => {
    const job = await t.app.sys.jobs.start("restore", "b.tar.gz", "root", async () => {
      await new Promise((r) => setTimeout(r, 800));
      throw new Error("not enough space (needs 5 GB, has 1 GB)");
    });
    const r = await follow(job.id, ["--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1)!)).toMatchObject({ state: "failed", error: "not enough space (needs 5 GB, has 1 GB)" });
    const missing = await follow("no-such-job");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no job no-such-job/);
  });
});
