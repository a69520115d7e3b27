// Pulling an image from an OCI registry into a root file system. planImage resolves the reference and sizes the
// download and the unpacked layers before anything is written (so a deploy can refuse a full disk first); pullLayers
// downloads up to three layers at once and unpacks them in order, with whiteouts applied. The layer being unpacked
// streams from the registry through its digest check straight into the unpacker; a layer that arrives before its
// turn waits in a spool file (layer-spool.ts). The root file system is a staging directory, so a layer whose digest
// turns out wrong at its end fails the pull and nothing is installed.
import { Readable } from "node:stream";
import { isAppError } from "../errors";
import { extractTarStream } from "../host/archive";
import type { MaculaConfig } from "../config/schema";
import { LayerSpool } from "./layer-spool";
import { RegistryClient, formatRef, parseImageRef, type Descriptor, type ImageConfig } from "./registry";

/** An image resolved in its registry, with what pulling it will take. */
export interface ImagePlan {
  ref: string;
  digest: string;
  config: ImageConfig;
  layers: Descriptor[];
  /** Bytes to download (the layers as the manifest gives them). */
  download: number;
  /** Bytes the unpacked layers take, estimated (see unpackedEstimate). */
  unpacked: number;
  client: RegistryClient;
}

/** Layers downloaded at the same time. */
const PARALLEL = 3;
/** How much a gzip layer is assumed to grow when its real size is unknown. */
const GZIP_GROWTH = 3;
const PROGRESS_MS = 100;

/** The size a layer or archive takes unpacked: plain tar as it is; gzip from its ISIZE trailer when that is
 * plausible (it is the size modulo 4 GiB), else GZIP_GROWTH times the compressed size. */
export function unpackedEstimate(compressed: number, gzip: boolean, isize: number | null): number {
  if (!gzip) return compressed;
  return isize !== null && compressed < 2 ** 32 && isize >= compressed / 2 ? isize : compressed * GZIP_GROWTH;
}

const isGzip = (layer: Descriptor) => layer.mediaType.endsWith("gzip");

/** Runs `work(0..count-1)` in index order, PARALLEL at a time. */
async function eachLimited(count: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, count) }, worker));
}

/** Resolves `reference` to the linux/<arch> image: its manifest, config and sizes. Writes nothing. */
export async function planImage(reference: string, registries: MaculaConfig["registries"]): Promise<ImagePlan> {
  const ref = parseImageRef(reference);
  const creds = registries.find((r) => r.host === ref.registry);
  const client = new RegistryClient(ref, creds);
  const { manifest, digest } = await client.resolve();
  const isizes: Array<number | null> = manifest.layers.map(() => null);
  const [config] = await Promise.all([
    client.configBlob(manifest.config),
    eachLimited(manifest.layers.length, async (i) => {
      const layer = manifest.layers[i] as Descriptor;
      if (isGzip(layer)) isizes[i] = await client.gzipSize(layer);
    }),
  ]);
  const unpacked = manifest.layers.reduce((n, l, i) => n + unpackedEstimate(l.size, isGzip(l), isizes[i] ?? null), 0);
  return { ref: formatRef(ref), digest, config, layers: manifest.layers, download: manifest.layers.reduce((n, l) => n + l.size, 0), unpacked, client };
}

/** Downloads the plan's layers (PARALLEL at a time, spooled under `spoolDir` while they wait) and unpacks them in
 * order into `rootfs` (an empty staging directory); `progress` gets 0..1. */
export async function pullLayers(plan: ImagePlan, spoolDir: string, rootfs: string, progress: (fraction: number, message: string) => void): Promise<void> {
  const { layers, client } = plan;
  const total = plan.download || 1;
  const spools = layers.map((_, i) => new LayerSpool(`${spoolDir}/layer-${i}`));
  const errors: unknown[] = [];
  const stop = (e: unknown) => {
    errors.push(e);
    for (const s of spools) s.destroy(); // the other downloads stop at their next chunk
  };
  let received = 0;
  let unpacking = 0;
  let reported = 0;
  const report = (n: number) => {
    received += n;
    if (Date.now() - reported < PROGRESS_MS) return;
    reported = Date.now();
    progress((received / total) * 0.98, `downloading and unpacking layer ${unpacking + 1} of ${layers.length}`);
  };
  const downloads = eachLimited(layers.length, (i) => (errors.length ? Promise.resolve() : client.blob(layers[i] as Descriptor, spools[i] as LayerSpool, report).catch(stop)));
  try {
    for (const [i, layer] of layers.entries()) {
      unpacking = i;
      const spool = spools[i] as LayerSpool;
      await extractTarStream(Readable.from(spool.chunks(), { objectMode: false }), isGzip(layer), rootfs, { kind: "layer" }, `layer ${layer.digest}`);
    }
  } catch (e) {
    stop(e);
  }
  await downloads;
  await Promise.all(spools.map((s) => s.remove()));
  // the real cause, not another side's "the stream stopped"
  if (errors.length) throw errors.find((e) => !isAppError(e, "IO_FAILED")) ?? errors[0];
  progress(0.98, `unpacked ${layers.length} layer${layers.length === 1 ? "" : "s"}`);
}
