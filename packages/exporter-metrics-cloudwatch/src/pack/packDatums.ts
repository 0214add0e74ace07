import type { Entity, MetricDatum } from '@aws-sdk/client-cloudwatch';
import { BodyWriter } from './BodyWriter.js';
import { TranslatedDatum } from '../translate/TranslatedDatum.js';
import { envelope, serializeDatum, type Envelope } from './serializeDatum.js';

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
}

export interface PackLimits {
  maxDatums: number;
  maxBytes: number;
}

interface OpenRequest {
  datums: MetricDatum[];
  count: number;
  bytes: number;
  oldest: number;
  /** Whether every datum so far is known to serialize as ASCII (see isAscii): its body then needs no UTF-8 pass. */
  ascii: boolean;
}

/** Keep serializing whole requests at once while a full request is expected to use at most this share of the limit. */
const BULK_HEADROOM = 0.75;

/**
 * Packs datums, in order, into the fewest requests a greedy pass allows under both limits: a request closes when
 * the next datum would break the datum count or the byte size of the uncompressed body. When only the count
 * binds this gives exactly ⌈datums / maxDatums⌉ requests. Deterministic: the same datums give the same requests.
 * Incremental (`add` then `finish`) so a large export can be packed in slices between event-loop turns.
 *
 * Sizes are always exact, and found the cheap way when possible: while full requests are expected to stay well
 * under the byte limit (small datums, such as counters), a request's datums are serialized together when it
 * closes, and its size checked then; only if that check fails, or when datums are large (such as wide
 * histograms), is each datum serialized, measured and written into the body on its own as it arrives.
 */
export class Packer {
  /** The closed requests, kept only when no `onBatch` takes them (a large export should not hold every body). */
  readonly batches: Batch[] = [];
  /** Datums that cannot fit a request even alone (impossible within CloudWatch's own per-datum limits). */
  readonly oversized: MetricDatum[] = [];
  private readonly base: number;
  private readonly envelope: Envelope;
  private readonly envelopeAscii: boolean;
  /**
   * The open request: how many datums, its size so far, and the datums themselves while they are still needed
   * (until the request is serialized, or for good when `keepDatums`).
   */
  private current: OpenRequest;
  /** Whether `current` is being packed one measured datum at a time. */
  private exact = false;
  /** Where `current`'s body is being written, when it is packed one measured datum at a time. */
  private writer: BodyWriter | undefined;
  /** Bytes per datum seen so far (0 until the first request closes). */
  private averageDatumBytes = 0;
  private lastName: string | undefined;
  private lastNameAscii = false;

  /**
   * `onBatch` receives each request as soon as it is full, so sending can start while packing goes on.
   * `keepDatums`: whether requests keep their datums (needed only to let the SDK serialize them itself).
   */
  constructor(
    namespace: string,
    private readonly limits: PackLimits,
    private readonly onBatch?: (batch: Batch) => void,
    private readonly keepDatums = true,
    entity?: Entity,
  ) {
    this.envelope = envelope(namespace, entity);
    const { head, tail } = this.envelope;
    // The limits count the entity's envelope too: 1,000 datums and 1 MB are per request, whatever carries them.
    this.base = Buffer.byteLength(head) + Buffer.byteLength(tail);
    this.envelopeAscii = this.base === head.length + tail.length;
    this.current = this.empty();
  }

  private empty(): OpenRequest {
    this.exact = this.averageDatumBytes * this.limits.maxDatums > BULK_HEADROOM * (this.limits.maxBytes - this.base);
    this.writer = undefined;
    return this.newRequest();
  }

  /** A request with nothing in it yet but its envelope. */
  private newRequest(): OpenRequest {
    return { datums: [], count: 0, bytes: this.base, oldest: Infinity, ascii: true };
  }

  add(d: MetricDatum): void {
    if (!this.exact && this.averageDatumBytes === 0) {
      // Nothing measured yet: the first datum tells whether whole requests are likely to fit.
      this.averageDatumBytes = Buffer.byteLength(serializeDatum(d));
      this.current = this.empty();
    }
    if (!this.exact) {
      if (this.current.count >= this.limits.maxDatums) this.closeBulk();
      if (!this.exact) {
        const open = this.current;
        open.datums.push(d);
        open.count++;
        open.oldest = older(open.oldest, d);
        if (open.ascii) open.ascii = this.isAscii(d);
        return;
      }
    }
    this.addMeasured(d);
  }

  private addMeasured(d: MetricDatum): void {
    const json = serializeDatum(d);
    const size = this.isAscii(d) ? json.length : Buffer.byteLength(json);
    if (this.base + size > this.limits.maxBytes) {
      this.oversized.push(d);
      return;
    }
    if (this.current.count >= this.limits.maxDatums || this.current.bytes + 1 + size > this.limits.maxBytes) {
      this.closeMeasured();
      this.current = this.newRequest();
    }
    const batch = this.current;
    batch.bytes += (batch.count > 0 ? 1 : 0) + size;
    batch.count++;
    batch.oldest = older(batch.oldest, d);
    // Written into the body: unless they are to be kept, a wide datum is garbage from here on.
    if (this.keepDatums) batch.datums.push(d);
    (this.writer ??= new BodyWriter(this.envelope)).add(json, size);
  }

  /** Closes the current request when it was packed one measured datum at a time. */
  private closeMeasured(): void {
    const { datums, count, oldest } = this.current;
    if (this.writer === undefined || count === 0) return;
    const body = this.writer.finish();
    this.emit(count, datums, body, this.writer.starts, oldest);
    this.writer = undefined;
  }

  /** Serializes the current request in one go; if it is too large after all, packs its datums one by one. */
  private closeBulk(): void {
    const { datums, oldest, ascii } = this.current;
    const { body, starts } = writeBody(this.envelope, datums.map(serializeDatum), ascii && this.envelopeAscii);
    const bytes = body.length;
    if (bytes <= this.limits.maxBytes) {
      this.averageDatumBytes = (bytes - this.base) / datums.length;
      this.emit(datums.length, datums, body, starts, oldest);
      this.current = this.empty();
      return;
    }
    // The datums were larger than expected: measure each, and stay measured for the rest of this packing.
    this.averageDatumBytes = Math.max(this.averageDatumBytes, (bytes - this.base) / datums.length);
    this.exact = true;
    this.current = this.newRequest();
    for (const d of datums) this.addMeasured(d);
  }

  /**
   * Whether a datum's JSON is ASCII, known without reading it (measuring a wide histogram's UTF-8 length was a
   * tenth of its packing): translation makes everything ASCII but metric names, which datums in a row share.
   */
  private isAscii(d: MetricDatum): boolean {
    if (!(d instanceof TranslatedDatum)) return false;
    if (d.MetricName !== this.lastName) {
      this.lastName = d.MetricName;
      this.lastNameAscii = Buffer.byteLength(d.MetricName) === d.MetricName.length;
    }
    return this.lastNameAscii;
  }

  private emit(count: number, datums: MetricDatum[], body: Buffer, starts: number[], oldest: number): void {
    const batch: Batch = { count, body, starts, bytes: body.length, oldest, envelope: this.envelope };
    if (this.keepDatums) batch.datums = datums;
    if (this.onBatch) this.onBatch(batch);
    else this.batches.push(batch);
  }

  /** Closes the last request and returns the requests kept (all of them, when there is no `onBatch`). */
  finish(): Batch[] {
    if (this.current.count > 0) {
      if (!this.exact) this.closeBulk();
      if (this.exact) this.closeMeasured();
    }
    this.current = this.empty();
    return this.batches;
  }
}

/** The earlier of `oldest` and the datum's timestamp (datums of one metric share one Date: no allocation). */
function older(oldest: number, d: MetricDatum): number {
  const t = d.Timestamp?.getTime();
  return t !== undefined && t < oldest ? t : oldest;
}

/** Packs a whole list at once (see {@link Packer}). */
export function packDatums(
  namespace: string,
  datums: readonly MetricDatum[],
  limits: PackLimits,
  entity?: Entity,
): Packer {
  const packer = new Packer(namespace, limits, undefined, true, entity);
  for (const d of datums) packer.add(d);
  packer.finish();
  return packer;
}

/** Splits a batch into two halves, each with its exact body and size, cut from the batch's body. */
export function splitBatch(batch: Batch): [Batch, Batch] {
  const { body, starts, count } = batch;
  const { head, tail } = batch.envelope;
  const headBytes = Buffer.byteLength(head);
  const tailBytes = Buffer.from(tail);
  const end = (i: number) => (i < count ? starts[i]! - 1 : body.length - tailBytes.length);
  const part = (from: number, to: number): Batch => {
    const cut = Buffer.concat([body.subarray(0, headBytes), body.subarray(starts[from]!, end(to)), tailBytes]);
    const shift = headBytes - starts[from]!;
    const half: Batch = {
      count: to - from,
      body: cut,
      starts: starts.slice(from, to).map((s) => s + shift),
      bytes: cut.length,
      oldest: batch.oldest,
      envelope: batch.envelope,
    };
    if (batch.datums) half.datums = batch.datums.slice(from, to);
    return half;
  };
  const half = Math.ceil(count / 2);
  return [part(0, half), part(half, count)];
}

/** The request body of a batch as a string (for tests and benchmarks; requests go out as bytes). */
export function batchBody(batch: Batch): string {
  return batch.body.toString('utf8');
}

/** The name of a batch's first datum, read back from its body when the batch kept no datums (a rare need). */
export function firstMetricName(batch: Batch): string {
  const first = batch.datums?.[0];
  if (first) return first.MetricName ?? '';
  const end = batch.count > 1 ? batch.starts[1]! - 1 : batch.body.length - Buffer.byteLength(batch.envelope.tail);
  const datum = JSON.parse(batch.body.subarray(batch.starts[0], end).toString('utf8')) as MetricDatum;
  return datum.MetricName ?? '';
}

/**
 * A request body from its serialized datums: the envelope around them, as UTF-8 bytes, and where each starts.
 * Handing the SDK bytes rather than a string spares it two passes over every body (measuring its UTF-8 length,
 * then encoding it for gzip). Bodies are nearly always ASCII (translation makes dimensions ASCII; numbers, units
 * and the namespace are): one quick length check tells, and then writing them is a plain copy.
 */
function writeBody(
  { head, tail }: Envelope,
  json: readonly string[],
  knownAscii = false,
): { body: Buffer; starts: number[] } {
  const datums = json.join(',');
  const ascii =
    knownAscii ||
    (Buffer.byteLength(datums) === datums.length &&
      Buffer.byteLength(head) === head.length &&
      Buffer.byteLength(tail) === tail.length);
  const starts: number[] = new Array<number>(json.length);
  let at = Buffer.byteLength(head);
  for (let i = 0; i < json.length; i++) {
    starts[i] = at;
    at += (ascii ? json[i]!.length : Buffer.byteLength(json[i]!)) + 1;
  }
  if (!ascii) return { body: Buffer.from(head + datums + tail, 'utf8'), starts };
  const body = Buffer.allocUnsafeSlow(head.length + datums.length + tail.length);
  at = body.write(head, 0, 'latin1');
  at += body.write(datums, at, 'latin1');
  at += body.write(tail, at, 'latin1');
  // Every byte must have been written: never send what an unfilled buffer held before.
  return { body: at === body.length ? body : Buffer.from(head + datums + tail, 'utf8'), starts };
}
