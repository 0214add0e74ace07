export { CloudWatchMetricExporter } from './CloudWatchMetricExporter.js';
export {
  createCloudWatchMetricReader,
  DEFAULT_EXPORT_INTERVAL_MS,
  type CloudWatchMetricReader,
  type CloudWatchMetricReaderOptions,
} from './createCloudWatchMetricReader.js';
export { configFromEnv, ENV_VARIABLES, EnvConfigError, type EnvConfig } from './config/fromEnv.js';
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_DELTA_STATE_TTL_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_MIN_COMPRESSION_BYTES,
  DEFAULT_RETRY,
  DEFAULT_RETRY_BUFFER,
  DEFAULT_STORAGE_RESOLUTION,
  DEFAULT_TIMEOUT_MS,
  type CloudWatchMetricExporterOptions,
  type EntityOption,
} from './options.js';
export { entityFromResource } from './translate/resourceEntity.js';
export type { ExporterStats } from './ExporterStats.js';
export type { DiscardReason, RetryBufferLimits } from './send/RetryBuffer.js';
export type { RetryPolicy } from './send/retryPolicy.js';
export { DEFAULT_EXPONENTIAL_MAX_SIZE, defaultAggregationSelector, defaultTemporalitySelector } from './selectors.js';
export { toCloudWatchUnit, type UnitMapping } from './translate/toCloudWatchUnit.js';
export type { DropReason } from './translate/DropReporter.js';
export type { MetricRule } from './translate/metricRules.js';
export { DEFAULT_MAX_DELTA_STREAMS } from './translate/CumulativeToDelta.js';
export {
  DEFAULT_LAMBDA_FLUSH_INTERVAL_MS,
  DEFAULT_LAMBDA_SHUTDOWN_FLUSH_MS,
  wrapLambdaHandler,
  type LambdaFlushOptions,
  type WrappedLambdaHandler,
} from './lambda/wrapLambdaHandler.js';
export type { Flushable, LambdaFlushMode } from './lambda/LambdaFlusher.js';
