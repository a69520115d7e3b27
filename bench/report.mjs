// Prints one benchmark row: what was measured, our figure, the baseline's figure from the same run, and the target.

/** Prints a result row. */
export function report(name, ours, baseline, target) {
  console.log(`${name.padEnd(40)} ours ${ours.padEnd(22)} baseline ${baseline.padEnd(36)} target ${target}`);
}
