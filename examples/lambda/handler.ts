/*
 * A Lambda handler that flushes its metrics at the end of every invocation.
 *
 * Why flush per invocation: between invocations Lambda freezes the process, so a periodic reader's timer may
 * not fire for minutes, and a frozen environment can be discarded with its unsent data. Flushing before
 * returning sends each invocation's data while the function is still running.
 *
 * The cost: one PutMetricData request (about 10–30 ms of added duration, and API charges per 1,000 requests)
 * per invocation. For hot, high-rate functions, flush every N invocations or every few seconds instead
 * (`FLUSH_EVERY_MS`), accepting that the last unflushed data of an environment Lambda discards is lost.
 * Everything is created once per execution environment (outside the handler), so warm invocations pay nothing
 * for setup.
 */
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { CloudWatchMetricExporter } from 'opentelemetry-exporter-metrics-cloudwatch';

const exporter = new CloudWatchMetricExporter({
  namespace: process.env['CW_NAMESPACE'] ?? 'OtelCloudWatch/Lambda',
  resourceDimensions: ['faas.name'],
  // Lambda's own time limit is the real bound; keep one flush well inside it.
  timeoutMillis: 5000,
});
// The interval is long on purpose: the handler flushes; the timer is only a safety net.
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000, exportTimeoutMillis: 5000 });
const meterProvider = new MeterProvider({
  resource: resourceFromAttributes({ 'faas.name': process.env['AWS_LAMBDA_FUNCTION_NAME'] ?? 'local-function' }),
  readers: [reader],
});
const meter = meterProvider.getMeter('lambda-example');
const invocations = meter.createCounter('invocations', { unit: '{invocation}' });
const duration = meter.createHistogram('handler.duration', { unit: 'ms' });
const itemsProcessed = meter.createCounter('items.processed', { unit: '{item}' });

const FLUSH_EVERY_MS = Number(process.env['FLUSH_EVERY_MS'] ?? 0);
let lastFlush = 0;

export interface OrderEvent {
  items: number[];
}

export async function handler(event: OrderEvent): Promise<{ total: number }> {
  const started = performance.now();
  try {
    invocations.add(1, { coldStart: lastFlush === 0 ? 'true' : 'false' });
    const total = event.items.reduce((a, b) => a + b, 0);
    itemsProcessed.add(event.items.length);
    return { total };
  } finally {
    duration.record(performance.now() - started);
    const now = Date.now();
    if (now - lastFlush >= FLUSH_EVERY_MS) {
      lastFlush = now;
      // forceFlush collects and exports now; it resolves when CloudWatch answered (or the timeout hit).
      // It never throws for a failed export: the reader logs through diag and the handler's result stands.
      await meterProvider.forceFlush().catch(() => undefined);
    }
  }
}

/** For tests and the local invoker: what the exporter did, and a clean shutdown. */
export const metrics = { exporter, shutdown: () => meterProvider.shutdown() };
