// A terminal's recent output as a fixed-size ring of bytes, addressed by absolute output offsets, so a client that
// reattaches gets exactly what it has not seen yet (or, after a page reload, the most recent screenfuls).
//
// The ring drops its oldest bytes wherever the capacity falls, which may be inside an escape sequence or a UTF-8
// character. So the ring follows the stream with a small VT parser (the states of xterm.js's, as far as they tell
// text from sequences) over the bytes it drops, and knows the parser's state at its oldest byte exactly. A replay of
// dropped-into output then starts at the first line start outside any sequence, or, with no line break kept, at the
// first byte outside any sequence that begins a character or a new sequence.

/** Parser states: at the start of a line, in other text, after ESC, in a CSI sequence, in a string sequence (OSC, DCS,
 * SOS, PM, APC; ended by BEL or ST), after ESC inside a string. */
const LINE = 0;
const TEXT = 1;
const ESCAPE = 2;
const CSI = 3;
const STRING = 4;
const STRING_ESC = 5;
const ESC = 0x1b;
const LF = 0x0a;

/** The state after byte `b` in a sequence state (ESCAPE, CSI, STRING or STRING_ESC). */
function step(state: number, b: number): number {
  if (b === 0x18 || b === 0x1a) return TEXT; // CAN and SUB abort any sequence
  if (b === ESC) return state === STRING ? STRING_ESC : ESCAPE;
  switch (state) {
    case CSI:
      return b >= 0x40 && b <= 0x7e ? TEXT : CSI;
    case STRING:
      return b === 0x07 ? TEXT : STRING;
    case STRING_ESC:
      return b === 0x5c ? TEXT : step(ESCAPE, b); // ESC \ is ST; ESC and anything else begins a new sequence
    default: // ESCAPE
      if (b === 0x5b) return CSI; // [
      if (b === 0x5d || b === 0x50 || b === 0x58 || b === 0x5e || b === 0x5f) return STRING; // ] P X ^ _
      if (b >= 0x30) return TEXT; // a final byte (or, from 0x7f on, not part of a sequence)
      return ESCAPE; // intermediates (ESC ( B) and C0 controls, which run inside a sequence
  }
}

/** The parser state after `bytes`, from `state`. Text is skipped with indexOf, so plain output costs next to nothing. */
function advance(state: number, bytes: Buffer): number {
  for (let i = 0; i < bytes.length; ) {
    if (state <= TEXT) {
      const esc = bytes.indexOf(ESC, i);
      if (esc < 0) return bytes[bytes.length - 1] === LF ? LINE : TEXT;
      state = ESCAPE;
      i = esc + 1;
    } else state = step(state, bytes[i++]!);
  }
  return state;
}

/** Where a clean replay of `bytes` (the parser in `state` before them) begins: the first line start outside any
 * sequence; without one, the first byte outside any sequence that begins a character or a sequence; else the end. */
function cleanStart(state: number, bytes: Buffer): number {
  let text = -1;
  let lf = bytes.indexOf(LF); // the next line feed (-1: none left), searched again only once passed
  for (let i = 0; i < bytes.length; ) {
    if (state === LINE) return i;
    if (state === TEXT) {
      if (lf >= 0 && lf < i) lf = bytes.indexOf(LF, i);
      const esc = bytes.indexOf(ESC, i);
      if (lf >= 0 && (esc < 0 || lf < esc)) return lf + 1;
      // Text up to the ESC; its first character start (or the ESC, which begins a sequence) is clean.
      if (text < 0) {
        text = i;
        while (text < bytes.length && (bytes[text]! & 0xc0) === 0x80) text++;
      }
      if (esc < 0) break;
      state = ESCAPE;
      i = esc + 1;
    } else state = step(state, bytes[i++]!);
  }
  return text < 0 ? bytes.length : text;
}

/** The last `capacity` bytes a shell printed, and how many it printed in all. */
export class Scrollback {
  /** The kept bytes and, behind them, a quarter more of older ones: the parser reads those in one go when they are
   * about to be overwritten (or a replay needs its state), not a few bytes on every append of a streaming shell. */
  private readonly ring: Buffer;
  /** Bytes ever appended; [start, total) is kept. */
  total = 0;
  /** The offset the parser has read up to; the ring still holds it (`parsed >= total - ring.length`). */
  private parsed = 0;
  /** The parser's state just before offset `parsed`. */
  private cutState = LINE;

  constructor(readonly capacity: number) {
    this.ring = Buffer.alloc(capacity + Math.ceil(capacity / 4));
  }

  /** Appends output, overwriting the oldest bytes when full. */
  append(data: Buffer): void {
    const size = this.ring.length;
    const end = this.total + data.length;
    if (end - size > this.parsed) this.parseTo(end - this.capacity, data);
    const skip = Math.max(0, data.length - size);
    const at = (this.total + skip) % size;
    const first = Math.min(data.length - skip, size - at);
    data.copy(this.ring, at, skip, skip + first);
    if (skip + first < data.length) data.copy(this.ring, 0, skip + first);
    this.total = end;
  }

  /** Offset of the oldest byte still kept. */
  get start(): number {
    return Math.max(0, this.total - this.capacity);
  }

  /** The kept bytes from offset `from` on, with the offset they start at. When `from` is older than the oldest kept
   * byte, the client missed output and gets the kept bytes from their first clean start on (see cleanStart). */
  since(from: number): { offset: number; data: Buffer } {
    const start = this.start;
    this.parseTo(start);
    let offset = Math.min(Math.max(from, start), this.total);
    let data = Buffer.concat(this.parts(offset, this.total));
    if (from < start) {
      const skip = cleanStart(this.cutState, data);
      offset += skip;
      data = data.subarray(skip);
    }
    return { offset, data };
  }

  /** Moves the parser to offset `to`: over the ring's bytes up to it, then over the head of `appended` (the bytes
   * being appended, which begin at `total`). */
  private parseTo(to: number, appended?: Buffer): void {
    if (to <= this.parsed) return;
    for (const part of this.parts(this.parsed, Math.min(to, this.total))) this.cutState = advance(this.cutState, part);
    if (to > this.total && appended) this.cutState = advance(this.cutState, appended.subarray(0, to - this.total));
    this.parsed = to;
  }

  /** The bytes [from, to) the ring holds, as one or two views of it. */
  private parts(from: number, to: number): Buffer[] {
    const size = this.ring.length;
    const at = from % size;
    const first = Math.min(to - from, size - at);
    return [this.ring.subarray(at, at + first), this.ring.subarray(0, to - from - first)];
  }
}
