/* eslint-disable no-console -- the one place the library writes to stderr: the register entry, asked for by name on
   the command line, tells a misconfiguration in one line (diag is usually off at that point) */
import { DiagConsoleLogger, DiagLogLevel, diag, metrics } from '@opentelemetry/api';
import { defaultResource, detectResources } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { EnvConfigError } from '../config/fromEnv.js';
import { resourceDetectorsFromEnv } from '../config/resourceDetectors.js';
import { createCloudWatchMetricReader } from '../createCloudWatchMetricReader.js';

/** What the register entry set up. */
export interface Registration {
  provider: MeterProvider;
  /** Flushes and shuts down, once (later calls share the first). */
  shutdown(): Promise<void>;
}

const PREFIX = 'opentelemetry-exporter-metrics-cloudwatch/register';

/** Signals a service is stopped with; on each, what was recorded is sent before the process ends. */
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Registers a global MeterProvider that exports to CloudWatch, configured from the environment only, and flushes it
 * when the process ends on its own (`beforeExit`) or is stopped (`SIGTERM`, `SIGINT`), within the export timeout.
 * It then lets the process end as it would have: the same exit code, or the signal's default action. Never throws:
 * misconfigured, it writes one line to stderr (the host asked for this entry by name, and diag is usually off at
 * this point) and leaves the process alone.
 */
export function registerFromEnv(env: NodeJS.ProcessEnv = process.env): Registration | undefined {
  // `--require` and `--import` together load two copies of this module: the first registers, the second steps aside.
  const g = globalThis as Record<symbol, unknown>;
  if (g[REGISTERED]) return undefined;
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return undefined;
  let reader;
  let detectors;
  try {
    setLogLevelFromEnv(env);
    reader = createCloudWatchMetricReader({ env });
    detectors = resourceDetectorsFromEnv(env);
  } catch (err) {
    console.error(`${PREFIX}: ${err instanceof Error ? err.message : String(err)}; metrics are not sent to CloudWatch`);
    return undefined;
  }
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, the host, the process and the AWS platform: attributes to choose
  // dimensions from. Detection runs in the background; the first export waits for it.
  const resource = defaultResource().merge(detectResources({ detectors }));
  const provider = new MeterProvider({ resource, readers: [reader] });
  if (!metrics.setGlobalMeterProvider(provider)) {
    console.error(`${PREFIX}: a global MeterProvider is already registered; metrics are not sent to CloudWatch`);
    void provider.shutdown();
    return undefined;
  }
  g[REGISTERED] = true;
  const complain = (what: string) => (err: unknown) =>
    console.error(`${PREFIX}: ${what} failed: ${err instanceof Error ? err.message : String(err)}`);
  let done: Promise<void> | undefined;
  const shutdown = (): Promise<void> => (done ??= provider.shutdown().catch(complain('shutting down')));
  // Once the event loop runs dry: the work the flush schedules keeps the process alive until it is done, then the
  // process exits with whatever exit code it had. Not in Lambda: there the loop runs dry at the end of every
  // invocation of a callback handler (the runtime waits for that), and the process goes on to the next one; the
  // Lambda helper (wrapLambdaHandler) flushes there instead.
  if (!env['AWS_LAMBDA_RUNTIME_API']) process.once('beforeExit', () => void shutdown());
  for (const signal of SIGNALS) {
    const onSignal = () => {
      if (process.listenerCount(signal) > 0) {
        // The application handles this signal itself and decides how the process ends (it may drain, or ignore the
        // signal): send what is recorded so far, keep the provider for what comes next, and listen again.
        void provider
          .forceFlush()
          .catch(complain('flushing'))
          .finally(() => process.once(signal, onSignal));
        return;
      }
      // No other listener: send everything, then let the signal do what it would have done.
      void shutdown().finally(() => process.kill(process.pid, signal));
    };
    process.once(signal, onSignal);
  }
  return { provider, shutdown };
}

/** Set once per process by whichever copy (CommonJS or ESM) of this entry registered first. */
const REGISTERED = Symbol.for('opentelemetry-exporter-metrics-cloudwatch/register');

const LOG_LEVELS: Record<string, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/** OpenTelemetry's `OTEL_LOG_LEVEL`: with it, the exporter's diagnostics (why an export failed…) go to the console. */
function setLogLevelFromEnv(env: NodeJS.ProcessEnv): void {
  const raw = env['OTEL_LOG_LEVEL']?.trim();
  if (!raw) return;
  const level = LOG_LEVELS[raw.toLowerCase()];
  if (level === undefined) {
    throw new EnvConfigError('OTEL_LOG_LEVEL', `must be one of ${Object.keys(LOG_LEVELS).join(', ')}`, raw);
  }
  diag.setLogger(new DiagConsoleLogger(), level);
}
