import type { CloudWatchClient, CloudWatchClientConfig } from '@aws-sdk/client-cloudwatch';
import type { AggregationSelector, AggregationTemporalitySelector } from '@opentelemetry/sdk-metrics';
import { MAX_NAMESPACE_LENGTH, MAX_REQUEST_BYTES } from './limits.js';
import { defaultAggregationSelector, defaultTemporalitySelector } from './selectors.js';

/** Options of {@link CloudWatchMetricExporter}. Every default is stated here and in the README. */
export interface CloudWatchMetricExporterOptions {
  /** CloudWatch namespace for every metric (required). 1–255 ASCII characters; `AWS/` is reserved. */
  namespace: string;
  /**
   * Configuration for the `CloudWatchClient` the exporter creates (region, endpoint, credentials, maxAttempts,
   * requestMinCompressionSizeBytes…). Ignored when `client` is given. Default: the SDK's own defaults, except
   * `requestMinCompressionSizeBytes`, see {@link DEFAULT_MIN_COMPRESSION_BYTES}.
   */
  clientConfig?: CloudWatchClientConfig;
  /** A client of your own. The exporter never destroys it; its compression settings are respected. */
  client?: CloudWatchClient;
  /** 1 for high-resolution (per-second) storage, 60 for standard. Default 60. */
  storageResolution?: 1 | 60;
  /** Resource attribute keys published as dimensions on every metric, in this order. Default: none. */
  resourceDimensions?: string[];
  /** Temporality per instrument kind. Default: {@link defaultTemporalitySelector}. */
  temporalitySelector?: AggregationTemporalitySelector;
  /** Aggregation per instrument kind. Default: {@link defaultAggregationSelector}. */
  aggregationSelector?: AggregationSelector;
  /**
   * How long the state kept to turn cumulative streams into deltas survives without a new point (ms).
   * Default 30 minutes.
   */
  deltaStateTtlMillis?: number;
  /** PutMetricData requests in flight at once during one export. Default 4. */
  concurrency?: number;
  /**
   * Largest uncompressed request body in bytes. Default 1,000,000 (CloudWatch's 1 MB, counted uncompressed
   * because AWS does not say which one counts). Range 65,536–1,048,576.
   */
  maxRequestBytes?: number;
  /**
   * Time one export may take, retries included, before its requests are aborted (ms). Default 30,000, the
   * reader's default `exportTimeoutMillis`: keep it no larger than the reader's.
   */
  timeoutMillis?: number;
}

/** Below this size a gzip of a PutMetricData body saves too little to pay for itself (see README). */
export const DEFAULT_MIN_COMPRESSION_BYTES = 1024;
/** Attempts per request for a client the exporter creates (the SDK's standard retry strategy). */
export const DEFAULT_MAX_ATTEMPTS = 4;
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_MAX_REQUEST_BYTES = MAX_REQUEST_BYTES;
export const MIN_REQUEST_BYTES = 65_536;
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Extra requests per export allowed to isolate datums CloudWatch refuses (about 2·log2(1000) per bad datum). */
export const ISOLATION_BUDGET = 64;
export const DEFAULT_STORAGE_RESOLUTION = 60;
export const DEFAULT_DELTA_STATE_TTL_MS = 30 * 60_000;

/** Options with every default applied and every rule checked. */
export interface ResolvedOptions {
  namespace: string;
  clientConfig: CloudWatchClientConfig;
  client: CloudWatchClient | undefined;
  storageResolution: 1 | 60;
  resourceDimensions: string[];
  temporalitySelector: AggregationTemporalitySelector;
  aggregationSelector: AggregationSelector;
  deltaStateTtlMillis: number;
  concurrency: number;
  maxRequestBytes: number;
  timeoutMillis: number;
}

const NON_PRINTABLE_ASCII = /[^\x20-\x7e]/;

/** Applies defaults and checks every option, throwing an Error that names the option and the rule. */
export function resolveOptions(options: CloudWatchMetricExporterOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('CloudWatchMetricExporter: options are required ({ namespace: "MyService" })');
  }
  const ns: unknown = options.namespace;
  if (typeof ns !== 'string' || ns.length < 1 || ns.length > MAX_NAMESPACE_LENGTH) {
    throw new RangeError(
      `CloudWatchMetricExporter: namespace must be a string of 1–${MAX_NAMESPACE_LENGTH} characters`,
    );
  }
  if (NON_PRINTABLE_ASCII.test(ns) || !/\S/.test(ns)) {
    throw new RangeError('CloudWatchMetricExporter: namespace must be printable ASCII with a non-space character');
  }
  if (ns.startsWith(':')) throw new RangeError('CloudWatchMetricExporter: namespace must not start with ":"');
  if (ns.startsWith('AWS/')) {
    throw new RangeError('CloudWatchMetricExporter: namespace "AWS/..." is reserved for AWS services');
  }
  const storageResolution = options.storageResolution ?? DEFAULT_STORAGE_RESOLUTION;
  if (storageResolution !== 1 && storageResolution !== 60) {
    throw new RangeError('CloudWatchMetricExporter: storageResolution must be 1 or 60');
  }
  const resourceDimensions = options.resourceDimensions ?? [];
  if (!Array.isArray(resourceDimensions) || resourceDimensions.some((k) => typeof k !== 'string' || k === '')) {
    throw new TypeError('CloudWatchMetricExporter: resourceDimensions must be an array of attribute keys');
  }
  const deltaStateTtlMillis = options.deltaStateTtlMillis ?? DEFAULT_DELTA_STATE_TTL_MS;
  if (!Number.isFinite(deltaStateTtlMillis) || deltaStateTtlMillis <= 0) {
    throw new RangeError('CloudWatchMetricExporter: deltaStateTtlMillis must be a positive number');
  }
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new RangeError('CloudWatchMetricExporter: concurrency must be an integer from 1 to 64');
  }
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  if (!Number.isInteger(maxRequestBytes) || maxRequestBytes < MIN_REQUEST_BYTES || maxRequestBytes > 1_048_576) {
    throw new RangeError(
      `CloudWatchMetricExporter: maxRequestBytes must be an integer from ${MIN_REQUEST_BYTES} to 1048576`,
    );
  }
  const timeoutMillis = options.timeoutMillis ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMillis) || timeoutMillis <= 0) {
    throw new RangeError('CloudWatchMetricExporter: timeoutMillis must be a positive number');
  }
  return {
    namespace: ns,
    clientConfig: {
      requestMinCompressionSizeBytes: DEFAULT_MIN_COMPRESSION_BYTES,
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
      ...options.clientConfig,
    },
    client: options.client,
    storageResolution,
    resourceDimensions: [...new Set(resourceDimensions)],
    temporalitySelector: options.temporalitySelector ?? defaultTemporalitySelector,
    aggregationSelector: options.aggregationSelector ?? defaultAggregationSelector,
    deltaStateTtlMillis,
    concurrency,
    maxRequestBytes,
    timeoutMillis,
  };
}
