import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { CloudWatchMetricExporter } from './CloudWatchMetricExporter.js';
import { configFromEnv } from './config/fromEnv.js';
import { DEFAULT_TIMEOUT_MS, type CloudWatchMetricExporterOptions } from './options.js';

/** Options of {@link createCloudWatchMetricReader}: the exporter's, and the reader's interval and timeout. */
export interface CloudWatchMetricReaderOptions extends Partial<CloudWatchMetricExporterOptions> {
  /** Time between exports (ms). Default: `OTEL_METRIC_EXPORT_INTERVAL`, else 60,000. */
  exportIntervalMillis?: number;
  /**
   * The one deadline of an export, a flush and a shutdown (ms): the reader's `exportTimeoutMillis` and the
   * exporter's `timeoutMillis` both. Default: `OTEL_METRIC_EXPORT_TIMEOUT`, else 30,000, and never more than the
   * interval.
   */
  exportTimeoutMillis?: number;
  /** Where to read the environment variables from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** The reader, and the exporter inside it (for `getStats()`). */
export type CloudWatchMetricReader = PeriodicExportingMetricReader & { readonly exporter: CloudWatchMetricExporter };

/** The reader's default interval, as OpenTelemetry's. */
export const DEFAULT_EXPORT_INTERVAL_MS = 60_000;

/**
 * A `PeriodicExportingMetricReader` with a {@link CloudWatchMetricExporter}, configured from the environment
 * (see the README's table) with `options` taking precedence: for a `MeterProvider` or a `NodeSDK` of your own
 * (`new NodeSDK({ metricReaders: [createCloudWatchMetricReader()] })`). Reader and exporter share one deadline.
 *
 * @throws an Error naming the variable or option, when one is invalid or no namespace is given.
 */
export function createCloudWatchMetricReader(options: CloudWatchMetricReaderOptions = {}): CloudWatchMetricReader {
  const { env, exportIntervalMillis, exportTimeoutMillis, ...exporterOptions } = options;
  const fromEnv = configFromEnv(env ?? process.env);
  const interval = exportIntervalMillis ?? fromEnv.exportIntervalMillis ?? DEFAULT_EXPORT_INTERVAL_MS;
  const explicitTimeout = exportTimeoutMillis ?? fromEnv.exportTimeoutMillis ?? exporterOptions.timeoutMillis;
  if (explicitTimeout !== undefined && explicitTimeout > interval) {
    throw new RangeError(
      `the export timeout (${explicitTimeout} ms, OTEL_METRIC_EXPORT_TIMEOUT or exportTimeoutMillis) must not ` +
        `exceed the export interval (${interval} ms, OTEL_METRIC_EXPORT_INTERVAL or exportIntervalMillis)`,
    );
  }
  // As OpenTelemetry's reader does: a default timeout longer than the interval is brought down to it.
  const timeout = explicitTimeout ?? Math.min(DEFAULT_TIMEOUT_MS, interval);
  const merged = { ...fromEnv.exporter, ...exporterOptions, timeoutMillis: timeout };
  if (merged.namespace === undefined) {
    throw new TypeError(
      'CloudWatchMetricExporter: a namespace is required (set OTEL_EXPORTER_CLOUDWATCH_NAMESPACE or pass namespace)',
    );
  }
  const exporter = new CloudWatchMetricExporter(merged as CloudWatchMetricExporterOptions);
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: interval,
    exportTimeoutMillis: timeout,
  });
  return Object.defineProperty(reader, 'exporter', { value: exporter, enumerable: false }) as CloudWatchMetricReader;
}
