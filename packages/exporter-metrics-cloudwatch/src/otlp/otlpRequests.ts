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

/** A metric (or a slice of its points) with its scope: what a request is made of. */
export interface OtlpUnit {
  scope: InstrumentationScope;
  metric: MetricData;
}

/** An OTLP request has no envelope to cut datums out of: its batches are never split by bytes. */
const NO_ENVELOPE = Object.freeze({ head: '', tail: '' });

/**
 * An export's metrics as OTLP/HTTP protobuf request bodies of at most `maxPoints` data points and `maxBytes`
 * (uncompressed) each, serialized by OpenTelemetry's own transformer (see otlpChunks and otlpBatches). A batch's
 * `count` is the number of data points it carries.
 */
export function otlpRequests(
  serializer: MetricsSerializer,
  resource: Resource,
  scopes: ScopeMetricList[],
  maxBytes: number,
  onMalformed: (unit: OtlpUnit, err: unknown) => void = () => {},
  maxPoints: number = MAX_OTLP_POINTS_PER_REQUEST,
): Batch[] {
  return otlpChunks(scopes, maxPoints).flatMap((chunk) =>
    otlpBatches(serializer, resource, chunk, maxBytes, onMalformed),
  );
}

/** The points in order, `maxPoints` to a chunk: a metric's points may be split between two. */
export function otlpChunks(scopes: ScopeMetricList[], maxPoints: number = MAX_OTLP_POINTS_PER_REQUEST): OtlpUnit[][] {
  const chunks: OtlpUnit[][] = [];
  let chunk: OtlpUnit[] = [];
  let room = maxPoints;
  for (const { scope, metrics } of scopes) {
    for (const metric of metrics) {
      const points = metric.dataPoints;
      let from = 0;
      while (points.length - from > room) {
        chunk.push({ scope, metric: slice(metric, from, from + room) });
        from += room;
        chunks.push(chunk);
        chunk = [];
        room = maxPoints;
      }
      if (points.length > from) {
        chunk.push({ scope, metric: from === 0 ? metric : slice(metric, from, points.length) });
        room -= points.length - from;
      }
      if (room === 0) {
        chunks.push(chunk);
        chunk = [];
        room = maxPoints;
      }
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/**
 * One chunk as request bodies: one, serialized once, when it fits `maxBytes`; else cut in halves — between
 * metrics, or between the points of one metric — until each half fits. A single point larger than `maxBytes` goes
 * alone (the endpoint judges it). A metric the transformer cannot serialize (data it cannot read) is found the
 * same way, by halves, and left out (`onMalformed`): it costs only itself.
 */
export function otlpBatches(
  serializer: MetricsSerializer,
  resource: Resource,
  units: OtlpUnit[],
  maxBytes: number,
  onMalformed: (unit: OtlpUnit, err: unknown) => void,
): Batch[] {
  const out: Batch[] = [];
  cut(serializer, resource, units, maxBytes, out, onMalformed);
  return out;
}

function slice(metric: MetricData, from: number, to: number): MetricData {
  return { ...metric, dataPoints: metric.dataPoints.slice(from, to) } as MetricData;
}

function cut(
  serializer: MetricsSerializer,
  resource: Resource,
  units: OtlpUnit[],
  maxBytes: number,
  out: Batch[],
  onMalformed: (unit: OtlpUnit, err: unknown) => void,
): void {
  let body: Buffer | undefined;
  let failure: unknown;
  try {
    body = serialize(serializer, resource, units);
  } catch (err) {
    failure = err;
  }
  const points = units.reduce((n, u) => n + u.metric.dataPoints.length, 0);
  if (body !== undefined && (body.length <= maxBytes || points <= 1)) {
    if (points > 0) out.push(batchOf(body, points, units));
    return;
  }
  if (units.length > 1) {
    const half = Math.ceil(units.length / 2);
    cut(serializer, resource, units.slice(0, half), maxBytes, out, onMalformed);
    cut(serializer, resource, units.slice(half), maxBytes, out, onMalformed);
    return;
  }
  const { scope, metric } = units[0]!;
  // A metric alone that cannot be serialized is left out whole: its points are of one kind and one source.
  if (body === undefined) return onMalformed(units[0]!, failure);
  const half = Math.ceil(metric.dataPoints.length / 2);
  cut(serializer, resource, [{ scope, metric: slice(metric, 0, half) }], maxBytes, out, onMalformed);
  cut(
    serializer,
    resource,
    [{ scope, metric: slice(metric, half, metric.dataPoints.length) }],
    maxBytes,
    out,
    onMalformed,
  );
}

/** The units grouped by scope again (consecutive units share their scope), as one ResourceMetrics. */
function serialize(serializer: MetricsSerializer, resource: Resource, units: OtlpUnit[]): Buffer {
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

function batchOf(body: Buffer, points: number, units: OtlpUnit[]): Batch {
  let oldest = Infinity;
  for (const { metric } of units) {
    for (const p of metric.dataPoints) oldest = Math.min(oldest, p.endTime[0] * 1000 + p.endTime[1] / 1e6);
  }
  return { count: points, body, bytes: body.length, starts: [], envelope: NO_ENVELOPE, oldest };
}
