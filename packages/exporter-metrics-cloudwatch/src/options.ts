import type { CloudWatchClient, CloudWatchClientConfig, Entity } from '@aws-sdk/client-cloudwatch';
import type { Attributes } from '@opentelemetry/api';
import type { AggregationSelector, AggregationTemporalitySelector } from '@opentelemetry/sdk-metrics';
import type { EmfStream } from './emf/EmfStream.js';
import type { RetryBufferLimits } from './send/RetryBuffer.js';
import type { RetryPolicy } from './send/retryPolicy.js';
import type { MetricRule } from './rules/metricRules.js';

/** Options of {@link CloudWatchMetricExporter}. Every default is stated in src/defaults.ts and in the README. */
export interface CloudWatchMetricExporterOptions {
  /** CloudWatch namespace for every metric (required). 1–255 ASCII characters; `AWS/` is reserved. */
  namespace: string;
  /**
   * How metrics reach CloudWatch: `'putMetricData'` sends requests to the CloudWatch API; `'emf'` writes Embedded
   * Metric Format documents, one JSON line each, to `emfStream` (stdout), for CloudWatch Logs to extract — in
   * Lambda, or on ECS with the awslogs driver (see docs/emf.md); `'otlp'` sends OTLP/HTTP protobuf to CloudWatch's
   * OTLP endpoint, signed in-process (a preview AWS service; see docs/otlp.md). The options about requests
   * (`client`, `clientConfig`, `concurrency`, `maxRequestBytes`, `retry`, `retryBuffer`, `resendUnknownOutcome`)
   * apply to `'putMetricData'` and `'otlp'`; `entity` to `'putMetricData'` only. Default: `'emf'` in Lambda (its runtime's `AWS_LAMBDA_FUNCTION_NAME` and
   * `AWS_EXECUTION_ENV` are set; see docs/lambda.md) unless `client`, `clientConfig`, `putMetricDataProtocol` or
   * `entity` is given, else
   * `'putMetricData'`.
   *
   * Experimental: may change in a minor release.
   *
   * @beta
   */
  output?: CloudWatchOutput;
  /**
   * The URL `output: 'otlp'` posts to. Default: the client's CloudWatch endpoint (from its region, `endpoint` or
   * `AWS_ENDPOINT_URL_CLOUDWATCH`) with the path `/v1/metrics`, e.g. `https://monitoring.us-east-1.amazonaws.com/v1/metrics`.
   *
   * @beta
   */
  otlpEndpoint?: string;
  /**
   * The wire format of PutMetricData requests: `'json'` (AWS JSON 1.0, what the AWS SDK for JavaScript sends) or
   * `'cbor'` (Smithy RPC v2 CBOR, what the AWS SDKs for Go and Java send to CloudWatch): written without formatting
   * a single number as text, and gzipped at a faster level — about half the CPU, and histograms half the bytes on
   * the wire (counters a third more; see docs/performance.md#cbor). If the
   * endpoint does not speak CBOR (an emulator, a proxy), the exporter falls back to JSON once, for good, and resends
   * what it refused: nothing is lost. Applies to the client the exporter creates; a `client` of your own speaks
   * the protocol it was made with. Default `'json'`.
   *
   * Experimental: may change in a minor release.
   *
   * @beta
   */
  putMetricDataProtocol?: PutMetricDataProtocol;
  /**
   * Where `output: 'emf'` writes its documents. Default `process.stdout`.
   *
   * @beta
   */
  emfStream?: EmfStream;
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
  /**
   * Temporality per instrument kind. Default: DELTA for Counter, ObservableCounter and Histogram, else CUMULATIVE;
   * with `output: 'otlp'`, CUMULATIVE for all.
   */
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
  'output',
  'otlpEndpoint',
  'putMetricDataProtocol',
  'emfStream',
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

/**
 * See {@link CloudWatchMetricExporterOptions.output}.
 *
 * @beta
 */
export type CloudWatchOutput = 'putMetricData' | 'emf' | 'otlp';

/**
 * See {@link CloudWatchMetricExporterOptions.putMetricDataProtocol}.
 *
 * @beta
 */
export type PutMetricDataProtocol = 'json' | 'cbor';

/** See {@link CloudWatchMetricExporterOptions.entity}. */
export type EntityOption = false | 'auto' | Entity | ((resourceAttributes: Attributes) => Entity | undefined);

/** Options with every default applied and every rule checked. */
export interface ResolvedOptions {
  namespace: string;
  output: CloudWatchOutput;
  otlpEndpoint: string | undefined;
  putMetricDataProtocol: PutMetricDataProtocol;
  emfStream: EmfStream;
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
