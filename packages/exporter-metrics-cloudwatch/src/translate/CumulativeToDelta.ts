import type { ExponentialHistogram, Histogram } from '@opentelemetry/sdk-metrics';

type Previous =
  | { kind: 'sum'; start: number; value: number; seen: number }
  | { kind: 'histogram'; start: number; value: Histogram; seen: number }
  | { kind: 'exponential'; start: number; value: ExponentialHistogram; seen: number };

/**
 * Turns cumulative streams into deltas, which is what CloudWatch adds up. One entry per stream (metric +
 * attribute set), evicted after `ttlMillis` without a point so memory stays bounded.
 *
 * - First point of a stream: if the stream started after the previous export (or this is the exporter's first
 *   export), everything it counted is new, and its whole value is the delta. Otherwise the stream existed before
 *   we kept state for it (its state was evicted, or it was never seen) and the point only sets the baseline:
 *   publishing it would count its past twice.
 * - Reset: a changed start time, or a value (a count, any bucket) that went down. The new cumulative value is
 *   then the delta since the restart.
 */
export class CumulativeToDelta {
  // Map order is recency order: every update deletes and re-inserts its key, so the oldest come first.
  private readonly streams = new Map<string, Previous>();
  private previousExportEnd: number | undefined;
  private currentExportEnd: number | undefined;

  /**
   * @param ttlMillis forget a stream after this long without a point
   * @param maxStreams forget the least recently updated streams beyond this many, whatever their age
   */
  constructor(
    private readonly ttlMillis: number,
    private readonly maxStreams = 100_000,
  ) {}

  private remember(key: string, state: Previous): void {
    this.streams.delete(key);
    this.streams.set(key, state);
    if (this.streams.size > this.maxStreams) this.streams.delete(this.streams.keys().next().value!);
  }

  /** Number of streams with state (for the self-report and memory tests). */
  get size(): number {
    return this.streams.size;
  }

  /** Records the collection time of a point; answers whether a stream starting at `start` is new since then. */
  private isNewStream(start: number, end: number): boolean {
    this.currentExportEnd = Math.max(this.currentExportEnd ?? end, end);
    return this.previousExportEnd === undefined || start >= this.previousExportEnd;
  }

  /** Delta of a monotonic cumulative sum, or undefined when the point only sets a baseline. */
  sum(key: string, start: number, end: number, value: number, now: number): number | undefined {
    const prev = this.streams.get(key);
    this.remember(key, { kind: 'sum', start, value, seen: now });
    if (prev === undefined || prev.kind !== 'sum') return this.isNewStream(start, end) ? value : undefined;
    this.isNewStream(start, end);
    if (prev.start !== start || value < prev.value) return value;
    return value - prev.value;
  }

  /** Delta of a cumulative explicit-bucket histogram (min/max are the stream's lifetime ones). */
  histogram(key: string, start: number, end: number, value: Histogram, now: number): Histogram | undefined {
    const prev = this.streams.get(key);
    this.remember(key, { kind: 'histogram', start, value, seen: now });
    if (prev === undefined || prev.kind !== 'histogram') return this.isNewStream(start, end) ? value : undefined;
    this.isNewStream(start, end);
    const p = prev.value;
    const sameLayout =
      p.buckets.boundaries.length === value.buckets.boundaries.length &&
      p.buckets.boundaries.every((b, i) => b === value.buckets.boundaries[i]);
    if (prev.start !== start || !sameLayout || value.count < p.count) return value;
    const counts = value.buckets.counts.map((c, i) => c - (p.buckets.counts[i] ?? 0));
    if (counts.some((c) => c < 0)) return value;
    return {
      buckets: { boundaries: value.buckets.boundaries, counts },
      count: value.count - p.count,
      sum: value.sum !== undefined && p.sum !== undefined ? value.sum - p.sum : undefined,
      min: value.min,
      max: value.max,
    };
  }

  /** Delta of a cumulative exponential histogram; the previous point is downscaled when the scale dropped. */
  exponential(
    key: string,
    start: number,
    end: number,
    value: ExponentialHistogram,
    now: number,
  ): ExponentialHistogram | undefined {
    const prev = this.streams.get(key);
    this.remember(key, { kind: 'exponential', start, value, seen: now });
    if (prev === undefined || prev.kind !== 'exponential') return this.isNewStream(start, end) ? value : undefined;
    this.isNewStream(start, end);
    const p = prev.value;
    if (prev.start !== start || value.count < p.count || value.scale > p.scale) return value;
    const shift = p.scale - value.scale;
    const positive = subtractBuckets(value.positive, p.positive, shift);
    const negative = subtractBuckets(value.negative, p.negative, shift);
    const zeroCount = value.zeroCount - p.zeroCount;
    if (!positive || !negative || zeroCount < 0) return value;
    return {
      count: value.count - p.count,
      sum: value.sum !== undefined && p.sum !== undefined ? value.sum - p.sum : undefined,
      scale: value.scale,
      zeroCount,
      positive,
      negative,
      min: value.min,
      max: value.max,
    };
  }

  /** Ends an export: remembers when it collected, and forgets streams idle for longer than the TTL. */
  endExport(now: number): void {
    if (this.currentExportEnd !== undefined) this.previousExportEnd = this.currentExportEnd;
    else if (this.previousExportEnd === undefined) this.previousExportEnd = now;
    this.currentExportEnd = undefined;
    const oldest = now - this.ttlMillis;
    // Oldest first: stop at the first stream still fresh.
    for (const [key, s] of this.streams) {
      if (s.seen >= oldest) break;
      this.streams.delete(key);
    }
  }
}

type Buckets = ExponentialHistogram['positive'];

/** current − previous, with previous first brought down to the current scale; undefined if a count went down. */
function subtractBuckets(cur: Buckets, prev: Buckets, shift: number): Buckets | undefined {
  const counts = cur.bucketCounts.slice();
  for (let k = 0; k < prev.bucketCounts.length; k++) {
    const c = prev.bucketCounts[k]!;
    if (c === 0) continue;
    // Downscaling by `shift` merges 2^shift neighbouring buckets: index i becomes i >> shift.
    const i = ((prev.offset + k) >> shift) - cur.offset;
    if (i < 0 || i >= counts.length) return undefined;
    const left = counts[i]! - c;
    if (left < 0) return undefined;
    counts[i] = left;
  }
  return { offset: cur.offset, bucketCounts: counts };
}
