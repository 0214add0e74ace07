/*
 * Every instrument kind, exported to CloudWatch.
 *
 *   npm start                       # against AWS: the SDK's usual credentials, region and endpoint settings
 *   AWS_ENDPOINT_URL_CLOUDWATCH=http://127.0.0.1:4566 npm start   # against any CloudWatch-compatible endpoint
 */
import { DiagConsoleLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { CloudWatchMetricExporter } from 'opentelemetry-exporter-metrics-cloudwatch';

// The exporter prints nothing itself: its warnings (dropped points, failed exports and why) go through diag.
diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);

const exporter = new CloudWatchMetricExporter({
  namespace: process.env['CW_NAMESPACE'] ?? 'OtelCloudWatch/Basic',
  resourceDimensions: ['service.name'],
  // One deadline: the exporter's timeout no longer than the reader's, which is at most its interval.
  timeoutMillis: 1000,
});
const meterProvider = new MeterProvider({
  resource: resourceFromAttributes({ 'service.name': 'basic-example' }),
  readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 1000, exportTimeoutMillis: 1000 })],
});
const meter = meterProvider.getMeter('basic-example');

// Counter: CloudWatch receives the increase of each interval (Sum per period = requests in that period).
const requests = meter.createCounter('requests', { unit: '{request}' });
// UpDownCounter: published as its current level.
const queueDepth = meter.createUpDownCounter('queue.depth', { unit: '{job}' });
// Histogram: an exponential histogram, published as Values/Counts with exact Min/Max/Sum/SampleCount.
const latency = meter.createHistogram('request.duration', { unit: 'ms' });
// Gauge: the last value recorded.
const temperature = meter.createGauge('cpu.temperature', { unit: 'Cel' });
// Observable instruments are read at each export.
meter.createObservableGauge('heap.used', { unit: 'By' }).addCallback((r) => r.observe(process.memoryUsage().heapUsed));
let served = 0;
meter.createObservableCounter('jobs.served', { unit: '{job}' }).addCallback((r) => r.observe(served));
meter.createObservableUpDownCounter('connections', { unit: '{connection}' }).addCallback((r) => r.observe(3));

const timer = setInterval(() => {
  const route = Math.random() < 0.7 ? '/orders' : '/cart';
  requests.add(1, { route });
  latency.record(5 + Math.random() * 100, { route });
  queueDepth.add(Math.random() < 0.5 ? 1 : -1);
  temperature.record(40 + Math.random() * 20);
  served++;
}, 20);

setTimeout(
  async () => {
    clearInterval(timer);
    await meterProvider.shutdown(); // flushes the last interval
    const stats = exporter.getStats();
    console.log(
      `basic example: ${stats.datumsExported} datums in ${stats.requests} requests, ${stats.failedRequests} failed, ${Object.values(stats.discarded).reduce((a, b) => a + b, 0)} datums given up`,
    );
    process.exitCode = stats.failedRequests === 0 && stats.datumsExported > 0 ? 0 : 1;
  },
  Number(process.env['RUN_MILLIS'] ?? 3000),
);
