import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { cborBatchDatums } from './cbor/cborBatchDatums.js';
import type { Envelope } from './serializeDatum.js';

/** One PutMetricData request: the exact body the SDK would write for its datums. */
export interface Batch {
  /** How many datums the request carries. */
  count: number;
  /**
   * The datums themselves, only when packing was asked to keep them (see {@link Packer}): the body is all a
   * JSON 1.0 client needs, and holding every datum until its request is answered only fed the garbage collector.
   */
  datums?: MetricDatum[];
  /** The whole body, UTF-8. */
  body: Buffer;
  /** Where each datum's JSON starts in `body`, so that a refused request can be cut in halves. */
  starts: number[];
  /** Uncompressed body size in bytes, envelope included (the length of `body`). */
  bytes: number;
  /** What surrounds the datums in `body` (shared by the requests of an export). */
  envelope: Envelope;
  /**
   * The earliest datum timestamp in the request (epoch ms; Infinity when none has one): a request kept for a
   * later attempt must go before CloudWatch's two-week window closes on it.
   */
  oldest: number;
  /** Set once a CBOR request sent as JSON reported its datums too large as JSON (see PutMetricDataTransport). */
  oversizedReported?: boolean;
}

export interface PackLimits {
  maxDatums: number;
  maxBytes: number;
}

/** Splits a batch into two halves, each with its exact body and size, cut from the batch's body. */
export function splitBatch(batch: Batch): [Batch, Batch] {
  const half = Math.ceil(batch.count / 2);
  if (batch.envelope.cbor !== undefined) {
    return [sliceCborBatch(batch, 0, half), sliceCborBatch(batch, half, batch.count)];
  }
  const head = batch.body.subarray(0, Buffer.byteLength(batch.envelope.head));
  const tail = Buffer.from(batch.envelope.tail);
  return [cutBatch(batch, 0, half, head, tail), cutBatch(batch, half, batch.count, head, tail)];
}

/**
 * The batch with its envelope's optional members left out (see Envelope.plain), the same datums in the same
 * order; undefined when it has none.
 */
export function withoutOptionalMembers(batch: Batch): Batch | undefined {
  const plain = batch.envelope.plain;
  if (plain === undefined) return undefined;
  if (batch.envelope.cbor !== undefined) return sliceCborBatch(batch, 0, batch.count, plain);
  const { body, starts } = batch;
  const headBytes = Buffer.byteLength(batch.envelope.head);
  const datums = body.subarray(headBytes, body.length - Buffer.byteLength(batch.envelope.tail));
  const plainHead = Buffer.from(plain.head);
  const cut = Buffer.concat([plainHead, datums, Buffer.from(plain.tail)]);
  const shift = plainHead.length - headBytes;
  const out: Batch = {
    ...batch,
    body: cut,
    bytes: cut.length,
    starts: starts.map((s) => s + shift),
    envelope: plain,
  };
  return out;
}

/**
 * The datums from `from` to `to` of a CBOR batch as a batch of their own, in `envelope` (by default the batch's):
 * a CBOR list's head counts its items, so the head is made anew around the datums' bytes.
 */
export function sliceCborBatch(batch: Batch, from: number, to: number, envelope = batch.envelope): Batch {
  const frame = envelope.cbor!;
  return cutBatch(batch, from, to, frame.head(to - from), frame.tail, envelope);
}

/** The datums from `from` to `to` of a batch, their bytes as they are between `head` and `tail`, as a batch. */
function cutBatch(
  batch: Batch,
  from: number,
  to: number,
  head: Uint8Array,
  tail: Uint8Array,
  envelope = batch.envelope,
): Batch {
  const { body, starts, count } = batch;
  const cbor = batch.envelope.cbor;
  // JSON datums are separated by commas; CBOR ones follow one another.
  const separator = cbor === undefined ? 1 : 0;
  const tailBytes = cbor === undefined ? Buffer.byteLength(batch.envelope.tail) : cbor.tail.length;
  const end = to < count ? starts[to]! - separator : body.length - tailBytes;
  const cut = Buffer.concat([head, body.subarray(starts[from]!, end), tail]);
  const shift = head.length - starts[from]!;
  const part: Batch = {
    count: to - from,
    body: cut,
    starts: starts.slice(from, to).map((s) => s + shift),
    bytes: cut.length,
    oldest: batch.oldest,
    envelope,
  };
  if (batch.datums) part.datums = batch.datums.slice(from, to);
  return part;
}

/** The request body of a batch as a string (for tests and benchmarks; requests go out as bytes). */
export function batchBody(batch: Batch): string {
  return batch.body.toString('utf8');
}

/** The name of a batch's first datum, read back from its body when the batch kept no datums (a rare need). */
export function firstMetricName(batch: Batch): string {
  const first =
    batch.datums?.[0] ?? (batch.envelope.cbor ? cborBatchDatums(sliceCborBatch(batch, 0, 1))[0] : undefined);
  if (first) return first.MetricName ?? '';
  const end = batch.count > 1 ? batch.starts[1]! - 1 : batch.body.length - Buffer.byteLength(batch.envelope.tail);
  const datum = JSON.parse(batch.body.subarray(batch.starts[0], end).toString('utf8')) as MetricDatum;
  return datum.MetricName ?? '';
}

/**
 * A request body from its serialized datums: the envelope around them, as UTF-8 bytes, and where each starts.
 * Handing the SDK bytes rather than a string spares it two passes over every body (measuring its UTF-8 length,
 * then encoding it for gzip). Bodies are nearly always ASCII (translation makes dimensions ASCII; numbers, units
 * and the namespace are): one quick length check tells, and then each datum's text is copied straight into the
 * body. (Joined first, a request's datums made a string as large as the body, in memory of its own: the first
 * write of each of its pages cost as much as the copying.)
 */
export function writeBody(
  { head, tail }: Envelope,
  json: readonly string[],
  knownAscii = false,
): { body: Buffer; starts: number[] } {
  let ascii = knownAscii || (Buffer.byteLength(head) === head.length && Buffer.byteLength(tail) === tail.length);
  let size = head.length + tail.length + Math.max(0, json.length - 1);
  for (let i = 0; i < json.length; i++) {
    const text = json[i]!;
    if (!knownAscii && ascii) ascii = Buffer.byteLength(text) === text.length;
    size += text.length;
  }
  const starts: number[] = new Array<number>(json.length);
  if (!ascii) {
    let at = Buffer.byteLength(head);
    for (let i = 0; i < json.length; i++) {
      starts[i] = at;
      at += Buffer.byteLength(json[i]!) + 1;
    }
    return { body: Buffer.from(head + json.join(',') + tail, 'utf8'), starts };
  }
  const body = Buffer.allocUnsafeSlow(size);
  let at = body.write(head, 0, 'latin1');
  for (let i = 0; i < json.length; i++) {
    if (i > 0) body[at++] = COMMA;
    starts[i] = at;
    at += body.write(json[i]!, at, 'latin1');
  }
  at += body.write(tail, at, 'latin1');
  // Every byte must have been written: never send what an unfilled buffer held before.
  return { body: at === body.length ? body : Buffer.from(head + json.join(',') + tail, 'utf8'), starts };
}

const COMMA = 0x2c;
