import type { OtlpDataPoint, OtlpMetricsRequest } from './OtlpMetricsRequest';
import type { Violation } from './validatePutMetricData';

/*
 * The rules of CloudWatch's OTLP metrics endpoint, checked the way a real endpoint refuses a request: the whole
 * request, with 400 and a message naming the rule and where it was broken. Like the PutMetricData rules, the
 * numbers are written here rather than imported from the exporter under test.
 */

/**
 * CloudWatch's OTLP metrics endpoint limits, in one place, as its documentation's table gives them
 * (CloudWatch-OTLPEndpoint.html): each answered with 400, but labels (see otlpLabelProblem).
 */
export const OTLP_LIMITS = {
  /**
   * Labels a data point may carry: across its resource's, its scope's and its own attributes. A point with more
   * is rejected alone, as a partial success; a request whose points all have more is refused (400).
   */
  maxAttributesPerPoint: 150,
  /** A request body, uncompressed: 1 MB. */
  maxRequestBytes: 1024 * 1024,
  /** Data points a request may carry, summed across every resource, scope and metric. */
  maxPointsPerRequest: 1000,
  /** A point's time may be at most this far in the past (14 days)… */
  maxPastMs: 14 * 24 * 3600_000,
  /** …and at most this far in the future (10 minutes). */
  maxFutureMs: 10 * 60_000,
} as const;

/** The refusal of a body of `bytes` (decoded) bytes, if it is too large. */
export function otlpSizeViolation(bytes: number): Violation | undefined {
  if (bytes <= OTLP_LIMITS.maxRequestBytes) return undefined;
  return {
    status: 400,
    code: 'RequestEntityTooLarge',
    message: `The request body is ${bytes} bytes after decompression; the limit is ${OTLP_LIMITS.maxRequestBytes}.`,
  };
}

const invalid = (message: string): Violation => ({ status: 400, code: 'InvalidParameterValue', message });

/** The first rule a decoded request breaks, or undefined; `now` (epoch ms) places the timestamp window. */
export function validateOtlpMetrics(request: OtlpMetricsRequest, now: number = Date.now()): Violation | undefined {
  let points = 0;
  for (const rm of request.resourceMetrics) {
    for (const sm of rm.scopeMetrics) for (const metric of sm.metrics) points += metric.points.length;
  }
  if (points > OTLP_LIMITS.maxPointsPerRequest) {
    return invalid(`The request carries ${points} data points; the limit is ${OTLP_LIMITS.maxPointsPerRequest}.`);
  }
  const earliest = BigInt(now - OTLP_LIMITS.maxPastMs) * 1_000_000n;
  const latest = BigInt(now + OTLP_LIMITS.maxFutureMs) * 1_000_000n;
  for (const [r, rm] of request.resourceMetrics.entries()) {
    for (const [s, sm] of rm.scopeMetrics.entries()) {
      for (const [m, metric] of sm.metrics.entries()) {
        const at = `resourceMetrics[${r}].scopeMetrics[${s}].metrics[${m}]`;
        if (metric.name === '') {
          return { status: 400, code: 'MissingParameter', message: `${at}: the metric has no name.` };
        }
        const points: OtlpDataPoint[] = metric.points;
        for (const [p, point] of points.entries()) {
          const where = `${at} ("${metric.name}").${metric.type}.dataPoints[${p}]`;
          const time = BigInt(point.timeUnixNano);
          if (time < earliest || time > latest) {
            return invalid(`${where}: its time is outside the last 14 days and the next 10 minutes.`);
          }
          if ('explicitBounds' in point) {
            const buckets = point.bucketCounts.length;
            const bounds = point.explicitBounds.length;
            if (buckets !== 0 || bounds !== 0) {
              if (buckets !== bounds + 1) {
                return invalid(`${where}: ${buckets} bucketCounts for ${bounds} explicitBounds (must be bounds + 1).`);
              }
              const total = sum(point.bucketCounts);
              if (point.count !== total) {
                return invalid(`${where}: count is ${point.count} but the bucketCounts add up to ${total}.`);
              }
            }
          }
          if ('zeroCount' in point) {
            const total = point.zeroCount + sum(point.positive.bucketCounts) + sum(point.negative.bucketCounts);
            if (point.count !== total) {
              return invalid(
                `${where}: count is ${point.count} but zeroCount and the positive and negative bucketCounts add up to ${total}.`,
              );
            }
          }
        }
      }
    }
  }
  return undefined;
}

function sum(values: number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** Why the endpoint rejects a point of `labels` labels (its own attributes, its resource's and its scope's), if it does. */
export function otlpLabelProblem(labels: number): string | undefined {
  return labels > OTLP_LIMITS.maxAttributesPerPoint
    ? `${labels} labels with the resource's and the scope's; the limit is ${OTLP_LIMITS.maxAttributesPerPoint}`
    : undefined;
}
