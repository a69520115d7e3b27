// `maculaos upgrade --check` against a real HTTP update server on loopback serving a channel made by
// bin/maculaos-release: newer, up to date, a flipped bit in the manifest, an untrusted key, no server configured.
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBin, startTestAppliance, type TestAppliance } from "../helpers/appliance";

const run = runBin;

let t: TestAppliance;
let server: Server;
let work: string;
let channelDir: string;
const maculaos = (...args: string[]) => run("maculaos", args, { MACULAOS_ROOT: t.root });

beforeAll(async () => {
  t = await startTestAppliance();
  work = await mkdtemp(join(tmpdir(), "release-"));
  channelDir = join(work, "channel");
  await mkdir(channelDir);
  server = createServer((req, res) => {
    const file = join(channelDir, normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(/^(\.\.[/\\])+/, ""));
    createReadStream(file)
      .on("error", () => res.writeHead(404).end())
      .once("open", () => res.writeHead(200))
      .pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  expect((await run("maculaos-release", ["keygen", join(work, "keys")])).code).toBe(0);
  expect((await run("maculaos-release", ["keygen", join(work, "other")])).code).toBe(0);
  await writeFile(join(work, "image.img"), randomBytes(256 * 1024));
  await mkdir(join(t.root, "etc/maculaos/keys"), { recursive: true });
  await copyFile(join(work, "keys/release.pub"), join(t.root, "etc/maculaos/keys/release.pub"));
});

afterAll(async () => {
  server.close();
  expect(t.errorLogs()).toEqual([]);
  await t.close();
});

/** Signs image.img as version `v` with key set `keys` into the channel directory. */
const sign = (v: string, keys = "keys") => run("maculaos-release", ["sign", "--key", join(work, keys, "release.key"), "--version", v, "--notes", `Release ${v}`, join(work, "image.img"), channelDir]);

describe("upgrade --check", () => {
  it("uses the development device's own signed release until a server is set; a node says plainly that none is", async () => {
    const dev = await maculaos("upgrade", "--check");
    expect(dev.code).toBe(0);
    expect(dev.stdout).toMatch(/^update available on the stable channel: 0\.1\.0-test -> 0\.1\.1 \(4\.0 MiB\)/);
    t.app.sys.kind = "node";
    try {
      const r = await maculaos("upgrade", "--check");
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no update server: set one with `maculaos config set updates.server URL`/);
    } finally {
      t.app.sys.kind = "development";
    }
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    expect((await maculaos("config", "set", "updates.server", url)).code).toBe(0);
  });

  it("finds a newer signed release with its size and notes", async () => {
    expect((await sign("0.2.0")).code).toBe(0);
    const r = await maculaos("upgrade", "--check", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ current: "0.1.0-test", latest: "0.2.0", available: true, channel: "stable", size: 256 * 1024, notes: "Release 0.2.0" });
    expect((await maculaos("upgrade", "--check")).stdout).toMatch(/update available on the stable channel: 0\.1\.0-test -> 0\.2\.0 \(256\.0 KiB\)/);
  });

  it("says up to date when the channel has the running version", async () => {
    await sign("0.1.0-test");
    expect((await maculaos("upgrade", "--check")).stdout).toMatch(/up to date: 0\.1\.0-test is the latest/);
  });

  it("refuses a manifest with one flipped bit, and one signed by an untrusted key", async () => {
    await sign("0.3.0");
    const file = join(channelDir, "stable.json");
    const good = await readFile(file, "utf8");
    await writeFile(file, good.replace('\\"0.3.0\\"', '\\"0.3.1\\"'));
    const tampered = await maculaos("upgrade", "--check");
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/signature does not verify with any trusted key/);
    await sign("0.3.0", "other");
    expect((await maculaos("upgrade", "--check")).stderr).toMatch(/signature does not verify/);
  });

  it("refuses a signature with one flipped bit, and never starts a download from it", async () => {
    await sign("0.3.0");
    const file = join(channelDir, "stable.json");
    const signed = JSON.parse(await readFile(file, "utf8")) as { manifest: string; signature: string };
    const sig = Buffer.from(signed.signature, "base64");
    sig[17] = sig[17]! ^ 0x08;
    await writeFile(file, JSON.stringify({ ...signed, signature: sig.toString("base64") }));
    expect((await maculaos("upgrade", "--check")).stderr).toMatch(/signature does not verify with any trusted key/);
    const download = await maculaos("upgrade", "--download");
    expect(download.code).toBe(1);
    expect(download.stderr).toMatch(/signature does not verify/);
    expect(await t.app.sys.jobs.list()).toEqual([]);
  });
});
