// `maculaos install` against a disk image file: the plan (--dry-run) touches nothing, confirmation is required, and an
// install writes the guide's GPT, an ESP with GRUB, its config and a boot env GRUB and the appliance both read, the
// system into slot A (read back), a cleared slot B and an empty ext4 data partition.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBootState } from "~/system/boot/boot-env";
import { devicePaths } from "~/system/host/paths";
import { REPO, runBin, startTestAppliance, type TestAppliance } from "../helpers/appliance";

const MiB = 1024 * 1024;
let t: TestAppliance;
let dir: string;
let squashfs: Buffer;

function maculaos(args: string[]) {
  return runBin("maculaos", args, { MACULAOS_ROOT: t.root, MACULAOS_HOST: "", MACULAOS_TOKEN: "" });
}

async function sparseFile(name: string, bytes: number): Promise<string> {
  const file = join(dir, name);
  const fh = await open(file, "w");
  await fh.truncate(bytes);
  await fh.close();
  return file;
}

async function readAt(file: string, offset: number, length: number): Promise<Buffer> {
  const fh = await open(file, "r");
  try {
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, offset);
    return buf;
  } finally {
    await fh.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "maculaos-install-"));
  // A real system image: a squashfs of a tiny tree that says which version it is.
  await mkdir(join(dir, "tree/usr/lib/maculaos"), { recursive: true });
  await writeFile(join(dir, "tree/usr/lib/maculaos/version"), "9.9.9\n");
  execFileSync("mksquashfs", [join(dir, "tree"), join(dir, "root.squashfs"), "-comp", "gzip", "-noappend", "-quiet", "-no-progress"]);
  squashfs = await readFile(join(dir, "root.squashfs"));
  t = await startTestAppliance({
    seed: async (root) => {
      // The bootloader files a node finds in /boot/grub (its ESP's /EFI/BOOT).
      await mkdir(join(root, "boot/grub"), { recursive: true });
      await writeFile(join(root, "boot/grub/BOOTX64.EFI"), Buffer.from("MZ not really GRUB, but its bytes must arrive"));
      await writeFile(join(root, "boot/grub/grub.cfg"), await readFile(join(REPO, "image/grub.cfg")));
    },
  });
});

afterAll(async () => {
  expect(t.errorLogs()).toEqual([]);
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

describe("maculaos install", { timeout: 120_000 }, () => {
  it("--dry-run prints the plan and leaves the disk alone", async () => {
    const disk = await sparseFile("dry.img", 10 * 1024 * MiB);
    const r = await maculaos(["install", "--disk", disk, "--image", join(dir, "root.squashfs"), "--dry-run"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Would install MaculaOS to ${disk} (disk image file, 10.0 GiB)`);
    expect(r.stdout).toMatch(/maculaos-boot 512 MiB, maculaos-root-A 4096 MiB, maculaos-root-B 4096 MiB, maculaos-data 1[0-9]{3} MiB/);
    expect((await readAt(disk, 0, 64 * 1024)).every((b) => b === 0)).toBe(true);
    const j = await maculaos(["install", "--disk", disk, "--image", join(dir, "root.squashfs"), "--dry-run", "--json"]);
    const plan = JSON.parse(j.stdout);
    expect(plan.partitions.map((p: { name: string }) => p.name)).toEqual(["maculaos-boot", "maculaos-root-A", "maculaos-root-B", "maculaos-data"]);
    expect(plan.image.bytes).toBe(squashfs.length);
  });

  it("refuses without --yes when it cannot ask, and refuses what is not a disk, too small, or no system", async () => {
    const disk = await sparseFile("ask.img", 10 * 1024 * MiB);
    const noYes = await maculaos(["install", "--disk", disk, "--image", join(dir, "root.squashfs")]);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toContain("confirm with --yes");
    expect((await readAt(disk, 0, 64 * 1024)).every((b) => b === 0)).toBe(true);
    const notDisk = await maculaos(["install", "--disk", "/dev/null", "--image", join(dir, "root.squashfs"), "--dry-run"]);
    expect(notDisk.code).toBe(2);
    expect(notDisk.stderr).toContain("/dev/null is neither a disk nor a disk image file");
    const small = await maculaos(["install", "--disk", await sparseFile("small.img", 4 * 1024 * MiB), "--image", join(dir, "root.squashfs"), "--dry-run"]);
    expect(small.code).toBe(1);
    expect(small.stderr).toMatch(/holds 4294967296 bytes; MaculaOS needs 8962 MiB/);
    const noSystem = await maculaos(["install", "--disk", disk, "--image", join(REPO, "package.json"), "--dry-run"]);
    expect(noSystem.code).toBe(2);
    expect(noSystem.stderr).toContain("package.json holds no MaculaOS system (no squashfs)");
    const devSlot = await maculaos(["install", "--disk", disk, "--dry-run"]);
    expect(devSlot.code).toBe(2);
    expect(devSlot.stderr).toMatch(/maculaos-root-A holds no MaculaOS system \(no squashfs\); give the image to install with --image/);
  });

  it("lists the machine's disks and refuses them all on a development device", async () => {
    const r = await maculaos(["install", "--json"]);
    expect(r.code).toBe(0);
    const disks = JSON.parse(r.stdout) as { path: string; refusal: string | null }[];
    expect(disks.length).toBeGreaterThan(0);
    for (const d of disks) expect(d.refusal).toBe("a development device installs only to disk image files");
  });

  it("installs to a disk image file: GPT, ESP with GRUB and a boot env, slot A read back, slot B cleared, data ext4", async () => {
    const disk = await sparseFile("disk.img", 10 * 1024 * MiB);
    const r = await maculaos(["install", "--disk", disk, "--image", join(dir, "root.squashfs"), "--yes"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const table = JSON.parse(execFileSync("sfdisk", ["-J", disk], { encoding: "utf8" })).partitiontable;
    expect(table.label).toBe("gpt");
    const parts = table.partitions as { start: number; size: number; name: string; type: string }[];
    expect(parts.map((p) => [p.name, p.size * 512])).toEqual([
      ["maculaos-boot", 512 * MiB],
      ["maculaos-root-A", 4096 * MiB],
      ["maculaos-root-B", 4096 * MiB],
      ["maculaos-data", 10 * 1024 * MiB - 512 * MiB - 8192 * MiB - 2 * MiB],
    ]);
    expect(parts[0]!.type).toBe("C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
    const [boot, a, b, data] = parts.map((p) => ({ start: p.start * 512, size: p.size * 512 }));
    // The ESP: GRUB, its config, and the boot env in both copies, as GRUB (grub-editenv) and the appliance read it.
    const esp = `${disk}@@${boot!.start}`;
    expect(execFileSync("mdir", ["-b", "-i", esp, "::/EFI/BOOT"], { encoding: "utf8" }).split("\n").filter(Boolean).sort()).toEqual(["::/EFI/BOOT/BOOTX64.EFI", "::/EFI/BOOT/grub.cfg", "::/EFI/BOOT/grubenv", "::/EFI/BOOT/grubenv.bak"]);
    expect(execFileSync("mtype", ["-i", esp, "::/EFI/BOOT/grub.cfg"], { encoding: "utf8" })).toBe(await readFile(join(REPO, "image/grub.cfg"), "utf8"));
    const envRoot = join(dir, "env");
    await mkdir(join(envRoot, "boot/grub"), { recursive: true });
    execFileSync("mcopy", ["-n", "-i", esp, "::/EFI/BOOT/grubenv", "::/EFI/BOOT/grubenv.bak", join(envRoot, "boot/grub/")]);
    expect(execFileSync("grub-editenv", [join(envRoot, "boot/grub/grubenv"), "list"], { encoding: "utf8" })).toMatch(/^ORDER=A B\nA_OK=1\nA_TRY=\nB_OK=0\nB_TRY=\n/);
    expect(await readBootState(devicePaths(envRoot))).toEqual({ source: "primary", state: { order: ["A", "B"], slots: { A: { ok: true, tries: 0 }, B: { ok: false, tries: 0 } } } });
    // Slot A holds the system byte for byte; slot B starts with zeroes; the data partition is ext4 named maculaos-data.
    expect((await readAt(disk, a!.start, squashfs.length)).equals(squashfs)).toBe(true);
    expect((await readAt(disk, b!.start, MiB)).every((x) => x === 0)).toBe(true);
    const sb = await readAt(disk, data!.start + 1024, 256);
    expect(sb.readUInt16LE(56)).toBe(0xef53);
    expect(sb.subarray(120, 120 + 13).toString()).toBe("maculaos-data");
    const events = await t.app.sys.db.event.findMany({ where: { action: "system.install" } });
    expect(events).toEqual([expect.objectContaining({ actor: "root", target: disk, outcome: "ok", detail: expect.stringMatching(/^MaculaOS is installed on .*disk\.img \(system sha256 [0-9a-f]{16}\)/) })]);
  });
});
