import type { Dimension } from '@aws-sdk/client-cloudwatch';
import {
  AggregationTemporality,
  DataPointType,
  type DataPoint,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { MAX_METRIC_NAME_LENGTH } from '../limits.js';
import { combineHash, hashString } from '../stats/SeriesCounter.js';
import { describeThrown } from '../util/describeThrown.js';
import { STATE_FULL, type StateFull } from './CumulativeToDelta.js';
import { explicitPoint, exponentialPoint } from './histogramPoint.js';
import {
  dimensionsOf,
  dropStateFull,
  dropPoint,
  ms,
  storable,
  streamKey,
  timestamp,
  type MetricFrame,
  type PointTranslator,
  type TranslateContext,
} from './MetricFrame.js';
import { pointProblem } from '../points/pointProblem.js';
import { shorten } from '../points/toAscii.js';
import { toCloudWatchUnit } from './toCloudWatchUnit.js';
import { defaultDimensionCache, toResourceDimensions } from './toDimensions.js';
import { TranslatedDatum } from './TranslatedDatum.js';

export type { TranslateContext } from './MetricFrame.js';

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
    const type = metric.dataPointType;
    const translate = pointTranslator(type);
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
      dimensions: { json: '', cbor: undefined, truncated: false, hash: 0 },
    };
    name = f.name;
    f.nameHash = hashString(f.name);
    const series = ctx.series;
    const points: ReadonlyArray<DataPoint<unknown>> = metric.dataPoints;
    for (; done < points.length; done++) {
      // The body lives in its own function: this loop stays small, and a try around a call costs nothing.
      const before = out.length;
      try {
        const p = points[done]!;
        const problem = pointProblem(type, p, ctx.now);
        if (problem) dropPoint(f, problem);
        else translate(f, p, out);
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
function pointTranslator(type: DataPointType): PointTranslator | undefined {
  switch (type) {
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
  let value: number | undefined | StateFull = p.value;
  if (f.cumulative) {
    value = f.ctx.deltas.sum(streamKey(f, p.attributes), ms(p.startTime), ms(p.endTime), p.value, f.ctx.now);
    if (value === STATE_FULL) return dropStateFull(f);
  }
  if (value !== undefined) pushValue(f, p, value, out);
}

function gaugePoint(f: MetricFrame, p: DataPoint<number>, out: TranslatedDatum[]): void {
  pushValue(f, p, p.value, out);
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

function pushValue(f: MetricFrame, p: DataPoint<number>, raw: number, out: TranslatedDatum[]): void {
  const value = raw * f.scale;
  // The point's own value was checked (pointProblem); only a derived one (a delta, a converted unit) is new.
  if ((f.scale !== 1 || f.cumulative) && !storable(f, value)) return;
  const dims = dimensionsOf(f, p);
  out.push(
    new TranslatedDatum(f.name, dims.json, timestamp(f, p), f.unit, f.storageResolution, value, undefined, dims.cbor),
  );
}
