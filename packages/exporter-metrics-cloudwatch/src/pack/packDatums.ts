import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { BodyWriter } from './BodyWriter.js';
import { envelope, serializeDatum } from './serializeDatum.js';

/** One PutMetricData request: its datums, and the exact body the SDK would write for them. */
export interface Batch {
  datums: MetricDatum[];
  /** The whole body as UTF-8 (packing always sets it; a batch made by hand may leave it to {@link batchBytes}). */
  body?: Buffer;
  /** Where each datum's JSON starts in `body`, when packing wrote them one by one (see {@link Packer}). */
  starts?: number[];
  /** Uncompressed body size in bytes, envelope included. */
  bytes: number;
}

export interface PackLimits {
  maxDatums: number;
  maxBytes: number;
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
  private current: Batch;
  /** Whether `current` is being packed one measured datum at a time. */
  private exact = false;
  /** Where `current`'s body is being written, when it is packed one measured datum at a time. */
  private writer: BodyWriter | undefined;
  /** Bytes per datum seen so far (0 until the first request closes). */
  private averageDatumBytes = 0;

  /** `onBatch` receives each request as soon as it is full, so sending can start while packing goes on. */
  constructor(
    private readonly namespace: string,
    private readonly limits: PackLimits,
    private readonly onBatch?: (batch: Batch) => void,
  ) {
    const { head, tail } = envelope(namespace);
    this.base = Buffer.byteLength(head) + Buffer.byteLength(tail);
    this.current = this.empty();
  }

  private empty(): Batch {
    this.exact = this.averageDatumBytes * this.limits.maxDatums > BULK_HEADROOM * (this.limits.maxBytes - this.base);
    this.writer = undefined;
    return { datums: [], bytes: this.base };
  }

  add(d: MetricDatum): void {
    if (!this.exact && this.averageDatumBytes === 0) {
      // Nothing measured yet: the first datum tells whether whole requests are likely to fit.
      this.averageDatumBytes = Buffer.byteLength(serializeDatum(d));
      this.current = this.empty();
    }
    if (!this.exact) {
      if (this.current.datums.length >= this.limits.maxDatums) this.closeBulk();
      if (!this.exact) {
        this.current.datums.push(d);
        return;
      }
    }
    this.addMeasured(d);
  }

  private addMeasured(d: MetricDatum): void {
    const json = serializeDatum(d);
    const size = Buffer.byteLength(json);
    if (this.base + size > this.limits.maxBytes) {
      this.oversized.push(d);
      return;
    }
    if (this.current.datums.length >= this.limits.maxDatums || this.current.bytes + 1 + size > this.limits.maxBytes) {
      this.closeMeasured();
      this.current = { datums: [], bytes: this.base };
    }
    const batch = this.current;
    batch.bytes += (batch.datums.length > 0 ? 1 : 0) + size;
    batch.datums.push(d);
    (this.writer ??= new BodyWriter(this.namespace)).add(json, size);
  }

  /** Closes the current request when it was packed one measured datum at a time. */
  private closeMeasured(): void {
    const batch = this.current;
    if (this.writer === undefined || batch.datums.length === 0) return;
    batch.body = this.writer.finish();
    batch.starts = this.writer.starts;
    this.writer = undefined;
    this.emit(batch);
  }

  /** Serializes the current request in one go; if it is too large after all, packs its datums one by one. */
  private closeBulk(): void {
    const batch = this.current;
    const body = bodyBytes(this.namespace, batch.datums.map(serializeDatum));
    const bytes = body.length;
    if (bytes <= this.limits.maxBytes) {
      this.averageDatumBytes = (bytes - this.base) / batch.datums.length;
      this.emit({ datums: batch.datums, body, bytes });
      this.current = this.empty();
      return;
    }
    // The datums were larger than expected: measure each, and stay measured for the rest of this packing.
    this.averageDatumBytes = Math.max(this.averageDatumBytes, (bytes - this.base) / batch.datums.length);
    this.exact = true;
    this.current = { datums: [], bytes: this.base };
    for (const d of batch.datums) this.addMeasured(d);
  }

  private emit(batch: Batch): void {
    if (this.onBatch) this.onBatch(batch);
    else this.batches.push(batch);
  }

  /** Closes the last request and returns the requests kept (all of them, when there is no `onBatch`). */
  finish(): Batch[] {
    if (this.current.datums.length > 0) {
      if (!this.exact) this.closeBulk();
      if (this.exact) this.closeMeasured();
    }
    this.current = this.empty();
    return this.batches;
  }
}

/** Packs a whole list at once (see {@link Packer}). */
export function packDatums(namespace: string, datums: readonly MetricDatum[], limits: PackLimits): Packer {
  const packer = new Packer(namespace, limits);
  for (const d of datums) packer.add(d);
  packer.finish();
  return packer;
}

/** Splits a batch into two halves, each with its exact body and size. */
export function splitBatch(namespace: string, batch: Batch): [Batch, Batch] {
  const n = batch.datums.length;
  const half = Math.ceil(n / 2);
  if (batch.body === undefined || batch.starts === undefined) {
    const part = (from: number, to: number): Batch => {
      const datums = batch.datums.slice(from, to);
      const body = bodyBytes(namespace, datums.map(serializeDatum));
      return { datums, body, bytes: body.length };
    };
    return [part(0, half), part(half, n)];
  }
  // Written datum by datum: the halves are cut from the body itself.
  const { body, starts } = batch;
  const { head, tail } = envelope(namespace);
  const headBytes = Buffer.byteLength(head);
  const end = (i: number) => (i < n ? starts[i]! - 1 : body.length - Buffer.byteLength(tail));
  const part = (from: number, to: number): Batch => {
    const cut = Buffer.concat([body.subarray(0, headBytes), body.subarray(starts[from]!, end(to)), Buffer.from(tail)]);
    const shift = headBytes - starts[from]!;
    return {
      datums: batch.datums.slice(from, to),
      body: cut,
      starts: starts.slice(from, to).map((s) => s + shift),
      bytes: cut.length,
    };
  };
  return [part(0, half), part(half, n)];
}

/** The request body of a batch, exactly as the SDK would serialize it, as the UTF-8 bytes the SDK sends. */
export function batchBytes(namespace: string, batch: Batch): Buffer {
  return batch.body ?? bodyBytes(namespace, batch.datums.map(serializeDatum));
}

/** The request body of a batch as a string (see {@link batchBytes}). */
export function batchBody(namespace: string, batch: Batch): string {
  return batchBytes(namespace, batch).toString('utf8');
}

/**
 * The envelope around the serialized datums, as UTF-8 bytes. Handing the SDK bytes rather than a string spares it
 * two passes over every body (measuring its UTF-8 length, then encoding it for gzip). Bodies are nearly always
 * ASCII (translation makes dimensions ASCII; numbers, units and the namespace are): one quick length check tells,
 * and then writing them is a plain copy rather than UTF-8 encoding.
 */
function bodyBytes(namespace: string, json: readonly string[]): Buffer {
  const { head, tail } = envelope(namespace);
  const datums = json.join(',');
  if (Buffer.byteLength(datums) !== datums.length || Buffer.byteLength(head) !== head.length) {
    return Buffer.from(head + datums + tail, 'utf8');
  }
  const body = Buffer.allocUnsafeSlow(head.length + datums.length + tail.length);
  let at = body.write(head, 0, 'latin1');
  at += body.write(datums, at, 'latin1');
  at += body.write(tail, at, 'latin1');
  // Every byte must have been written: never send what an unfilled buffer held before.
  return at === body.length ? body : Buffer.from(head + datums + tail, 'utf8');
}
