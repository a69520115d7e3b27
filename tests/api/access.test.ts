// Every procedure refuses without a session or with the wrong role; browser mutations need the CSRF header and a
// same-origin Origin; login is throttled per address and per user; the wizard needs the code and ends for good.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "~/server/root";
import { completeSetup, startTestAppliance, WebClient, wizardAnswers, type TestAppliance } from "../helpers/appliance";

const PUBLIC = new Set(["health.probe", "setup.status", "setup.checkCode", "setup.complete", "auth.login"]);
/** What a viewer may call; every other procedure must refuse a viewer. */
const VIEWER_OK = new Set(["system.info", "auth.me", "auth.logout", "auth.changePassword", "events.list", "config.get", "config.getKey", "jobs.list", "jobs.get", "jobs.follow", "updates.status"]);
PUBLIC.add("setup.restore"); // the wizard's restore from a backup: it checks the setup code itself
for (const p of ["health.report", "metrics.series", "metrics.live", "alerts.list", "logs.read", "logs.follow"]) VIEWER_OK.add(p); // monitoring: read-only
for (const p of ["network.status", "network.pending", "firewall.show", "mesh.status", "wireguard.status", "security.status", "security.services"]) VIEWER_OK.add(p);
for (const p of ["services.list", "services.watch", "services.get", "services.logs", "services.followLogs"]) VIEWER_OK.add(p); // viewers read services and their logs
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: "query" | "mutation" | "subscription" } }>).map(([path, p]) => ({ path, type: p._def.type }));

/** Calls a procedure; a subscription answers over server-sent events, so its error event is turned into a status. */
async function call(client: WebClient, p: { path: string; type: string }) {
  if (p.type === "mutation") return client.mutate(p.path, {});
  const r = await client.query(p.path, p.type === "subscription" ? { id: "x" } : {});
  if (p.type !== "subscription") return r;
  const error = /event: serialized-error\ndata: (.*)\n/.exec(r.text)?.[1];
  expect(error, "a refused subscription sends an error event").toBeDefined();
  const data = JSON.parse(error!) as { data: { code: string; httpStatus: number } };
  return { ...r, status: data.data.httpStatus, body: { error: { message: "", data: { code: data.data.code, problems: null } } } };
}

let t: TestAppliance;
let admin: WebClient;
let viewer: WebClient;

beforeAll(async () => {
  t = await startTestAppliance();
  const anon = new WebClient(t.url);
  expect((await anon.mutate("setup.checkCode", { code: "WRONG-CODE" })).status).toBe(403);
  admin = new WebClient(t.url);
  await completeSetup(t, admin);
  expect((await admin.mutate("users.create", { username: "viewer1", password: "viewer password 1", role: "viewer" })).status).toBe(200);
  viewer = new WebClient(t.url);
  expect((await viewer.mutate("auth.login", { username: "viewer1", password: "viewer password 1" })).status).toBe(200);
});

afterAll(async () => {
  expect(t.errorLogs()).toEqual([]);
  await t.close();
});

describe("access control", () => {
  it("knows every procedure", () => {
    expect(procedures.length).toBeGreaterThan(20);
  });

  it.each(procedures.filter((p) => !PUBLIC.has(p.path)))("$path refuses without a session", async (p) => {
    const r = await call(new WebClient(t.url), p);
    expect(r.status).toBe(401);
    expect(r.body.error?.data.code).toBe("UNAUTHORIZED");
  });

  it.each(procedures.filter((p) => !PUBLIC.has(p.path) && !VIEWER_OK.has(p.path)))("$path refuses a viewer", async (p) => {
    const r = await call(viewer, p);
    expect(r.status).toBe(403);
    expect(r.body.error?.data.code).toBe("FORBIDDEN");
  });

  it("lets a viewer read but not change settings", async () => {
    expect((await viewer.query("system.info")).status).toBe(200);
    const r = await viewer.mutate("config.set", { entries: [{ key: "hostname", value: "taken-over" }] });
    expect(r.status).toBe(403);
    expect((await admin.query<{ value: string }>("config.getKey", { key: "hostname" })).body.result?.data.value).toBe("edge-node-01");
  });

  it("refuses a bad session cookie and an unknown bearer token", async () => {
    const c = new WebClient(t.url);
    c.cookie = "maculaos_session=mos_forged";
    expect((await c.query("system.info")).status).toBe(401);
    const b = new WebClient(t.url);
    b.bearer = "mot_forged";
    expect((await b.query("system.info")).status).toBe(401);
  });

  it("refuses API tokens of the wrong role and accepts right ones", async () => {
    const made = await admin.mutate<{ token: string }>("tokens.create", { name: "ci-viewer", role: "viewer" });
    const b = new WebClient(t.url);
    b.bearer = made.body.result!.data.token;
    expect((await b.query("system.info")).status).toBe(200);
    expect((await b.mutate("config.set", { entries: [{ key: "hostname", value: "x" }] })).status).toBe(403);
    const list = await admin.query<{ tokens: { name: string; lastUsedAt: string | null }[] }>("tokens.list");
    expect(list.body.result!.data.tokens.find((x) => x.name === "ci-viewer")?.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(list.body)).not.toContain(made.body.result!.data.token);
  });
});

describe("cross-origin protection", () => {
  const input = { entries: [{ key: "ntp.servers", value: ["time.example.org"] }] };
  it.each([
    ["a foreign Origin", { origin: "http://evil.example" }],
    ["the same host on another port", { origin: "http://127.0.0.1:1" }],
    ["Origin null", { origin: "null" }],
    ["no Origin", { origin: null }],
    ["no CSRF header", { "x-maculaos-csrf": null }],
  ])("refuses a mutation with %s", async (_name, headers) => {
    const r = await admin.mutate("config.set", input, headers as Record<string, string | null>);
    expect(r.status).toBe(403);
    expect((await admin.query<{ value: string[] }>("config.getKey", { key: "ntp.servers" })).body.result?.data.value).toEqual(["pool.ntp.org"]);
  });

  it.each([["alone", "config.set"], ["in a batch", "auth.me,config.set"]])("never runs a mutation sent as GET (%s), even with a session cookie", async (_name, path) => {
    const entries = { entries: [{ key: "hostname", value: "hijacked" }] };
    const input = path.includes(",") ? { 0: undefined, 1: entries } : entries;
    const r = await admin.query(`${path}${path.includes(",") ? "?batch=1" : ""}`, input, { origin: null, "x-maculaos-csrf": null });
    expect(r.status).toBe(405);
    expect((await admin.query<{ value: string }>("config.getKey", { key: "hostname" })).body.result?.data.value).toBe("edge-node-01");
  });

  it("accepts the same mutation from the same origin", async () => {
    expect((await admin.mutate("config.set", input)).status).toBe(200);
    expect((await admin.query<{ value: string[] }>("config.getKey", { key: "ntp.servers" })).body.result?.data.value).toEqual(["time.example.org"]);
  });

  it("sends frame-ancestors 'none' and a strict session cookie", async () => {
    const c = new WebClient(t.url);
    const r = await c.mutate("auth.login", { username: "admin", password: "correct horse battery" });
    expect(r.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    const cookie = String(r.headers["set-cookie"] ?? "");
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
  });
});

describe("login throttling", () => {
  it("locks an address after 5 failures, even for a right password", async () => {
    const c = new WebClient(t.url, { localAddress: "127.0.0.2" });
    for (let i = 0; i < 5; i++) expect((await c.mutate("auth.login", { username: "admin", password: `wrong ${i}` })).status).toBe(401);
    const r = await c.mutate("auth.login", { username: "viewer1", password: "viewer password 1" });
    expect(r.status).toBe(429);
    expect(r.body.error?.message).toMatch(/try again in \d+ s/);
    expect((await new WebClient(t.url, { localAddress: "127.0.0.3" }).mutate("auth.login", { username: "viewer1", password: "viewer password 1" })).status).toBe(200);
  });

  it("locks a username after 5 failures from many addresses", async () => {
    await admin.mutate("users.create", { username: "target", password: "target password 1", role: "viewer" });
    for (let i = 0; i < 5; i++) {
      const c = new WebClient(t.url, { localAddress: `127.0.1.${i + 1}` });
      expect((await c.mutate("auth.login", { username: "target", password: "nope nope nope" })).status).toBe(401);
    }
    const r = await new WebClient(t.url, { localAddress: "127.0.1.9" }).mutate("auth.login", { username: "target", password: "target password 1" });
    expect(r.status).toBe(429);
  });
});

describe("setup wizard", () => {
  it("refuses once setup is done, even with the old code", async () => {
    const code = /setup code (\S+)/.exec(t.consoleLines.join("\n"))![1]!;
    const anon = new WebClient(t.url);
    expect((await anon.query<{ pending: boolean }>("setup.status")).body.result?.data.pending).toBe(false);
    expect((await anon.mutate("setup.checkCode", { code })).status).toBe(403);
    const again = await anon.mutate("setup.complete", wizardAnswers(code, { admin: { username: "intruder", password: "intruder password" } }));
    expect(again.status).toBe(403);
    expect(anon.cookie).toBeNull();
  });
});

describe("single GET queries (served without tRPC's adapter) answer exactly as tRPC does", () => {
  it("gives the same error envelope as a batched call through tRPC's adapter", async () => {
    const anon = new WebClient(t.url);
    const single = await anon.query("system.info");
    const batched = await anon.query("system.info?batch=1", undefined, {});
    const viaAdapter = (JSON.parse(batched.text) as { error: unknown }[])[0]!.error;
    expect(single.status).toBe(401);
    expect(single.body.error).toEqual(viaAdapter);
  });

  it("refuses input that is not JSON with PARSE_ERROR, and bad input with the problems", async () => {
    const raw = await fetch(`${t.url}/api/trpc/events.list?input=%7Bnot-json`, { headers: { cookie: admin.cookie! } });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: { data: { code: string } } }).error.data.code).toBe("PARSE_ERROR");
    const bad = await admin.query("events.list", { limit: "ten" });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.data.code).toBe("BAD_REQUEST");
    expect(bad.body.error?.data.problems?.[0]?.path).toBe("limit");
  });
});
