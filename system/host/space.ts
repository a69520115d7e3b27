// Free space checks before work that writes a lot (a deploy), so it is refused before its first byte instead of
// failing halfway with a full disk.
import { AppError } from "../errors";
import { freeBytes } from "./swap";

/** A byte count with binary units (1.5 MiB). */
export function bytesText(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** Refuses with NO_SPACE ("not enough space: needs N, has M ...") when the file system holding `dir` has fewer than
 * `need` bytes free; `what` says what the space is for. */
export async function requireSpace(dir: string, need: number, what: string): Promise<void> {
  const has = await freeBytes(dir);
  if (need > has) throw new AppError("NO_SPACE", `not enough space: needs ${bytesText(need)}, has ${bytesText(has)} free on ${dir} (${what})`, { details: { need, has } });
}
