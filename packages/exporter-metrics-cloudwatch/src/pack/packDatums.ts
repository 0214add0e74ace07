import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { envelope, serializeDatum } from './serializeDatum.js';

/** One PutMetricData request: its datums, and the exact body the SDK would write for them. */
export interface Batch {
  datums: MetricDatum[];
  /** The datums serialized one by one, when packing needed each one's size (see {@link Packer}). */
  json?: string[];
  /** The whole body as UTF-8, when packing serialized it in one go. */
  body?: Buffer;
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
 * under the byte limit (small datums, such as counters), a request's datums are serialized in one JSON.stringify
 * call when it closes, and its size checked then; only if that check fails, or when datums are large (such as
 * wide histograms), is each datum serialized and measured on its own as it arrives.
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
  /** Bytes per datum seen so far (0 until the first request closes). */
  private averageDatumBytes = 0;

  private lastName: string | undefined;
  private lastNameAscii = true;

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
    return this.exact ? { datums: [], json: [], bytes: this.base } : { datums: [], bytes: this.base };
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
    // Everything but the metric name is ASCII by construction (dimensions are made ASCII, numbers and units are).
    if (d.MetricName !== this.lastName) {
      this.lastName = d.MetricName;
      this.lastNameAscii = d.MetricName === undefined || Buffer.byteLength(d.MetricName) === d.MetricName.length;
    }
    const size = this.lastNameAscii ? json.length : Buffer.byteLength(json);
    if (this.base + size > this.limits.maxBytes) {
      this.oversized.push(d);
      return;
    }
    let batch = this.current;
    if (batch.datums.length >= this.limits.maxDatums || batch.bytes + 1 + size > this.limits.maxBytes) {
      this.emit(batch);
      batch = this.current = { datums: [], json: [], bytes: this.base };
    }
    batch.bytes += (batch.datums.length > 0 ? 1 : 0) + size;
    batch.datums.push(d);
    batch.json!.push(json);
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
    this.current = { datums: [], json: [], bytes: this.base };
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
      if (this.exact && this.current.datums.length > 0) this.emit(this.current);
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

/** Splits a batch into two halves, each with its exact size. */
export function splitBatch(batch: Batch, base: number): [Batch, Batch] {
  const all = batch.json ?? batch.datums.map(serializeDatum);
  const half = Math.ceil(batch.datums.length / 2);
  const part = (from: number, to: number): Batch => {
    const json = all.slice(from, to);
    let bytes = base + Math.max(0, json.length - 1);
    for (const j of json) bytes += Buffer.byteLength(j);
    return { datums: batch.datums.slice(from, to), json, bytes };
  };
  return [part(0, half), part(half, batch.datums.length)];
}

/** The request body of a batch, exactly as the SDK would serialize it, as the UTF-8 bytes the SDK sends. */
export function batchBytes(namespace: string, batch: Batch): Buffer {
  return batch.body ?? bodyBytes(namespace, batch.json ?? batch.datums.map(serializeDatum));
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

/** Size of the body around the datums. */
export function envelopeBytes(namespace: string): number {
  const { head, tail } = envelope(namespace);
  return Buffer.byteLength(head) + Buffer.byteLength(tail);
}
