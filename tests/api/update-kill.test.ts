// kill -9 of the appliance while it installs an update: at 20 random byte offsets of the download and at each state
// boundary (slot marked unbootable before the first byte, headers in, last byte in, staged, apply). After every kill
// the boot env parses (ours and grub-editenv), the running slot A is still the one the bootloader picks and still
// holds what it held, and after a restart running the command again finishes the job.
import { createHash, randomBytes } from "node:crypto";
import { execFile } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile, copyFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppliance } from "~/scripts/lib/appliance-process.mjs";
import { readBootState } from "~/system/boot/boot-env";
import { selectBoot } from "~/system/boot/boot-state";
import { devicePaths } from "~/system/host/paths";
import { runBin } from "../helpers/appliance";

const SIZE = 6 * 1024 * 1024;
const CHUNK = 64 * 1024;
const RANDOM_KILLS = 20;

type Proc = Awaited<ReturnType<typeof startAppliance>>;
let proc: Proc | null = null;
let root: string;
let work: string;
let server: Server;
let image: Buffer;
let sha: string;
let slotA: string;
/** Where the server kills the appliance during the next image request: a byte offset, or a boundary. */
let plan: { at: "request" | "headers" | "end" } | { at: "offset"; pick: (start: number) => number } | null = null;
const kills: string[] = [];
const errorLogs: string[] = [];

const paths = () => devicePaths(root);
const maculaos = (...args: string[]) => runBin("maculaos", args, { MACULAOS_ROOT: root });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function start(): Promise<void> {
  proc = await startAppliance({ root, args: ["--api-only"] });
}

async function kill(where: string): Promise<void> {
  kills.push(where);
  const p = proc!;
  proc = null;
  errorLogs.push(...p.errorLogs());
  await p.kill();
}

/** Serves the channel; the image honours Range and streams in small chunks so a kill lands at a chosen byte. */
async function serveImage(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  const start = m ? Number(m[1]) : 0;
  const p = plan;
  plan = null;
  if (p?.at === "request") return void (await kill("request arrived (slot marked unbootable, nothing written)"), res.destroy());
  res.writeHead(m ? 206 : 200, { "content-length": SIZE - start, ...(m ? { "content-range": `bytes ${start}-${SIZE - 1}/${SIZE}` } : {}) });
  res.flushHeaders();
  if (p?.at === "headers") return void (await sleep(20), await kill("headers in, no byte"), res.destroy());
  const killAt = p?.at === "offset" ? p.pick(start) : Infinity;
  for (let pos = start; pos < SIZE; ) {
    if (pos >= killAt) return void (await kill(`byte ${pos}`), res.destroy());
    const end = Math.min(SIZE, pos + CHUNK, killAt);
    if (!res.write(image.subarray(pos, end))) await new Promise((r) => res.once("drain", r));
    pos = end;
  }
  res.end();
  if (p?.at === "end") await kill("last byte sent");
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kill-"));
  root = join(work, "device");
  await mkdir(join(work, "channel"));
  image = randomBytes(SIZE);
  await writeFile(join(work, "image.img"), image);
  sha = createHash("sha256").update(image).digest("hex");
  server = createServer((req, res) => {
    const name = new URL(req.url ?? "/", "http://x").pathname.slice(1);
    if (name.endsWith(".img")) return void serveImage(req, res);
    createReadStream(join(work, "channel", name)).on("error", () => res.writeHead(404).end()).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  expect((await runBin("maculaos-release", ["keygen", join(work, "keys")])).code).toBe(0);
  expect((await runBin("maculaos-release", ["sign", "--key", join(work, "keys/release.key"), "--version", "2.0.0", join(work, "image.img"), join(work, "channel")])).code).toBe(0);
  await start();
  await copyFile(join(work, "keys/release.pub"), join(root, "etc/maculaos/keys/release.pub"));
  expect((await maculaos("config", "set", "updates.server", `http://127.0.0.1:${(server.address() as AddressInfo).port}/`)).code).toBe(0);
  slotA = await slotHash("A");
}, 120_000);

afterAll(async () => {
  await proc?.stop();
  server.close();
  await rm(work, { recursive: true, force: true });
  expect(errorLogs).toEqual([]);
});

async function slotHash(slot: "A" | "B"): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(paths().slot(slot), { start: 0, end: SIZE - 1 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** What must hold after any kill: both env readers parse it, slot A boots and is untouched, B is not bootable. */
async function expectSafe(where: string): Promise<void> {
  const { state } = await readBootState(paths());
  const listed = await promisify(execFile)("grub-editenv", [paths().grubenv, "list"]);
  expect(listed.stdout, where).toMatch(/^ORDER=A B$/m);
  expect(selectBoot(state), where).toMatchObject({ slot: "A", write: false });
  expect(state.slots.B.ok && state.order[0] === "B", where).toBe(false);
  expect(await slotHash("A"), where).toBe(slotA);
}

describe("kill -9 during an update", () => {
  it(`at each boundary and ${RANDOM_KILLS} random byte offsets leaves slot A booting; a rerun resumes`, async () => {
    const boundaries = [{ at: "request" }, { at: "headers" }] as const;
    const offsets = Array.from({ length: RANDOM_KILLS }, () => ({ at: "offset" as const, pick: (start: number) => start + 1 + Math.floor(Math.random() * Math.min(SIZE - start - 1, 1.5 * 1024 * 1024)) }));
    for (const p of [...boundaries, ...offsets, { at: "end" as const }]) {
      if (!proc) await start();
      plan = p;
      const r = await maculaos("upgrade", "--download");
      expect(r.code, `${kills.at(-1)}: ${r.stdout}${r.stderr}`).not.toBe(0);
      expect(proc).toBeNull();
      await expectSafe(kills.at(-1)!);
    }
    expect(kills).toHaveLength(RANDOM_KILLS + 3);
    await start();
    const done = await maculaos("upgrade", "--download");
    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect(done.stdout).toMatch(/2\.0\.0 is in slot B, verified/);
    expect(await slotHash("B")).toBe(sha);
    await expectSafe("staged");
  }, 600_000);

  it("after the update is staged, and while it is applied, leaves a state that boots and a rerun applies", async () => {
    await kill("staged, not applied");
    await expectSafe("staged, not applied");
    await start();
    const applying = maculaos("upgrade", "--apply");
    await sleep(Math.floor(Math.random() * 40));
    await kill("while applying");
    await applying;
    const { state } = await readBootState(paths());
    expect(["A", "B"]).toContain(selectBoot(state).slot); // the env is whole: either before or after the apply
    await start();
    const r = await maculaos("upgrade", "--apply");
    if (r.code !== 0) expect(r.stderr).toMatch(/no verified update is staged/); // the apply had completed
    expect((await readBootState(paths())).state).toMatchObject({ order: ["B", "A"], slots: { A: { ok: true, tries: 0 }, B: { ok: true, tries: 3 } } });
    const boot = JSON.parse((await maculaos("reboot", "--json")).stdout);
    expect(boot).toMatchObject({ order: ["B", "A"], slots: { A: "committed", B: "committed" } });
    expect(JSON.parse((await maculaos("info", "--json")).stdout)).toMatchObject({ slot: "B", version: "2.0.0" });
  }, 120_000);
});
