import type { Dimension, StandardUnit } from '@aws-sdk/client-cloudwatch';
import type { Attributes } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { DataPoint } from '@opentelemetry/sdk-metrics';
import { MAX_DIMENSIONS } from '../limits.js';
import type { DropReporter } from '../stats/DropReporter.js';
import type { SeriesCounter } from '../stats/SeriesCounter.js';
import { safeJsonStringify, type JsonStandIns } from '../util/safeJsonStringify.js';
import type { CumulativeToDelta } from './CumulativeToDelta.js';
import type { DimensionCache } from './DimensionCache.js';
import { numberProblem, statsProblem, type PointProblem } from '../points/pointProblem.js';
import { dimensionsInto, type DimensionsJson } from './toDimensions.js';
import type { TranslatedDatum } from './TranslatedDatum.js';

/*
 * What every point translator shares: the context of the export, the frame of the metric being translated, and
 * the checks and pieces each point needs (its window, its stream, its numbers, its time, its dimensions).
 */

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
  /** The most values one datum may carry (the delivery's); distributions with more are split. Default 150. */
  maxValuesPerDatum?: number;
  /** Counts the series this export publishes (each published point is one series of its metric), and since start. */
  series?: SeriesCounter;
  /**
   * The delivery writes CBOR: each datum's dimensions are written as CBOR instead of JSON (see
   * TranslatedDatum.dimensionsCbor), and histogram lists are made at their full size (see toDistribution).
   */
  writesCbor?: boolean;
}

/** Everything one metric's points share. */
export interface MetricFrame {
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
export type PointTranslator = (f: MetricFrame, p: DataPoint<unknown>, out: TranslatedDatum[]) => void;

export function dropStateFull(f: MetricFrame): void {
  f.ctx.drops.drop(
    f.name,
    'cumulative-state-full',
    `its stream is one too many to keep cumulative state for (${f.ctx.deltas.maxStreams} streams are kept)`,
  );
}

export const ms = hrTimeToMilliseconds;

// BigInts and cycles in attributes get stand-ins no ordinary value takes (a NUL is rare in an attribute value),
// so that the stream keys of distinct attribute sets stay distinct.
const KEY_STAND_INS: JsonStandIns = { bigint: (v) => `\u0000bigint:${v}`, circular: '\u0000circular' };

export function streamKey(f: MetricFrame, attributes: Attributes): string {
  const entries = Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return f.streamPrefix + safeJsonStringify(entries, KEY_STAND_INS);
}

/** Drops the point being translated for what is wrong with it. */
export function dropPoint(f: MetricFrame, problem: PointProblem): void {
  f.ctx.drops.drop(f.name, problem.reason, problem.why);
}

/** Checks a number translation derived (a delta, a converted unit) that CloudWatch must store; drops the point if not. */
export function storable(f: MetricFrame, v: number): boolean {
  const problem = numberProblem(v);
  if (problem) dropPoint(f, problem);
  return problem === undefined;
}

/** {@link storable} for a derived histogram's sum, min and max. */
export function storableStats(f: MetricFrame, h: { count: number; sum?: number; min?: number; max?: number }): boolean {
  const problem = statsProblem(h);
  if (problem) dropPoint(f, problem);
  return problem === undefined;
}

/** The points of one metric usually share their end time: they share one Date too. */
export function timestamp(f: MetricFrame, p: DataPoint<unknown>): Date {
  const t = ms(p.endTime);
  if (f.lastTimestamp?.getTime() !== t) f.lastTimestamp = new Date(t);
  return f.lastTimestamp;
}

export function dimensionsOf(f: MetricFrame, p: DataPoint<unknown>): DimensionsJson {
  const dims = dimensionsInto(
    f.resourceDimensions,
    p.attributes,
    MAX_DIMENSIONS,
    f.dimensionCache,
    f.dimensions,
    f.ctx.writesCbor === true,
  );
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
