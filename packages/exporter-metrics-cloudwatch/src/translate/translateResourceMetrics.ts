import type { Dimension, StandardUnit } from '@aws-sdk/client-cloudwatch';
import type { Attributes } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import {
  AggregationTemporality,
  DataPointType,
  type DataPoint,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  MAX_ABS_VALUE,
  MAX_FUTURE_MS,
  MAX_METRIC_NAME_LENGTH,
  MAX_PAST_MS,
  MAX_VALUES_PER_DATUM,
  TIMESTAMP_MARGIN_MS,
} from '../limits.js';
import type { CumulativeToDelta } from './CumulativeToDelta.js';
import type { DropReporter } from './DropReporter.js';
import { explicitBuckets, exponentialBuckets } from './histogramBuckets.js';
import { shorten } from './toAscii.js';
import { toCloudWatchUnit } from './toCloudWatchUnit.js';
import { toDimensionsJson, toResourceDimensions, type DimensionsJson } from './toDimensions.js';
import { TranslatedDatum } from './TranslatedDatum.js';
import { BucketList } from './BucketList.js';
import { splitDistribution, toDistribution, type Distribution } from './toDistribution.js';

/** What translation needs besides the data: settings and the state that outlives one export. */
export interface TranslateContext {
  storageResolution: 1 | 60;
  resourceDimensions: readonly string[];
  deltas: CumulativeToDelta;
  drops: DropReporter;
  /** Wall clock of this export (epoch ms), for the timestamp window and state eviction. */
  now: number;
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
  lastTimestamp?: Date;
}

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
 * does this for every metric, the exporter does it slice by slice to give the event loop a turn.
 */
export function translateMetric(
  metric: MetricData,
  scopeKey: string,
  resourceDimensions: readonly Dimension[],
  ctx: TranslateContext,
  out: TranslatedDatum[],
): void {
  const rawName = metric.descriptor.name;
  if (!/\S/.test(rawName)) {
    ctx.drops.drop(rawName, 'invalid-metric-name', 'the metric name is empty', metric.dataPoints.length);
    return;
  }
  const { unit, scale } = toCloudWatchUnit(metric.descriptor.unit);
  const f: MetricFrame = {
    name: shorten(rawName, MAX_METRIC_NAME_LENGTH),
    unit,
    scale,
    streamPrefix: `${scopeKey}\u0000${rawName}\u0000`,
    resourceDimensions,
    storageResolution: ctx.storageResolution === 1 ? 1 : undefined,
    ctx,
  };
  const cumulative = metric.aggregationTemporality === AggregationTemporality.CUMULATIVE;
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      for (const p of metric.dataPoints) {
        if (!inWindow(f, p)) continue;
        let value: number | undefined = p.value;
        if (metric.isMonotonic && cumulative) {
          value = ctx.deltas.sum(streamKey(f, p.attributes), ...times(p), p.value, ctx.now);
        }
        if (value !== undefined) pushValue(f, p, value, out);
      }
      return;
    case DataPointType.GAUGE:
      for (const p of metric.dataPoints) if (inWindow(f, p)) pushValue(f, p, p.value, out);
      return;
    case DataPointType.HISTOGRAM:
      for (const p of metric.dataPoints) {
        if (!inWindow(f, p)) continue;
        const h = cumulative
          ? ctx.deltas.histogram(streamKey(f, p.attributes), ...times(p), p.value, ctx.now)
          : p.value;
        pushHistogram(f, p, h, explicitBuckets, cumulative, out);
      }
      return;
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      for (const p of metric.dataPoints) {
        if (!inWindow(f, p)) continue;
        const h = cumulative
          ? ctx.deltas.exponential(streamKey(f, p.attributes), ...times(p), p.value, ctx.now)
          : p.value;
        pushHistogram(f, p, h, exponentialBuckets, cumulative, out);
      }
      return;
  }
}

const ms = hrTimeToMilliseconds;
const times = (p: DataPoint<unknown>): [number, number] => [ms(p.startTime), ms(p.endTime)];

function streamKey(f: MetricFrame, attributes: Attributes): string {
  return f.streamPrefix + JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function inWindow(f: MetricFrame, p: DataPoint<unknown>): boolean {
  const t = ms(p.endTime);
  const now = f.ctx.now;
  if (t >= now - MAX_PAST_MS + TIMESTAMP_MARGIN_MS && t <= now + MAX_FUTURE_MS - TIMESTAMP_MARGIN_MS) return true;
  f.ctx.drops.drop(
    f.name,
    'timestamp-out-of-range',
    `its time ${new Date(t).toISOString()} is outside CloudWatch's window (2 weeks back, 2 hours ahead)`,
  );
  return false;
}

/** Checks a number CloudWatch must store; drops the point (and says why) when it cannot. */
function storable(f: MetricFrame, v: number): boolean {
  if (!Number.isFinite(v)) {
    f.ctx.drops.drop(f.name, 'non-finite-value', `the value ${v} is not a finite number`);
    return false;
  }
  if (Math.abs(v) > MAX_ABS_VALUE) {
    f.ctx.drops.drop(f.name, 'value-out-of-range', `the value ${v} is outside [-2^360, 2^360]`);
    return false;
  }
  return true;
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
  const dims = toDimensionsJson(f.resourceDimensions, p.attributes);
  if (dims.truncated) {
    f.ctx.drops.warnOnce(
      f.name,
      'dimensions',
      `CloudWatchMetricExporter: metric "${f.name}" has more than 30 dimensions; ` +
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
  if (h === undefined || !storableStats(f, h)) return;
  // Deltas computed from cumulative points only know the lifetime extremes: they bound, but are not exact.
  const dist = toDistribution(buckets(h, bucketScratch), {
    count: h.count,
    sum: h.sum,
    min: h.min,
    max: h.max,
    exactMinMax: !fromCumulative,
  });
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
