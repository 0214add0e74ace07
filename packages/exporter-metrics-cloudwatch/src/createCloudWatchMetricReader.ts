import { diag } from '@opentelemetry/api';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { CloudWatchMetricExporter } from './CloudWatchMetricExporter.js';
import { configFromEnv } from './config/fromEnv.js';
import { DEFAULT_EXPORT_INTERVAL_MS, DEFAULT_TIMEOUT_MS } from './defaults.js';
import type { CloudWatchMetricExporterOptions } from './options.js';

/**
 * Options of {@link createCloudWatchMetricReader}: the exporter's (its `timeoutMillis` is the reader's
 * `exportTimeoutMillis`), and the reader's interval and timeout. Each one given here beats its environment variable.
 */
export interface CloudWatchMetricReaderOptions extends Partial<Omit<CloudWatchMetricExporterOptions, 'timeoutMillis'>> {
  /** Time between exports (ms). Default: `OTEL_METRIC_EXPORT_INTERVAL`, else 60,000. */
  exportIntervalMillis?: number;
  /**
   * The one deadline of an export, a flush and a shutdown (ms): the reader's `exportTimeoutMillis` and the
   * exporter's `timeoutMillis` both. Default: `OTEL_METRIC_EXPORT_TIMEOUT`, else 30,000. It may not exceed the
   * interval: when both are given (here or in the environment) that is an error; when only the timeout is, it is
   * brought down to the interval, as OpenTelemetry's reader does.
   */
  exportTimeoutMillis?: number;
  /** Where to read the environment variables from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** The reader, and the exporter inside it (for `getStats()`). */
export type CloudWatchMetricReader = PeriodicExportingMetricReader & { readonly exporter: CloudWatchMetricExporter };

/**
 * A `PeriodicExportingMetricReader` with a {@link CloudWatchMetricExporter}, for a `MeterProvider` or a `NodeSDK` of
 * your own (`new NodeSDK({ metricReaders: [createCloudWatchMetricReader()] })`), configured by `options`, then the
 * environment variables (see the README's table), then the defaults. Reader and exporter share one deadline.
 *
 * @throws an Error naming the variable or option, when one is invalid or no namespace is given.
 */
export function createCloudWatchMetricReader(options: CloudWatchMetricReaderOptions = {}): CloudWatchMetricReader {
  const { env, exportIntervalMillis, exportTimeoutMillis, ...exporterOptions } = given(options);
  const fromEnv = configFromEnv(env ?? process.env);
  const interval = exportIntervalMillis ?? fromEnv.exportIntervalMillis;
  // JavaScript callers may still pass the exporter's name for it; the reader's name wins.
  const { timeoutMillis, ...rest } = exporterOptions as Partial<CloudWatchMetricExporterOptions>;
  const timeout = exportTimeoutMillis ?? timeoutMillis ?? fromEnv.exportTimeoutMillis;
  const effectiveInterval = interval ?? DEFAULT_EXPORT_INTERVAL_MS;
  let effectiveTimeout = timeout ?? Math.min(DEFAULT_TIMEOUT_MS, effectiveInterval);
  if (effectiveTimeout > effectiveInterval) {
    if (interval !== undefined) {
      throw new RangeError(
        `the export timeout (${effectiveTimeout} ms, exportTimeoutMillis or OTEL_METRIC_EXPORT_TIMEOUT) must not ` +
          `exceed the export interval (${interval} ms, exportIntervalMillis or OTEL_METRIC_EXPORT_INTERVAL)`,
      );
    }
    diag.info(
      `CloudWatchMetricExporter: the export timeout (${effectiveTimeout} ms) exceeds the default interval; ` +
        `brought down to ${effectiveInterval} ms`,
    );
    effectiveTimeout = effectiveInterval;
  }
  const merged = { ...fromEnv.exporter, ...rest, timeoutMillis: effectiveTimeout };
  if (merged.namespace === undefined) {
    throw new TypeError(
      'CloudWatchMetricExporter: a namespace is required (set OTEL_EXPORTER_CLOUDWATCH_NAMESPACE or pass namespace)',
    );
  }
  const exporter = new CloudWatchMetricExporter(merged as CloudWatchMetricExporterOptions);
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: effectiveInterval,
    exportTimeoutMillis: effectiveTimeout,
  });
  return Object.defineProperty(reader, 'exporter', { value: exporter, enumerable: false }) as CloudWatchMetricReader;
}

/** The options actually given: a key set to `undefined` (`namespace: process.env.X`) leaves the environment's. */
function given<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}
