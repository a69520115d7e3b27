// Fixed-size time series: the last hour at full resolution and 7 days of averages, in preallocated typed arrays,
// so memory stays the same however long the node runs.

/** Rows oldest first as column arrays (the shape uPlot draws); NaN (no reading) becomes null. */
export interface Columns<C extends string> {
  at: number[];
  values: Record<C, (number | null)[]>;
}

/** A ring of timestamped rows with fixed columns; when full, each new row overwrites the oldest. */
export class RingTable<C extends string> {
  private readonly times: Float64Array;
  private readonly cols: Float64Array[];
  private next = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    readonly columns: readonly C[],
  ) {
    this.times = new Float64Array(capacity);
    this.cols = columns.map(() => new Float64Array(capacity));
  }

  /** How many rows it holds. */
  get size(): number {
    return this.count;
  }

  /** Adds a row at time `at` (ms); absent columns are stored as NaN. */
  push(at: number, row: Partial<Record<C, number>>): void {
    this.times[this.next] = at;
    this.columns.forEach((c, i) => ((this.cols[i] as Float64Array)[this.next] = row[c] ?? NaN));
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** The rows at or after `since` (ms), oldest first. */
  since(since = -Infinity): Columns<C> {
    const at: number[] = [];
    const values = Object.fromEntries(this.columns.map((c) => [c, [] as (number | null)[]])) as Record<C, (number | null)[]>;
    for (let k = 0; k < this.count; k++) {
      const i = (this.next - this.count + k + this.capacity) % this.capacity;
      const t = this.times[i] as number;
      if (t < since) continue;
      at.push(t);
      this.columns.forEach((c, j) => {
        const v = (this.cols[j] as Float64Array)[i] as number;
        values[c].push(Number.isNaN(v) ? null : v);
      });
    }
    return { at, values };
  }
}

/** Averages rows into buckets of `bucketMs` and stores one row per bucket in a RingTable (the long history). */
export class Downsampler<C extends string> {
  readonly table: RingTable<C>;
  private bucket = -1;
  private sums: number[];
  private counts: number[];

  constructor(
    readonly bucketMs: number,
    capacity: number,
    readonly columns: readonly C[],
  ) {
    this.table = new RingTable(capacity, columns);
    this.sums = columns.map(() => 0);
    this.counts = columns.map(() => 0);
  }

  /** Adds a reading; a reading in a new bucket first closes the previous bucket into the table (then it returns true). */
  add(at: number, row: Partial<Record<C, number>>): boolean {
    const b = Math.floor(at / this.bucketMs);
    const closed = b !== this.bucket && this.flush();
    this.bucket = b;
    this.columns.forEach((c, i) => {
      const v = row[c];
      if (v === undefined || Number.isNaN(v)) return;
      this.sums[i] = (this.sums[i] ?? 0) + v;
      this.counts[i] = (this.counts[i] ?? 0) + 1;
    });
    return closed;
  }

  /** Closes the open bucket (its row is stamped at the bucket's start); false when it was empty. */
  flush(): boolean {
    if (this.bucket < 0 || this.counts.every((n) => n === 0)) return false;
    this.table.push(this.bucket * this.bucketMs, Object.fromEntries(this.columns.map((c, i) => [c, this.counts[i] ? (this.sums[i] ?? 0) / (this.counts[i] ?? 1) : NaN])) as Record<C, number>);
    this.sums = this.columns.map(() => 0);
    this.counts = this.columns.map(() => 0);
    return true;
  }
}
