// The terminal WebSocket with real shells on real pseudo-terminals: the handshake matrix (only an admin's session
// with an exact same-origin Origin is upgraded), typing, resize, UTF-8 and 256 colours, bracketed paste, reattaching
// after a dropped connection without losing or repeating output, a reload's replay starting at a whole line once the
// scrollback dropped output, independent shells, takeover, idle end, events, and keystrokes never reaching the logs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handshakeStatus, TermClient } from "~/scripts/lib/terminal-client.mjs";
import { SCROLLBACK_BYTES } from "~/system/terminal/terminals";
import { completeSetup, startTestAppliance, WebClient, type TestAppliance } from "../helpers/appliance";

let t: TestAppliance;
let admin: WebClient;
let adminCookie: string;
const open: TermClient[] = [];

/** Opens a terminal as the admin (or with `opts`) and remembers it for cleanup. */
async function term(opts: Parameters<typeof TermClient.connect>[1] = {}): Promise<TermClient> {
  const c = await TermClient.connect(t.url, { cookie: adminCookie, ...opts });
  open.push(c);
  return c;
}

/** Runs `cmd` in the shell and returns what it printed before the marker (the marker's echo is split by quotes). */
async function run(c: TermClient, cmd: string): Promise<string> {
  const tag = `M${Math.random().toString(36).slice(2, 8)}`;
  c.type(`${cmd}; echo "${tag}""END"\r`);
  const m = await c.waitFor(new RegExp(`\\n([^]*?)${tag}END`));
  return m[1]!.replace(/\r|\x1b\[[?0-9;]*[A-Za-z]/g, "");
}

beforeAll(async () => {
  t = await startTestAppliance();
  admin = new WebClient(t.url);
  await completeSetup(t, admin);
  adminCookie = admin.cookie!;
  await t.app.sys.config.set([{ key: "terminal.shell", value: "/bin/bash" }]);
  expect((await admin.mutate("users.create", { username: "viewer1", password: "viewer password 1", role: "viewer" })).status).toBe(200);
  expect((await admin.mutate("users.create", { username: "admin2", password: "admin2 password 1", role: "admin" })).status).toBe(200);
});

afterAll(async () => {
  for (const c of open) c.ws.terminate();
  expect(t.errorLogs()).toEqual([]);
  await t.close();
});

async function login(username: string, password: string): Promise<string> {
  const c = new WebClient(t.url);
  expect((await c.mutate("auth.login", { username, password })).status).toBe(200);
  return c.cookie!;
}

describe("terminal handshake", () => {
  it("upgrades an admin's session with a same-origin Origin", async () => {
    expect(await handshakeStatus(t.url, { cookie: adminCookie, origin: t.url })).toBe(101);
  });

  it.each([
    ["a foreign Origin", () => ({ origin: "http://evil.example" }), 403],
    ["the same host on another port", () => ({ origin: `http://127.0.0.1:${t.app.port === 65535 ? 65534 : t.app.port + 1}` }), 403],
    ["the same host by another name", () => ({ origin: `http://localhost:${t.app.port}` }), 403],
    ["https instead of http", () => ({ origin: `https://127.0.0.1:${t.app.port}` }), 403],
    ["Origin null", () => ({ origin: "null" }), 403],
    ["no Origin", () => ({ origin: "" }), 403],
  ])("refuses %s", async (_name, headers, status) => {
    const h: Record<string, string> = { cookie: adminCookie, ...headers() };
    if (!h.origin) delete h.origin;
    expect(await handshakeStatus(t.url, h)).toBe(status);
  });

  it("refuses no cookie, a made-up cookie and an expired session", async () => {
    expect(await handshakeStatus(t.url, { origin: t.url })).toBe(401);
    expect(await handshakeStatus(t.url, { origin: t.url, cookie: "maculaos_session=mos_madeup" })).toBe(401);
    const user = await t.app.sys.db.user.findFirstOrThrow({ where: { username: "admin" } });
    const { token } = await t.app.sys.accounts.openSession(user.id, "test");
    const latest = await t.app.sys.db.session.findFirstOrThrow({ where: { userId: user.id }, orderBy: { id: "desc" } });
    await t.app.sys.db.session.update({ where: { id: latest.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await handshakeStatus(t.url, { origin: t.url, cookie: `maculaos_session=${token}` })).toBe(401);
  });

  it("refuses a viewer", async () => {
    expect(await handshakeStatus(t.url, { origin: t.url, cookie: await login("viewer1", "viewer password 1") })).toBe(403);
  });

  it("refuses upgrades on any other path", async () => {
    const ws = await import("ws");
    const status = await new Promise<number>((resolve) => {
      const s = new ws.WebSocket(`${t.url.replace("http", "ws")}/api/trpc/system.info`, { headers: { cookie: adminCookie, origin: t.url } });
      s.once("unexpected-response", (_q, res) => resolve(res.statusCode ?? 0));
      s.once("error", () => undefined);
    });
    expect(status).toBe(404);
  });
});

describe("terminal shells", () => {
  it("runs a login shell that answers, with UTF-8 and 256 colours", async () => {
    const c = await term();
    expect(await run(c, "echo $((6*7))")).toMatch(/^42$/m);
    expect(await run(c, "echo $TERM $(tput colors)")).toMatch(/^xterm-256color 256$/m);
    expect(await run(c, "printf 'gr\\303\\274\\303\\237e \\342\\202\\254\\n'")).toMatch(/^grüße €$/m);
    c.type("echo 'Ωmega'\r");
    await c.waitFor(/^Ωmega\r$/m);
    expect(await run(c, "shopt -q login_shell && echo login")).toMatch(/^login$/m);
  });

  it("resizes the pseudo-terminal", async () => {
    const c = await term({ cols: 100, rows: 30 });
    expect(await run(c, "stty size")).toMatch(/^30 100$/m);
    c.resize(132, 43);
    expect(await run(c, "stty size")).toMatch(/^43 132$/m);
  });

  it("passes bracketed paste through: a multi-line paste runs nothing until Enter", async () => {
    const c = await term();
    await run(c, "bind 'set enable-bracketed-paste on'");
    await c.waitFor(/\x1b\[\?2004h/);
    c.type("\x1b[200~echo pasted-one\recho pasted-two\x1b[201~");
    await new Promise((r) => setTimeout(r, 400));
    expect(c.text).not.toMatch(/^pasted-one\r$/m);
    c.type("\r");
    await c.waitFor(/^pasted-two\r$/m);
    expect(c.text).toMatch(/^pasted-one\r$/m);
  });

  it("reattaches to the same live shell after a dropped connection, missing and repeating nothing", async () => {
    const c = await term();
    await run(c, "KEPT=still-here; for i in 1 2 3; do echo line-$i; done");
    const { id, offset } = c;
    c.type("sleep 0.3; echo while-away\r");
    await c.close();
    await new Promise((r) => setTimeout(r, 600));
    const back = await term({ id, from: offset });
    expect(back.start).toBe(offset);
    await back.waitFor(/while-away/);
    expect(back.text).not.toContain("line-1");
    expect(await run(back, "echo $KEPT")).toMatch(/^still-here$/m);
    await back.close();
    const reloaded = await term({ id });
    expect(reloaded.start).toBe(0);
    await reloaded.waitFor(/line-1\r\nline-2\r\nline-3/);
    await reloaded.waitFor(/while-away/);
  });

  it("replays from a whole line after a reload once the scrollback has dropped output, never inside a sequence", async () => {
    const c = await term();
    // Half as much again as the ring keeps, in coloured lines with multibyte characters: the ring cuts one somewhere.
    const lines = Math.ceil((1.5 * SCROLLBACK_BYTES) / 30);
    await run(c, `seq -w 1 ${lines} | awk '{ printf "\\033[3%dmline %s grüße €\\033[0m\\n", NR % 8, $1 }'`);
    await c.close();
    let replay: Buffer | undefined;
    const reloaded = await term({ id: c.id, onData: (d: Buffer) => void (replay ??= Buffer.from(d)) });
    expect(reloaded.start).toBeGreaterThan(0);
    await expect.poll(() => replay).toBeDefined();
    const text = new TextDecoder("utf-8", { fatal: true }).decode(replay!, { stream: true });
    expect(text.slice(0, 80)).toMatch(/^\x1b\[3\dmline \d+ grüße €\x1b\[0m\r\n/);
    reloaded.ws.send(JSON.stringify({ type: "close" }));
    expect((await reloaded.closed).code).toBe(4000);
  });

  it("keeps two shells independent and lets a new window take a shell over", async () => {
    const a = await term();
    const b = await term();
    expect(a.id).not.toBe(b.id);
    await run(a, "X=in-a");
    expect(await run(b, "echo \"[$X]\"")).toMatch(/^\[\]$/m);
    const pidA = (await run(a, "echo $$")).trim();
    const pidB = (await run(b, "echo $$")).trim();
    expect(pidA).not.toBe(pidB);
    const again = await term({ id: a.id });
    expect((await a.closed).code).toBe(4001);
    expect(await run(again, "echo $X")).toMatch(/^in-a$/m);
  });

  it("shows a shell only to the admin who opened it", async () => {
    const mine = await term();
    const other = await login("admin2", "admin2 password 1");
    await expect(TermClient.connect(t.url, { cookie: other, id: mine.id })).rejects.toThrow(/4404/);
    expect(t.app.sys.terminals.list({ kind: "user", name: "admin2", role: "admin" })).toEqual([]);
  });

  it("ends the connection with the shell's exit and records open and close events", async () => {
    const c = await term();
    c.type("exit 3\r");
    const closed = await c.closed;
    expect(closed.code).toBe(4000);
    expect(c.exit).toMatch(/exited with code 3/);
    await expect.poll(async () => (await t.app.sys.events.list(100, "terminal.")).filter((e) => e.target === c.id).map((e) => e.action)).toEqual(["terminal.close", "terminal.open"]);
    await expect(TermClient.connect(t.url, { cookie: adminCookie, id: c.id })).rejects.toThrow(/4404/);
  });

  it("ends the shell when its tab asks (not a mere disconnect), saying so", async () => {
    const c = await term();
    await run(c, "true");
    c.ws.send(JSON.stringify({ type: "close" }));
    expect((await c.closed).code).toBe(4000);
    expect(c.exit).toBe("closed by its user");
    await expect.poll(async () => (await t.app.sys.events.list(100, "terminal.close")).find((e) => e.target === c.id)?.detail).toBe("closed by its user");
  });

  it("ends a detached shell after the idle time", async () => {
    await t.app.sys.config.set([{ key: "terminal.idle_timeout", value: "1s" }]);
    const c = await term();
    await run(c, "true");
    const id = c.id;
    await c.close();
    expect(t.app.sys.terminals.list({ kind: "user", name: "admin", role: "admin" }).map((s) => s.id)).toContain(id);
    await expect.poll(() => t.app.sys.terminals.list({ kind: "user", name: "admin", role: "admin" }).map((s) => s.id), { timeout: 5000 }).not.toContain(id);
    const events = await t.app.sys.events.list(100, "terminal.close");
    expect(events.find((e) => e.target === id)?.detail).toMatch(/detached/);
    await t.app.sys.config.set([{ key: "terminal.idle_timeout", value: "15m" }]);
  });

  it("ends the socket when its session signs out, and the shell waits detached", async () => {
    const cookie = await login("admin2", "admin2 password 1");
    const c = await TermClient.connect(t.url, { cookie });
    open.push(c);
    await run(c, "true");
    const client = new WebClient(t.url);
    client.cookie = cookie;
    expect((await client.mutate("auth.logout")).status).toBe(200);
    expect((await c.closed).code).toBe(4401);
    await expect.poll(() => t.app.sys.terminals.list({ kind: "user", name: "admin2", role: "admin" }).map((s) => [s.id, s.attached])).toEqual([[c.id, false]]);
  });

  it("lists the caller's own shells, attached or not, over the API (admins only)", async () => {
    const c = await term();
    const mine = await admin.query<{ shells: { id: string; attached: boolean; owner: string }[] }>("terminal.list");
    expect(mine.status).toBe(200);
    expect(mine.body.result?.data.shells.find((s) => s.id === c.id)).toMatchObject({ attached: true, owner: "admin" });
    await c.close();
    await expect.poll(async () => (await admin.query<{ shells: { id: string; attached: boolean }[] }>("terminal.list")).body.result?.data.shells.find((s) => s.id === c.id)?.attached).toBe(false);
    const other = new WebClient(t.url);
    other.cookie = await login("admin2", "admin2 password 1");
    expect((await other.query<{ shells: { id: string }[] }>("terminal.list")).body.result?.data.shells.map((s) => s.id)).not.toContain(c.id);
  });

  it("refuses more than 10 live shells per user, even opened at the same moment", async () => {
    const cookie = await login("admin2", "admin2 password 1");
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => TermClient.connect(t.url, { cookie })));
    const opened = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    open.push(...opened);
    expect(t.app.sys.terminals.list({ kind: "user", name: "admin2", role: "admin" }).length).toBe(10);
    const refused = results.flatMap((r) => (r.status === "rejected" ? [String(r.reason)] : []));
    expect(refused.length).toBeGreaterThan(0);
    for (const reason of refused) expect(reason).toMatch(/4409 admin2 already has 10 terminals open/);
    for (const c of opened) c.ws.send(JSON.stringify({ type: "close" }));
    await expect.poll(() => t.app.sys.terminals.list({ kind: "user", name: "admin2", role: "admin" }).length).toBeLessThan(10);
  });

  it("never logs keystrokes", async () => {
    const c = await term();
    await run(c, "true");
    const secret = "hunter2-not-in-any-log";
    c.type(`echo ${secret}\r`);
    await c.waitFor(new RegExp(`^${secret}\\r$`, "m"));
    expect(t.logs.join("\n")).not.toContain(secret);
    const events = await t.app.sys.events.list(1000);
    expect(JSON.stringify(events)).not.toContain(secret);
  });
});
