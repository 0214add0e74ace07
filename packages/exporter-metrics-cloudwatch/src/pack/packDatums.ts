import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { envelope, serializeDatum } from './serializeDatum.js';

/** One PutMetricData request: its datums, and the exact body the SDK would write for them. */
export interface Batch {
  datums: MetricDatum[];
  /** The datums serialized, as the SDK writes them. */
  json: string[];
  /** Uncompressed body size in bytes, envelope included. */
  bytes: number;
}

export interface PackLimits {
  maxDatums: number;
  maxBytes: number;
}

/**
 * Packs datums, in order, into the fewest requests a greedy pass allows under both limits: a request closes when
 * the next datum would break the datum count or the byte size of the uncompressed body. When only the count
 * binds this gives exactly ⌈datums / maxDatums⌉ requests. Deterministic: the same datums give the same requests.
 * Incremental (`add` then `finish`) so a large export can be packed in slices between event-loop turns.
 */
export class Packer {
  readonly batches: Batch[] = [];
  /** Datums that cannot fit a request even alone (impossible within CloudWatch's own per-datum limits). */
  readonly oversized: MetricDatum[] = [];
  private readonly base: number;
  private current: Batch;

  private lastName: string | undefined;
  private lastNameAscii = true;

  /** `onBatch` receives each request as soon as it is full, so sending can start while packing goes on. */
  constructor(
    namespace: string,
    private readonly limits: PackLimits,
    private readonly onBatch?: (batch: Batch) => void,
  ) {
    const { head, tail } = envelope(namespace);
    this.base = Buffer.byteLength(head) + Buffer.byteLength(tail);
    this.current = this.empty();
  }

  private empty(): Batch {
    return { datums: [], json: [], bytes: this.base };
  }

  add(d: MetricDatum): void {
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
      this.close(batch);
      batch = this.current = this.empty();
    }
    batch.bytes += (batch.datums.length > 0 ? 1 : 0) + size;
    batch.datums.push(d);
    batch.json.push(json);
  }

  private close(batch: Batch): void {
    this.batches.push(batch);
    this.onBatch?.(batch);
  }

  /** Closes the last request and returns them all. */
  finish(): Batch[] {
    if (this.current.datums.length > 0) this.close(this.current);
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
  const half = Math.ceil(batch.datums.length / 2);
  const part = (from: number, to: number): Batch => {
    const json = batch.json.slice(from, to);
    let bytes = base + Math.max(0, json.length - 1);
    for (const j of json) bytes += Buffer.byteLength(j);
    return { datums: batch.datums.slice(from, to), json, bytes };
  };
  return [part(0, half), part(half, batch.datums.length)];
}

/** The request body of a batch, exactly as the SDK would serialize it. */
export function batchBody(namespace: string, batch: Batch): string {
  const { head, tail } = envelope(namespace);
  return head + batch.json.join(',') + tail;
}

/** Size of the body around the datums. */
export function envelopeBytes(namespace: string): number {
  const { head, tail } = envelope(namespace);
  return Buffer.byteLength(head) + Buffer.byteLength(tail);
}
