import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { DataPointType, type DataPoint, type ExponentialHistogram, type Histogram } from '@opentelemetry/sdk-metrics';
import type { DropReason } from '../stats/DropReporter.js';
import { inTimestampWindow, isStorable } from './storable.js';
import { validateExponentialHistogram, validateHistogram } from './validateHistogram.js';

/** Why CloudWatch cannot store a point as received: the reason it is counted under, and the words for the warning. */
export interface PointProblem {
  reason: DropReason;
  why: string;
}

/**
 * What keeps a point, as received, from being stored by CloudWatch — outside the timestamp window, a number it
 * cannot store, an inconsistent histogram — or undefined when nothing does. The one place this is decided: roll-ups
 * merge only points without a problem, and translation drops the points with one. (Values translation derives
 * later — deltas, unit conversions — are checked where they are made.) May throw on a point that cannot be read.
 */
export function pointProblem(type: DataPointType, p: DataPoint<unknown>, now: number): PointProblem | undefined {
  return timeProblem(p, now) ?? valueProblem(type, p.value);
}

/** Whether a point's time is inside CloudWatch's window at `now` (epoch ms). */
export function timeProblem(p: DataPoint<unknown>, now: number): PointProblem | undefined {
  const t = hrTimeToMilliseconds(p.endTime);
  if (inTimestampWindow(t, now)) return undefined;
  return {
    reason: 'timestamp-out-of-range',
    why: `its time ${formatTime(t)} is outside CloudWatch's window (2 weeks back, 2 hours ahead)`,
  };
}

/** What is wrong with a point's value for its kind of point, if anything. */
export function valueProblem(type: DataPointType, value: unknown): PointProblem | undefined {
  switch (type) {
    case DataPointType.SUM:
    case DataPointType.GAUGE:
      return numberProblem(value as number);
    case DataPointType.HISTOGRAM:
      return histogramProblem(validateHistogram(value as Histogram), value as Histogram);
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      return histogramProblem(validateExponentialHistogram(value as ExponentialHistogram), value as Histogram);
    default:
      return { reason: 'malformed-point', why: `its kind of point (${String(type)}) is not one this exporter knows` };
  }
}

/** What keeps CloudWatch from storing a number: not finite, or outside [-2^360, 2^360]. */
export function numberProblem(v: number): PointProblem | undefined {
  if (isStorable(v)) return undefined;
  return Number.isFinite(v)
    ? { reason: 'value-out-of-range', why: `the value ${v} is outside [-2^360, 2^360]` }
    : { reason: 'non-finite-value', why: `the value ${v} is not a finite number` };
}

/**
 * A histogram that contradicts itself, or that recorded a NaN or an infinity, cannot be told truthfully: it is
 * dropped rather than hidden. An empty one (the SDK gives it min +∞ and max −∞) has nothing wrong to report.
 */
function histogramProblem(
  inconsistency: string | undefined,
  h: { count: number; sum?: number; min?: number; max?: number },
): PointProblem | undefined {
  if (inconsistency !== undefined) {
    return { reason: 'invalid-histogram', why: `the histogram is inconsistent: ${inconsistency}` };
  }
  return statsProblem(h);
}

/** What keeps CloudWatch from storing a histogram's sum, min or max (an empty one's extremes are not looked at). */
export function statsProblem(h: { count: number; sum?: number; min?: number; max?: number }): PointProblem | undefined {
  const problem = h.sum === undefined ? undefined : numberProblem(h.sum);
  if (problem || h.count === 0) return problem;
  return (
    (h.min === undefined ? undefined : numberProblem(h.min)) ?? (h.max === undefined ? undefined : numberProblem(h.max))
  );
}

// A Date holds ±8.64e15 ms; past that (or NaN) toISOString throws.
const MAX_DATE_MS = 8.64e15;

function formatTime(t: number): string {
  return Math.abs(t) <= MAX_DATE_MS ? new Date(t).toISOString() : `${t} ms since the epoch`;
}
