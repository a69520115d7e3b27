// Output on its way to a terminal's client. Pty reads (4 KiB each at most) are copied into one buffer per message, and a
// buffer goes back to a small pool shared by every shell once its message has been written to the socket: streaming
// allocates nothing per read or per message. (A fresh buffer per message, 100 MB for a 100 MB `cat`, kept V8's
// collector marking the old generation several times a second and cost a third of the appliance's CPU.)

/** Output in one message at most. */
export const BATCH_BYTES = 512 * 1024;
/** Free message buffers kept for reuse, for all shells together (2 MiB). */
const POOL_SIZE = 4;
const pool: Buffer[] = [];

/** Gathers a shell's output into messages of at most BATCH_BYTES for `send`, which calls `sent` once the message has
 * left (written to the socket, or dropped with it): the bytes are reused after that. */
export class OutputBatch {
  private buf: Buffer | null = null;
  /** Bytes gathered and not sent yet. */
  length = 0;

  constructor(private readonly send: (data: Buffer, sent: () => void) => void) {}

  /** Adds output, sending each message that fills up. */
  add(data: Buffer): void {
    for (let at = 0; at < data.length; ) {
      const buf = (this.buf ??= pool.pop() ?? Buffer.allocUnsafeSlow(BATCH_BYTES));
      const n = data.copy(buf, this.length, at);
      at += n;
      this.length += n;
      if (this.length === BATCH_BYTES) this.flush();
    }
  }

  /** Sends what has been gathered, if anything. */
  flush(): void {
    const buf = this.buf;
    if (!buf || this.length === 0) return;
    const data = buf.subarray(0, this.length);
    this.buf = null;
    this.length = 0;
    let back = false;
    this.send(data, () => {
      if (!back && pool.length < POOL_SIZE) pool.push(buf);
      back = true;
    });
  }

  /** Forgets what has been gathered and not sent (the client went). */
  drop(): void {
    this.length = 0;
  }
}
