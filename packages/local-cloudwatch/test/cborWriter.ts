/*
 * A tiny CBOR writer for the tests: hand-crafted request bodies, in the encodings a real peer might choose
 * (indefinite lengths, narrow floats) and in some it must not (raw bytes spliced in where a test wants them).
 */

/** Bytes written as they are, wherever they stand in a value. */
export class Raw {
  constructor(readonly bytes: Buffer) {}
}

/** Raw bytes from hex (spaces ignored). */
export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
export const raw = (s: string): Raw => new Raw(hex(s));

/** Tag 1 around epoch seconds (a float64 unless integral). */
export const epoch = (seconds: number): Raw => new Raw(Buffer.concat([hex('c1'), cbor(seconds)]));
/** A float16 / float32 / float64 of exactly this value. */
export const f16 = (half: number): Raw => new Raw(Buffer.from([0xf9, half >> 8, half & 0xff]));
export const f32 = (value: number): Raw => {
  const b = Buffer.alloc(5);
  b[0] = 0xfa;
  b.writeFloatBE(value, 1);
  return new Raw(b);
};
export const f64 = (value: number): Raw => {
  const b = Buffer.alloc(9);
  b[0] = 0xfb;
  b.writeDoubleBE(value, 1);
  return new Raw(b);
};
/** An indefinite-length array or map of these items. */
export const indefiniteArray = (items: unknown[]): Raw =>
  new Raw(Buffer.concat([hex('9f'), ...items.map(cbor), hex('ff')]));
export const indefiniteMap = (entries: Record<string, unknown>): Raw =>
  new Raw(Buffer.concat([hex('bf'), ...Object.entries(entries).flatMap(([k, v]) => [cbor(k), cbor(v)]), hex('ff')]));
/** An indefinite-length text string of these chunks. */
export const chunkedText = (...chunks: string[]): Raw =>
  new Raw(Buffer.concat([hex('7f'), ...chunks.map(cbor), hex('ff')]));

function head(major: number, n: number): Buffer {
  const m = major << 5;
  if (n < 24) return Buffer.from([m | n]);
  if (n < 0x100) return Buffer.from([m | 24, n]);
  if (n < 0x10000) return Buffer.from([m | 25, n >> 8, n & 0xff]);
  if (n < 0x100000000) {
    const b = Buffer.alloc(5);
    b[0] = m | 26;
    b.writeUInt32BE(n, 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = m | 27;
  b.writeBigUInt64BE(BigInt(n), 1);
  return b;
}

/** A value in CBOR: integers as integers, other numbers as float64, Dates as tag 1, objects as text-keyed maps. */
export function cbor(value: unknown): Buffer {
  if (value instanceof Raw) return value.bytes;
  if (value === null) return hex('f6');
  if (value === true) return hex('f5');
  if (value === false) return hex('f4');
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value >= 0 ? head(0, value) : head(1, -1 - value);
    return f64(value).bytes;
  }
  if (typeof value === 'string') {
    const b = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, b.length), b]);
  }
  if (value instanceof Date) return epoch(value.getTime() / 1000).bytes;
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)])]);
  }
  throw new Error(`cannot write ${typeof value}`);
}
