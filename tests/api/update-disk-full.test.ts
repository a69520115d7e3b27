// A full disk during an update, on a development device whose root is a small tmpfs made by the test: too little free
// space is refused before the first byte; a disk that fills up during the download stops it with a clear message and
// the running slot untouched; once space is freed, running it again resumes and finishes.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, statfs, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBootState } from "~/system/boot/boot-env";
import { selectBoot } from "~/system/boot/boot-state";
import { runBin, startTestAppliance, type TestAppliance } from "../helpers/appliance";

const SIZE = 8 * 1024 * 1024;
let t: TestAppliance;
let mnt: string;
let work: string;
let server: Server;
let sha: string;
/** Resolves when the server may send the rest of the image; set to pause it after PAUSE_AT bytes. */
let gate: { reached: () => void; open: Promise<void> } | null = null;
const PAUSE_AT = 3 * 1024 * 1024;
const maculaos = (...args: string[]) => runBin("maculaos", args, { MACULAOS_ROOT: t.root });
const filler = () => join(t.root, "var/lib/maculaos/filler");

/** Free bytes on the device's disk. */
const free = async () => (await statfs(t.root)).bavail * (await statfs(t.root)).bsize;

/** Fills the disk so that `leave` bytes stay free, once the appliance's writes have settled. */
async function fillLeaving(leave: number): Promise<void> {
  for (let last = -1, now = await free(); now !== last; last = now, now = await free()) await new Promise((r) => setTimeout(r, 200));
  await writeFile(filler(), Buffer.alloc(Math.max(0, (await free()) - leave)));
}

beforeAll(async () => {
  mnt = await mkdtemp(join(tmpdir(), "full-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=40m", "tmpfs", mnt]);
  work = await mkdtemp(join(tmpdir(), "full-work-"));
  const image = randomBytes(SIZE);
  sha = createHash("sha256").update(image).digest("hex");
  await writeFile(join(work, "image.img"), image);
  await mkdir(join(work, "channel"));
  server = createServer(async (req, res) => {
    const name = new URL(req.url ?? "/", "http://x").pathname.slice(1);
    if (!name.endsWith(".img")) return void createReadStream(join(work, "channel", name)).on("error", () => res.writeHead(404).end()).pipe(res);
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? "")?.[1] ?? 0);
    res.writeHead(start ? 206 : 200, { "content-length": SIZE - start, ...(start ? { "content-range": `bytes ${start}-${SIZE - 1}/${SIZE}` } : {}) });
    const g = gate;
    gate = null;
    if (g && start < PAUSE_AT) {
      res.write(image.subarray(start, PAUSE_AT));
      g.reached();
      await g.open;
      return void res.end(image.subarray(PAUSE_AT));
    }
    res.end(image.subarray(start));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t = await startTestAppliance({ root: join(mnt, "device") });
  await runBin("maculaos-release", ["keygen", join(work, "keys")]);
  await runBin("maculaos-release", ["sign", "--key", join(work, "keys/release.key"), "--version", "3.0.0", join(work, "image.img"), join(work, "channel")]);
  await copyFile(join(work, "keys/release.pub"), join(t.root, "etc/maculaos/keys/release.pub"));
  expect((await maculaos("config", "set", "updates.server", `http://127.0.0.1:${(server.address() as AddressInfo).port}/`)).code).toBe(0);
}, 60_000);

afterAll(async () => {
  server?.close();
  // A full disk also refuses the database the job's end; the appliance says so in its log and goes on.
  const errors = t.errorLogs().filter((l) => !(l.includes("a job ended but its end could not be recorded") && l.includes("SQLITE_FULL")));
  await t.close();
  execFileSync("umount", [mnt]);
  await rm(mnt, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
  expect(errors).toEqual([]);
});

async function expectSlotABoots(): Promise<void> {
  expect(selectBoot((await readBootState(t.app.sys.paths)).state)).toMatchObject({ slot: "A", write: false });
}

describe("a full disk", () => {
  it("is refused before the first byte when the image cannot fit", async () => {
    await fillLeaving(SIZE / 2);
    const r = await maculaos("upgrade", "--download");
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/the disk is full: writing the 3\.0\.0 image into slot B needs \d+ more bytes than are free/);
    await expectSlotABoots();
    await rm(filler());
  });

  it("stops a download when the disk fills up under it, and a rerun after freeing space resumes", async () => {
    let reached!: () => void;
    let open!: () => void;
    const paused = new Promise<void>((r) => (reached = r));
    gate = { reached, open: new Promise<void>((r) => (open = r)) };
    const download = maculaos("upgrade", "--download");
    await paused;
    await fillLeaving(256 * 1024);
    open();
    const r = await download;
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/the disk is full: \d+ of 8388608 bytes are in the slot; free some space and run it again to resume/);
    await expectSlotABoots();
    expect((await maculaos("upgrade", "--apply")).code).toBe(1);
    await rm(filler());
    const again = await maculaos("upgrade", "--download");
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(t.app.sys.paths.slot("B"), { start: 0, end: SIZE - 1 })) hash.update(chunk as Buffer);
    expect(hash.digest("hex")).toBe(sha);
  });
});
