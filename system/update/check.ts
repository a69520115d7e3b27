// `maculaos upgrade --check`: fetch the channel's signed manifest from updates.server, verify it against the trusted
// keys, and compare its version with the running one.
import { join } from "node:path";
import { putMeta } from "../db/meta";
import { AppError } from "../errors";
import { systemVersion } from "../host/device";
import { listDir, readTextIfExists } from "../host/files";
import { devReleaseUrl } from "./dev-release";
import { fetchText } from "./source";
import type { System } from "../system";
import { compareVersions, parsePublicKey, verifyRelease, type Manifest } from "./release";

const ARCH: Record<string, Manifest["arch"]> = { x64: "x86_64", arm64: "aarch64" };

/** This machine's architecture as release manifests name it. */
export function nodeArch(): Manifest["arch"] {
  return ARCH[process.arch] ?? (process.arch as Manifest["arch"]);
}

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

/** The last check and its outcome, as the Updates page shows it. */
export interface LastCheck {
  at: string;
  result?: UpdateCheck;
  error?: string;
}

/** Meta key of the last check. */
export const LAST_CHECK = "update.lastCheck";

/** Fetches and verifies the channel's manifest, says whether it is newer than the running system, and records it. */
export async function checkForUpdate(sys: System): Promise<UpdateCheck> {
  const at = new Date().toISOString();
  try {
    const result = await check(sys);
    await putMeta(sys.db, LAST_CHECK, { at, result } satisfies LastCheck);
    return result;
  } catch (e) {
    await putMeta(sys.db, LAST_CHECK, { at, error: (e as Error).message } satisfies LastCheck);
    throw e;
  }
}

async function check(sys: System): Promise<UpdateCheck> {
  const { server: configured, channel } = sys.config.current().updates;
  // The development device updates from its own local release until a server is set.
  const server = configured ?? (sys.kind === "development" ? devReleaseUrl(sys.paths) : undefined);
  if (!server) throw new AppError("UNAVAILABLE", "no update server: set one with `maculaos config set updates.server URL`");
  const url = new URL(`${channel}.json`, server.endsWith("/") ? server : `${server}/`);
  const text = await fetchText(url);
  const manifest = verifyRelease(text, await trustedKeys(sys));
  if (manifest.channel !== channel) throw new AppError("INTEGRITY_FAILED", `the manifest is for channel ${manifest.channel}, not ${channel}`);
  const arch = nodeArch();
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
