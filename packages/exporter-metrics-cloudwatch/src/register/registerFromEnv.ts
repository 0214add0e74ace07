/* eslint-disable no-console -- the one place the library writes to stderr: the register entry, asked for by name on
   the command line, tells a misconfiguration in one line (diag is usually off at that point) */
import { metrics } from '@opentelemetry/api';
import { defaultResource, detectResources } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
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
  let reader;
  let detectors;
  try {
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
  let done: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (done ??= provider.shutdown().catch((err: unknown) => {
      console.error(`${PREFIX}: shutting down failed: ${err instanceof Error ? err.message : String(err)}`);
    }));
  // Once the event loop runs dry: the work the flush schedules keeps the process alive until it is done, then the
  // process exits with whatever exit code it had.
  process.once('beforeExit', () => void shutdown());
  for (const signal of SIGNALS) {
    process.once(signal, () => {
      // Another listener means the application handles this signal itself: flush, and leave the ending to it.
      const handledByApp = process.listenerCount(signal) > 0;
      void shutdown().finally(() => {
        if (!handledByApp) process.kill(process.pid, signal); // no listener left: the signal's default action
      });
    });
  }
  return { provider, shutdown };
}
