import type { Attributes, HrTime } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  type DataPoint,
  type ExponentialHistogram,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { DEFAULT_EXPONENTIAL_MAX_SIZE } from '../defaults.js';
import { toDimensionValue } from '../points/dimensionText.js';
import { downscale, type Buckets } from '../points/exponentialBucketMath.js';
import { pointProblem } from '../points/pointProblem.js';

const earlier = (a: HrTime, b: HrTime): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
const addOptional = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? undefined : a + b;
const minOptional = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? undefined : Math.min(a, b);
const maxOptional = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? undefined : Math.max(a, b);

/**
 * Whether a metric's points can be merged exactly: a sum of deltas, a sum of levels (a cumulative non-monotonic
 * sum, whose streams all report every collection), a gauge, or delta histograms. Cumulative counters and
 * histograms would have to become deltas stream by stream first.
 */
export function canRollUp(metric: MetricData): boolean {
  const delta = metric.aggregationTemporality === AggregationTemporality.DELTA;
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      return delta || !metric.isMonotonic;
    case DataPointType.GAUGE:
      return true;
    default:
      return delta;
  }
}

/**
 * The points of a metric rolled up into dimension sets: for each set, each point that has every key of the set is
 * projected onto those keys, and the points that share a projection are merged — sums added, the gauge with the
 * latest time kept, histograms merged bucket by bucket (explicit ones with equal bounds; exponential ones brought
 * to their common scale) with count, sum, min and max exact. A point lacking a key of a set stays out of that set,
 * as the CloudWatch agent's roll-ups do: a series whose dimension is missing is not the same series. Call only
 * when {@link canRollUp}.
 */
export function rollUp(metric: MetricData, dimensionSets: readonly string[][], now: number): MetricData {
  const r = new RollUp(metric, dimensionSets, now);
  r.add(metric.dataPoints as ReadonlyArray<DataPoint<unknown>>);
  return r.result();
}

/**
 * {@link rollUp} a slice of points at a time, so that a caller can give the event loop a turn between slices of a
 * large metric.
 */
export class RollUp {
  private readonly sets: string[][];
  private readonly merged = new Map<string, DataPoint<unknown>>();
  private readonly unmergeable: Array<DataPoint<unknown>> = [];

  constructor(
    private readonly metric: MetricData,
    dimensionSets: readonly string[][],
    private readonly now: number,
  ) {
    this.sets = dimensionSets.map((set) => [...new Set(set)].sort());
  }

  add(points: ReadonlyArray<DataPoint<unknown>>): void {
    const type = this.metric.dataPointType;
    for (const p of points) {
      // A point CloudWatch would refuse, or that cannot be read, is not merged: it would spoil the whole series. It
      // goes on once, as it is, and translation drops and counts it like any other.
      let ids: Array<[string, Attributes]>;
      try {
        if (pointProblem(type, p, this.now) !== undefined) {
          this.unmergeable.push(p);
          continue;
        }
        ids = [];
        for (let s = 0; s < this.sets.length; s++) {
          const projected = project(p.attributes, this.sets[s]!);
          if (projected) ids.push([`${s}\u0000${projected.id}`, projected.attributes]);
        }
      } catch {
        this.unmergeable.push(p);
        continue;
      }
      for (const [id, attributes] of ids) {
        const seen = this.merged.get(id);
        if (seen === undefined) {
          this.merged.set(id, { ...p, attributes });
          continue;
        }
        const into = mergeInto(type, seen, p);
        if (into === undefined) this.unmergeable.push({ ...p, attributes });
        else this.merged.set(id, into);
      }
    }
  }

  /** The metric with its rolled-up points (and, after them, the points that were not merged). */
  result(): MetricData {
    return { ...this.metric, dataPoints: [...this.merged.values(), ...this.unmergeable] } as MetricData;
  }
}

/**
 * A point's attributes projected onto a set's keys, with the identity of the series they make: the dimension
 * values as CloudWatch will store them (so `200` and `"200"`, or `Montréal` and `Montreal`, are one series). Undefined
 * when the point lacks a key, or its value makes no dimension (empty, blank): then it is not of this set.
 */
function project(attributes: Attributes, keys: readonly string[]): { id: string; attributes: Attributes } | undefined {
  const projected: Attributes = {};
  const values: string[] = [];
  for (const k of keys) {
    const v = attributes[k];
    const stored = v === undefined || v === null ? undefined : toDimensionValue(v);
    if (stored === undefined) return undefined;
    projected[k] = v;
    values.push(stored);
  }
  return { id: JSON.stringify(values), attributes: projected };
}

/** Two points of one series merged, or undefined when they cannot be merged exactly (explicit bounds differ). */
function mergeInto(type: DataPointType, a: DataPoint<unknown>, b: DataPoint<unknown>): DataPoint<unknown> | undefined {
  const startTime = earlier(b.startTime, a.startTime) ? b.startTime : a.startTime;
  const endTime = earlier(a.endTime, b.endTime) ? b.endTime : a.endTime;
  switch (type) {
    case DataPointType.SUM:
      return { ...a, startTime, endTime, value: (a.value as number) + (b.value as number) };
    case DataPointType.GAUGE:
      return earlier(b.endTime, a.endTime) ? a : { ...b, attributes: a.attributes };
    case DataPointType.HISTOGRAM: {
      const value = mergeHistograms(a.value as Histogram, b.value as Histogram);
      return value && { ...a, startTime, endTime, value };
    }
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      return {
        ...a,
        startTime,
        endTime,
        value: mergeExponential(a.value as ExponentialHistogram, b.value as ExponentialHistogram),
      };
  }
}

export function mergeHistograms(a: Histogram, b: Histogram): Histogram | undefined {
  const ba = a.buckets.boundaries;
  const bb = b.buckets.boundaries;
  if (ba.length !== bb.length || ba.some((x, i) => x !== bb[i])) return undefined;
  return {
    buckets: { boundaries: ba, counts: a.buckets.counts.map((c, i) => c + (b.buckets.counts[i] ?? 0)) },
    count: a.count + b.count,
    sum: addOptional(a.sum, b.sum),
    min: minOptional(a.min, b.min),
    max: maxOptional(a.max, b.max),
  };
}

/** The most buckets a merged exponential histogram keeps per sign: the exporter's default aggregation's. */
export const MAX_MERGED_BUCKETS = DEFAULT_EXPONENTIAL_MAX_SIZE;
/** The lowest scale the data model has. */
const MIN_SCALE = -10;

export function mergeExponential(a: ExponentialHistogram, b: ExponentialHistogram): ExponentialHistogram {
  // The common scale, lowered further until both signs' buckets fit MAX_MERGED_BUCKETS, found from the index
  // ranges alone: nothing is allocated for the span between far-apart buckets.
  let scale = Math.min(a.scale, b.scale);
  while (
    scale > MIN_SCALE &&
    (span(a.positive, a.scale, b.positive, b.scale, scale) > MAX_MERGED_BUCKETS ||
      span(a.negative, a.scale, b.negative, b.scale, scale) > MAX_MERGED_BUCKETS)
  ) {
    scale--;
  }
  return {
    count: a.count + b.count,
    sum: addOptional(a.sum, b.sum),
    scale,
    zeroCount: a.zeroCount + b.zeroCount,
    positive: addBuckets(downscale(a.positive, a.scale - scale), downscale(b.positive, b.scale - scale)),
    negative: addBuckets(downscale(a.negative, a.scale - scale), downscale(b.negative, b.scale - scale)),
    min: minOptional(a.min, b.min),
    max: maxOptional(a.max, b.max),
  };
}

/** How many buckets two bucket ranges span together once brought to `scale`. */
function span(a: Buckets, aScale: number, b: Buckets, bScale: number, scale: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const [x, s] of [
    [a, aScale],
    [b, bScale],
  ] as const) {
    if (x.bucketCounts.length === 0) continue;
    const shift = s - scale;
    lo = Math.min(lo, x.offset >> shift);
    hi = Math.max(hi, (x.offset + x.bucketCounts.length - 1) >> shift);
  }
  return hi >= lo ? hi - lo + 1 : 0;
}

function addBuckets(a: Buckets, b: Buckets): Buckets {
  if (a.bucketCounts.length === 0) return b;
  if (b.bucketCounts.length === 0) return a;
  const offset = Math.min(a.offset, b.offset);
  const end = Math.max(a.offset + a.bucketCounts.length, b.offset + b.bucketCounts.length);
  const counts = new Array<number>(end - offset).fill(0);
  a.bucketCounts.forEach((c, k) => (counts[a.offset - offset + k]! += c));
  b.bucketCounts.forEach((c, k) => (counts[b.offset - offset + k]! += c));
  return { offset, bucketCounts: counts };
}
