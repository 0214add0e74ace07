/**
 * Every default of the package, stated once: the exporter's options, the reader's, the Lambda wrapper's, the
 * register entry's; then the range each option accepts, and the fixed bounds no option changes. The README's tables say the same (a test compares
 * them). Objects are frozen: a default is never changed by changing what a caller was handed.
 */
import type { RetryBufferLimits } from './send/RetryBuffer.js';
import type { RetryPolicy } from './send/retryPolicy.js';

/** Requests to the CloudWatch API: what works anywhere with the `cloudwatch:PutMetricData` permission. */
export const DEFAULT_OUTPUT: 'putMetricData' | 'emf' = 'putMetricData';
/**
 * In Lambda: EMF on stdout, written after every invocation. No request, no added latency to speak of, no
 * permission beyond the logs every function may write, and nothing recorded is lost when an environment dies
 * without SIGTERM (see docs/lambda.md for the measurements). Options that configure requests (`client`,
 * `clientConfig`, `putMetricDataProtocol`, `entity`) keep PutMetricData.
 */
export const DEFAULT_LAMBDA_OUTPUT: 'putMetricData' | 'emf' = 'emf';
/**
 * AWS JSON 1.0, what the AWS SDK for JavaScript itself sends: CBOR is opt-in while no AWS SDK for JavaScript sends
 * it to CloudWatch (see docs/performance.md#cbor).
 */
export const DEFAULT_PUT_METRIC_DATA_PROTOCOL: 'json' | 'cbor' = 'json';
/** Standard resolution: CloudWatch stores one value a minute, at the lowest price. */
export const DEFAULT_STORAGE_RESOLUTION = 60;
/** PutMetricData requests in flight at once: most of the gain of concurrency (see docs/performance.md). */
export const DEFAULT_CONCURRENCY = 4;
/** CloudWatch's 1 MB, counted uncompressed because AWS does not say which one counts. */
export const DEFAULT_MAX_REQUEST_BYTES = 1_000_000;
/** The one deadline of an export, a flush and a shutdown: the reader's default `exportTimeoutMillis`. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** How long a cumulative stream's last point is kept without a new one. */
export const DEFAULT_DELTA_STATE_TTL_MS = 30 * 60_000;
/** Below this size a gzip of a PutMetricData body saves too little to pay for itself (see docs/delivery.md). */
export const DEFAULT_MIN_COMPRESSION_BYTES = 1024;
/** At least once: a request that may have been stored is sent again rather than risk losing it. */
export const DEFAULT_RESEND_UNKNOWN_OUTCOME = true;
/** Attempts and full-jitter backoff per request within one export. */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 4,
  baseDelayMillis: 100,
  throttlingFactor: 5,
  maxDelayMillis: 20_000,
});
/** What the retry buffer keeps for later exports: 32 MiB of request bodies, each for at most 6 hours. */
export const DEFAULT_RETRY_BUFFER: Readonly<RetryBufferLimits> = Object.freeze({
  maxBytes: 32 * 1024 * 1024,
  maxAgeMillis: 6 * 3600_000,
});

/** The reader's interval, as OpenTelemetry's. */
export const DEFAULT_EXPORT_INTERVAL_MS = 60_000;

/**
 * With PutMetricData, one request a minute per busy Lambda environment: CloudWatch's standard resolution is one
 * minute, so flushing more often buys no finer data, only requests (and latency for the invocation that sends
 * them). With EMF, 0: after every invocation (writing a line costs no request).
 */
export const DEFAULT_LAMBDA_FLUSH_INTERVAL_MS = 60_000;
export const DEFAULT_LAMBDA_EMF_FLUSH_INTERVAL_MS = 0;
/** Lambda gives the runtime 500 ms after SIGTERM when an internal extension is registered; 100 ms are left over. */
export const DEFAULT_LAMBDA_SHUTDOWN_FLUSH_MS = 400;
/** Register the internal extension, so that Lambda sends SIGTERM and data may wait for the interval. */
export const DEFAULT_LAMBDA_EXTENSION = true;

/** The register entry's resource detectors: each asks a platform only where the environment says it runs there. */
export const DEFAULT_RESOURCE_DETECTORS = 'env,host,process,lambda,ecs,eks,beanstalk';

/**
 * Default max buckets of the exponential histogram. 160 (OpenTelemetry's own default) gives scale 4 (bucket
 * ratio 1.044) on a lognormal(3, 1) latency sample, so a percentile read from the published distribution is
 * within half a bucket — about 2.2 % — of the exact one (see docs/performance.md).
 */
export const DEFAULT_EXPONENTIAL_MAX_SIZE = 160;

/** Cumulative streams whose state is kept to turn them into deltas (about 41 MiB of counters at the cap). */
export const DEFAULT_MAX_DELTA_STREAMS = 100_000;
/** Characters the dimension cache holds: thousands of names and tens of thousands of fragments, a few MB. */
export const DEFAULT_DIMENSION_CACHE_CHARS = 4 * 1024 * 1024;

/** The longest delay a Node.js timer takes (about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** Requests in flight: more would press on the account-wide rate limit for little gain. */
export const MAX_CONCURRENCY = 64;
/** Request bodies: below this a request holds too few datums to be worth the overhead; above it CloudWatch refuses. */
export const MIN_REQUEST_BYTES = 65_536;
export const MAX_REQUEST_BYTES_OPTION = 1_048_576;
export const MAX_RETRY_ATTEMPTS = 20;
/** Kept requests must reach CloudWatch inside its two-week timestamp window, with time to spare. */
export const MAX_RETRY_BUFFER_AGE_MS = 13 * 24 * 3600_000;
/** Extra requests per export allowed to isolate datums CloudWatch refuses (about 2·log2(1000) per bad datum). */
export const ISOLATION_BUDGET = 64;
