import type { Entity, MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { Batch, PackLimits } from './Batch.js';
import { cborEnvelope, type CborFrame } from './cbor/cborEnvelope.js';
import { CborWriter } from './cbor/CborWriter.js';
import { writeDatumCbor } from './cbor/writeDatumCbor.js';
import type { Envelope } from './serializeDatum.js';

/** Room for the first body; later ones start at the size the last one reached. */
const INITIAL_CAPACITY = 64 * 1024;

/**
 * Packs datums, in order, into Smithy RPC v2 CBOR request bodies under both limits, as {@link Packer} does for JSON:
 * a request closes when the next datum would break the datum count or the byte size of the uncompressed body.
 * Each datum is written straight into its request's body as it comes and measured there (no text to measure
 * first); the rare one that does not fit is moved to the next request. Room for the list's head is kept at the
 * front of each body and filled once the count is known.
 */
export class CborPacker {
  /** The closed requests, kept only when no `onBatch` takes them. */
  readonly batches: Batch[] = [];
  /** Datums that cannot fit a request even alone. */
  readonly oversized: MetricDatum[] = [];
  readonly envelope: Envelope;
  private readonly frame: CborFrame;
  private writer: CborWriter;
  private starts: number[] = [];
  private datums: MetricDatum[] = [];
  private oldest = Infinity;

  constructor(
    namespace: string,
    readonly limits: PackLimits,
    private readonly onBatch?: (batch: Batch) => void,
    readonly keepDatums = true,
    entity?: Entity,
  ) {
    this.envelope = cborEnvelope(namespace, entity);
    this.frame = this.envelope.cbor!;
    this.writer = this.newWriter(INITIAL_CAPACITY);
  }

  add(d: MetricDatum): void {
    const { maxDatums, maxBytes } = this.limits;
    if (this.starts.length >= maxDatums) this.emit();
    const w = this.writer;
    const from = w.at;
    writeDatumCbor(w, d);
    // The limits count the envelope too (its head at the most it can take, a byte or two over at worst).
    if (w.at + this.frame.tail.length > maxBytes) {
      const datum = Buffer.from(w.buffer.subarray(from, w.at));
      w.at = from;
      if (this.frame.maxHeadBytes + datum.length + this.frame.tail.length > maxBytes) {
        this.oversized.push(d);
        return;
      }
      this.emit();
      this.writer.raw(datum);
      this.take(d, this.writer.at - datum.length);
      return;
    }
    this.take(d, from);
  }

  /** Closes the last request and returns the requests kept (all of them, when there is no `onBatch`). */
  finish(): Batch[] {
    this.emit();
    return this.batches;
  }

  private take(d: MetricDatum, at: number): void {
    this.starts.push(at);
    if (this.keepDatums) this.datums.push(d);
    const t = d.Timestamp?.getTime();
    if (t !== undefined && t < this.oldest) this.oldest = t;
  }

  private newWriter(capacity: number): CborWriter {
    const w = new CborWriter(capacity);
    // Room for the envelope's head, whatever the count (see emit).
    w.at = this.frame.maxHeadBytes;
    return w;
  }

  /** Hands the open request on, if it holds any datum, and opens the next. */
  private emit(): void {
    const count = this.starts.length;
    if (count === 0) return;
    const w = this.writer;
    const { head, tail } = this.frame;
    w.raw(tail);
    // The head goes right before the first datum; the body starts where it does.
    const h = head(count);
    const from = this.frame.maxHeadBytes - h.length;
    h.copy(w.buffer, from);
    const body = w.buffer.subarray(from, w.at);
    const starts = this.starts;
    for (let i = 0; i < count; i++) starts[i]! -= from;
    const batch: Batch = { count, body, starts, bytes: body.length, oldest: this.oldest, envelope: this.envelope };
    if (this.keepDatums) batch.datums = this.datums;
    if (this.onBatch) this.onBatch(batch);
    else this.batches.push(batch);
    this.writer = this.newWriter(Math.max(INITIAL_CAPACITY, w.at + 1024));
    this.starts = [];
    this.datums = [];
    this.oldest = Infinity;
  }
}
