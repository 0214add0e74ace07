import type { DataPoint, ExponentialHistogram, Histogram } from '@opentelemetry/sdk-metrics';
import { MAX_VALUES_PER_DATUM } from '../limits.js';
import { BucketList } from './BucketList.js';
import { STATE_FULL, type CumulativeToDelta, type StateFull } from './CumulativeToDelta.js';
import { explicitBuckets, exponentialBuckets } from './histogramBuckets.js';
import {
  dimensionsOf,
  dropStateFull,
  ms,
  storable,
  storableStats,
  streamKey,
  timestamp,
  type MetricFrame,
} from './MetricFrame.js';
import { TranslatedDatum } from './TranslatedDatum.js';
import { splitDistribution, toDistribution, type Distribution } from './toDistribution.js';

/*
 * Histogram points (explicit-bucket and exponential) to datums: Values/Counts with exact statistics, split when
 * they exceed what one datum holds.
 */

/** What differs between the two kinds of histogram on their way to datums. */
interface HistogramKind<H extends Histogram | ExponentialHistogram> {
  delta: (
    deltas: CumulativeToDelta,
    key: string,
    start: number,
    end: number,
    h: H,
    now: number,
  ) => H | undefined | StateFull;
  buckets: (h: H, into: BucketList) => BucketList;
}

const EXPLICIT: HistogramKind<Histogram> = {
  delta: (deltas, ...args) => deltas.histogram(...args),
  buckets: explicitBuckets,
};

const EXPONENTIAL: HistogramKind<ExponentialHistogram> = {
  delta: (deltas, ...args) => deltas.exponential(...args),
  buckets: exponentialBuckets,
};

function histogramPoint<H extends Histogram | ExponentialHistogram>(
  kind: HistogramKind<H>,
  f: MetricFrame,
  p: DataPoint<H>,
  out: TranslatedDatum[],
): void {
  const h = f.cumulative
    ? kind.delta(f.ctx.deltas, streamKey(f, p.attributes), ms(p.startTime), ms(p.endTime), p.value, f.ctx.now)
    : p.value;
  if (h === STATE_FULL) return dropStateFull(f);
  pushHistogram(f, p, h, kind.buckets, f.cumulative, out);
}

export const explicitPoint = (f: MetricFrame, p: DataPoint<Histogram>, out: TranslatedDatum[]) =>
  histogramPoint(EXPLICIT, f, p, out);
export const exponentialPoint = (f: MetricFrame, p: DataPoint<ExponentialHistogram>, out: TranslatedDatum[]) =>
  histogramPoint(EXPONENTIAL, f, p, out);

// Translation is synchronous: one list serves every histogram point in turn.
const bucketScratch = new BucketList();

/** A histogram point (or its delta; undefined when it only set a baseline) → its datums. */
function pushHistogram<H extends { sum?: number; min?: number; max?: number; count: number }>(
  f: MetricFrame,
  p: DataPoint<unknown>,
  h: H | undefined,
  buckets: (h: H, into: BucketList) => BucketList,
  fromCumulative: boolean,
  out: TranslatedDatum[],
): void {
  // An empty histogram has nothing to publish; the SDK gives it min +∞ and max −∞, which are no values to report.
  // The point's own statistics were checked (pointProblem); a delta's are new.
  if (h === undefined || h.count === 0 || (fromCumulative && !storableStats(f, h))) return;
  // Deltas computed from cumulative points only know the lifetime extremes: they bound, but are not exact.
  const dist = toDistribution(
    buckets(h, bucketScratch),
    { count: h.count, sum: h.sum, min: h.min, max: h.max, exactMinMax: !fromCumulative },
    f.ctx.writesCbor === true,
  );
  if (dist?.unreachableSum) {
    f.ctx.drops.drop(f.name, 'invalid-histogram', 'its sum cannot come from its buckets and extremes');
    return;
  }
  if (dist) pushDistribution(f, p, dist, out);
}

function pushDistribution(f: MetricFrame, p: DataPoint<unknown>, dist: Distribution, out: TranslatedDatum[]): void {
  const s = f.scale;
  const scaled: Distribution =
    s === 1
      ? dist
      : {
          values: dist.values.map((v) => v * s),
          counts: dist.counts,
          sampleCount: dist.sampleCount,
          sum: dist.sum * s,
          min: dist.min * s,
          max: dist.max * s,
        };
  // The extremes bound every value, so checking them (and the sum) checks the whole point.
  if (!storable(f, scaled.min) || !storable(f, scaled.max) || !storable(f, scaled.sum)) return;
  const dims = dimensionsOf(f, p);
  const time = timestamp(f, p);
  for (const part of splitDistribution(scaled, f.ctx.maxValuesPerDatum ?? MAX_VALUES_PER_DATUM)) {
    out.push(
      new TranslatedDatum(
        f.name,
        dims.json,
        time,
        f.unit,
        f.storageResolution,
        undefined,
        {
          statistics: { SampleCount: part.sampleCount, Sum: part.sum, Minimum: part.min, Maximum: part.max },
          values: part.values,
          counts: part.counts,
        },
        dims.cbor,
      ),
    );
  }
}
