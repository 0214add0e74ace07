import type {
  OtlpAttributes,
  OtlpBuckets,
  OtlpDataPoint,
  OtlpExponentialHistogramPoint,
  OtlpHistogramPoint,
  OtlpMetric,
  OtlpMetricType,
  OtlpMetricsRequest,
  OtlpNumberPoint,
  OtlpSummaryPoint,
  OtlpTemporality,
} from './OtlpMetricsRequest';

/**
 * One data point the OTLP endpoint stored, with what it belongs to: the read-back shape for tests and the demo.
 * Values are normalized as in OtlpMetricsRequest.ts (timestamps as decimal strings of nanoseconds, counts as
 * numbers). Only the fields of the metric's type are present.
 */
export interface OtlpPoint {
  metric: string;
  unit: string;
  type: OtlpMetricType;
  /** Sums and histograms (absent when AGGREGATION_TEMPORALITY_UNSPECIFIED). */
  temporality?: OtlpTemporality;
  /** Sums only. */
  monotonic?: boolean;
  resource: OtlpAttributes;
  /** The instrumentation scope's name. */
  scope: string;
  attributes: OtlpAttributes;
  startTimeUnixNano: string;
  timeUnixNano: string;
  /** Gauges and sums (absent when the point carries no value). */
  value?: number;
  /** Histograms, exponential histograms, summaries. */
  count?: number;
  sum?: number;
  min?: number;
  max?: number;
  /** Histograms. */
  bucketCounts?: number[];
  explicitBounds?: number[];
  /** Exponential histograms. */
  scale?: number;
  zeroCount?: number;
  positive?: OtlpBuckets;
  negative?: OtlpBuckets;
  /** Summaries. */
  quantileValues?: Array<{ quantile: number; value: number }>;
}

/** Every data point of a request, flattened, in request order. */
export function otlpPointsOf(request: OtlpMetricsRequest): OtlpPoint[] {
  const out: OtlpPoint[] = [];
  forEachPoint(request, (point) => void out.push(point));
  return out;
}

/**
 * The request without the points `why` refuses (a message for each): what the endpoint stores of a partial
 * success, with the number of points refused and their distinct messages.
 */
export function withoutRejectedPoints(
  request: OtlpMetricsRequest,
  /** `labels`: the point's attributes with its resource's and its scope's, as CloudWatch counts labels. */
  why: (point: OtlpPoint, metricName: string, labels: number) => string | undefined,
): { kept: OtlpMetricsRequest; rejected: number; messages: string[] } {
  let rejected = 0;
  const messages = new Set<string>();
  const kept: OtlpMetricsRequest = {
    resourceMetrics: request.resourceMetrics.map((rm) => ({
      ...rm,
      scopeMetrics: rm.scopeMetrics.map((sm) => ({
        ...sm,
        metrics: sm.metrics.map((metric) => {
          const points = (metric.points as OtlpDataPoint[]).filter((point) => {
            const labels =
              Object.keys(rm.resource.attributes).length +
              Object.keys(sm.scope.attributes).length +
              Object.keys(point.attributes).length;
            const message = why(toOtlpPoint(rm.resource.attributes, sm.scope.name, metric, point), metric.name, labels);
            if (message === undefined) return true;
            rejected++;
            messages.add(message);
            return false;
          });
          return { ...metric, points } as OtlpMetric;
        }),
      })),
    })),
  };
  return { kept, rejected, messages: [...messages] };
}

function forEachPoint(request: OtlpMetricsRequest, visit: (point: OtlpPoint) => void): void {
  for (const rm of request.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const metric of sm.metrics) {
        for (const point of metric.points as OtlpDataPoint[]) {
          visit(toOtlpPoint(rm.resource.attributes, sm.scope.name, metric, point));
        }
      }
    }
  }
}

function toOtlpPoint(resource: OtlpAttributes, scope: string, metric: OtlpMetric, point: OtlpDataPoint): OtlpPoint {
  const out: OtlpPoint = {
    metric: metric.name,
    unit: metric.unit,
    type: metric.type,
    resource,
    scope,
    attributes: point.attributes,
    startTimeUnixNano: point.startTimeUnixNano,
    timeUnixNano: point.timeUnixNano,
  };
  if ('temporality' in metric && metric.temporality) out.temporality = metric.temporality;
  if (metric.type === 'sum') out.monotonic = metric.monotonic;
  switch (metric.type) {
    case 'gauge':
    case 'sum': {
      const p = point as OtlpNumberPoint;
      if (p.value !== undefined) out.value = p.value;
      break;
    }
    case 'histogram': {
      const p = point as OtlpHistogramPoint;
      Object.assign(out, statistics(p), { bucketCounts: p.bucketCounts, explicitBounds: p.explicitBounds });
      break;
    }
    case 'exponentialHistogram': {
      const p = point as OtlpExponentialHistogramPoint;
      Object.assign(out, statistics(p), {
        scale: p.scale,
        zeroCount: p.zeroCount,
        positive: p.positive,
        negative: p.negative,
      });
      break;
    }
    case 'summary': {
      const p = point as OtlpSummaryPoint;
      Object.assign(out, { count: p.count, sum: p.sum, quantileValues: p.quantileValues });
      break;
    }
  }
  return out;
}

/** count, and sum, min and max when present. */
function statistics(p: OtlpHistogramPoint | OtlpExponentialHistogramPoint): Partial<OtlpPoint> {
  const out: Partial<OtlpPoint> = { count: p.count };
  if (p.sum !== undefined) out.sum = p.sum;
  if (p.min !== undefined) out.min = p.min;
  if (p.max !== undefined) out.max = p.max;
  return out;
}
