/*
 * CBOR (RFC 8949) as the AWS SDK's Smithy RPC v2 CBOR codec writes it: the shortest head for every length and
 * integer, integral numbers from -2^53 to 2^53 - 1 as integers, every other number as a 64-bit float (never a shorter
 * one, which would need a check per value and save little once the body is gzipped).
 */

const MAJOR_UINT = 0;
const MAJOR_NEGATIVE = 1;
export const MAJOR_TEXT = 3;
export const MAJOR_ARRAY = 4;
export const MAJOR_MAP = 5;
export const MAJOR_TAG = 6;
export const FALSE = 0xf4;
const FLOAT64 = 0xfb;

/** Up to this many bytes (or characters), copying in a loop beats a call into the runtime. */
const SHORT = 64;

/** Room for a body at first; it doubles as needed (a full request is at most 1 MB). */
const INITIAL_CAPACITY = 64 * 1024;

/** Writes CBOR into a growing buffer. */
export class CborWriter {
  buffer: Buffer;
  /** The same bytes, for 64-bit floats (a DataView's big-endian store compiles to a few instructions). */
  private view: DataView;
  at = 0;

  constructor(capacity = INITIAL_CAPACITY) {
    this.buffer = Buffer.allocUnsafeSlow(capacity);
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.length);
  }

  /** Makes room for `bytes` more bytes. */
  ensure(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.length);
  }

  /** A head: major type and its argument (a length, a count, an integer or a tag number), shortest form. */
  head(major: number, n: number): void {
    this.ensure(9);
    this.at = writeHead(this.buffer, this.at, major, n);
  }

  /** Bytes already encoded (a key, a cached text). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.at = copyBytes(this.buffer, this.at, bytes);
  }

  /** A text string. A short ASCII one (names, dimension values) is copied char by char; any other is encoded. */
  text(s: string): void {
    const n = s.length;
    if (n <= SHORT) {
      this.ensure(n + 2);
      const buf = this.buffer;
      const start = this.at;
      let at = writeHead(buf, start, MAJOR_TEXT, n);
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        buf[at++] = c;
      }
      if (i === n) {
        this.at = at;
        return;
      }
      this.at = start;
    }
    const bytes = Buffer.byteLength(s);
    this.head(MAJOR_TEXT, bytes);
    this.ensure(bytes);
    this.at += this.buffer.write(s, this.at, bytes, bytes === n ? 'latin1' : 'utf8');
  }

  /** A number: an integer when it is one within the safe range, else a 64-bit float. */
  number(v: number): void {
    this.ensure(9);
    this.at = writeNumber(this.buffer, this.view, this.at, v);
  }

  /** An array of numbers (histogram Values and Counts), written in one pass with room made once. */
  numbers(values: readonly number[]): void {
    this.ensure(9 + 9 * values.length);
    const buf = this.buffer;
    const view = this.view;
    let at = writeHead(buf, this.at, MAJOR_ARRAY, values.length);
    for (let i = 0; i < values.length; i++) at = writeNumber(buf, view, at, values[i]!);
    this.at = at;
  }
}

/**
 * Copies bytes already encoded into `buf` at `at` (which has room for them); answers where they end. Short ones,
 * nearly all, are copied byte by byte: cheaper than a call out.
 */
export function copyBytes(buf: Uint8Array, at: number, bytes: Uint8Array): number {
  const n = bytes.length;
  if (n > SHORT) buf.set(bytes, at);
  else for (let i = 0; i < n; i++) buf[at + i] = bytes[i]!;
  return at + n;
}

/** Writes a head at `at`; answers where it ends. */
export function writeHead(buf: Buffer, at: number, major: number, n: number): number {
  const m = major << 5;
  if (n < 24) {
    buf[at] = m | n;
    return at + 1;
  }
  if (n < 0x100) {
    buf[at] = m | 24;
    buf[at + 1] = n;
    return at + 2;
  }
  if (n < 0x10000) {
    buf[at] = m | 25;
    buf[at + 1] = n >>> 8;
    buf[at + 2] = n & 0xff;
    return at + 3;
  }
  if (n < 0x100000000) {
    buf[at] = m | 26;
    buf.writeUInt32BE(n, at + 1);
    return at + 5;
  }
  buf[at] = m | 27;
  const hi = Math.floor(n / 0x100000000);
  buf.writeUInt32BE(hi, at + 1);
  buf.writeUInt32BE(n - hi * 0x100000000, at + 5);
  return at + 9;
}

// The integers the SDK's codec writes as such: [-2^53, 2^53 - 1].
const MIN_INTEGER = -(2 ** 53);

function writeNumber(buf: Buffer, view: DataView, at: number, v: number): number {
  if (Number.isSafeInteger(v) || v === MIN_INTEGER) {
    return v >= 0 ? writeHead(buf, at, MAJOR_UINT, v) : writeHead(buf, at, MAJOR_NEGATIVE, -v - 1);
  }
  buf[at] = FLOAT64;
  view.setFloat64(at + 1, v);
  return at + 9;
}

/** A text string's whole encoding, head included (for keys and texts written again and again). */
export function encodedText(s: string): Buffer {
  const w = new CborWriter(16 + 3 * s.length);
  w.text(s);
  return Buffer.from(w.buffer.subarray(0, w.at));
}
