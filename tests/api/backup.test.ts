// Backup and restore end to end through the CLI and the API: a round trip onto a fresh device gives identical config,
// database rows and service data; selective and encrypted backups; the wizard's "restore from a backup"; download and
// upload; clear refusals (wrong passphrase, not a backup) that leave the old state.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeSetup, runBin, startTestAppliance, WebClient, type TestAppliance } from "../helpers/appliance";

function maculaos(root: string, args: string[], env: Record<string, string> = {}) {
  return runBin("maculaos", args, { MACULAOS_ROOT: root, MACULAOS_HOST: "", MACULAOS_TOKEN: "", MACULAOS_BACKUP_PASSPHRASE: "", ...env });
}

/** Rows of the tables a restore must bring back, as plain values. */
function rows(root: string, table: string): unknown[] {
  const db = new Database(join(root, "var/lib/maculaos/maculaos.db"), { readonly: true });
  try {
    return db.prepare(`SELECT * FROM "${table}" ORDER BY 1`).all();
  } finally {
    db.close();
  }
}

/** sha256 of every file under `dir`, by relative path. */
async function tree(dir: string, base = dir, out: Record<string, string> = {}): Promise<Record<string, string>> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await tree(p, base, out);
    else out[p.slice(base.length + 1)] = createHash("sha256").update(await readFile(p)).digest("hex");
  }
  return out;
}

const svc = (root: string) => join(root, "var/lib/maculaos/myservice");

let t: TestAppliance;
let work: string;
let admin: WebClient;

beforeAll(async () => {
  t = await startTestAppliance();
  admin = new WebClient(t.url);
  await completeSetup(t, admin);
  work = await mkdtemp(join(tmpdir(), "backup-test-"));
  await mkdir(join(svc(t.root), "data/nested"), { recursive: true });
  await writeFile(join(svc(t.root), "data/state.json"), JSON.stringify({ counter: 42 }));
  await writeFile(join(svc(t.root), "data/nested/blob.bin"), randomBytes(3 * 1024 * 1024 + 12345)); // several chunks, each different: a write out of order shows
  await writeFile(join(svc(t.root), "data/nested/log.txt"), Array.from({ length: 200_000 }, (_, i) => `line ${i}\n`).join("")); // compressible, past the small-file size
  expect((await admin.mutate("users.create", { username: "viewer1", password: "viewer password 1", role: "viewer" })).status).toBe(200);
  expect((await maculaos(t.root, ["config", "set", "ntp.servers", "[time.example.org]"])).code).toBe(0);
});

afterAll(async () => {
  expect(t.errorLogs()).toEqual([]);
  await t.close();
  await rm(work, { recursive: true, force: true });
});

describe("backup and restore", () => {
  it("round trip: a backup restored on a fresh device gives identical config, database rows and service data", async () => {
    const file = join(work, "backup.tar.gz");
    const b = await maculaos(t.root, ["backup", file]);
    expect(b.stderr).toBe("");
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/verified backup of \d+ files/);
    const v = await maculaos(t.root, ["backup", "verify", file]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/verified: \d+ files/);
    const listed = await maculaos(t.root, ["backup", "list", file]);
    expect(listed.stdout).toMatch(/myservice\/data\/state\.json/);
    expect(listed.stdout).toMatch(/edge-node-01/);

    const fresh = await startTestAppliance();
    try {
      const r = await maculaos(fresh.root, ["restore", file]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(await readFile(join(fresh.root, "var/lib/maculaos/config.yaml"), "utf8")).toBe(await readFile(join(t.root, "var/lib/maculaos/config.yaml"), "utf8"));
      expect(rows(fresh.root, "User")).toEqual(rows(t.root, "User"));
      expect(rows(fresh.root, "ApiToken")).toEqual(rows(t.root, "ApiToken"));
      expect(await tree(svc(fresh.root))).toEqual(await tree(svc(t.root)));
      // the restored node is set up and knows the admin; its config is in force
      const web = new WebClient(fresh.url);
      expect((await web.query<{ pending: boolean }>("setup.status")).body.result?.data.pending).toBe(false);
      expect((await web.mutate("auth.login", { username: "admin", password: "correct horse battery" })).status).toBe(200);
      expect((await web.query<{ value: string[] }>("config.getKey", { key: "ntp.servers" })).body.result?.data.value).toEqual(["time.example.org"]);
      // the backup's own job is recorded as succeeded, the restore job too
      const jobs = (await web.query<{ jobs: { kind: string; state: string }[] }>("jobs.list")).body.result!.data.jobs;
      expect(jobs.filter((j) => j.kind === "restore" || j.kind === "backup").map((j) => j.state)).toEqual(expect.arrayContaining(["succeeded", "succeeded"]));
      expect(jobs.find((j) => j.state === "running")).toBeUndefined();
      expect(fresh.errorLogs()).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it("selective backups: --exclude leaves a part out, and restoring it keeps that part as it is", async () => {
    const file = join(work, "no-service.tar.gz");
    expect((await maculaos(t.root, ["backup", file, "--exclude", "myservice,database"])).code).toBe(0);
    const l = await maculaos(t.root, ["backup", "list", file]);
    expect(l.stdout).not.toMatch(/myservice/);
    expect(l.stdout).not.toMatch(/maculaos\.db/);
    const bad = await maculaos(t.root, ["backup", join(work, "x.tar.gz"), "--include", "nosuch"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no part named "nosuch".*parts: config, database, mesh, (metrics, )?myservice\)/);
    await writeFile(join(svc(t.root), "data/state.json"), "changed after the backup");
    expect((await maculaos(t.root, ["restore", file])).code).toBe(0);
    expect(await readFile(join(svc(t.root), "data/state.json"), "utf8")).toBe("changed after the backup");
    expect((await admin.query("system.info")).status).toBe(200); // the session survived: the database was kept
  });

  it("encrypted zstd backups: the passphrase is asked for, a wrong one is refused before anything changes", async () => {
    const file = join(work, "enc.tar.zst.enc");
    const passFile = join(work, "pass");
    await writeFile(passFile, "a long passphrase\n");
    const b = await maculaos(t.root, ["backup", file, "--encrypt", "--passphrase-file", passFile]);
    expect(b.code).toBe(0);
    const head = await readFile(file);
    expect(head.subarray(0, 8).toString()).toBe("MOSBKENC");
    expect(head.includes(Buffer.from("edge-node-01"))).toBe(false);
    const none = await maculaos(t.root, ["restore", file]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/passphrase/);
    const before = await tree(join(t.root, "var/lib/maculaos/myservice"));
    const wrong = await maculaos(t.root, ["restore", file], { MACULAOS_BACKUP_PASSPHRASE: "not the passphrase" });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/wrong passphrase/);
    expect(await tree(svc(t.root))).toEqual(before);
    const ok = await maculaos(t.root, ["restore", file, "--passphrase-file", passFile]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/encrypted/);
  });

  it("refuses a file that is not a MaculaOS backup, and lists stored backups with the last good one", async () => {
    const junk = join(work, "junk.tar.gz");
    await writeFile(junk, "just text");
    const r = await maculaos(t.root, ["restore", junk]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a MaculaOS backup/);
    const made = await admin.mutate<{ id: string }>("backups.create", {});
    expect(made.status).toBe(200);
    const done = await maculaos(t.root, ["jobs", "follow", made.body.result!.data.id]);
    expect(done.code).toBe(0);
    const l = await admin.query<{ backups: { name: string; header: { hostname: string } | null }[]; lastGood: { at: string } | null; stale: boolean }>("backups.list");
    expect(l.body.result?.data.backups[0]?.name).toMatch(/^maculaos-edge-node-01-\d{8}T\d{6}Z\.tar\.gz$/);
    expect(l.body.result?.data.backups[0]?.header?.hostname).toBe("edge-node-01");
    expect(l.body.result?.data.stale).toBe(false);
  });

  it("downloads and uploads stored backups (admin only), and the wizard restores an upload on a fresh node", async () => {
    const l = await admin.query<{ backups: { name: string; size: number }[] }>("backups.list");
    const name = l.body.result!.data.backups[0]!.name;
    const got = await fetchRaw(t.url, "GET", `/api/backups/download/${name}`, { cookie: admin.cookie! });
    expect(got.status).toBe(200);
    expect(got.body.length).toBe(l.body.result!.data.backups[0]!.size);
    expect((await fetchRaw(t.url, "GET", `/api/backups/download/${name}`, {})).status).toBe(401);
    expect((await fetchRaw(t.url, "GET", `/api/backups/download/..%2f..%2fetc%2fpasswd`, { cookie: admin.cookie! })).status).toBe(400);
    const crossSite = await fetchRaw(t.url, "PUT", `/api/backups/upload/x.tar.gz`, { cookie: admin.cookie!, origin: "http://evil.example", "x-maculaos-csrf": "1" }, got.body);
    expect(crossSite.status).toBe(403);

    const fresh = await startTestAppliance();
    try {
      const code = /setup code (\S+)/.exec(fresh.consoleLines.join("\n"))![1]!;
      expect((await fetchRaw(fresh.url, "PUT", "/api/backups/upload/mine.tar.gz", { "x-maculaos-setup-code": "WRONG-CODE" }, got.body)).status).toBe(403);
      const up = await fetchRaw(fresh.url, "PUT", "/api/backups/upload/mine.tar.gz", { "x-maculaos-setup-code": code }, got.body);
      expect(up.status).toBe(201);
      const web = new WebClient(fresh.url);
      const r = await web.mutate<{ state: string }>("setup.restore", { code, file: "mine.tar.gz" });
      expect(r.status).toBe(200);
      expect(r.body.result?.data.state).toBe("succeeded");
      expect((await web.query<{ pending: boolean }>("setup.status")).body.result?.data.pending).toBe(false);
      expect((await web.mutate("auth.login", { username: "admin", password: "correct horse battery" })).status).toBe(200);
      expect((await stat(join(fresh.root, "var/lib/maculaos/myservice/data/state.json"))).isFile()).toBe(true);
      expect(fresh.errorLogs()).toEqual([]);
    } finally {
      await fresh.close();
    }
  });
});

/** A raw HTTP request (for the transfer endpoints, which are not tRPC). */
function fetchRaw(base: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers: { origin: new URL(base).origin, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
