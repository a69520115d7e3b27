// Output helpers for the CLI: aligned key-value lists, byte sizes and durations.

/** Formats bytes with binary units (1.5 GiB). */
export function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Formats seconds as "3d 4h 5m" (or "42s" under a minute). */
export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.floor(seconds)}s`;
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return [d && `${d}d`, (d || h) && `${h}h`, `${m}m`].filter(Boolean).join(" ");
}

/** Aligns `[key, value]` rows into two columns. */
export function keyValues(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}

/** Prints `value` as pretty JSON. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
