/*
 * An OTLP ExportMetricsServiceRequest as the front door decoded it, the same whether it came as protobuf or as
 * OTLP/JSON. Normalized for tests to compare with plain values:
 *   - timestamps (`*UnixNano`) are decimal strings of nanoseconds since the epoch ('0' when unset): 64 bits do not
 *     fit a number, and strings survive JSON;
 *   - counts (fixed64/uint64) and `as_int` values are numbers (exact up to 2^53);
 *   - doubles are numbers (NaN and ±Infinity included);
 *   - attributes are plain objects: an AnyValue becomes a string, boolean, number (int or double), Uint8Array (bytes),
 *     array, object (kvlist) or null (no value set);
 *   - trace and span ids of exemplars are lower-case hex strings ('' when unset);
 *   - fields left unset take their proto3 defaults ('' , 0, false, []), except the optional ones marked `?`.
 */

/** An attribute's value (an OTLP AnyValue), decoded. */
export type OtlpValue = string | number | boolean | Uint8Array | null | OtlpValue[] | { [key: string]: OtlpValue };

/** A list of KeyValue as an object (keys are unique: the front door refuses a list that repeats one). */
export type OtlpAttributes = Record<string, OtlpValue>;

export interface OtlpMetricsRequest {
  resourceMetrics: OtlpResourceMetrics[];
}

export interface OtlpResourceMetrics {
  resource: { attributes: OtlpAttributes; droppedAttributesCount: number };
  schemaUrl: string;
  scopeMetrics: OtlpScopeMetrics[];
}

export interface OtlpScopeMetrics {
  scope: { name: string; version: string; attributes: OtlpAttributes; droppedAttributesCount: number };
  schemaUrl: string;
  metrics: OtlpMetric[];
}

/** The kind of a metric: which member of the `data` oneof it set. */
export type OtlpMetricType = 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';

/** AggregationTemporality; undefined for AGGREGATION_TEMPORALITY_UNSPECIFIED. */
export type OtlpTemporality = 'delta' | 'cumulative';

interface MetricBase {
  name: string;
  description: string;
  unit: string;
}

export type OtlpMetric =
  | (MetricBase & { type: 'gauge'; points: OtlpNumberPoint[] })
  | (MetricBase & {
      type: 'sum';
      temporality: OtlpTemporality | undefined;
      monotonic: boolean;
      points: OtlpNumberPoint[];
    })
  | (MetricBase & { type: 'histogram'; temporality: OtlpTemporality | undefined; points: OtlpHistogramPoint[] })
  | (MetricBase & {
      type: 'exponentialHistogram';
      temporality: OtlpTemporality | undefined;
      points: OtlpExponentialHistogramPoint[];
    })
  | (MetricBase & { type: 'summary'; points: OtlpSummaryPoint[] });

export type OtlpDataPoint = OtlpNumberPoint | OtlpHistogramPoint | OtlpExponentialHistogramPoint | OtlpSummaryPoint;

interface PointBase {
  attributes: OtlpAttributes;
  startTimeUnixNano: string;
  timeUnixNano: string;
  flags: number;
}

export interface OtlpExemplar {
  filteredAttributes: OtlpAttributes;
  timeUnixNano: string;
  value?: number;
  spanId: string;
  traceId: string;
}

export interface OtlpNumberPoint extends PointBase {
  /** as_double or as_int; undefined when neither is set. */
  value?: number;
  valueType?: 'double' | 'int';
  exemplars: OtlpExemplar[];
}

export interface OtlpHistogramPoint extends PointBase {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  bucketCounts: number[];
  explicitBounds: number[];
  exemplars: OtlpExemplar[];
}

export interface OtlpBuckets {
  offset: number;
  bucketCounts: number[];
}

export interface OtlpExponentialHistogramPoint extends PointBase {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive: OtlpBuckets;
  negative: OtlpBuckets;
  exemplars: OtlpExemplar[];
}

export interface OtlpSummaryPoint extends PointBase {
  count: number;
  sum: number;
  quantileValues: Array<{ quantile: number; value: number }>;
}
