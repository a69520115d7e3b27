// `maculaos upgrade --check`: fetch the channel's signed manifest from updates.server, verify it against the trusted
// keys, and compare its version with the running one.
import { join } from "node:path";
import { AppError } from "../errors";
import { systemVersion } from "../host/device";
import { listDir, readTextIfExists } from "../host/files";
import type { System } from "../system";
import { compareVersions, parsePublicKey, verifyRelease, type Manifest } from "./release";

const ARCH: Record<string, Manifest["arch"]> = { x64: "x86_64", arm64: "aarch64" };

/** The outcome of a check. */
export interface UpdateCheck {
  current: string;
  latest: string;
  available: boolean;
  channel: string;
  size: number;
  sha256: string;
  notes: string;
  imageUrl: string;
}

/** The trusted release keys: every `*.pub` in <root>/etc/maculaos/keys. */
async function trustedKeys(sys: System) {
  const names = (await listDir(sys.paths.keysDir)).filter((n) => n.endsWith(".pub")).sort();
  return Promise.all(names.map(async (n) => parsePublicKey((await readTextIfExists(join(sys.paths.keysDir, n))) ?? "", `etc/maculaos/keys/${n}`)));
}

/** Fetches and verifies the channel's manifest, and says whether it is newer than the running system. */
export async function checkForUpdate(sys: System): Promise<UpdateCheck> {
  const { server, channel } = sys.config.current().updates;
  if (!server) throw new AppError("UNAVAILABLE", "no update server: set one with `maculaos config set updates.server URL`");
  const url = new URL(`${channel}.json`, server.endsWith("/") ? server : `${server}/`);
  let text: string;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(15_000), redirect: "error" });
    if (!res.ok) throw new AppError("UNAVAILABLE", `the update server answered ${res.status} for ${url}`);
    text = await res.text();
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw new AppError("UNAVAILABLE", `cannot reach the update server at ${url}: ${(cause as Error).message}`, { cause });
  }
  const manifest = verifyRelease(text, await trustedKeys(sys));
  if (manifest.channel !== channel) throw new AppError("INTEGRITY_FAILED", `the manifest is for channel ${manifest.channel}, not ${channel}`);
  const arch = ARCH[process.arch] ?? process.arch;
  if (manifest.arch !== arch) throw new AppError("CONFLICT", `the ${channel} release ${manifest.version} is for ${manifest.arch}; this node is ${arch}`);
  const current = await systemVersion(sys.paths);
  return {
    current,
    latest: manifest.version,
    available: compareVersions(manifest.version, current) > 0,
    channel,
    size: manifest.size,
    sha256: manifest.sha256,
    notes: manifest.notes,
    imageUrl: new URL(manifest.url, url).toString(),
  };
}
