import {
  DEFAULT_CONCURRENCY,
  DEFAULT_DELTA_STATE_TTL_MS,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_MIN_COMPRESSION_BYTES,
  DEFAULT_LAMBDA_OUTPUT,
  DEFAULT_OUTPUT,
  DEFAULT_PUT_METRIC_DATA_PROTOCOL,
  DEFAULT_RESEND_UNKNOWN_OUTCOME,
  DEFAULT_RETRY,
  DEFAULT_RETRY_BUFFER,
  DEFAULT_STORAGE_RESOLUTION,
  DEFAULT_TIMEOUT_MS,
  MAX_CONCURRENCY,
  MAX_REQUEST_BYTES_OPTION,
  MAX_RETRY_ATTEMPTS,
  MAX_RETRY_BUFFER_AGE_MS,
  MAX_TIMER_MS,
  MIN_REQUEST_BYTES,
} from '../defaults.js';
import { checkEntity, entityFromResource, maxEntityBytes } from '../entity/resourceEntity.js';
import { MAX_NAMESPACE_LENGTH } from '../limits.js';
import type { CloudWatchMetricExporterOptions, CloudWatchOutput, EntityOption, ResolvedOptions } from '../options.js';
import { validateMetricRules } from '../rules/metricRules.js';
import { defaultAggregationSelector, defaultTemporalitySelector, otlpTemporalitySelector } from '../selectors.js';
import type { RetryBufferLimits } from '../send/RetryBuffer.js';
import type { RetryPolicy } from '../send/retryPolicy.js';

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

/** Whether this process is a Lambda function's (its runtime sets both variables). */
export function runsInLambda(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['AWS_LAMBDA_FUNCTION_NAME'] !== undefined && (env['AWS_EXECUTION_ENV'] ?? '').startsWith('AWS_Lambda_');
}

/**
 * The output when none is chosen: EMF in Lambda, unless the options configure requests (a `client`, a
 * `clientConfig`, a `putMetricDataProtocol` or an `entity`, which only PutMetricData uses); PutMetricData everywhere
 * else.
 */
export function defaultOutput(
  options: Partial<CloudWatchMetricExporterOptions>,
  env: NodeJS.ProcessEnv = process.env,
): CloudWatchOutput {
  const requestsConfigured =
    options.client !== undefined ||
    options.clientConfig !== undefined ||
    options.putMetricDataProtocol !== undefined ||
    (options.entity !== undefined && options.entity !== false);
  return runsInLambda(env) && !requestsConfigured ? DEFAULT_LAMBDA_OUTPUT : DEFAULT_OUTPUT;
}

/** Applies defaults and checks every option, throwing an Error that names the option and the rule. */
export function resolveOptions(options: CloudWatchMetricExporterOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('CloudWatchMetricExporter: options are required ({ namespace: "MyService" })');
  }
  const ns: unknown = options.namespace;
  const nsProblem = namespaceProblem(ns);
  if (nsProblem !== undefined) throw new RangeError(`CloudWatchMetricExporter: namespace ${nsProblem}`);
  const output = options.output ?? defaultOutput(options);
  if (output !== 'putMetricData' && output !== 'emf' && output !== 'otlp') {
    throw new RangeError("CloudWatchMetricExporter: output must be 'putMetricData', 'emf' or 'otlp'");
  }
  const otlpEndpoint = options.otlpEndpoint;
  if (otlpEndpoint !== undefined && !isHttpUrl(otlpEndpoint)) {
    throw new TypeError('CloudWatchMetricExporter: otlpEndpoint must be an http or https URL');
  }
  const putMetricDataProtocol = options.putMetricDataProtocol ?? DEFAULT_PUT_METRIC_DATA_PROTOCOL;
  if (putMetricDataProtocol !== 'json' && putMetricDataProtocol !== 'cbor') {
    throw new RangeError("CloudWatchMetricExporter: putMetricDataProtocol must be 'json' or 'cbor'");
  }
  const emfStream = options.emfStream ?? process.stdout;
  if (emfStream === null || typeof emfStream !== 'object' || typeof emfStream.write !== 'function') {
    throw new TypeError('CloudWatchMetricExporter: emfStream must be a writable stream (an object with write)');
  }
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
    output,
    otlpEndpoint,
    putMetricDataProtocol,
    emfStream,
    clientConfig: {
      requestMinCompressionSizeBytes: DEFAULT_MIN_COMPRESSION_BYTES,
      maxAttempts: 1,
      ...options.clientConfig,
    },
    client: options.client,
    storageResolution,
    resourceDimensions: [...new Set(resourceDimensions)],
    temporalitySelector:
      options.temporalitySelector ?? (output === 'otlp' ? otlpTemporalitySelector : defaultTemporalitySelector),
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

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
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
