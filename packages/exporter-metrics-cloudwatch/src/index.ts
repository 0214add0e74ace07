/**
 * An OpenTelemetry metrics exporter for Amazon CloudWatch.
 *
 * The public API, chosen on purpose and recorded in `api/exporter-metrics-cloudwatch.api.md` (CI fails when the
 * two differ): the exporter, a reader configured from the environment, the Lambda helper, and their types. The
 * zero-code entry is `opentelemetry-exporter-metrics-cloudwatch/register`.
 *
 * @packageDocumentation
 */
export { CloudWatchMetricExporter } from './CloudWatchMetricExporter.js';
export type {
  CloudWatchMetricExporterOptions,
  CloudWatchOutput,
  EntityOption,
  PutMetricDataProtocol,
} from './options.js';
export type { EmfStream } from './emf/EmfStream.js';
export {
  createCloudWatchMetricReader,
  type CloudWatchMetricReader,
  type CloudWatchMetricReaderOptions,
} from './createCloudWatchMetricReader.js';
export type { ExporterStats } from './stats/ExporterStats.js';
export type { DropReason } from './stats/DropReporter.js';
export type { DiscardReason, RetryBufferLimits } from './send/RetryBuffer.js';
export type { RetryPolicy } from './send/retryPolicy.js';
export type { MetricRule } from './rules/metricRules.js';
export { wrapLambdaHandler, type LambdaFlushOptions, type WrappedLambdaHandler } from './lambda/wrapLambdaHandler.js';
export type { Flushable, LambdaFlushMode } from './lambda/LambdaFlusher.js';
