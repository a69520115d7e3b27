// A terminal's recent output as a fixed-size ring of bytes, addressed by absolute output offsets, so a client that
// reattaches gets exactly what it has not seen yet (or, after a page reload, the most recent screenfuls).

/** The last `capacity` bytes a shell printed, and how many it printed in all. */
export class Scrollback {
  private readonly ring: Buffer;
  /** Bytes ever appended; the ring holds [total - kept, total). */
  total = 0;
  private kept = 0;

  constructor(readonly capacity: number) {
    this.ring = Buffer.alloc(capacity);
  }

  /** Appends output, overwriting the oldest bytes when full. */
  append(data: Buffer): void {
    const src = data.length > this.capacity ? data.subarray(data.length - this.capacity) : data;
    const at = (this.total + (data.length - src.length)) % this.capacity;
    const first = Math.min(src.length, this.capacity - at);
    src.copy(this.ring, at, 0, first);
    if (first < src.length) src.copy(this.ring, 0, first);
    this.total += data.length;
    this.kept = Math.min(this.capacity, this.kept + data.length);
  }

  /** Offset of the oldest byte still kept. */
  get start(): number {
    return this.total - this.kept;
  }

  /** The kept bytes from offset `from` on (from the oldest kept byte when `from` is older), with the offset they start at. */
  since(from: number): { offset: number; data: Buffer } {
    const offset = Math.min(Math.max(from, this.start), this.total);
    const length = this.total - offset;
    const at = offset % this.capacity;
    const first = Math.min(length, this.capacity - at);
    const data = Buffer.concat([this.ring.subarray(at, at + first), this.ring.subarray(0, length - first)]);
    return { offset, data };
  }
}
