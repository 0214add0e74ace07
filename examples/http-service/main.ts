/*
 * The instrumented service on its own, exporting to CloudWatch, under generated load.
 *   npm start   # uses the SDK's usual AWS credentials, region and endpoint settings (e.g. AWS_ENDPOINT_URL_CLOUDWATCH)
 */
import { DiagConsoleLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { CloudWatchMetricExporter } from 'opentelemetry-exporter-metrics-cloudwatch';
import { generateLoad, startService } from './service';

// The exporter prints nothing itself: its warnings (dropped points, failed exports and why) go through diag.
diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);

async function main(): Promise<void> {
  const exporter = new CloudWatchMetricExporter({
    namespace: process.env['CW_NAMESPACE'] ?? 'OtelCloudWatch/HttpService',
    resourceDimensions: ['service.name'],
    // One deadline: the exporter's timeout no longer than the reader's, which is at most its interval.
    timeoutMillis: 2000,
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'toy-shop' }),
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 2000, exportTimeoutMillis: 2000 })],
  });
  const service = await startService(provider.getMeter('toy-shop'));
  const sent = await generateLoad(service.url, Date.now() + Number(process.env['RUN_MILLIS'] ?? 5000));
  await service.close();
  await provider.shutdown();
  const stats = exporter.getStats();
  console.log(
    `http-service example: ${sent} requests served; ${stats.datumsExported} datums in ${stats.requests} PutMetricData requests, ${stats.failedRequests} failed, ${Object.values(stats.discarded).reduce((a, b) => a + b, 0)} datums given up`,
  );
  process.exitCode = stats.failedRequests === 0 && stats.datumsExported > 0 ? 0 : 1;
}

void main();
