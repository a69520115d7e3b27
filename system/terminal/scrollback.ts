// A terminal's recent output as a fixed-size ring of bytes, addressed by absolute output offsets, so a client that
// reattaches gets exactly what it has not seen yet (or, after a page reload, the most recent screenfuls).
//
// The ring drops its oldest bytes wherever the capacity falls, which may be inside an escape sequence or a UTF-8
// character. So the ring follows the stream with a small VT parser (the states of xterm.js's, as far as they tell
// text from sequences) over every byte it drops, and knows the parser's state at its oldest byte exactly. A replay of
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
  private readonly ring: Buffer;
  /** Bytes ever appended; the ring holds [total - kept, total). */
  total = 0;
  private kept = 0;
  /** The parser's state just before the oldest kept byte. */
  private cutState = LINE;

  constructor(readonly capacity: number) {
    this.ring = Buffer.alloc(capacity);
  }

  /** Appends output, overwriting the oldest bytes when full. */
  append(data: Buffer): void {
    const dropped = Math.max(0, this.kept + data.length - this.capacity);
    if (dropped > 0) {
      // The parser reads what falls out of the ring before it is overwritten: the oldest kept bytes, then, when
      // `data` alone is larger than the ring, the head of `data`.
      const fromRing = Math.min(dropped, this.kept);
      for (const part of this.parts(this.start, this.start + fromRing)) this.cutState = advance(this.cutState, part);
      if (dropped > fromRing) this.cutState = advance(this.cutState, data.subarray(0, dropped - fromRing));
    }
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

  /** The kept bytes from offset `from` on, with the offset they start at. When `from` is older than the oldest kept
   * byte, the client missed output and gets the kept bytes from their first clean start on (see cleanStart). */
  since(from: number): { offset: number; data: Buffer } {
    const start = this.start;
    let offset = Math.min(Math.max(from, start), this.total);
    let data = Buffer.concat(this.parts(offset, this.total));
    if (from < start) {
      const skip = cleanStart(this.cutState, data);
      offset += skip;
      data = data.subarray(skip);
    }
    return { offset, data };
  }

  /** The kept bytes [from, to) as one or two views of the ring. */
  private parts(from: number, to: number): Buffer[] {
    const at = from % this.capacity;
    const first = Math.min(to - from, this.capacity - at);
    return [this.ring.subarray(at, at + first), this.ring.subarray(0, to - from - first)];
  }
}
