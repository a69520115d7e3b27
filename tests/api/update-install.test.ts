// upgrade --download/--apply against a real loopback update server: the happy path A -> B through a reboot, a
// tampered image, a dropped connection that resumes with Range, a server that answers 200 to Range, a slot too small.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, truncate, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBootState } from "~/system/boot/boot-env";
import { runBin, startTestAppliance, type TestAppliance } from "../helpers/appliance";

const run = runBin;

const SIZE = 3 * 1024 * 1024;
let t: TestAppliance;
let server: Server;
let work: string;
let channel: string;
/** How the server misbehaves for the next image request. */
let mode: "normal" | "drop-once" | "ignore-range" = "normal";
const ranges: (string | undefined)[] = [];
/** Where the next transfer (full or ranged) breaks off, as a byte offset of the image. */
let dropAt: number | null = null;
const maculaos = (...args: string[]) => run("maculaos", args, { MACULAOS_ROOT: t.root });

/** Serves the channel directory; image requests honour Range unless told to misbehave. */
async function serve(req: IncomingMessage, res: import("node:http").ServerResponse) {
  const name = new URL(req.url ?? "/", "http://x").pathname.slice(1);
  if (!/^[\w.-]+$/.test(name)) return void res.writeHead(404).end();
  const data = await readFile(join(channel, name)).catch(() => null);
  if (!data) return void res.writeHead(404).end();
  if (!name.endsWith(".img")) return void res.writeHead(200).end(data);
  ranges.push(req.headers.range);
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  const cut = dropAt;
  dropAt = null;
  if (m && mode !== "ignore-range") {
    const start = Number(m[1]);
    res.writeHead(206, { "content-range": `bytes ${start}-${data.length - 1}/${data.length}`, "content-length": data.length - start });
    if (cut !== null && cut >= start) return void (res.write(data.subarray(start, cut)), setTimeout(() => res.destroy(), 50));
    return void res.end(data.subarray(start));
  }
  res.writeHead(200, { "content-length": data.length });
  const end = mode === "drop-once" ? Math.floor(data.length * 0.6) : cut;
  if (mode === "drop-once") mode = "normal";
  if (end !== null) return void (res.write(data.subarray(0, end)), setTimeout(() => res.destroy(), 50));
  res.end(data);
}

beforeAll(async () => {
  t = await startTestAppliance();
  work = await mkdtemp(join(tmpdir(), "install-"));
  channel = join(work, "channel");
  await mkdir(channel);
  server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  await run("maculaos-release", ["keygen", join(work, "keys")]);
  await mkdir(join(t.root, "etc/maculaos/keys"), { recursive: true });
  await copyFile(join(work, "keys/release.pub"), join(t.root, "etc/maculaos/keys/release.pub"));
  await maculaos("config", "set", "updates.server", `http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});

afterAll(async () => {
  server.close();
  expect(t.errorLogs()).toEqual([]);
  await t.close();
});

/** Signs a fresh random image as version `v`; returns its sha256. */
async function release(v: string): Promise<string> {
  const image = join(work, `image-${v}.img`);
  await writeFile(image, randomBytes(SIZE));
  expect((await run("maculaos-release", ["sign", "--key", join(work, "keys/release.key"), "--version", v, image, channel])).code).toBe(0);
  return createHash("sha256").update(await readFile(image)).digest("hex");
}

/** The sha256 of the first `size` bytes of a slot (the slot itself is a 4 GB sparse file). */
async function slotHash(slot: "A" | "B", size: number): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(t.app.sys.paths.slot(slot), { start: 0, end: size - 1 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

describe("upgrade --download / --apply", () => {
  it("refuses to apply before anything is staged", async () => {
    const r = await maculaos("upgrade", "--apply");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no verified update is staged/);
  });

  it("refuses an image whose bytes do not match the signed sha256, and leaves the slot unbootable", async () => {
    await release("0.5.0");
    const img = join(channel, "maculaos-0.5.0-x86_64.img");
    const bytes = await readFile(img);
    bytes[1000] = bytes[1000]! ^ 1;
    await writeFile(img, bytes);
    const r = await maculaos("upgrade", "--download");
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/sha256 is [0-9a-f]{64}, the signed manifest says/);
    expect((await readBootState(t.app.sys.paths)).state).toMatchObject({ order: ["A", "B"], slots: { B: { ok: false } } });
    expect((await maculaos("upgrade", "--apply")).code).toBe(1);
  });

  it("resumes a dropped download with Range, verifies by reading back, and applies", async () => {
    const sha = await release("0.6.0");
    mode = "drop-once";
    ranges.length = 0;
    const first = await maculaos("upgrade", "--download");
    expect(first.code).toBe(1);
    expect(first.stdout + first.stderr).toMatch(/the download broke off at \d+ of 3145728 bytes .*; run it again to resume/);
    const second = await maculaos("upgrade", "--download");
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/100% 0\.6\.0 is in slot B, verified/);
    expect(ranges[0]).toBeUndefined();
    expect(ranges.at(-1)).toMatch(/^bytes=[1-9]\d*-$/);
    expect(await slotHash("B", SIZE)).toBe(sha);
    expect((await maculaos("upgrade", "--apply")).stdout).toMatch(/0\.6\.0 in slot B boots next/);
    expect((await readBootState(t.app.sys.paths)).state).toMatchObject({ order: ["B", "A"], slots: { B: { ok: true, tries: 3 } } });
    const reboot = JSON.parse((await maculaos("reboot", "--json")).stdout);
    expect(reboot).toMatchObject({ order: ["B", "A"], slots: { A: "committed", B: "committed" } });
    expect(JSON.parse((await maculaos("info", "--json")).stdout)).toMatchObject({ slot: "B", version: "0.6.0" });
  });

  it("resumes after the connection drops at random offsets, again and again", async () => {
    const sha = await release("0.6.5");
    const cuts = Array.from({ length: 6 }, () => Math.floor(Math.random() * SIZE)).sort((a, b) => a - b);
    let failures = 0;
    for (const cut of cuts) {
      dropAt = cut;
      const r = await maculaos("upgrade", "--download");
      failures++;
      expect(r.code).toBe(1);
      expect(r.stdout + r.stderr).toMatch(/the download broke off at \d+ of 3145728 bytes/);
    }
    expect(failures).toBe(cuts.length);
    const done = await maculaos("upgrade", "--download");
    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect(await slotHash("A", SIZE)).toBe(sha);
  });

  it("restarts cleanly from byte 0 when the server answers a Range request with 200", async () => {
    const sha = await release("0.7.0");
    mode = "drop-once";
    await maculaos("upgrade", "--download");
    mode = "ignore-range";
    ranges.length = 0;
    const r = await maculaos("upgrade", "--download");
    mode = "normal";
    expect(r.code).toBe(0);
    expect(ranges).toHaveLength(2);
    expect(ranges[0]).toMatch(/^bytes=/);
    expect(ranges[1]).toBeUndefined();
    expect(await slotHash("A", SIZE)).toBe(sha);
  });

  it("does check, download and apply in one go with `maculaos upgrade`, and reboots with --yes", async () => {
    await release("0.7.5");
    const r = await maculaos("upgrade", "--yes");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/updating 0\.6\.0 -> 0\.7\.5/);
    expect(r.stdout).toMatch(/0\.7\.5 in slot A boots next/);
    expect(r.stdout).toMatch(/rebooted into slot A/);
    expect(JSON.parse((await maculaos("info", "--json")).stdout)).toMatchObject({ slot: "A", version: "0.7.5" });
  });

  it("refuses an image larger than the slot before writing anything", async () => {
    await truncate(t.app.sys.paths.slot("B"), 2 * 1024 * 1024);
    await release("0.8.0");
    const r = await maculaos("upgrade", "--download");
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/slot B holds 2097152 bytes; the 0\.8\.0 image needs 3145728/);
  });
});

describe("a bad update", () => {
  it("is tried 3 times, then the node falls back and says which version failed and which it runs", async () => {
    await truncate(t.app.sys.paths.slot("B"), 4 * 1024 * 1024 * 1024);
    await release("0.9.0");
    expect((await maculaos("upgrade", "--download")).code).toBe(0);
    expect((await maculaos("upgrade", "--apply")).code).toBe(0);
    const sys = t.app.sys;
    sys.config.problem = "simulated: the new system never gets healthy";
    try {
      const trials = [];
      for (let i = 0; i < 3; i++) trials.push(JSON.parse((await maculaos("reboot", "--json")).stdout).trial);
      expect(trials).toEqual([1, 2, 3].map((attempt) => ({ slot: "B", attempt, of: 3 })));
      const fallback = JSON.parse((await maculaos("reboot", "--json")).stdout);
      expect(fallback).toMatchObject({ order: ["A", "B"], slots: { A: "committed", B: "bad" } });
    } finally {
      sys.config.problem = null;
    }
    expect((await sys.events.list(1, "boot.rollback"))[0]?.detail).toBe("update to 0.9.0 failed after 3 attempts; rolled back to 0.7.5");
    expect(JSON.parse((await maculaos("info", "--json")).stdout)).toMatchObject({ slot: "A", version: "0.7.5" });
  });
});
