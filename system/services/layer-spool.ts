// One layer between its download and the unpacker. Until the unpacker reaches this layer, what arrives is appended
// to a spool file; once it does, the file is read back and from then on each chunk is handed straight over (the
// download then waits for the unpacker, so memory stays bounded). A layer whose turn comes before it starts
// downloading never touches the disk.
import { type FileHandle, open, rm } from "node:fs/promises";
import { Writable } from "node:stream";
import { AppError } from "../errors";

const READ_CHUNK = 1 << 20;

/** The download side is this Writable; the unpacker reads chunks(). */
export class LayerSpool extends Writable {
  private file: FileHandle | null = null;
  private spooled = 0;
  private writing: Promise<void> = Promise.resolve();
  private live = false;
  private readonly queue: Array<{ chunk: Buffer; done: () => void }> = [];
  private finished = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly path: string) {
    super({ highWaterMark: 1 << 20 });
    this.on("error", () => undefined); // the unpacker gets the error from chunks()
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    if (this.live) {
      this.queue.push({ chunk, done: () => done() });
      this.wake?.();
      return;
    }
    this.writing = (async () => {
      this.file ??= await open(this.path, "w+", 0o600);
      await this.file.write(chunk);
      this.spooled += chunk.length;
    })();
    this.writing.then(() => done(), done);
  }

  override _final(done: (e?: Error | null) => void): void {
    this.finished = true;
    this.wake?.();
    done();
  }

  override _destroy(e: Error | null, done: (e?: Error | null) => void): void {
    if (e || !this.finished) this.failure = e ?? new AppError("IO_FAILED", "the pull stopped"); // not the end of a complete layer
    this.wake?.();
    done(e);
  }

  /** The layer's bytes in order: the spooled part first, then the rest as it arrives. Throws the download's error. */
  async *chunks(): AsyncGenerator<Buffer> {
    this.live = true; // writes from now on are queued for us; the one in flight goes to the file
    await this.writing.catch(() => undefined);
    try {
      for (let at = 0; this.file && at < this.spooled; ) {
        const { bytesRead, buffer } = await this.file.read(Buffer.allocUnsafe(Math.min(READ_CHUNK, this.spooled - at)), 0, Math.min(READ_CHUNK, this.spooled - at), at);
        if (bytesRead === 0) throw new AppError("IO_FAILED", `${this.path} ended early`);
        at += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
      await this.remove();
      for (;;) {
        if (this.failure) throw this.failure;
        const next = this.queue.shift();
        if (next) {
          next.done();
          yield next.chunk;
        } else if (this.finished) return;
        else await new Promise<void>((r) => (this.wake = r));
        this.wake = null;
      }
    } finally {
      if (!this.finished && !this.destroyed) this.destroy(); // the unpacker stopped early: stop the download too
    }
  }

  /** Closes and deletes the spool file, if there is one. */
  async remove(): Promise<void> {
    await this.writing.catch(() => undefined);
    const file = this.file;
    this.file = null;
    if (!file) return;
    await file.close();
    await rm(this.path, { force: true });
  }
}
