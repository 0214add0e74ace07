/*
 * An application that knows nothing of CloudWatch: it records through the OpenTelemetry API, as instrumentation
 * libraries do. The register entry, loaded by the start script, sends what it records:
 *
 *   OTEL_EXPORTER_CLOUDWATCH_NAMESPACE=MyApp OTEL_SERVICE_NAME=orders npm start
 *
 * (region, credentials and endpoint as the AWS SDK always finds them). It ends on its own; what it recorded since
 * the last export is sent on the way out, and so it would be on SIGTERM.
 */
import { metrics } from '@opentelemetry/api';
import { createServer, get } from 'node:http';

const meter = metrics.getMeter('zero-code-example');
const handled = meter.createCounter('orders.handled', { unit: '{order}' });
const duration = meter.createHistogram('orders.duration', { unit: 'ms' });

const server = createServer((req, res) => {
  const started = performance.now();
  setTimeout(() => {
    const status = req.url === '/missing' ? 404 : 200;
    res.writeHead(status).end('ok');
    handled.add(1, { 'http.response.status_code': status });
    duration.record(performance.now() - started, { 'http.response.status_code': status });
  }, Math.random() * 20);
});

server.listen(0, '127.0.0.1', async () => {
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  for (let i = 0; i < 30; i++) {
    await new Promise((resolve) =>
      get(`http://127.0.0.1:${port}${i % 10 ? '/orders' : '/missing'}`, (res) => res.resume().on('end', resolve)),
    );
  }
  server.close();
  console.log('zero-code example: 30 requests handled');
});
