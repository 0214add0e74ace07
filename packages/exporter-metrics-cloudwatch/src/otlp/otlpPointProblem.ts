import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { DataPoint, DataPointType } from '@opentelemetry/sdk-metrics';
import { MAX_OTLP_FUTURE_MS, MAX_OTLP_LABELS } from '../limits.js';
import { valueProblem, type PointProblem } from '../points/pointProblem.js';
import { inTimestampWindow } from '../points/storable.js';

/** Kept inside the endpoint's 10 minutes ahead: a clock a little ahead of CloudWatch's must not cost the point. */
const FUTURE_MARGIN_MS = 60_000;

/**
 * What keeps CloudWatch's OTLP endpoint from taking a point, or undefined: a time outside its window (which makes
 * it refuse the whole request), more labels than it takes, or a value this exporter drops on every path (not
 * finite, an inconsistent histogram). `inherited`: the labels the point's resource and scope give it. Checked
 * before serializing, so that one bad point costs only itself. May throw on a point that cannot be read.
 */
export function otlpPointProblem(
  type: DataPointType,
  p: DataPoint<unknown>,
  inherited: number,
  now: number,
): PointProblem | undefined {
  if (!inTimestampWindow(hrTimeToMilliseconds(p.endTime), now, MAX_OTLP_FUTURE_MS - FUTURE_MARGIN_MS)) {
    return {
      reason: 'timestamp-out-of-range',
      why: "its time is outside the OTLP endpoint's window (14 days back, 10 minutes ahead)",
    };
  }
  const labels = Object.keys(p.attributes).length + inherited;
  if (labels > MAX_OTLP_LABELS) {
    return {
      reason: 'rejected-by-cloudwatch',
      why: `it has ${labels} labels with its resource's and scope's; the OTLP endpoint takes ${MAX_OTLP_LABELS}`,
    };
  }
  return valueProblem(type, p.value);
}
