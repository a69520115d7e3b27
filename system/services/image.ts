// Pulling an image from an OCI registry into a root file system: each layer streams through its digest check into the
// unpacker, in order, with whiteouts applied.
import { PassThrough } from "node:stream";
import { isAppError } from "../errors";
import { extractTarStream } from "../host/archive";
import type { MaculaConfig } from "../config/schema";
import { RegistryClient, formatRef, hostPlatform, parseImageRef, type ImageConfig } from "./registry";

/** What a pull produced. */
export interface PulledImage {
  ref: string;
  digest: string;
  config: ImageConfig;
  bytes: number;
}

/** Pulls `reference` into `rootfs` (an empty staging directory); `progress` gets 0..1. */
export async function pullImage(reference: string, rootfs: string, registries: MaculaConfig["registries"], progress: (fraction: number, message: string) => void): Promise<PulledImage> {
  const ref = parseImageRef(reference);
  const creds = registries.find((r) => r.host === ref.registry);
  const client = new RegistryClient(ref, creds);
  progress(0, `resolving ${formatRef(ref)} for linux/${hostPlatform().architecture}`);
  const { manifest, digest } = await client.resolve();
  const config = await client.configBlob(manifest.config);
  const total = manifest.layers.reduce((n, l) => n + l.size, 0) || 1;
  // Each layer streams from the registry through the digest check straight into the unpacker; the root file system
  // is a staging directory, so a layer whose digest turns out wrong at its end fails the pull and nothing is installed.
  let received = 0;
  for (const [i, layer] of manifest.layers.entries()) {
    const pipe = new PassThrough({ highWaterMark: 1 << 20 });
    const label = `layer ${layer.digest}`;
    const gz = layer.mediaType.endsWith("gzip");
    const unpack = extractTarStream(pipe, gz, rootfs, { kind: "layer" }, label).catch((e: unknown) => {
      pipe.destroy();
      throw e;
    });
    const [download, extraction] = await Promise.allSettled([client.blob(layer, pipe, (n) => progress(((received += n) / total) * 0.98, `downloading and unpacking layer ${i + 1} of ${manifest.layers.length}`)), unpack]);
    const errors = [download, extraction].flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    // the real cause, not the other side's "the stream stopped"
    if (errors.length) throw errors.find((e) => !isAppError(e, "IO_FAILED")) ?? errors[0];
  }
  return { ref: formatRef(ref), digest, config, bytes: total };
}
