// A deploy that does not fit, on a development device whose root is a small tmpfs made by the test: an image whose
// layers plus their unpacked size exceed the free space is refused before anything is written, saying what it needs
// and what there is; so is a release tarball that would unpack larger than the space left (gzip's size trailer, not
// its compressed size, counts). Once space is freed, the same image deploys.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, statfs, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBin, startTestAppliance, type TestAppliance } from "../helpers/appliance";
import { buildImage, buildScriptRelease, startRegistry, stopSupervisors, type Registry } from "../helpers/services";

const MiB = 1024 * 1024;
let t: TestAppliance;
let mnt: string;
let work: string;
let registry: Registry;
const maculaos = (...args: string[]) => runBin("maculaos", args, { MACULAOS_ROOT: t.root });
const filler = () => join(t.root, "var/lib/maculaos/filler");

/** Fills the device's disk so that `leave` bytes stay free, once the appliance's writes have settled. */
async function fillLeaving(leave: number): Promise<void> {
  const free = async () => {
    const s = await statfs(t.root);
    return s.bavail * s.bsize;
  };
  for (let last = -1, now = await free(); now !== last; last = now, now = await free()) await new Promise((r) => setTimeout(r, 200));
  await writeFile(filler(), Buffer.alloc(Math.max(0, (await free()) - leave)));
}

/** What the deploys left under the services directory. */
const leftovers = async () => (await readdir(join(t.root, "var/lib/maculaos/services"), { recursive: true }).catch(() => [] as string[])).filter((p) => !p.startsWith(".uploads"));

beforeAll(async () => {
  mnt = await mkdtemp(join(tmpdir(), "svc-full-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", mnt]);
  work = await mkdtemp(join(tmpdir(), "svc-full-work-"));
  registry = await startRegistry(work);
  t = await startTestAppliance({ root: join(mnt, "device") });
  const set = await maculaos("config", "set", "registries", JSON.stringify([{ host: registry.host, username: registry.user, password: registry.password }]));
  expect(set.code, set.stderr).toBe(0);
  // 8 MiB that gzip cannot shrink: the image needs them twice (the layer, and the layer unpacked)
  await buildImage(work, registry, "demo/big:v1", { script: "exec sleep 1000\n", files: { "data/blob": randomBytes(8 * MiB) } });
}, 120_000);

afterAll(async () => {
  const errors = t.errorLogs();
  await t.close();
  await stopSupervisors(join(mnt, "device"));
  execFileSync("umount", [mnt]);
  await rm(mnt, { recursive: true, force: true });
  await registry.stop();
  await rm(work, { recursive: true, force: true });
  expect(errors).toEqual([]);
});

describe("free space before a deploy", () => {
  it("refuses an image that does not fit before writing anything, saying what it needs and has", async () => {
    await fillLeaving(12 * MiB);
    const r = await maculaos("deploy", `${registry.host}/demo/big:v1`);
    expect(r.code).toBe(1);
    const m = /not enough space: needs (\d+\.\d) MiB, has (1[12]\.\d) MiB free on \S+\/var\/lib\/maculaos \(deploying \S+\/demo\/big:v1 takes (\d+\.\d) MiB of layers and about (\d+\.\d) MiB unpacked\)/.exec(r.stdout + r.stderr);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    const [needs, , layers, unpacked] = (m ?? []).slice(1).map(Number);
    expect(layers).toBeGreaterThan(8); // the random 8 MiB do not shrink
    expect(unpacked).toBeGreaterThan(8);
    expect(Math.abs((needs ?? 0) - (layers ?? 0) - (unpacked ?? 0))).toBeLessThanOrEqual(0.1);
    expect(await leftovers()).toEqual([]);
    expect(JSON.parse((await maculaos("services", "--json")).stdout)).toEqual([]);
  });

  it("refuses a release tarball whose contents would not fit, though the tarball itself is small", async () => {
    const tarball = await buildScriptRelease(work, "zeros", "1.0.0", "exec sleep 1000", "", { "data/zeros": "\0".repeat(32 * MiB) });
    const r = await maculaos("deploy", tarball);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/not enough space: needs 32\.\d MiB, has 1[12]\.\d MiB free on \S+ \(unpacking the release takes about 32\.\d MiB\)/);
    expect(await leftovers()).toEqual([]);
    expect(existsSync(join(t.root, "var/lib/maculaos/zeros"))).toBe(false);
  });

  it("deploys the image once there is room", async () => {
    await rm(filler());
    const r = await maculaos("deploy", `${registry.host}/demo/big:v1`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse((await maculaos("services", "--json")).stdout)).toMatchObject([{ name: "big", state: "running" }]);
    expect((await maculaos("remove", "big", "--purge")).code).toBe(0);
  });
});
