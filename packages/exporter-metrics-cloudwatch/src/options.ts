import type { CloudWatchClient, CloudWatchClientConfig, Entity } from '@aws-sdk/client-cloudwatch';
import type { Attributes } from '@opentelemetry/api';
import type { AggregationSelector, AggregationTemporalitySelector } from '@opentelemetry/sdk-metrics';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_DELTA_STATE_TTL_MS,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_MIN_COMPRESSION_BYTES,
  DEFAULT_RETRY,
  DEFAULT_RESEND_UNKNOWN_OUTCOME,
  DEFAULT_RETRY_BUFFER,
  DEFAULT_STORAGE_RESOLUTION,
  DEFAULT_TIMEOUT_MS,
  MAX_CONCURRENCY,
  MAX_REQUEST_BYTES_OPTION,
  MAX_RETRY_ATTEMPTS,
  MAX_RETRY_BUFFER_AGE_MS,
  MAX_TIMER_MS,
  MIN_REQUEST_BYTES,
} from './defaults.js';
import { MAX_NAMESPACE_LENGTH } from './limits.js';
import { defaultAggregationSelector, defaultTemporalitySelector } from './selectors.js';
import type { RetryBufferLimits } from './send/RetryBuffer.js';
import type { RetryPolicy } from './send/retryPolicy.js';
import { validateMetricRules, type MetricRule } from './rules/metricRules.js';
import { checkEntity, entityFromResource, maxEntityBytes } from './entity/resourceEntity.js';

/** Options of {@link CloudWatchMetricExporter}. Every default is stated in src/defaults.ts and in the README. */
export interface CloudWatchMetricExporterOptions {
  /** CloudWatch namespace for every metric (required). 1–255 ASCII characters; `AWS/` is reserved. */
  namespace: string;
  /**
   * Configuration for the `CloudWatchClient` the exporter creates (region, endpoint, credentials,
   * requestMinCompressionSizeBytes…). Ignored when `client` is given. Default: the SDK's own defaults, except
   * `requestMinCompressionSizeBytes: 1024` and `maxAttempts: 1`: the exporter
   * retries itself (see `retry`); a `maxAttempts` set here multiplies its attempts.
   */
  clientConfig?: CloudWatchClientConfig;
  /**
   * A client of your own. The exporter never destroys it; its compression settings are respected, and so is its
   * retry strategy, inside each of the exporter's attempts (give it `maxAttempts: 1` to leave retries to `retry`).
   */
  client?: CloudWatchClient;
  /** 1 for high-resolution (per-second) storage, 60 for standard. Default 60. */
  storageResolution?: 1 | 60;
  /** Resource attribute keys published as dimensions on every metric, in this order. Default: none. */
  resourceDimensions?: string[];
  /** Temporality per instrument kind. Default: DELTA for Counter, ObservableCounter and Histogram, else CUMULATIVE. */
  temporalitySelector?: AggregationTemporalitySelector;
  /**
   * Aggregation per instrument kind. Default: histograms become base-2 exponential histograms of at most 160
   * buckets (min and max recorded); everything else keeps OpenTelemetry's default.
   */
  aggregationSelector?: AggregationSelector;
  /**
   * How long the state kept to turn cumulative streams into deltas survives without a new point (ms).
   * Default 30 minutes.
   */
  deltaStateTtlMillis?: number;
  /** PutMetricData requests in flight at once, across all exports running at once. Default 4. */
  concurrency?: number;
  /**
   * Largest uncompressed request body in bytes. Default 1,000,000 (CloudWatch's 1 MB, counted uncompressed
   * because AWS does not say which one counts). Range 65,536–1,048,576.
   */
  maxRequestBytes?: number;
  /**
   * Time one export may take, retries and resent requests included (ms); also the longest `forceFlush()` and
   * `shutdown()` take. At the deadline, requests in flight are aborted and whatever did not land goes to the retry
   * buffer. Default 30,000, the reader's default `exportTimeoutMillis`: keep it no larger than the reader's.
   */
  timeoutMillis?: number;
  /**
   * Attempts and backoff within one export. Default: 4 attempts, `baseDelayMillis` 100, `throttlingFactor` 5,
   * `maxDelayMillis` 20,000; what is given here replaces those keys only.
   */
  retry?: Partial<RetryPolicy>;
  /**
   * Requests that did not land for a transient reason are kept and sent again at later exports, oldest first,
   * within these bounds; `false` keeps none. Default: `maxBytes` 33,554,432 (32 MiB), `maxAgeMillis` 21,600,000 (6 h).
   */
  retryBuffer?: Partial<RetryBufferLimits> | false;
  /**
   * Whether a request with no answer after its body may have reached CloudWatch (a connection reset, the deadline)
   * is sent again: at least once (it may be stored twice) rather than at most once (it may be lost). Default true.
   */
  resendUnknownOutcome?: boolean;
  /**
   * Per-metric publishing rules, the first whose `names` match applies (see docs/cost-control.md): drop a
   * metric, publish it under chosen dimension sets (rolled up exactly), or give it its own storage resolution.
   * Metrics matching no rule keep every attribute. Default: none.
   *
   * Experimental: may change in a minor release.
   *
   * @beta
   */
  metricRules?: MetricRule[];
  /** Warn once when an export publishes more series than this (a cardinality surprise). Default: off. */
  seriesWarningThreshold?: number;
  /**
   * Link every datum to the entity of the service that produced it (`EntityMetricData`, for CloudWatch's "explore
   * related"): `'auto'` derives it from the resource (`service.name`, `deployment.environment.name`, the platform:
   * see docs/entities.md); an `Entity` is used as it is; a function builds it from the resource attributes
   * (undefined: none). Sent with `StrictEntityValidation: false`, so an entity CloudWatch refuses never costs the
   * datums. Default: false (no entity).
   *
   * Experimental: tested against the local CloudWatch's rules only; may change in a minor release.
   *
   * @beta
   */
  entity?: EntityOption;
}

/** Every key of {@link CloudWatchMetricExporterOptions}, for code that copies options by name. */
export const EXPORTER_OPTION_KEYS = [
  'namespace',
  'clientConfig',
  'client',
  'storageResolution',
  'resourceDimensions',
  'temporalitySelector',
  'aggregationSelector',
  'deltaStateTtlMillis',
  'concurrency',
  'maxRequestBytes',
  'timeoutMillis',
  'retry',
  'retryBuffer',
  'resendUnknownOutcome',
  'metricRules',
  'seriesWarningThreshold',
  'entity',
] as const satisfies ReadonlyArray<keyof CloudWatchMetricExporterOptions>;
// Fails to compile when an option is added to the interface but not to the list.
const everyKeyListed: [Exclude<keyof CloudWatchMetricExporterOptions, (typeof EXPORTER_OPTION_KEYS)[number]>] extends [
  never,
]
  ? true
  : false = true;
void everyKeyListed;

/** See {@link CloudWatchMetricExporterOptions.entity}. */
export type EntityOption = false | 'auto' | Entity | ((resourceAttributes: Attributes) => Entity | undefined);

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
  retry: RetryPolicy;
  retryBuffer: RetryBufferLimits;
  resendUnknownOutcome: boolean;
  metricRules: MetricRule[];
  seriesWarningThreshold: number | undefined;
  /** What gives a resource's entity (checked again before use), or undefined when there is none to send. */
  entity: ((resourceAttributes: Attributes) => unknown) | undefined;
}

const NON_PRINTABLE_ASCII = /[^\x20-\x7e]/;

/** What is wrong with a namespace, as the rule it breaks ("must …"), or undefined when CloudWatch takes it. */
export function namespaceProblem(ns: unknown): string | undefined {
  if (typeof ns !== 'string' || ns.length < 1 || ns.length > MAX_NAMESPACE_LENGTH) {
    return `must be a string of 1–${MAX_NAMESPACE_LENGTH} characters`;
  }
  if (NON_PRINTABLE_ASCII.test(ns) || !/\S/.test(ns)) return 'must be printable ASCII with a non-space character';
  if (ns.startsWith(':')) return 'must not start with ":"';
  if (ns.startsWith('AWS/')) return 'must not start with "AWS/", which is reserved for AWS services';
  return undefined;
}

/** Applies defaults and checks every option, throwing an Error that names the option and the rule. */
export function resolveOptions(options: CloudWatchMetricExporterOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('CloudWatchMetricExporter: options are required ({ namespace: "MyService" })');
  }
  const ns: unknown = options.namespace;
  const nsProblem = namespaceProblem(ns);
  if (nsProblem !== undefined) throw new RangeError(`CloudWatchMetricExporter: namespace ${nsProblem}`);
  const storageResolution: number = options.storageResolution ?? DEFAULT_STORAGE_RESOLUTION;
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
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new RangeError(`CloudWatchMetricExporter: concurrency must be an integer from 1 to ${MAX_CONCURRENCY}`);
  }
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  if (
    !Number.isInteger(maxRequestBytes) ||
    maxRequestBytes < MIN_REQUEST_BYTES ||
    maxRequestBytes > MAX_REQUEST_BYTES_OPTION
  ) {
    throw new RangeError(
      `CloudWatchMetricExporter: maxRequestBytes must be an integer from ${MIN_REQUEST_BYTES} to ${MAX_REQUEST_BYTES_OPTION}`,
    );
  }
  const timeoutMillis = options.timeoutMillis ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMillis) || timeoutMillis <= 0 || timeoutMillis > MAX_TIMER_MS) {
    throw new RangeError(`CloudWatchMetricExporter: timeoutMillis must be a number from 1 to ${MAX_TIMER_MS}`);
  }
  const retry = resolveRetry(options.retry);
  const retryBuffer = resolveRetryBuffer(options.retryBuffer);
  const resendUnknownOutcome = options.resendUnknownOutcome ?? DEFAULT_RESEND_UNKNOWN_OUTCOME;
  if (typeof resendUnknownOutcome !== 'boolean') {
    throw new TypeError('CloudWatchMetricExporter: resendUnknownOutcome must be a boolean');
  }
  const metricRules = validateMetricRules(options.metricRules, resourceDimensions);
  const threshold = options.seriesWarningThreshold;
  if (threshold !== undefined && (!Number.isInteger(threshold) || threshold < 1)) {
    throw new RangeError('CloudWatchMetricExporter: seriesWarningThreshold must be a whole number ≥ 1');
  }
  return {
    namespace: ns as string,
    clientConfig: {
      requestMinCompressionSizeBytes: DEFAULT_MIN_COMPRESSION_BYTES,
      maxAttempts: 1,
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
    retry,
    retryBuffer,
    resendUnknownOutcome,
    metricRules,
    seriesWarningThreshold: threshold,
    entity: resolveEntity(options.entity, maxRequestBytes),
  };
}

function resolveEntity(entity: EntityOption | undefined, maxRequestBytes: number): ResolvedOptions['entity'] {
  if (entity === undefined || entity === false) return undefined;
  if (entity === 'auto') return entityFromResource;
  if (typeof entity === 'function') return entity;
  const checked = checkEntity(entity, maxEntityBytes(maxRequestBytes));
  if ('problem' in checked) {
    throw new RangeError(
      `CloudWatchMetricExporter: entity must be false, 'auto', a function or an Entity: ${checked.problem}`,
    );
  }
  return () => checked.entity;
}

function resolveRetry(retry: Partial<RetryPolicy> | undefined): RetryPolicy {
  if (retry !== undefined && (retry === null || typeof retry !== 'object')) {
    throw new TypeError('CloudWatchMetricExporter: retry must be an object');
  }
  const resolved = { ...DEFAULT_RETRY, ...retry };
  if (
    !Number.isInteger(resolved.maxAttempts) ||
    resolved.maxAttempts < 1 ||
    resolved.maxAttempts > MAX_RETRY_ATTEMPTS
  ) {
    throw new RangeError(
      `CloudWatchMetricExporter: retry.maxAttempts must be an integer from 1 to ${MAX_RETRY_ATTEMPTS}`,
    );
  }
  for (const key of ['baseDelayMillis', 'throttlingFactor', 'maxDelayMillis'] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] < 0) {
      throw new RangeError(`CloudWatchMetricExporter: retry.${key} must be a number ≥ 0`);
    }
  }
  if (resolved.maxDelayMillis > MAX_TIMER_MS) {
    throw new RangeError(`CloudWatchMetricExporter: retry.maxDelayMillis must be at most ${MAX_TIMER_MS}`);
  }
  return resolved;
}

function resolveRetryBuffer(buffer: Partial<RetryBufferLimits> | false | undefined): RetryBufferLimits {
  if (buffer === false) return { maxBytes: 0, maxAgeMillis: 0 };
  if (buffer !== undefined && (buffer === null || typeof buffer !== 'object')) {
    throw new TypeError('CloudWatchMetricExporter: retryBuffer must be an object or false');
  }
  const resolved = { ...DEFAULT_RETRY_BUFFER, ...buffer };
  if (!Number.isInteger(resolved.maxBytes) || resolved.maxBytes < 0) {
    throw new RangeError('CloudWatchMetricExporter: retryBuffer.maxBytes must be an integer ≥ 0');
  }
  if (
    !Number.isFinite(resolved.maxAgeMillis) ||
    resolved.maxAgeMillis < 0 ||
    resolved.maxAgeMillis > MAX_RETRY_BUFFER_AGE_MS
  ) {
    throw new RangeError(
      'CloudWatchMetricExporter: retryBuffer.maxAgeMillis must be from 0 to 13 days (CloudWatch refuses ' +
        'timestamps older than two weeks)',
    );
  }
  return resolved;
}
