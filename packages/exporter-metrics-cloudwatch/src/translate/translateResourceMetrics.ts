import type { Dimension, StandardUnit } from '@aws-sdk/client-cloudwatch';
import type { Attributes } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import {
  AggregationTemporality,
  DataPointType,
  type DataPoint,
  type ExponentialHistogram,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { MAX_DIMENSIONS, MAX_METRIC_NAME_LENGTH, MAX_VALUES_PER_DATUM } from '../limits.js';
import { STATE_FULL, type CumulativeToDelta, type StateFull } from './CumulativeToDelta.js';
import type { DimensionCache } from './DimensionCache.js';
import type { DropReporter } from '../stats/DropReporter.js';
import { explicitBuckets, exponentialBuckets } from './histogramBuckets.js';
import { safeJsonStringify, type JsonStandIns } from '../util/safeJsonStringify.js';
import { inTimestampWindow, isStorable } from './storable.js';
import { shorten } from './toAscii.js';
import { toCloudWatchUnit } from './toCloudWatchUnit.js';
import { describeThrown } from '../util/describeThrown.js';
import { defaultDimensionCache, dimensionsInto, toResourceDimensions, type DimensionsJson } from './toDimensions.js';
import { TranslatedDatum } from './TranslatedDatum.js';
import { BucketList } from './BucketList.js';
import { combineHash, hashString, type SeriesCounter } from '../stats/SeriesCounter.js';
import { splitDistribution, toDistribution, type Distribution } from './toDistribution.js';
import { validateExponentialHistogram, validateHistogram } from './validateHistogram.js';

/** What translation needs besides the data: settings and the state that outlives one export. */
export interface TranslateContext {
  storageResolution: 1 | 60;
  resourceDimensions: readonly string[];
  deltas: CumulativeToDelta;
  drops: DropReporter;
  /** Wall clock of this export (epoch ms), for the timestamp window and state eviction. */
  now: number;
  /** The exporter's own dimension cache; without one, a cache shared by the whole process. */
  dimensionCache?: DimensionCache;
  /** Counts the series this export publishes (each published point is one series of its metric), and since start. */
  series?: SeriesCounter;
}

/** Everything one metric's points share. */
interface MetricFrame {
  name: string;
  unit: StandardUnit;
  scale: number;
  streamPrefix: string;
  resourceDimensions: readonly Dimension[];
  /** 1 for high resolution; undefined (CloudWatch's default, 60) is left out of the datum. */
  storageResolution: 1 | undefined;
  ctx: TranslateContext;
  dimensionCache: DimensionCache;
  /** A monotonic cumulative sum, or a cumulative histogram: its points go through the delta state. */
  cumulative: boolean;
  lastTimestamp?: Date;
  /** The metric name's part of a series' identity hash. */
  nameHash: number;
  /** The dimensions of the point being translated (one object reused for each point: see dimensionsOf). */
  dimensions: DimensionsJson;
}

/** Translates one point of a metric, appending its datums; may throw on malformed input (the caller catches). */
type PointTranslator = (f: MetricFrame, p: DataPoint<unknown>, out: TranslatedDatum[]) => void;

/**
 * Translates one export's ResourceMetrics into CloudWatch datums. Points CloudWatch would refuse are dropped one
 * by one (counted and reported through the DropReporter); their neighbours go out.
 */
export function translateResourceMetrics(rm: ResourceMetrics, ctx: TranslateContext): TranslatedDatum[] {
  const resourceDimensions = toResourceDimensions(ctx.resourceDimensions, rm.resource.attributes);
  const out: TranslatedDatum[] = [];
  for (const sm of rm.scopeMetrics) {
    const scopeKey = scopeKeyOf(sm.scope);
    for (const metric of sm.metrics) translateMetric(metric, scopeKey, resourceDimensions, ctx, out);
  }
  return out;
}

/** Identifies an instrumentation scope in the keys of cumulative streams. */
export function scopeKeyOf(scope: { name: string; version?: string }): string {
  return `${scope.name}\u0000${scope.version ?? ''}`;
}

/**
 * Translates one metric (or a slice of its points) and appends the datums to `out`; `translateResourceMetrics`
 * does this for every metric, the exporter does it slice by slice to give the event loop a turn. Never throws: a
 * point that cannot be read is dropped alone, and a metric that cannot be read drops the points not yet translated.
 */
export function translateMetric(
  metric: MetricData,
  scopeKey: string,
  resourceDimensions: readonly Dimension[],
  ctx: TranslateContext,
  out: TranslatedDatum[],
): void {
  let done = 0;
  let name = '';
  try {
    const rawName = metric.descriptor.name;
    name = String(rawName);
    if (!/\S/.test(rawName)) {
      ctx.drops.drop(rawName, 'invalid-metric-name', 'the metric name is empty', metric.dataPoints.length);
      return;
    }
    const translate = pointTranslator(metric);
    if (translate === undefined) return;
    const { unit, scale } = toCloudWatchUnit(metric.descriptor.unit);
    const f: MetricFrame = {
      name: shorten(rawName, MAX_METRIC_NAME_LENGTH),
      unit,
      scale,
      streamPrefix: `${scopeKey}\u0000${rawName}\u0000`,
      resourceDimensions,
      storageResolution: ctx.storageResolution === 1 ? 1 : undefined,
      ctx,
      dimensionCache: ctx.dimensionCache ?? defaultDimensionCache,
      cumulative:
        metric.aggregationTemporality === AggregationTemporality.CUMULATIVE &&
        (metric.dataPointType !== DataPointType.SUM || metric.isMonotonic),
      nameHash: 0,
      dimensions: { json: '', truncated: false, hash: 0 },
    };
    name = f.name;
    f.nameHash = hashString(f.name);
    const series = ctx.series;
    const points: ReadonlyArray<DataPoint<unknown>> = metric.dataPoints;
    for (; done < points.length; done++) {
      // The body lives in its own function: this loop stays small, and a try around a call costs nothing.
      const before = out.length;
      try {
        translate(f, points[done]!, out);
        if (out.length > before && series) series.add(combineHash(f.nameHash, f.dimensions.hash));
      } catch (err) {
        out.length = before; // a point that failed halfway leaves none of its datums
        ctx.drops.drop(f.name, 'malformed-point', `it could not be read (${describeThrown(err)})`);
      }
    }
  } catch (err) {
    const left = pointsLeft(metric, done);
    if (left > 0)
      ctx.drops.drop(name, 'malformed-point', `the metric could not be read (${describeThrown(err)})`, left);
  }
}

/** The translator for a metric's kind of points; undefined for a kind this exporter does not know. */
function pointTranslator(metric: MetricData): PointTranslator | undefined {
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      return sumPoint as PointTranslator;
    case DataPointType.GAUGE:
      return gaugePoint as PointTranslator;
    case DataPointType.HISTOGRAM:
      return explicitPoint as PointTranslator;
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      return exponentialPoint as PointTranslator;
    default:
      return undefined;
  }
}

function sumPoint(f: MetricFrame, p: DataPoint<number>, out: TranslatedDatum[]): void {
  if (!inWindow(f, p)) return;
  let value: number | undefined | StateFull = p.value;
  if (f.cumulative) {
    value = f.ctx.deltas.sum(streamKey(f, p.attributes), ms(p.startTime), ms(p.endTime), p.value, f.ctx.now);
    if (value === STATE_FULL) return dropStateFull(f);
  }
  if (value !== undefined) pushValue(f, p, value, out);
}

function gaugePoint(f: MetricFrame, p: DataPoint<number>, out: TranslatedDatum[]): void {
  if (inWindow(f, p)) pushValue(f, p, p.value, out);
}

/** What differs between the two kinds of histogram on their way to datums. */
interface HistogramKind<H extends Histogram | ExponentialHistogram> {
  validate: (h: H) => string | undefined;
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
  validate: validateHistogram,
  delta: (deltas, ...args) => deltas.histogram(...args),
  buckets: explicitBuckets,
};

const EXPONENTIAL: HistogramKind<ExponentialHistogram> = {
  validate: validateExponentialHistogram,
  delta: (deltas, ...args) => deltas.exponential(...args),
  buckets: exponentialBuckets,
};

function histogramPoint<H extends Histogram | ExponentialHistogram>(
  kind: HistogramKind<H>,
  f: MetricFrame,
  p: DataPoint<H>,
  out: TranslatedDatum[],
): void {
  if (!inWindow(f, p) || !validHistogram(f, kind.validate(p.value))) return;
  const h = f.cumulative
    ? kind.delta(f.ctx.deltas, streamKey(f, p.attributes), ms(p.startTime), ms(p.endTime), p.value, f.ctx.now)
    : p.value;
  if (h === STATE_FULL) return dropStateFull(f);
  pushHistogram(f, p, h, kind.buckets, f.cumulative, out);
}

const explicitPoint = (f: MetricFrame, p: DataPoint<Histogram>, out: TranslatedDatum[]) =>
  histogramPoint(EXPLICIT, f, p, out);
const exponentialPoint = (f: MetricFrame, p: DataPoint<ExponentialHistogram>, out: TranslatedDatum[]) =>
  histogramPoint(EXPONENTIAL, f, p, out);

function validHistogram(f: MetricFrame, problem: string | undefined): boolean {
  if (problem === undefined) return true;
  f.ctx.drops.drop(f.name, 'invalid-histogram', `the histogram is inconsistent: ${problem}`);
  return false;
}

function dropStateFull(f: MetricFrame): void {
  f.ctx.drops.drop(
    f.name,
    'cumulative-state-full',
    `its stream is one too many to keep cumulative state for (${f.ctx.deltas.maxStreams} streams are kept)`,
  );
}

/** How many points of a metric that threw were not translated (0 when even that cannot be read). */
function pointsLeft(metric: MetricData, done: number): number {
  try {
    const n = metric.dataPoints.length;
    return typeof n === 'number' && n > done ? n - done : 0;
  } catch {
    return 0;
  }
}

const ms = hrTimeToMilliseconds;

// BigInts and cycles in attributes get stand-ins no ordinary value takes (a NUL is rare in an attribute value),
// so that the stream keys of distinct attribute sets stay distinct.
const KEY_STAND_INS: JsonStandIns = { bigint: (v) => `\u0000bigint:${v}`, circular: '\u0000circular' };

function streamKey(f: MetricFrame, attributes: Attributes): string {
  const entries = Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return f.streamPrefix + safeJsonStringify(entries, KEY_STAND_INS);
}

function inWindow(f: MetricFrame, p: DataPoint<unknown>): boolean {
  const t = ms(p.endTime);
  if (inTimestampWindow(t, f.ctx.now)) return true;
  f.ctx.drops.drop(
    f.name,
    'timestamp-out-of-range',
    `its time ${formatTime(t)} is outside CloudWatch's window (2 weeks back, 2 hours ahead)`,
  );
  return false;
}

// A Date holds ±8.64e15 ms; past that (or NaN) toISOString throws.
const MAX_DATE_MS = 8.64e15;

function formatTime(t: number): string {
  return Math.abs(t) <= MAX_DATE_MS ? new Date(t).toISOString() : `${t} ms since the epoch`;
}

/** Checks a number CloudWatch must store; drops the point (and says why) when it cannot. */
function storable(f: MetricFrame, v: number): boolean {
  if (isStorable(v)) return true;
  if (!Number.isFinite(v)) f.ctx.drops.drop(f.name, 'non-finite-value', `the value ${v} is not a finite number`);
  else f.ctx.drops.drop(f.name, 'value-out-of-range', `the value ${v} is outside [-2^360, 2^360]`);
  return false;
}

/** A histogram that recorded a NaN or an infinity cannot be told truthfully: drop it rather than hide it. */
function storableStats(f: MetricFrame, h: { sum?: number; min?: number; max?: number }): boolean {
  for (const v of [h.sum, h.min, h.max]) if (v !== undefined && !storable(f, v)) return false;
  return true;
}

/** The points of one metric usually share their end time: they share one Date too. */
function timestamp(f: MetricFrame, p: DataPoint<unknown>): Date {
  const t = ms(p.endTime);
  if (f.lastTimestamp?.getTime() !== t) f.lastTimestamp = new Date(t);
  return f.lastTimestamp;
}

function dimensionsOf(f: MetricFrame, p: DataPoint<unknown>): DimensionsJson {
  const dims = dimensionsInto(f.resourceDimensions, p.attributes, MAX_DIMENSIONS, f.dimensionCache, f.dimensions);
  if (dims.truncated) {
    f.ctx.drops.warnOnce(
      f.name,
      'dimensions',
      `metric "${f.name}" has more than 30 dimensions; ` +
        'kept the resource dimensions, then attribute keys in sorted order',
    );
  }
  return dims;
}

function pushValue(f: MetricFrame, p: DataPoint<number>, raw: number, out: TranslatedDatum[]): void {
  const value = raw * f.scale;
  if (!storable(f, value)) return;
  const dims = dimensionsOf(f, p);
  out.push(new TranslatedDatum(f.name, dims.json, timestamp(f, p), f.unit, f.storageResolution, value));
}

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
  if (h === undefined || h.count === 0 || !storableStats(f, h)) return;
  // Deltas computed from cumulative points only know the lifetime extremes: they bound, but are not exact.
  const dist = toDistribution(buckets(h, bucketScratch), {
    count: h.count,
    sum: h.sum,
    min: h.min,
    max: h.max,
    exactMinMax: !fromCumulative,
  });
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
  for (const part of splitDistribution(scaled, MAX_VALUES_PER_DATUM)) {
    out.push(
      new TranslatedDatum(f.name, dims.json, time, f.unit, f.storageResolution, undefined, {
        statistics: { SampleCount: part.sampleCount, Sum: part.sum, Minimum: part.min, Maximum: part.max },
        values: part.values,
        counts: part.counts,
      }),
    );
  }
}
