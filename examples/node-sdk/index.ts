/*
 * @opentelemetry/sdk-node with HTTP auto-instrumentation: the standard http.server.request.duration and
 * http.client.request.duration histograms go to CloudWatch with no metric code of our own.
 *
 *   npm start   # uses the SDK's usual AWS credentials, region and endpoint settings (e.g. AWS_ENDPOINT_URL_CLOUDWATCH)
 */
import { DiagConsoleLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { createDenyListAttributesProcessor } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { createCloudWatchMetricReader } from 'opentelemetry-exporter-metrics-cloudwatch';

// The exporter prints nothing itself: its warnings (dropped points, failed exports and why) go through diag.
diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);

// The reader with the CloudWatch exporter; what is not given here comes from the environment (see the README).
const reader = createCloudWatchMetricReader({
  namespace: process.env['CW_NAMESPACE'] ?? 'OtelCloudWatch/NodeSdk',
  resourceDimensions: ['service.name'],
  exportIntervalMillis: 1000,
});
const exporter = reader.exporter;
// Every distinct dimension value is a billed series: the port a test server happened to get must not be one.
const ephemeral = createDenyListAttributesProcessor(['server.port', 'server.address']);
const sdk = new NodeSDK({
  serviceName: 'node-sdk-example',
  metricReaders: [reader],
  views: [
    { instrumentName: 'http.server.request.duration', attributesProcessors: [ephemeral] },
    { instrumentName: 'http.client.request.duration', attributesProcessors: [ephemeral] },
  ],
  instrumentations: [new HttpInstrumentation()],
  // Metrics only: no span processors, so the SDK does not start its default OTLP trace exporter.
  spanProcessors: [],
});
sdk.start();

// http must be loaded after sdk.start() so that the instrumentation can patch it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const http = require('node:http') as typeof import('node:http');

const server = http.createServer((req, res) => {
  setTimeout(() => res.writeHead(req.url === '/missing' ? 404 : 200).end('ok'), Math.random() * 20);
});
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address() as { port: number };
  for (let i = 0; i < 50; i++) {
    await new Promise<void>((resolve) =>
      http.get(`http://127.0.0.1:${port}${i % 10 ? '/orders' : '/missing'}`, (res) => res.resume().on('end', resolve)),
    );
  }
  server.close();
  await sdk.shutdown(); // flushes metrics, then shuts the exporter down
  const stats = exporter.getStats();
  console.log(
    `node-sdk example: ${stats.datumsExported} datums in ${stats.requests} requests, ${stats.failedRequests} failed, ${Object.values(stats.discarded).reduce((a, b) => a + b, 0)} datums given up`,
  );
  process.exitCode = stats.failedRequests === 0 && stats.datumsExported > 0 ? 0 : 1;
});
