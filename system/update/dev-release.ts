// The development device's own releases, so the whole update loop can be tried on a laptop: a key pair it trusts,
// and a local release directory (a file: URL update server) with a good next version on the `stable` channel and a
// version marked bad on the `testing` channel. A development image is a small header (its version, and whether it
// boots) padded to size; a node's images are real root filesystems and have no such header.
import { open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createHash } from "node:crypto";
import { exists, ensureDir } from "../host/files";
import type { DevicePaths, Slot } from "../host/paths";
import { generateReleaseKeys, signManifest, type Manifest } from "./release";

const MAGIC = "MACULAOS-DEV-IMAGE\n";
const DEV_IMAGE_BYTES = 4 * 1024 * 1024;

/** What a development image says about itself. */
export interface DevImageHeader {
  version: string;
  boots: boolean;
}

/** A development image of `size` bytes for `version`; `boots: false` makes every boot of it fail its health check. */
export function makeDevImage(header: DevImageHeader, size = DEV_IMAGE_BYTES): Buffer {
  const image = Buffer.alloc(size);
  image.write(`${MAGIC}${JSON.stringify(header)}\n`);
  return image;
}

/** The header of the development image in `slot`, or null when the slot holds anything else. */
export async function readDevImageHeader(paths: DevicePaths, slot: Slot): Promise<DevImageHeader | null> {
  const fh = await open(paths.slot(slot), "r");
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(512), 0, 512, 0);
    const text = buffer.subarray(0, bytesRead).toString("utf8");
    if (!text.startsWith(MAGIC)) return null;
    const header = JSON.parse(text.slice(MAGIC.length, text.indexOf("\n", MAGIC.length))) as DevImageHeader;
    return typeof header.version === "string" && typeof header.boots === "boolean" ? header : null;
  } catch {
    return null;
  } finally {
    await fh.close();
  }
}

/** Where the development device keeps its release key and channel directory (beside the data, not in backups). */
export function devReleaseDir(paths: DevicePaths): string {
  return join(paths.root, "srv/maculaos-release");
}

/** The file: URL of the development device's local release channel directory. */
export function devReleaseUrl(paths: DevicePaths): string {
  return `${pathToFileURL(join(devReleaseDir(paths), "channel")).href}/`;
}

/** The version after `version` in its last number (1.2.3 -> 1.2.4; pre-release tags are dropped). */
function nextPatch(version: string, step: number): string {
  const [maj, min, patch] = version.split(/[-+]/)[0]!.split(".").map(Number) as [number, number, number];
  return `${maj}.${min}.${patch + step}`;
}

/** Creates the development device's key pair (trusted in etc/maculaos/keys/development.pub) and its two local
 * channels, once; an existing release is left alone. */
export async function ensureDevRelease(paths: DevicePaths, version: string, arch: Manifest["arch"]): Promise<void> {
  const dir = devReleaseDir(paths);
  if (await exists(join(dir, "release.key"))) return;
  const channel = join(dir, "channel");
  await ensureDir(channel, 0o700);
  const keys = generateReleaseKeys();
  const releases = [
    { channel: "stable", version: nextPatch(version, 1), boots: true, notes: "A development release: it boots and passes its health checks." },
    { channel: "testing", version: nextPatch(version, 2), boots: false, notes: "A development release marked bad: every boot of it fails, so after 3 attempts the node rolls back." },
  ];
  for (const r of releases) {
    const image = makeDevImage({ version: r.version, boots: r.boots });
    const name = `maculaos-${r.version}-${arch}.img`;
    await writeFile(join(channel, name), image);
    const manifest: Manifest = { version: r.version, channel: r.channel, arch, size: image.length, sha256: createHash("sha256").update(image).digest("hex"), url: name, notes: r.notes };
    await writeFile(join(channel, `${r.channel}.json`), signManifest(manifest, keys.privateKey));
  }
  await writeFile(join(paths.keysDir, "development.pub"), keys.publicKey);
  await writeFile(join(dir, "release.pub"), keys.publicKey);
  await writeFile(join(dir, "release.key"), keys.privateKey, { mode: 0o600 }); // last: its presence means "done"
}
