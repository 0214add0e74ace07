import type { Entity, MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { Batch, PackLimits } from './Batch.js';
import { cborEnvelope, type CborFrame } from './cbor/cborEnvelope.js';
import { CborWriter } from './cbor/CborWriter.js';
import { writeDatumCbor } from './cbor/writeDatumCbor.js';
import type { Envelope } from './serializeDatum.js';

/**
 * Room beyond the byte limit: a datum is written before it is found not to fit. No datum CloudWatch takes comes
 * near it (150 Values and Counts, and 30 dimensions with names of 255 characters and values of 1,024: about
 * 43 KB). The writer grows if one ever does.
 */
const OVERFLOW_ROOM = 64 * 1024;

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
  /** The open request's body; made when its first datum comes. */
  private writer: CborWriter | undefined;
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
  }

  add(d: MetricDatum): void {
    const { maxDatums, maxBytes } = this.limits;
    if (this.starts.length >= maxDatums) this.emit();
    const w = (this.writer ??= this.newWriter());
    const from = w.at;
    writeDatumCbor(w, d);
    // The limits count the envelope too, with the head its list has once this datum is in.
    if (this.bytesWith(this.starts.length + 1, w.at) > maxBytes) {
      const datum = Buffer.from(w.buffer.subarray(from, w.at));
      w.at = from;
      if (this.bytesWith(1, this.frame.maxHeadBytes + datum.length) > maxBytes) {
        this.oversized.push(d);
        return;
      }
      this.emit();
      const next = (this.writer = this.newWriter());
      next.raw(datum);
      this.take(d, next.at - datum.length);
      return;
    }
    this.take(d, from);
  }

  /** The body's size with `count` datums written up to `end` of the writer (whose head room is maxHeadBytes). */
  private bytesWith(count: number, end: number): number {
    // The head room is the envelope's prefix and 3 bytes for the list's head, of which it takes 1 to 3.
    const listHead = count < 24 ? 1 : count < 0x100 ? 2 : 3;
    return end - 3 + listHead + this.frame.tail.length;
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

  /**
   * A writer with room for a whole request, so that it never grows (growing by doubling left a full body holding a
   * buffer twice its size). Allocated memory is only touched as it is written.
   */
  private newWriter(): CborWriter {
    const w = new CborWriter(this.limits.maxBytes + OVERFLOW_ROOM);
    // Room for the envelope's head, whatever the count (see emit).
    w.at = this.frame.maxHeadBytes;
    return w;
  }

  /** Hands the open request on, if it holds any datum, and opens the next. */
  private emit(): void {
    const count = this.starts.length;
    const w = this.writer;
    if (count === 0 || w === undefined) return;
    const { head, tail } = this.frame;
    w.raw(tail);
    // The head goes right before the first datum; the body starts where it does.
    const h = head(count);
    const from = this.frame.maxHeadBytes - h.length;
    h.copy(w.buffer, from);
    const filled = w.buffer.subarray(from, w.at);
    // A body that fills less than half its buffer (the last of an export, a small one) gets a buffer of its own:
    // a request kept for later must not hold a megabyte for a few datums.
    const body = filled.length < w.buffer.length / 2 ? Buffer.from(filled) : filled;
    const starts = this.starts;
    for (let i = 0; i < count; i++) starts[i]! -= from;
    const batch: Batch = { count, body, starts, bytes: body.length, oldest: this.oldest, envelope: this.envelope };
    if (this.keepDatums) batch.datums = this.datums;
    if (this.onBatch) this.onBatch(batch);
    else this.batches.push(batch);
    this.writer = undefined;
    this.starts = [];
    this.datums = [];
    this.oldest = Infinity;
  }
}
