import { PeriodicExportingMetricReader, type PeriodicExportingMetricReaderOptions } from '@opentelemetry/sdk-metrics';
import { CloudWatchMetricExporter } from './CloudWatchMetricExporter.js';
import { hurryExports } from './pipeline/pipelineOf.js';
import { defaultOutput } from './config/resolveOptions.js';
import { configFromEnv } from './config/fromEnv.js';
import { DEFAULT_EXPORT_INTERVAL_MS, DEFAULT_TIMEOUT_MS, MAX_TIMER_MS } from './defaults.js';
import { withDeadline } from './util/deadlineScope.js';
import { report } from './util/report.js';
import { EXPORTER_OPTION_KEYS, type CloudWatchMetricExporterOptions } from './options.js';

/** Each option may also be set to `undefined` (or `null`): it then leaves the environment variable's value. */
type Optional<T> = { [K in keyof T]?: T[K] | undefined };

/**
 * Options of {@link createCloudWatchMetricReader}: the exporter's (its `timeoutMillis` is the reader's
 * `exportTimeoutMillis`), and the reader's interval and timeout. Each one given here beats its environment variable.
 */
export interface CloudWatchMetricReaderOptions extends Optional<
  Omit<CloudWatchMetricExporterOptions, 'timeoutMillis'>
> {
  /**
   * Time between exports (ms), a whole number from 1 to 2^31−1. Default: `OTEL_METRIC_EXPORT_INTERVAL`, else 60,000.
   */
  exportIntervalMillis?: number | undefined;
  /**
   * The one deadline of an export, a flush and a shutdown (ms): the reader's `exportTimeoutMillis` and the
   * exporter's `timeoutMillis` both. Default: `OTEL_METRIC_EXPORT_TIMEOUT`, else 30,000. It may not exceed the
   * interval: when both are given (here or in the environment) that is an error; when only the timeout is, it is
   * brought down to the interval, as OpenTelemetry's reader does.
   */
  exportTimeoutMillis?: number | undefined;
  /** Where to read the environment variables from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv | undefined;
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
  // Read by name, not by own keys: getters of a class and inherited properties are options too.
  const given = (key: string): unknown => (options as Record<string, unknown> | null)?.[key] ?? undefined;
  const env = (given('env') as NodeJS.ProcessEnv | undefined) ?? process.env;
  const fromEnv = configFromEnv(env);
  const interval = millis('exportIntervalMillis', given('exportIntervalMillis')) ?? fromEnv.exportIntervalMillis;
  // JavaScript callers may still pass the exporter's name for it; the reader's name wins.
  const timeout =
    millis('exportTimeoutMillis', given('exportTimeoutMillis')) ??
    millis('timeoutMillis', given('timeoutMillis')) ??
    fromEnv.exportTimeoutMillis;
  const effectiveInterval = interval ?? DEFAULT_EXPORT_INTERVAL_MS;
  let effectiveTimeout = timeout ?? Math.min(DEFAULT_TIMEOUT_MS, effectiveInterval);
  if (effectiveTimeout > effectiveInterval) {
    if (interval !== undefined) {
      throw new RangeError(
        `the export timeout (${effectiveTimeout} ms, exportTimeoutMillis or OTEL_METRIC_EXPORT_TIMEOUT) must not ` +
          `exceed the export interval (${interval} ms, exportIntervalMillis or OTEL_METRIC_EXPORT_INTERVAL)`,
      );
    }
    report(
      'info',
      `the export timeout (${effectiveTimeout} ms) exceeds the default interval; ` +
        `brought down to ${effectiveInterval} ms`,
    );
    effectiveTimeout = effectiveInterval;
  }
  const merged: Record<string, unknown> = { ...fromEnv.exporter };
  for (const key of EXPORTER_OPTION_KEYS) {
    const value = given(key);
    if (value !== undefined) merged[key] = value;
  }
  merged['timeoutMillis'] = effectiveTimeout;
  // The Lambda default follows the environment the reader was given, not the process's.
  merged['output'] ??= defaultOutput(merged as Partial<CloudWatchMetricExporterOptions>, env);
  if (merged['namespace'] === undefined) {
    throw new TypeError(
      'CloudWatchMetricExporter: a namespace is required (set OTEL_EXPORTER_CLOUDWATCH_NAMESPACE or pass namespace)',
    );
  }
  const exporter = new CloudWatchMetricExporter(merged as unknown as CloudWatchMetricExporterOptions);
  const reader = new OneDeadlineReader(
    {
      exporter,
      exportIntervalMillis: effectiveInterval,
      exportTimeoutMillis: effectiveTimeout,
    },
    exporter,
    effectiveTimeout,
  );
  return Object.defineProperty(reader, 'exporter', {
    value: exporter,
    enumerable: false,
  }) as unknown as CloudWatchMetricReader;
}

/** A time option as the reader and Node's timers can take it: a whole number of ms from 1 to 2^31−1. */
function millis(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TIMER_MS) {
    // A longer delay would fire at once, every millisecond: an interval meant as "never" would send without end.
    throw new RangeError(
      `CloudWatchMetricExporter: ${name} must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}, ` +
        `not ${String(value)}`,
    );
  }
  return value;
}

/**
 * The SDK's reader, with one deadline for a flush and a shutdown. The SDK's own waits for the export in flight,
 * then runs a whole new one, then flushes the exporter, each with a timeout of its own: up to twice the timeout, and
 * more. Here everything a flush or shutdown starts shares one deadline (see deadlineScope), and the export in flight
 * is brought to end halfway there, keeping what it has not sent for the final export, which sends it first.
 */
class OneDeadlineReader extends PeriodicExportingMetricReader {
  constructor(
    options: PeriodicExportingMetricReaderOptions,
    private readonly cloudWatch: CloudWatchMetricExporter,
    private readonly timeoutMillis: number,
  ) {
    super(options);
  }

  protected override onForceFlush(): Promise<void> {
    return this.withinOneDeadline(() => super.onForceFlush());
  }

  protected override onShutdown(): Promise<void> {
    return this.withinOneDeadline(() => super.onShutdown());
  }

  private withinOneDeadline(work: () => Promise<void>): Promise<void> {
    const now = Date.now();
    const deadline = now + this.timeoutMillis;
    hurryExports(this.cloudWatch, now + Math.floor(this.timeoutMillis / 2));
    return withDeadline(deadline, work);
  }
}
