import type { Attributes, HrTime } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  type DataPoint,
  type ExponentialHistogram,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { safeJsonStringify } from './safeJsonStringify.js';

type Buckets = ExponentialHistogram['positive'];

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
export function rollUp(metric: MetricData, dimensionSets: readonly string[][]): MetricData {
  const sets = dimensionSets.map((set) => [...new Set(set)].sort());
  const merged = new Map<string, DataPoint<unknown>>();
  const unmergeable: Array<DataPoint<unknown>> = [];
  const points = metric.dataPoints as ReadonlyArray<DataPoint<unknown>>;
  for (let s = 0; s < sets.length; s++) {
    const keys = sets[s]!;
    for (const p of points) {
      const projected: Attributes = {};
      let complete = true;
      for (const k of keys) {
        const v = p.attributes[k];
        if (v === undefined || v === null) {
          complete = false;
          break;
        }
        projected[k] = v;
      }
      if (!complete) continue;
      const id = `${s}\u0000${safeJsonStringify(keys.map((k) => projected[k]))}`;
      const seen = merged.get(id);
      if (seen === undefined) {
        merged.set(id, { ...p, attributes: projected });
        continue;
      }
      const into = mergeInto(metric.dataPointType, seen, p);
      if (into === undefined) unmergeable.push({ ...p, attributes: projected });
      else merged.set(id, into);
    }
  }
  return { ...metric, dataPoints: [...merged.values(), ...unmergeable] } as MetricData;
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

export function mergeExponential(a: ExponentialHistogram, b: ExponentialHistogram): ExponentialHistogram {
  const scale = Math.min(a.scale, b.scale);
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

/** Buckets at a scale `shift` lower: 2^shift neighbours become one (index i becomes i >> shift). */
function downscale(b: Buckets, shift: number): Buckets {
  if (shift === 0 || b.bucketCounts.length === 0) return b;
  const offset = b.offset >> shift;
  const counts: number[] = [];
  for (let k = 0; k < b.bucketCounts.length; k++) {
    const i = ((b.offset + k) >> shift) - offset;
    counts[i] = (counts[i] ?? 0) + b.bucketCounts[k]!;
  }
  return { offset, bucketCounts: Array.from(counts, (c) => c ?? 0) };
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
