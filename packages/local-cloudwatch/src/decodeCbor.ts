/*
 * A strict CBOR decoder (RFC 8949) for the front door's Smithy RPC v2 CBOR door. It is written here rather than
 * borrowed from the SDK on purpose, as verifySigV4 is: a referee that decodes with the client's own code would
 * accept whatever that code gets wrong. It takes every encoding the Smithy spec says a decoder must (definite and
 * indefinite lengths, 16/32/64-bit floats, any integer width) and refuses every item that is not well-formed, or
 * that the protocol has no use for (tags other than 1, simple values other than false/true/null), naming what and
 * where (the byte offset).
 */

/** Why a body is not CBOR the front door takes: a SerializationException. */
export class CborDecodeError extends Error {
  override readonly name = 'CborDecodeError';
}

/** A CBOR float (major type 7, additional info 25/26/27), kept apart from integers: an integer member takes no float. */
export class CborFloat {
  constructor(
    readonly value: number,
    /** The width it was sent in. */
    readonly bits: 16 | 32 | 64,
  ) {}
}

/** Tag 1 (epoch-based date/time) around a number: a Smithy timestamp. */
export class CborTimestamp {
  constructor(
    /** Seconds since 1970-01-01T00:00:00Z, fraction included. */
    readonly epochSeconds: number,
  ) {}
}

/**
 * A decoded CBOR item: integers as numbers (safe range only), floats as CborFloat, text as strings, byte strings as
 * Uint8Array, arrays as arrays, maps as Maps with text keys (in the order received), tag 1 as CborTimestamp.
 */
export type CborValue =
  number | CborFloat | string | Uint8Array | boolean | null | CborTimestamp | CborValue[] | Map<string, CborValue>;

/** How deep arrays, maps and tags may nest: deeper is refused, not followed (no stack to exhaust). */
export const MAX_CBOR_DEPTH = 64;

const BREAK = Symbol('break');
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const MAJOR_NAMES = [
  'an unsigned integer',
  'a negative integer',
  'a byte string',
  'a text string',
  'an array',
  'a map',
  'a tag',
  'a simple value or float',
];

/** Decodes exactly one CBOR item filling `bytes`; throws CborDecodeError on anything else. */
export function decodeCbor(bytes: Uint8Array): CborValue {
  const reader = new Reader(bytes);
  if (bytes.length === 0) throw new CborDecodeError('The body is empty: no CBOR item at byte 0.');
  const value = reader.item(0);
  if (value === BREAK) throw new CborDecodeError('A break (0xff) at byte 0 is outside any indefinite-length item.');
  if (reader.at !== bytes.length) {
    throw new CborDecodeError(
      `${bytes.length - reader.at} trailing byte(s) after the top-level item, from byte ${reader.at}.`,
    );
  }
  return value;
}

class Reader {
  at = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Throws unless `n` more bytes follow: `what` (begun at byte `start`) needs them. */
  private need(n: number, what: string, start = this.at): void {
    const left = this.bytes.length - this.at;
    if (left < n) {
      throw new CborDecodeError(`Truncated: ${what} at byte ${start} needs ${n} more byte(s), ${left} left.`);
    }
  }

  /**
   * The argument of an initial byte (additional info 0–27): a length, an integer or a tag number. undefined for
   * additional info 31 (indefinite length, or a break); 28–30 are reserved and refused.
   */
  private argument(info: number, start: number): number | bigint | undefined {
    if (info < 24) return info;
    switch (info) {
      case 24:
        this.need(1, 'the item', start);
        return this.bytes[this.at++]!;
      case 25:
        this.need(2, 'the item', start);
        this.at += 2;
        return this.view.getUint16(this.at - 2);
      case 26:
        this.need(4, 'the item', start);
        this.at += 4;
        return this.view.getUint32(this.at - 4);
      case 27: {
        this.need(8, 'the item', start);
        this.at += 8;
        const n = this.view.getBigUint64(this.at - 8);
        return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
      }
      case 31:
        return undefined;
      default:
        throw new CborDecodeError(`Reserved additional information ${info} in the initial byte at byte ${start}.`);
    }
  }

  /** A length that the bytes left could hold (`unit` bytes at least per element): else the input is truncated. */
  private length(arg: number | bigint, unit: number, what: string, start: number): number {
    const left = this.bytes.length - this.at;
    if (typeof arg === 'bigint' || arg * unit > left) {
      throw new CborDecodeError(`Truncated: ${what} at byte ${start} declares ${arg} but only ${left} byte(s) follow.`);
    }
    return arg;
  }

  item(depth: number): CborValue | typeof BREAK {
    const start = this.at;
    this.need(1, 'an item');
    const initial = this.bytes[this.at++]!;
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major === 7) return this.simple(info, start);
    const arg = this.argument(info, start);
    switch (major) {
      case 0:
      case 1: {
        if (arg === undefined) {
          throw new CborDecodeError(`${MAJOR_NAMES[major]} at byte ${start} cannot have an indefinite length.`);
        }
        if (typeof arg === 'bigint' || (major === 1 && arg === Number.MAX_SAFE_INTEGER)) {
          throw new CborDecodeError(`The integer at byte ${start} is outside the safe range (±2^53 - 1).`);
        }
        return major === 0 ? arg : -1 - arg;
      }
      case 2:
      case 3: {
        const chunks = arg === undefined ? this.chunks(major, start) : [this.chunk(major, arg, start)];
        if (major === 2) return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        // Each chunk is text on its own: a character may not straddle two chunks (RFC 8949 §3.2.3).
        return chunks.map((c, i) => this.text(c, start, chunks.length > 1 ? i : undefined)).join('');
      }
      case 4:
      case 5:
        if (depth >= MAX_CBOR_DEPTH) {
          throw new CborDecodeError(`${MAJOR_NAMES[major]} at byte ${start} nests deeper than ${MAX_CBOR_DEPTH}.`);
        }
        return major === 4 ? this.array(arg, depth + 1, start) : this.map(arg, depth + 1, start);
      default:
        return this.tag(arg, depth, start);
    }
  }

  private chunk(major: number, arg: number | bigint, start: number): Uint8Array {
    const n = this.length(arg, 1, `${MAJOR_NAMES[major]}'s length`, start);
    this.at += n;
    return this.bytes.subarray(this.at - n, this.at);
  }

  /** The chunks of an indefinite-length string: definite-length strings of its own major type, then a break. */
  private chunks(major: number, start: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (;;) {
      const at = this.at;
      this.need(1, `a chunk or break of the indefinite-length string begun at byte ${start}`);
      const initial = this.bytes[this.at++]!;
      if (initial === 0xff) return out;
      if (initial >> 5 !== major) {
        throw new CborDecodeError(
          `The indefinite-length string at byte ${start} has a chunk at byte ${at} that is ` +
            `${MAJOR_NAMES[initial >> 5]}, not ${MAJOR_NAMES[major]}.`,
        );
      }
      const arg = this.argument(initial & 0x1f, at);
      if (arg === undefined) {
        throw new CborDecodeError(`The indefinite-length string at byte ${start} nests another at byte ${at}.`);
      }
      out.push(this.chunk(major, arg, at));
    }
  }

  private text(bytes: Uint8Array, start: number, chunk: number | undefined): string {
    try {
      return utf8.decode(bytes);
    } catch {
      const which = chunk === undefined ? '' : ` (chunk ${chunk + 1})`;
      throw new CborDecodeError(`The text string at byte ${start}${which} is not valid UTF-8.`);
    }
  }

  private array(arg: number | bigint | undefined, depth: number, start: number): CborValue[] {
    const out: CborValue[] = [];
    const n = arg === undefined ? Infinity : this.length(arg, 1, "an array's length", start);
    while (out.length < n) {
      const value = this.item(depth);
      if (value === BREAK) {
        if (n !== Infinity) throw new CborDecodeError(`A break at byte ${this.at - 1} inside a definite-length array.`);
        return out;
      }
      out.push(value);
    }
    return out;
  }

  private map(arg: number | bigint | undefined, depth: number, start: number): Map<string, CborValue> {
    const out = new Map<string, CborValue>();
    const n = arg === undefined ? Infinity : this.length(arg, 2, "a map's length", start);
    for (let i = 0; i < n; i++) {
      const keyAt = this.at;
      const key = this.item(depth);
      if (key === BREAK) {
        if (n !== Infinity) throw new CborDecodeError(`A break at byte ${keyAt} inside a definite-length map.`);
        return out;
      }
      if (typeof key !== 'string') {
        throw new CborDecodeError(`The map at byte ${start} has a key at byte ${keyAt} that is not a text string.`);
      }
      if (out.has(key)) {
        throw new CborDecodeError(`The map at byte ${start} has the key "${key}" twice (again at byte ${keyAt}).`);
      }
      const valueAt = this.at;
      const value = this.item(depth);
      if (value === BREAK) {
        throw new CborDecodeError(
          `The map at byte ${start} ends (break at byte ${valueAt}) after a key, before its value.`,
        );
      }
      out.set(key, value);
    }
    return out;
  }

  /** Tag 1 around an integer or a float: the only tag Smithy RPC v2 CBOR sends (timestamps). */
  private tag(arg: number | bigint | undefined, depth: number, start: number): CborTimestamp {
    if (arg === undefined) throw new CborDecodeError(`The tag at byte ${start} cannot have an indefinite length.`);
    if (arg !== 1) throw new CborDecodeError(`Tag ${arg} at byte ${start}: only tag 1 (epoch time) is taken.`);
    if (depth >= MAX_CBOR_DEPTH) {
      throw new CborDecodeError(`The tag at byte ${start} nests deeper than ${MAX_CBOR_DEPTH}.`);
    }
    const contentAt = this.at;
    const content = this.item(depth + 1);
    if (typeof content === 'number') return new CborTimestamp(content);
    if (content instanceof CborFloat) return new CborTimestamp(content.value);
    const what = content === BREAK ? 'a break' : describe(content);
    throw new CborDecodeError(`Tag 1 at byte ${start} holds ${what} (at byte ${contentAt}), not a number.`);
  }

  private simple(info: number, start: number): CborValue | typeof BREAK {
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        throw new CborDecodeError(`The simple value undefined (0xf7) at byte ${start} is not taken.`);
      case 25:
        this.need(2, 'a half-precision float', start);
        this.at += 2;
        return new CborFloat(float16(this.view.getUint16(this.at - 2)), 16);
      case 26:
        this.need(4, 'a single-precision float', start);
        this.at += 4;
        return new CborFloat(this.view.getFloat32(this.at - 4), 32);
      case 27:
        this.need(8, 'a double-precision float', start);
        this.at += 8;
        return new CborFloat(this.view.getFloat64(this.at - 8), 64);
      case 28:
      case 29:
      case 30:
        throw new CborDecodeError(`Reserved additional information ${info} in the initial byte at byte ${start}.`);
      case 31:
        return BREAK;
      case 24: {
        this.need(1, 'a one-byte simple value', start);
        const value = this.bytes[this.at++]!;
        throw new CborDecodeError(`The simple value ${value} at byte ${start} is not taken (only false, true, null).`);
      }
      default:
        throw new CborDecodeError(`The simple value ${info} at byte ${start} is not taken (only false, true, null).`);
    }
  }
}

/** An IEEE 754 half-precision float's value (RFC 8949 Appendix D). */
function float16(half: number): number {
  const exponent = (half >> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  const sign = half & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * 2 ** -14 * (mantissa / 1024);
  if (exponent === 31) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}

/** What a decoded item is, for messages: "a text string", "an array", … */
export function describe(value: CborValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'number') return 'an integer';
  if (typeof value === 'string') return 'a text string';
  if (value instanceof CborFloat) return 'a float';
  if (value instanceof CborTimestamp) return 'a timestamp (tag 1)';
  if (value instanceof Uint8Array) return 'a byte string';
  if (Array.isArray(value)) return 'an array';
  return 'a map';
}
