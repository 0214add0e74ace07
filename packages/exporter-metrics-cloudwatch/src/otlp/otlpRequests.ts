import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { MAX_OTLP_POINTS_PER_REQUEST } from '../limits.js';
import type { Batch } from '../pack/Batch.js';
import type { MetricsSerializer } from './metricsSerializer.js';

/** One scope's metrics, as a run collects them. */
export interface ScopeMetricList {
  scope: InstrumentationScope;
  metrics: MetricData[];
}

/** An OTLP request has no envelope to cut datums out of: its batches are never split by bytes. */
const NO_ENVELOPE = Object.freeze({ head: '', tail: '' });

/**
 * An export's metrics as OTLP/HTTP protobuf request bodies of at most `maxPoints` data points and `maxBytes`
 * (uncompressed) each, serialized by OpenTelemetry's own transformer. Points go in order, `maxPoints` to a request
 * (a metric's points may be split between two); a request still over `maxBytes` is cut in halves — between
 * metrics, or between the points of one metric — until each half fits. A single point larger than `maxBytes` goes
 * alone (the endpoint judges it). A batch's `count` is the number of data points it carries.
 */
export function otlpRequests(
  serializer: MetricsSerializer,
  resource: Resource,
  scopes: ScopeMetricList[],
  maxBytes: number,
  maxPoints: number = MAX_OTLP_POINTS_PER_REQUEST,
): Batch[] {
  const out: Batch[] = [];
  let chunk: Unit[] = [];
  let room = maxPoints;
  for (const { scope, metrics } of scopes) {
    for (const metric of metrics) {
      const points = metric.dataPoints;
      let from = 0;
      while (points.length - from > room) {
        chunk.push({ scope, metric: slice(metric, from, from + room) });
        from += room;
        cut(serializer, resource, chunk, maxBytes, out);
        chunk = [];
        room = maxPoints;
      }
      if (points.length > from) {
        chunk.push({ scope, metric: from === 0 ? metric : slice(metric, from, points.length) });
        room -= points.length - from;
      }
    }
  }
  if (chunk.length > 0) cut(serializer, resource, chunk, maxBytes, out);
  return out;
}

function slice(metric: MetricData, from: number, to: number): MetricData {
  return { ...metric, dataPoints: metric.dataPoints.slice(from, to) } as MetricData;
}

interface Unit {
  scope: InstrumentationScope;
  metric: MetricData;
}

function cut(serializer: MetricsSerializer, resource: Resource, units: Unit[], maxBytes: number, out: Batch[]): void {
  const body = serialize(serializer, resource, units);
  const points = units.reduce((n, u) => n + u.metric.dataPoints.length, 0);
  if (body.length <= maxBytes || points <= 1) {
    if (points > 0) out.push(batchOf(body, points, units));
    return;
  }
  if (units.length > 1) {
    const half = Math.ceil(units.length / 2);
    cut(serializer, resource, units.slice(0, half), maxBytes, out);
    cut(serializer, resource, units.slice(half), maxBytes, out);
    return;
  }
  const { scope, metric } = units[0]!;
  const half = Math.ceil(metric.dataPoints.length / 2);
  cut(serializer, resource, [{ scope, metric: slice(metric, 0, half) }], maxBytes, out);
  cut(serializer, resource, [{ scope, metric: slice(metric, half, metric.dataPoints.length) }], maxBytes, out);
}

/** The units grouped by scope again (consecutive units share their scope), as one ResourceMetrics. */
function serialize(serializer: MetricsSerializer, resource: Resource, units: Unit[]): Buffer {
  const scopeMetrics: ResourceMetrics['scopeMetrics'] = [];
  for (const { scope, metric } of units) {
    const last = scopeMetrics[scopeMetrics.length - 1];
    if (last !== undefined && last.scope === scope) last.metrics.push(metric);
    else scopeMetrics.push({ scope, metrics: [metric] });
  }
  const bytes = serializer.serializeRequest({ resource, scopeMetrics });
  if (bytes === undefined) throw new Error('the OpenTelemetry transformer could not serialize the export');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function batchOf(body: Buffer, points: number, units: Unit[]): Batch {
  let oldest = Infinity;
  for (const { metric } of units) {
    for (const p of metric.dataPoints) oldest = Math.min(oldest, p.endTime[0] * 1000 + p.endTime[1] / 1e6);
  }
  return { count: points, body, bytes: body.length, starts: [], envelope: NO_ENVELOPE, oldest };
}
