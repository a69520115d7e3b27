// What the review found, kept fixed: body and batch limits, concurrent guessing, secrets hidden from viewers, racing
// wizards, hostile cookies and URLs, and API tokens that outlive their creator.
import { generateKeyPairSync } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAppliance, WebClient, wizardAnswers, type TestAppliance } from "../helpers/appliance";

/** Sends a raw HTTP request and returns the status (for bodies and URLs no client library would send). */
function raw(url: string, opts: { method?: string; path: string; headers?: Record<string, string | number>; body?: Buffer }): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, method: opts.method ?? "GET", path: opts.path, headers: opts.headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

let t: TestAppliance;
let code: string;

beforeAll(async () => {
  t = await startTestAppliance();
  code = /setup code (\S+)/.exec(t.consoleLines.join("\n"))![1]!;
});
afterAll(async () => {
  expect(t.errorLogs()).toEqual([]);
  await t.close();
});

describe("hardening", () => {
  it("lets exactly one of three racing wizards with the same code finish", async () => {
    const answers = ["alice", "bob", "carol"].map((name) => wizardAnswers(code, { admin: { username: name, password: "a long password 1" }, hostname: `host-${name}` }));
    const clients = answers.map(() => new WebClient(t.url));
    const replies = await Promise.all(clients.map((c, i) => c.mutate("setup.complete", answers[i])));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 403, 403]);
    const winner = clients[replies.findIndex((r) => r.status === 200)]!;
    const users = await winner.query<{ users: { username: string }[] }>("users.list");
    expect(users.body.result!.data.users).toHaveLength(1);
    const host = (await winner.query<{ value: string }>("config.getKey", { key: "hostname" })).body.result!.data.value;
    expect(host).toBe(`host-${users.body.result!.data.users[0]!.username}`);
  });

  it("refuses a body over the limit with 413 and keeps serving", async () => {
    const status = await raw(t.url, { method: "POST", path: "/api/trpc/auth.login", headers: { "content-type": "application/json", "content-length": 50 * 1024 * 1024 }, body: Buffer.alloc(0) }).catch(() => 413);
    expect(status).toBe(413);
    expect((await new WebClient(t.url).query("health.probe")).status).toBe(200);
  });

  it("counts concurrent password guesses: at most 5 of a batch of 10 get checked", async () => {
    const c = new WebClient(t.url, { localAddress: "127.0.2.1" });
    const path = Array(10).fill("auth.login").join(",");
    const input = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i, { username: `nobody${i}`, password: "guess" }]));
    const r = await c.mutate(`${path}?batch=1`, input);
    const codes = (JSON.parse(r.text) as { error: { data: { code: string } } }[]).map((x) => x.error.data.code);
    expect(codes.filter((x) => x === "UNAUTHORIZED").length).toBeLessThanOrEqual(5);
    expect(codes.filter((x) => x === "TOO_MANY_REQUESTS").length).toBeGreaterThanOrEqual(5);
    const tooBig = await c.mutate(`${Array(11).fill("auth.login").join(",")}?batch=1`, {});
    expect(tooBig.status).toBe(400);
  });

  it("hides secrets from viewers and shows them to admins", async () => {
    const admin = new WebClient(t.url);
    const users = ["alice", "bob", "carol"];
    for (const u of users) if ((await admin.mutate("auth.login", { username: u, password: "a long password 1" })).status === 200) break;
    const key = generateKeyPairSync("x25519").privateKey.export({ format: "der", type: "pkcs8" }).subarray(-32).toString("base64");
    expect((await admin.mutate("config.set", { entries: [{ key: "mesh.wireguard", value: { enabled: true, private_key: key } }] })).status).toBe(200);
    await admin.mutate("users.create", { username: "watcher", password: "watcher password", role: "viewer" });
    const viewer = new WebClient(t.url);
    await viewer.mutate("auth.login", { username: "watcher", password: "watcher password" });
    const seen = await viewer.query<{ yaml: string; config: { mesh: { wireguard: { private_key: string } } } }>("config.get");
    expect(JSON.stringify(seen.body)).not.toContain(key);
    expect(seen.body.result!.data.config.mesh.wireguard.private_key).toBe("********");
    expect(seen.body.result!.data.yaml).toMatch(/private_key: "?\*{8}"?/);
    expect((await viewer.query<{ value: string }>("config.getKey", { key: "mesh.wireguard.private_key" })).body.result!.data.value).toBe("********");
    expect((await admin.query<{ value: string }>("config.getKey", { key: "mesh.wireguard.private_key" })).body.result!.data.value).toBe(key);
  });

  it("ignores a malformed foreign cookie and answers a malformed URL with 400", async () => {
    expect(await raw(t.url, { path: "/api/trpc/health.probe", headers: { cookie: "other=%E0%A4%A; maculaos_session=%ZZ" } })).toBe(200);
    expect(await raw(t.url, { path: "//[" })).toBe(400);
  });

  it("revokes an admin's API tokens when the admin is removed", async () => {
    const root = new WebClient(t.url);
    for (const u of ["alice", "bob", "carol"]) if ((await root.mutate("auth.login", { username: u, password: "a long password 1" })).status === 200) break;
    await root.mutate("users.create", { username: "temp", password: "temp password 1", role: "admin" });
    const temp = new WebClient(t.url);
    await temp.mutate("auth.login", { username: "temp", password: "temp password 1" });
    const token = (await temp.mutate<{ token: string }>("tokens.create", { name: "temp-token", role: "admin" })).body.result!.data.token;
    const id = (await root.query<{ users: { id: number; username: string }[] }>("users.list")).body.result!.data.users.find((u) => u.username === "temp")!.id;
    expect((await root.mutate("users.remove", { id })).status).toBe(200);
    const b = new WebClient(t.url);
    b.bearer = token;
    expect((await b.query("system.info")).status).toBe(401);
  });
});
