/*
 * The answers of the Smithy RPC v2 CBOR door, encoded here: all it ever sends is a map of text to text (or the empty
 * map), which takes a few lines rather than a dependency.
 */

/** The headers of every answer in Smithy RPC v2 CBOR, success or error. */
export const CBOR_ANSWER_HEADERS: Readonly<Record<string, string>> = {
  'smithy-protocol': 'rpc-v2-cbor',
  'content-type': 'application/cbor',
};

/** PutMetricData's output (an empty structure): the empty map, 0xa0. */
export const CBOR_EMPTY_MAP: Buffer = Buffer.from([0xa0]);

/** The initial byte(s) of a definite-length item of `major` type and length (or value) `n`. */
function head(major: number, n: number): Buffer {
  const m = major << 5;
  if (n < 24) return Buffer.from([m | n]);
  if (n < 0x100) return Buffer.from([m | 24, n]);
  if (n < 0x10000) return Buffer.from([m | 25, n >> 8, n & 0xff]);
  const out = Buffer.alloc(5);
  out[0] = m | 26;
  out.writeUInt32BE(n, 1);
  return out;
}

function text(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([head(3, bytes.length), bytes]);
}

/** A definite-length CBOR map of text keys to text values, in the order given. */
export function cborTextMap(entries: Record<string, string>): Buffer {
  const pairs = Object.entries(entries);
  return Buffer.concat([head(5, pairs.length), ...pairs.flatMap(([k, v]) => [text(k), text(v)])]);
}

/** An error body as CloudWatch's RPC v2 CBOR endpoint sends it: `{ "__type": "com.amazonaws.cloudwatch#Code", … }`. */
export function cborErrorBody(code: string, message: string): Buffer {
  return cborTextMap({ __type: `com.amazonaws.cloudwatch#${code}`, message });
}
