import type { Entity, MetricDatum } from '@aws-sdk/client-cloudwatch';
import { TranslatedDatum } from '../translate/TranslatedDatum.js';
import { writeBody, type Batch, type PackLimits } from './Batch.js';
import { BodyWriter } from './BodyWriter.js';
import { envelope, serializeDatum, type Envelope } from './serializeDatum.js';

/** Keep serializing whole requests at once while a full request is expected to use at most this share of the limit. */
const BULK_HEADROOM = 0.75;

/** The open request, filled one of two ways (see {@link Packer}). */
interface OpenRequest {
  /** How many datums it holds. */
  readonly count: number;
  /** Takes a datum; false when the request is full and must be closed first (the datum is then not taken). */
  add(d: MetricDatum): boolean;
  /** Closes the request, handing its batch on; answers the request to fill next. */
  close(): OpenRequest;
}

/**
 * Packs datums, in order, into the fewest requests a greedy pass allows under both limits: a request closes when
 * the next datum would break the datum count or the byte size of the uncompressed body. When only the count
 * binds this gives exactly ⌈datums / maxDatums⌉ requests. Deterministic: the same datums give the same requests.
 * Incremental (`add` then `finish`) so a large export can be packed in slices between event-loop turns.
 *
 * Sizes are always exact, and found the cheap way when possible. While full requests are expected to stay well
 * under the byte limit (small datums, such as counters), a {@link BulkRequest} collects a request's datums and
 * serializes them together when it closes, checking its size then; if that check fails, or when datums are large
 * (such as wide histograms), a {@link MeasuredRequest} serializes, measures and writes each datum into the body on
 * its own as it arrives, for the rest of the packing.
 */
export class Packer {
  /** The closed requests, kept only when no `onBatch` takes them (a large export should not hold every body). */
  readonly batches: Batch[] = [];
  /** Datums that cannot fit a request even alone (impossible within CloudWatch's own per-datum limits). */
  readonly oversized: MetricDatum[] = [];
  /** The size of the envelope alone, in bytes. */
  readonly base: number;
  readonly envelope: Envelope;
  readonly envelopeAscii: boolean;
  private current: OpenRequest;
  /** Bytes per datum seen so far (0 until the first datum is measured). */
  averageDatumBytes = 0;
  private lastName: string | undefined;
  private lastNameAscii = false;

  /**
   * `onBatch` receives each request as soon as it is full, so sending can start while packing goes on.
   * `keepDatums`: whether requests keep their datums (needed only to let the SDK serialize them itself).
   */
  constructor(
    namespace: string,
    readonly limits: PackLimits,
    private readonly onBatch?: (batch: Batch) => void,
    readonly keepDatums = true,
    entity?: Entity,
  ) {
    this.envelope = envelope(namespace, entity);
    const { head, tail } = this.envelope;
    // The limits count the entity's envelope too: 1,000 datums and 1 MB are per request, whatever carries them.
    this.base = Buffer.byteLength(head) + Buffer.byteLength(tail);
    this.envelopeAscii = this.base === head.length + tail.length;
    this.current = new BulkRequest(this);
  }

  add(d: MetricDatum): void {
    if (this.averageDatumBytes === 0) {
      // Nothing measured yet: the first datum tells whether whole requests are likely to fit.
      this.averageDatumBytes = Buffer.byteLength(serializeDatum(d));
      this.current = this.nextRequest();
    }
    if (!this.current.add(d)) {
      this.current = this.current.close();
      this.current.add(d);
    }
  }

  /** Closes the last request and returns the requests kept (all of them, when there is no `onBatch`). */
  finish(): Batch[] {
    // A bulk request found too large hands its datums to a measured one, which is then closed in turn.
    while (this.current.count > 0) this.current = this.current.close();
    this.current = this.nextRequest();
    return this.batches;
  }

  /** A request filled the cheap way while full requests are expected to fit well within the byte limit. */
  nextRequest(): OpenRequest {
    const { maxDatums, maxBytes } = this.limits;
    return this.averageDatumBytes * maxDatums > BULK_HEADROOM * (maxBytes - this.base)
      ? new MeasuredRequest(this)
      : new BulkRequest(this);
  }

  /**
   * Whether a datum's JSON is ASCII, known without reading it (measuring a wide histogram's UTF-8 length was a
   * tenth of its packing): translation makes everything ASCII but metric names, which datums in a row share.
   */
  isAscii(d: MetricDatum): boolean {
    if (!(d instanceof TranslatedDatum)) return false;
    if (d.MetricName !== this.lastName) {
      this.lastName = d.MetricName;
      this.lastNameAscii = Buffer.byteLength(d.MetricName) === d.MetricName.length;
    }
    return this.lastNameAscii;
  }

  emit(count: number, datums: MetricDatum[], body: Buffer, starts: number[], oldest: number): void {
    const batch: Batch = { count, body, starts, bytes: body.length, oldest, envelope: this.envelope };
    if (this.keepDatums) batch.datums = datums;
    if (this.onBatch) this.onBatch(batch);
    else this.batches.push(batch);
  }
}

/** A request whose datums are serialized together when it closes: the cheap way, for small datums. */
class BulkRequest implements OpenRequest {
  private readonly datums: MetricDatum[] = [];
  private oldest = Infinity;
  /** Whether every datum so far is known to serialize as ASCII (see Packer.isAscii): the body then needs no UTF-8 pass. */
  private ascii = true;

  constructor(private readonly packer: Packer) {}

  get count(): number {
    return this.datums.length;
  }

  add(d: MetricDatum): boolean {
    if (this.datums.length >= this.packer.limits.maxDatums) return false;
    this.datums.push(d);
    this.oldest = older(this.oldest, d);
    if (this.ascii) this.ascii = this.packer.isAscii(d);
    return true;
  }

  close(): OpenRequest {
    const p = this.packer;
    const { datums } = this;
    const { body, starts } = writeBody(p.envelope, datums.map(serializeDatum), this.ascii && p.envelopeAscii);
    const average = (body.length - p.base) / datums.length;
    if (body.length <= p.limits.maxBytes) {
      p.averageDatumBytes = average;
      p.emit(datums.length, datums, body, starts, this.oldest);
      return p.nextRequest();
    }
    // The datums were larger than expected: measure each, and stay measured for the rest of this packing.
    p.averageDatumBytes = Math.max(p.averageDatumBytes, average);
    const measured = new MeasuredRequest(p);
    for (const d of datums) measured.add(d);
    return measured;
  }
}

/** A request written one measured datum at a time: for large datums, or once a bulk request turned out too large. */
class MeasuredRequest implements OpenRequest {
  count = 0;
  private datums: MetricDatum[] = [];
  private bytes: number;
  private oldest = Infinity;
  private writer: BodyWriter | undefined;

  constructor(private readonly packer: Packer) {
    this.bytes = packer.base;
  }

  /** Always takes the datum: a full request is closed here, so that no datum is serialized twice. */
  add(d: MetricDatum): boolean {
    const p = this.packer;
    const json = serializeDatum(d);
    const size = p.isAscii(d) ? json.length : Buffer.byteLength(json);
    if (p.base + size > p.limits.maxBytes) {
      p.oversized.push(d);
      return true;
    }
    if (this.count >= p.limits.maxDatums || this.bytes + 1 + size > p.limits.maxBytes) this.emit();
    this.bytes += (this.count > 0 ? 1 : 0) + size;
    this.count++;
    this.oldest = older(this.oldest, d);
    // Written into the body: unless they are to be kept, a wide datum is garbage from here on.
    if (p.keepDatums) this.datums.push(d);
    (this.writer ??= new BodyWriter(p.envelope)).add(json, size);
    return true;
  }

  close(): OpenRequest {
    this.emit();
    return new MeasuredRequest(this.packer);
  }

  /** Hands the request on and starts the next one in place. */
  private emit(): void {
    if (this.writer !== undefined && this.count > 0) {
      this.packer.emit(this.count, this.datums, this.writer.finish(), this.writer.starts, this.oldest);
    }
    this.writer = undefined;
    this.count = 0;
    this.datums = [];
    this.bytes = this.packer.base;
    this.oldest = Infinity;
  }
}

/** The earlier of `oldest` and the datum's timestamp (datums of one metric share one Date: no allocation). */
function older(oldest: number, d: MetricDatum): number {
  const t = d.Timestamp?.getTime();
  return t !== undefined && t < oldest ? t : oldest;
}
