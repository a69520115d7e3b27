// The MaculaOS image in QEMU (TCG, OVMF): first boot and the wizard through the API, a boot with the GRUB env lost, an
// update A -> B that is committed, a broken update that GRUB tries 3 times before falling back by itself (and the node
// reports the rollback), and QEMU killed at random moments of updates: the node always comes back on a good slot,
// config intact.
// Run with `npm run test:vm` (needs root for image/build's debootstrap; takes tens of minutes on 2 cores).
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { Agent, createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, WebClient, wizardAnswers } from "../../tests/helpers/appliance";
import { buildScriptRelease } from "../../tests/helpers/services";
import { CHANNEL_HOST, freePort, Vm } from "./qemu";

const WORK = process.env.MACULAOS_VM_WORK ?? join(REPO, "build/vm"); // images, keys and the disk of this run
const KEY = join(WORK, "keys/release.key");
const CHANNEL = join(WORK, "channel");
const BOOT_MS = 15 * 60_000; // a full boot to a healthy appliance under TCG on a busy 2-core machine
const KILLS = Number(process.env.MACULAOS_VM_KILLS ?? 10);
const GROW = 512 * 1024 * 1024; // the test disk is this much larger than the image
const DATA_IN_IMAGE = 256 * 1024 * 1024; // image/build --small's data partition

let vm: Vm;
let client: WebClient;
let channelServer: Server;
let channelUrl: string;
let sshPort: number;
const log = (line: string) => process.env.MACULAOS_VM_VERBOSE && process.stderr.write(`  | ${line}\n`);

function build(args: string[]): void {
  execFileSync(join(REPO, "image/build"), ["--key", KEY, "--small", ...args], { stdio: ["ignore", "inherit", "inherit"] });
}

/** Publishes a release directory (manifest + image) as the update channel the node polls. */
function publish(from: string): void {
  rmSync(CHANNEL, { recursive: true, force: true });
  cpSync(from, CHANNEL, { recursive: true });
}

/** A broken release: the good system's kernel and initramfs, but no system to start (every boot of it fails). */
function makeBroken(goodSquashfs: string, version: string): string {
  const dir = join(WORK, "broken");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync("unsquashfs", ["-q", "-n", "-d", join(dir, "tree"), goodSquashfs, "boot"]);
  mkdirSync(join(dir, "tree/usr/lib/maculaos"), { recursive: true });
  writeFileSync(join(dir, "tree/usr/lib/maculaos/version"), `${version}\n`);
  execFileSync("mksquashfs", [join(dir, "tree"), join(dir, "root.squashfs"), "-comp", "gzip", "-noappend", "-quiet", "-no-progress"]);
  execFileSync(join(REPO, "bin/maculaos-release"), ["sign", "--key", KEY, "--version", version, "--notes", "broken on purpose", join(dir, "root.squashfs"), join(dir, "channel")]);
  return join(dir, "channel");
}

/** Signs the good system again under a newer version (for the kill runs, each needs something newer). */
function resign(goodSquashfs: string, version: string): string {
  const dir = join(WORK, `release-${version}`);
  rmSync(dir, { recursive: true, force: true });
  execFileSync(join(REPO, "bin/maculaos-release"), ["sign", "--key", KEY, "--version", version, goodSquashfs, dir]);
  return dir;
}

/** A client of the node's API: a new connection per call, since QEMU's port forward does not pass on the guest
 * closing an idle kept-alive one. */
function newClient(): WebClient {
  return new WebClient(vm.url, { agent: new Agent({ keepAlive: false }) });
}

/** Runs `command` on the node over SSH as admin with `key`; `input` goes to its standard input. */
function ssh(key: string, command: string[], input?: Buffer): string {
  const options = ["-i", key, "-p", String(sshPort), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=60"];
  return execFileSync("ssh", [...options, "admin@127.0.0.1", "--", ...command], { encoding: "utf8", input, stdio: [input ? "pipe" : "ignore", "pipe", "pipe"] });
}

async function waitApi(timeoutMs = BOOT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await client.query<{ ok: boolean }>("health.probe").catch(() => null);
    if (r?.status === 200 && r.body.result?.data.ok) return;
    if (Date.now() > deadline) throw new Error(`the API did not answer within ${timeoutMs} ms; console:\n${vm.serial.slice(-3000)}`);
    if (!vm.running) throw new Error(`QEMU stopped; console:\n${vm.serial.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

interface Info {
  slot: "A" | "B";
  mode: "normal" | "recovery";
  disk: { total: number };
  version: string;
  setup: string;
  hostname: string;
  boot: { order: string[]; slots: Record<string, string>; trial: unknown } | null;
  rollback: { detail: string } | null;
}

async function info(): Promise<Info> {
  const r = await client.query<Info>("system.info");
  if (r.status !== 200) throw new Error(`system.info: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.result!.data;
}

/** Waits for the appliance to commit the booted slot and finish its after-boot step (right after it starts). */
async function waitCommitted(): Promise<Info & { boot: NonNullable<Info["boot"]> }> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const i = await info();
    // The API answers before the appliance's after-boot step has run: that step is done when ORDER starts with the
    // booted slot (a fallback boot sets it, and records the rollback, then).
    // (With no trustworthy env the boot state is null until the after-boot step has rebuilt it.)
    if (i.boot && i.boot.slots[i.slot] === "committed" && !i.boot.trial && i.boot.order[0] === i.slot) return { ...i, boot: i.boot };
    if (Date.now() > deadline) throw new Error(`slot ${i.slot} was not committed: ${JSON.stringify(i.boot)}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function mutate<T>(path: string, input?: unknown): Promise<T> {
  const r = await client.mutate<T>(path, input);
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.result!.data;
}

async function query<T>(path: string, input?: unknown): Promise<T> {
  const r = await client.query<T>(path, input);
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.result!.data;
}

/** Downloads the channel's release into the inactive slot and waits for the job. */
async function download(): Promise<void> {
  const job = await mutate<{ id: string }>("updates.downloadUpdate");
  for (;;) {
    const j = await query<{ state: string; error: string | null }>("jobs.get", { id: job.id });
    if (j.state === "succeeded") return;
    if (j.state === "failed") throw new Error(`download failed: ${j.error}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function signIn(): Promise<void> {
  const { username, password } = (wizardAnswers("x") as unknown as { admin: { username: string; password: string } }).admin;
  const r = await client.mutate("auth.login", { username, password });
  if (r.status !== 200) throw new Error(`login: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Boots the VM (again) from power-off and waits for a healthy, committed appliance. */
async function powerOn(): ReturnType<typeof waitCommitted> {
  const from = vm.serial.length;
  vm.start();
  await vm.waitFor(/maculaos: slot [AB] from/, BOOT_MS, from);
  await waitApi();
  // Right after a power cut QEMU's port forward may still reset a connection or two: sign in until it holds.
  for (let tries = 0; ; tries++) {
    const ok = await signIn().then(() => true, (e: unknown) => (tries < 20 ? false : Promise.reject(e)));
    if (ok) break;
    await new Promise((r) => setTimeout(r, 3000));
  }
  return waitCommitted();
}

beforeAll(async () => {
  mkdirSync(WORK, { recursive: true });
  if (!existsSync(KEY)) execFileSync(join(REPO, "bin/maculaos-release"), ["keygen", join(WORK, "keys")]);
  for (const f of ["ssh", "ssh.pub", "other", "other.pub"]) rmSync(join(WORK, "keys", f), { force: true });
  // MACULAOS_VM_REUSE=1 boots the images of the last run instead of building them again (about 3 minutes).
  if (!process.env.MACULAOS_VM_REUSE || !existsSync(join(WORK, "b/root.squashfs"))) {
    build(["--out", join(WORK, "a"), "--version", "0.1.0"]);
    build(["--out", join(WORK, "b"), "--version", "0.2.0", "--release-only"]);
  }
  copyFileSync(join(WORK, "a/disk.img"), join(WORK, "disk.img"));
  // Written to a larger disk, as onto a card or an SSD: the first boot gives the data partition the rest.
  truncateSync(join(WORK, "disk.img"), statSync(join(WORK, "disk.img")).size + GROW);
  sshPort = await freePort();
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "vm-test", "-f", join(WORK, "keys/ssh")]);
  publish(join(WORK, "b/channel"));
  const port = await freePort();
  channelServer = createServer((req, res) => {
    const file = join(CHANNEL, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname).replace(/\.\./g, ""));
    if (!existsSync(file) || !statSync(file).isFile()) return res.writeHead(404).end();
    const size = statSync(file).size;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (range) {
      const start = Number(range[1]);
      res.writeHead(206, { "content-length": size - start, "content-range": `bytes ${start}-${size - 1}/${size}` });
      createReadStream(file, { start }).pipe(res);
    } else {
      res.writeHead(200, { "content-length": size });
      createReadStream(file).pipe(res);
    }
  });
  await new Promise<void>((r) => channelServer.listen(port, "127.0.0.1", r));
  channelUrl = `http://${CHANNEL_HOST}/`;
  vm = new Vm(join(WORK, "disk.img"), await freePort(), { ssh: sshPort, channel: port }, log);
  client = newClient();
}, 60 * 60_000);

afterAll(async () => {
  await vm?.kill();
  await new Promise((r) => channelServer?.close(r));
});

describe("MaculaOS in QEMU", () => {
  it("boots slot A, prints the setup code on the console, and the wizard completes through the API", async () => {
    vm.start();
    const code = (await vm.waitFor(/setup code ([A-Z2-9]{4}-[A-Z2-9]{4})/, BOOT_MS))[1]!;
    await waitApi();
    const r = await client.mutate("setup.complete", wizardAnswers(code));
    expect(r.status).toBe(200);
    const i = await waitCommitted();
    expect(i).toMatchObject({ slot: "A", version: "0.1.0", setup: "done", hostname: "edge-node-01" });
    expect(vm.boots()).toEqual(["A"]);
    expect(i.disk.total).toBeGreaterThan(DATA_IN_IMAGE + GROW / 2); // grown to the end of the larger disk (ext4 keeps some)
    await mutate("config.set", { entries: [{ key: "updates.server", value: channelUrl }] });
    // No unit of the system failed on the way up (read from the node's journal through the logs API).
    const failed = await query<{ entries: { unit: string; message: string }[] }>("logs.read", { source: "system", grep: "Failed to start", lines: 50 });
    expect(failed.entries.map((e) => e.message)).toEqual([]);
    // The firewall was in force before the network came up, not only once the appliance had started.
    const firewall = await query<{ entries: { message: string }[] }>("logs.read", { source: "system", grep: "maculaos: firewall:", lines: 10 });
    expect(firewall.entries.map((e) => e.message)).toEqual([expect.stringMatching(/^maculaos: firewall: the default ruleset is in force/)]);
  }, BOOT_MS + 120_000);

  it("lets the admin in over SSH with a key from ssh.authorized_keys (no password), with root through sudo", async () => {
    const pub = readFileSync(join(WORK, "keys/ssh.pub"), "utf8").trim();
    await mutate("config.set", { entries: [{ key: "ssh.authorized_keys", value: [pub] }] });
    let out = "";
    for (let tries = 0; ; tries++) {
      try {
        out = ssh(join(WORK, "keys/ssh"), ["sudo", "maculaos", "info", "--json"]);
        break;
      } catch (e) {
        if (tries >= 20) throw e; // the keys are written a moment after the config change
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
    expect(JSON.parse(out)).toMatchObject({ slot: "A", hostname: "edge-node-01" });
    // Another key is refused, and there is no password to fall back on.
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(WORK, "keys/other")]);
    expect(() => ssh(join(WORK, "keys/other"), ["true"])).toThrow(/Permission denied \(publickey\)/);

    // A service that takes 2 s to stop cleanly, deployed over SSH with the CLI: the reboot of the next test stops it.
    const release = await buildScriptRelease(WORK, "lingers", "1.0.0", `trap 'echo "TERM: stopping"; sleep 2; echo "stopped cleanly"; exit 0' TERM\necho started\nwhile :; do sleep 1; done`);
    ssh(join(WORK, "keys/ssh"), ["sh", "-c", "cat > /tmp/lingers.tar.gz"], readFileSync(release));
    expect(ssh(join(WORK, "keys/ssh"), ["sudo", "maculaos", "deploy", "/tmp/lingers.tar.gz"])).toMatch(/^lingers is running/m);
    expect(await query<{ state: string }>("services.get", { name: "lingers" })).toMatchObject({ state: "running" });
  }, 5 * 60_000);

  it("with both copies of the GRUB env lost (0 bytes), GRUB boots A, the slot that holds a system, and the node rebuilds the env", async () => {
    // Powered off cleanly: after QEMU was killed, the guest's next reboot hung in QEMU before the firmware printed
    // anything (twice of twice; see the README), which would stall the tests that follow.
    try {
      ssh(join(WORK, "keys/ssh"), ["sudo", "systemctl", "poweroff"]);
    } catch {
      // the connection may end with the machine
    }
    await vm.stopped(5 * 60_000);
    // The ESP is partition 1 of the disk; both copies of the env are cut to nothing, as fsck.fat did after a power cut.
    const disk = join(WORK, "disk.img");
    const { partitiontable } = JSON.parse(execFileSync("sfdisk", ["--json", disk], { encoding: "utf8" })) as { partitiontable: { sectorsize?: number; partitions: { start: number }[] } };
    const esp = `${disk}@@${partitiontable.partitions[0]!.start * (partitiontable.sectorsize ?? 512)}`;
    for (const f of ["grubenv", "grubenv.bak"]) execFileSync("mcopy", ["-o", "-i", esp, "/dev/null", `::/EFI/BOOT/${f}`]);
    const envBytes = () => execFileSync("mtype", ["-i", esp, "::/EFI/BOOT/grubenv"]).length;
    expect(envBytes()).toBe(0);
    const before = vm.boots().length;
    const i = await powerOn();
    expect(vm.boots().slice(before)).toEqual(["A"]); // not B, which was never written
    expect(i.boot).toEqual({ order: ["A", "B"], slots: { A: "committed", B: "bad" }, trial: null });
    const { events } = await query<{ events: { outcome: string; detail: string | null }[] }>("events.list", { action: "boot.repair" });
    expect(events.map((e) => [e.outcome, e.detail])).toEqual([["ok", expect.stringMatching(/^no trustworthy boot env: .*; rebuilt: slot A \(running, healthy\) is committed and boots first/)]]);
    expect(envBytes()).toBe(1024); // written again by the node (read from outside while it runs: only a look)
  }, 2 * BOOT_MS);

  it("reboots into recovery mode on request (GRUB's recovery entry, not committed by anyone), then normally again", async () => {
    const before = await info();
    let from = vm.serial.length;
    await mutate("system.reboot", { recovery: true });
    await vm.waitFor(/maculaos: slot [AB] from/, BOOT_MS, from);
    await waitApi();
    expect(vm.serial.slice(from)).toMatch(/Command line: .* maculaos\.slot=[AB] maculaos\.mode=recovery/);
    expect(vm.serial.slice(from)).not.toMatch(/\[FAILED\]/); // the shutdown went cleanly (/var stays mounted under /etc's overlay)
    // The services were stopped by the supervisor once the appliance had stopped and before /var was unmounted, each
    // given its grace period (the one deployed above stops cleanly in 2 s), not in systemd-shutdown's final sweep.
    const shutdown = vm.serial.slice(from);
    const stopped = /maculaos: shutdown: the supervisor stopped the services in (\d+) ms/.exec(shutdown);
    expect(stopped, "the shutdown's console").not.toBeNull();
    expect(Number(stopped![1])).toBeGreaterThanOrEqual(2000);
    expect(shutdown.indexOf(stopped![0])).toBeLessThan(shutdown.search(/Unmount(ed|ing) (\x1b\[[0-9;]*m)?var\.mount/)); // (systemd colours the unit's name)
    const { lines } = await query<{ lines: { text: string }[] }>("services.logs", { name: "lingers", lines: 50 });
    expect(lines.map((l) => l.text).join("\n")).toMatch(/TERM: stopping\n(.*\n)*stopped cleanly/);
    const rescue = await info();
    expect(rescue).toMatchObject({ mode: "recovery", slot: before.slot, hostname: "edge-node-01", setup: "done" });
    from = vm.serial.length;
    await mutate("system.reboot");
    await vm.waitFor(/maculaos: slot [AB] from/, BOOT_MS, from);
    await waitApi();
    expect(vm.serial.slice(from)).not.toMatch(/maculaos\.mode=recovery/); // GRUB cleared the request as it booted
    expect(await waitCommitted()).toMatchObject({ mode: "normal", slot: before.slot });
  }, 3 * BOOT_MS);

  it("updates to B through the API; after the reboot B is active and committed", async () => {
    const check = await query<{ available: boolean; latest: string }>("updates.checkUpdate");
    expect(check).toMatchObject({ available: true, latest: "0.2.0" });
    await download();
    await mutate("updates.applyUpdate");
    const from = vm.serial.length;
    const booted = vm.boots().length;
    await mutate("system.reboot");
    await vm.waitFor(/maculaos: slot B from/, BOOT_MS, from);
    await waitApi();
    const i = await waitCommitted();
    expect(i).toMatchObject({ slot: "B", version: "0.2.0", hostname: "edge-node-01" });
    expect(i.boot.order).toEqual(["B", "A"]);
    expect(vm.boots().slice(booted)).toEqual(["B"]);
  }, 2 * BOOT_MS);

  it("a broken update is tried 3 times, then GRUB falls back to B and the node reports the rollback", async () => {
    publish(makeBroken(join(WORK, "b/root.squashfs"), "0.3.0"));
    await download();
    await mutate("updates.applyUpdate");
    const before = vm.boots().length;
    const from = vm.serial.length;
    await mutate("system.reboot");
    // Three attempts of slot A that fail in the initramfs (no system), then slot B again.
    await vm.waitFor(/(maculaos: slot A from[\s\S]*boot failed[\s\S]*){3}maculaos: slot B from/, BOOT_MS, from);
    expect(vm.boots().slice(before)).toEqual(["A", "A", "A", "B"]);
    await waitApi();
    let i: Info = await waitCommitted();
    // The appliance writes the boot env first and records the rollback a moment later (a slow VM makes that moment long).
    for (let n = 0; !i.rollback && n < 30; n++) i = await new Promise((r) => setTimeout(r, 2000)).then(info);
    expect(i).toMatchObject({ slot: "B", version: "0.2.0" });
    expect(i.boot?.slots.A).toBe("bad");
    expect(i.rollback?.detail).toBe("update to 0.3.0 failed after 3 attempts; rolled back to 0.2.0");
    const { events } = await query<{ events: { action: string; detail: string | null }[] }>("events.list", { action: "boot.rollback" });
    expect(events.map((e) => e.detail)).toEqual(["update to 0.3.0 failed after 3 attempts; rolled back to 0.2.0"]);
  }, 2 * BOOT_MS);

  it(`QEMU killed at ${KILLS} random moments of updates: always back on a good slot, config intact`, async () => {
    // First, what the API acknowledged survives a power cut a moment later (the database syncs the WAL at each commit;
    // at SQLite's NORMAL a cut a minute after the wizard once lost the admin and brought the wizard back).
    expect((await client.mutate("users.create", { username: "cut-viewer", password: "viewer password 1", role: "viewer" })).status).toBe(200);
    await vm.kill();
    await powerOn();
    expect((await newClient().mutate("auth.login", { username: "cut-viewer", password: "viewer password 1" })).status).toBe(200);
    for (let n = 0; n < KILLS; n++) {
      publish(resign(join(WORK, "b/root.squashfs"), `1.0.${n}`));
      // A random moment: during the download, between download and apply, after apply, or during the reboot.
      const phase = n % 4;
      const delay = Math.floor(Math.random() * 20_000);
      const work = (async () => {
        await mutate<{ id: string }>("updates.downloadUpdate").then(() => undefined, () => undefined);
        if (phase === 0) return;
        await download().catch(() => undefined);
        if (phase === 1) return;
        await mutate("updates.applyUpdate").catch(() => undefined);
        if (phase === 2) return;
        await mutate("system.reboot").catch(() => undefined);
      })();
      await Promise.race([work, new Promise((r) => setTimeout(r, phase === 0 ? delay : 0))]);
      if (phase > 0) await work;
      await new Promise((r) => setTimeout(r, phase === 3 ? delay + 5_000 : delay));
      await vm.kill();
      log(`kill ${n + 1} of ${KILLS}: phase ${phase}, after ${delay} ms`);
      const i = await powerOn();
      expect(i.boot.slots[i.slot]).toBe("committed");
      expect(i.version).toBe("0.2.0"); // every release in these runs is the 0.2.0 system, signed under a newer number
      expect(i.hostname).toBe("edge-node-01");
      expect(i.setup).toBe("done");
      expect(await query<{ value: unknown }>("config.getKey", { key: "updates.server" })).toEqual({ value: channelUrl });
    }
  }, (KILLS + 1) * 2 * BOOT_MS);
});
