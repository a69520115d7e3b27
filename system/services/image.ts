// Pulling an image from an OCI registry into a root file system: every blob is downloaded and checked against its
// digest first (three at a time), then the layers are unpacked in order with whiteouts applied.
import { join } from "node:path";
import { mkdir, rm } from "node:fs/promises";
import { extractTar } from "../host/archive";
import type { MaculaConfig } from "../config/schema";
import { RegistryClient, formatRef, hostPlatform, parseImageRef, type ImageConfig } from "./registry";

/** What a pull produced. */
export interface PulledImage {
  ref: string;
  digest: string;
  config: ImageConfig;
  bytes: number;
}

const PARALLEL = 3;

/** Pulls `reference` into `rootfs` (an empty directory), using `work` for the downloads; `progress` gets 0..1. */
export async function pullImage(reference: string, rootfs: string, work: string, registries: MaculaConfig["registries"], progress: (fraction: number, message: string) => void): Promise<PulledImage> {
  const ref = parseImageRef(reference);
  const creds = registries.find((r) => r.host === ref.registry);
  const client = new RegistryClient(ref, creds);
  progress(0, `resolving ${formatRef(ref)} for linux/${hostPlatform().architecture}`);
  const { manifest, digest } = await client.resolve();
  const config = await client.configBlob(manifest.config);
  const total = manifest.layers.reduce((n, l) => n + l.size, 0) || 1;
  let got = 0;
  const bump = (n: number) => progress(((got += n) / total) * 0.7, `downloading ${manifest.layers.length} layer(s)`);
  await mkdir(work, { recursive: true });
  const files = manifest.layers.map((l) => join(work, l.digest.replace(":", "-")));
  try {
    // Downloads run three at a time; each layer is unpacked as soon as it and the layers below it are verified.
    const done = manifest.layers.map(() => {
      const d = {} as { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void };
      d.promise = new Promise<void>((resolve, reject) => Object.assign(d, { resolve, reject }));
      d.promise.catch(() => undefined);
      return d;
    });
    const queue = manifest.layers.map((l, i) => [l, i] as const);
    const downloads = Promise.all(
      Array.from({ length: Math.min(PARALLEL, queue.length) }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const [layer, i] = next;
          await client.blob(layer, files[i] ?? "", bump).then(() => done[i]?.resolve(), (e: unknown) => {
            done[i]?.reject(e);
            throw e;
          });
        }
      }),
    );
    downloads.catch(() => undefined);
    let unpacked = 0;
    for (const [i, layer] of manifest.layers.entries()) {
      await done[i]?.promise;
      await extractTar(files[i] ?? "", rootfs, { kind: "layer", onBytes: (n) => progress(0.7 + ((unpacked + n) / total) * 0.3, `unpacking layer ${i + 1} of ${manifest.layers.length}`) }, `layer ${layer.digest}`);
      unpacked += layer.size;
    }
    await downloads;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { ref: formatRef(ref), digest, config, bytes: total };
}
