// What may go when the data partition fills up: rotated logs (the appliance's and the services'; the live logs stay),
// the appliance's cache and temporary files. The `cleanup` health-check action and `maculaos repair` both use it.
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { System } from "../system";

/** A rotated log's name: `x.log.1`, `x.log.2.gz`, `x.old`, ... */
const ROTATED = /\.(\d+|gz|old|xz|zst)$/;

/** What a cleanup removed: entries and bytes. */
export interface Cleaned {
  removed: number;
  freed: number;
}

async function sizeOf(path: string): Promise<number> {
  const s = await stat(path).catch(() => null);
  if (!s) return 0;
  if (!s.isDirectory()) return s.size;
  let n = 0;
  for (const name of await readdir(path).catch(() => [] as string[])) n += await sizeOf(join(path, name));
  return n;
}

/** Removes rotated logs, the entries of <root>/var/cache/maculaos and of <root>/var/tmp. */
export async function removeDisposable(sys: System): Promise<Cleaned> {
  const victims: string[] = [];
  const entries = (dir: string) => readdir(dir).then((names) => names.map((n) => join(dir, n)), () => [] as string[]);
  for (const dir of [sys.paths.logDir, join(sys.paths.logDir, "services")]) victims.push(...(await entries(dir)).filter((p) => ROTATED.test(p)));
  victims.push(...(await entries(join(sys.root, "var/cache/maculaos"))), ...(await entries(join(sys.root, "var/tmp"))));
  let freed = 0;
  for (const v of victims) {
    freed += await sizeOf(v);
    await rm(v, { recursive: true, force: true });
  }
  return { removed: victims.length, freed };
}
