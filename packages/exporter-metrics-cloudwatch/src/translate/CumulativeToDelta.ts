import type { ExponentialHistogram, Histogram } from '@opentelemetry/sdk-metrics';
import { DEFAULT_MAX_DELTA_STREAMS } from '../defaults.js';
import { downscale, type Buckets } from '../points/exponentialBucketMath.js';

type Kind =
  | { kind: 'sum'; value: number }
  | { kind: 'histogram'; value: Histogram }
  | { kind: 'exponential'; value: ExponentialHistogram };

/** A stream's state, linked into the recency list (least recently seen first). */
type Previous = Kind & Links;

interface Links {
  key: string;
  start: number;
  /** The `now` of the export that last saw it. */
  seen: number;
  older: Previous | undefined;
  newer: Previous | undefined;
}

/** One shape for every stream's state (object literals built by spreading were twice the size). */
class Stream implements Links {
  older: Previous | undefined = undefined;
  newer: Previous | undefined = undefined;
  constructor(
    readonly kind: Kind['kind'],
    public value: Kind['value'],
    readonly key: string,
    public start: number,
    public seen: number,
  ) {}
}

/**
 * What a delta method answers for a stream it could not admit because the state is full and whose point cannot be
 * published whole: the point is lost, and the caller should say so.
 */
export const STATE_FULL: unique symbol = Symbol('cumulative-state-full');
export type StateFull = typeof STATE_FULL;

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
 * - Full: at `maxStreams`, a new stream takes the place of the least recently seen one only if that one missed the
 *   previous export (it is idle: churned away, say). Live streams are never evicted: when more streams are live
 *   than fit, each would be evicted before its next point and every point would only set a baseline. So new
 *   streams are refused instead; a refused stream new since the previous export is still published whole (that
 *   is its delta), and any other point of it is answered {@link STATE_FULL}.
 *
 * Every operation is O(1): streams are kept in a linked list by recency, beside the map.
 */
export class CumulativeToDelta {
  private readonly streams = new Map<string, Previous>();
  /** Least and most recently seen. */
  private oldest: Previous | undefined;
  private newest: Previous | undefined;
  private previousExportEnd: number | undefined;
  private currentExportEnd: number | undefined;
  /** The `now` of the last export ended: a stream last seen before it is idle. */
  private lastExportNow = -Infinity;

  /**
   * @param ttlMillis forget a stream after this long without a point
   * @param maxStreams keep state for at most this many streams; past it, new streams are refused
   */
  constructor(
    private readonly ttlMillis: number,
    readonly maxStreams = DEFAULT_MAX_DELTA_STREAMS,
  ) {}

  /** Number of streams with state (for the self-report and memory tests). */
  get size(): number {
    return this.streams.size;
  }

  /** Records the collection time of a point; answers whether a stream starting at `start` is new since then. */
  private isNewStream(start: number, end: number): boolean {
    this.currentExportEnd = Math.max(this.currentExportEnd ?? end, end);
    return this.previousExportEnd === undefined || start >= this.previousExportEnd;
  }

  /**
   * The first point of a stream without state (or whose state was of another kind): kept as the baseline if there
   * is room, and published whole if the stream is new since the previous export.
   */
  private admit<T>(
    key: string,
    prev: Previous | undefined,
    kind: Kind,
    start: number,
    now: number,
    value: T,
    end: number,
  ): T | undefined | StateFull {
    const isNew = this.isNewStream(start, end);
    if (prev !== undefined) this.forget(prev);
    else if (this.streams.size >= this.maxStreams) {
      const idle = this.oldest;
      if (idle === undefined || idle.seen >= this.lastExportNow) return isNew ? value : STATE_FULL;
      this.forget(idle);
    }
    const state = new Stream(kind.kind, kind.value, key, start, now) as Previous;
    state.older = this.newest;
    if (this.newest) this.newest.newer = state;
    else this.oldest = state;
    this.newest = state;
    this.streams.set(key, state);
    return isNew ? value : undefined;
  }

  /** Marks a stream seen now: it moves to the recent end of the list. */
  private touch(s: Previous, start: number, now: number): void {
    s.start = start;
    s.seen = now;
    if (s === this.newest) return;
    // Unlink (it is not the newest, so it has a newer neighbour)…
    s.newer!.older = s.older;
    if (s.older) s.older.newer = s.newer;
    else this.oldest = s.newer;
    // …and append.
    s.older = this.newest;
    s.newer = undefined;
    this.newest!.newer = s;
    this.newest = s;
  }

  private forget(s: Previous): void {
    this.streams.delete(s.key);
    if (s.older) s.older.newer = s.newer;
    else this.oldest = s.newer;
    if (s.newer) s.newer.older = s.older;
    else this.newest = s.older;
    s.older = s.newer = undefined;
  }

  /** Delta of a monotonic cumulative sum; undefined when the point only sets a baseline. */
  sum(key: string, start: number, end: number, value: number, now: number): number | undefined | StateFull {
    const prev = this.streams.get(key);
    if (prev === undefined || prev.kind !== 'sum') {
      return this.admit(key, prev, { kind: 'sum', value }, start, now, value, end);
    }
    this.isNewStream(start, end);
    const delta = prev.start !== start || value < prev.value ? value : value - prev.value;
    this.touch(prev, start, now);
    prev.value = value;
    return delta;
  }

  /** Delta of a cumulative explicit-bucket histogram (min/max are the stream's lifetime ones). */
  histogram(key: string, start: number, end: number, value: Histogram, now: number): Histogram | undefined | StateFull {
    const prev = this.streams.get(key);
    if (prev === undefined || prev.kind !== 'histogram') {
      return this.admit(key, prev, { kind: 'histogram', value }, start, now, value, end);
    }
    this.isNewStream(start, end);
    const p = prev.value;
    const prevStart = prev.start;
    this.touch(prev, start, now);
    prev.value = value;
    const sameLayout =
      p.buckets.boundaries.length === value.buckets.boundaries.length &&
      p.buckets.boundaries.every((b, i) => b === value.buckets.boundaries[i]);
    if (prevStart !== start || !sameLayout || value.count < p.count) return value;
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
  ): ExponentialHistogram | undefined | StateFull {
    const prev = this.streams.get(key);
    if (prev === undefined || prev.kind !== 'exponential') {
      return this.admit(key, prev, { kind: 'exponential', value }, start, now, value, end);
    }
    this.isNewStream(start, end);
    const p = prev.value;
    const prevStart = prev.start;
    this.touch(prev, start, now);
    prev.value = value;
    if (prevStart !== start || value.count < p.count || value.scale > p.scale) return value;
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
    this.lastExportNow = now;
    const cutoff = now - this.ttlMillis;
    // Least recently seen first: stop at the first stream still fresh.
    while (this.oldest !== undefined && this.oldest.seen < cutoff) this.forget(this.oldest);
  }
}

/** current − previous, with previous first brought down to the current scale; undefined if a count went down. */
function subtractBuckets(cur: Buckets, previous: Buckets, shift: number): Buckets | undefined {
  const prev = downscale(previous, shift);
  const counts = cur.bucketCounts.slice();
  for (let k = 0; k < prev.bucketCounts.length; k++) {
    const c = prev.bucketCounts[k]!;
    if (c === 0) continue;
    const i = prev.offset + k - cur.offset;
    if (i < 0 || i >= counts.length) return undefined;
    const left = counts[i]! - c;
    if (left < 0) return undefined;
    counts[i] = left;
  }
  return { offset: cur.offset, bucketCounts: counts };
}
