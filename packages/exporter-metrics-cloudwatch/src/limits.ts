/** CloudWatch PutMetricData limits, named once (see the PutMetricData API reference). */

/** Datums per request (MetricData and EntityMetricData together). */
export const MAX_DATUMS_PER_REQUEST = 1000;
/** Request body limit; kept for the uncompressed body since the docs do not say which one counts. */
export const MAX_REQUEST_BYTES = 1_000_000;
/** Values (and Counts) per datum. */
export const MAX_VALUES_PER_DATUM = 150;
export const MAX_DIMENSIONS = 30;
export const MAX_NAMESPACE_LENGTH = 255;
export const MAX_METRIC_NAME_LENGTH = 255;
export const MAX_DIMENSION_NAME_LENGTH = 255;
export const MAX_DIMENSION_VALUE_LENGTH = 1024;
/** Every number CloudWatch stores lies in [-2^360, 2^360]. */
export const MAX_ABS_VALUE = 2 ** 360;
/** Timestamps are accepted up to two weeks in the past and two hours in the future. */
export const MAX_PAST_MS = 14 * 24 * 3600_000;
export const MAX_FUTURE_MS = 2 * 3600_000;
/**
 * Margin kept inside the timestamp window: a point that is valid when translated must still be valid when a
 * retried request reaches CloudWatch minutes later.
 */
export const TIMESTAMP_MARGIN_MS = 10 * 60_000;

/** Embedded Metric Format limits (see the EMF specification in the CloudWatch user guide). */
/** Metric definitions per directive. */
export const MAX_EMF_METRICS = 100;
/** Values (and Counts) per metric member. */
export const MAX_EMF_VALUES = 100;
/**
 * Bytes per EMF document, its newline included. CloudWatch Logs takes events of 1 MB now, Lambda's log capture 256
 * KiB, but raw stdout lines longer than 64 KiB have been seen cut in two there: below 64 KiB a line is one event
 * everywhere, and a document of 100 metrics still has room for wide histograms.
 */
export const MAX_EMF_DOCUMENT_BYTES = 64 * 1024 - 1;

/**
 * CloudWatch's OTLP metrics endpoint (its documented limits, CloudWatch-OTLPEndpoint.html): data points per
 * request, summed across every resource, scope and metric; the request's 1 MB counts uncompressed, and is
 * `maxRequestBytes` here as for PutMetricData.
 */
export const MAX_OTLP_POINTS_PER_REQUEST = 1000;
/** Labels a point may carry there: its own attributes, its resource's and its scope's. */
export const MAX_OTLP_LABELS = 150;
/** A point's time: at most 14 days back (MAX_PAST_MS, as PutMetricData) and 10 minutes ahead. */
export const MAX_OTLP_FUTURE_MS = 10 * 60_000;
