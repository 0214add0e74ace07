/*
 * A Lambda function (an ES module, as `index.mjs` would be) whose metrics reach CloudWatch without a request: in
 * Lambda the exporter writes them as EMF lines on stdout, which CloudWatch Logs extracts, and wrapLambdaHandler
 * writes them at the end of every invocation, so nothing recorded waits in a process Lambda may end without warning.
 * With OTEL_EXPORTER_CLOUDWATCH_OUTPUT=putMetricData it sends PutMetricData instead, once a minute, and flushes the
 * rest when Lambda ends the environment (it registers an internal extension so that Lambda sends SIGTERM first).
 * Everything is created once per execution environment, outside the handler.
 */
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createCloudWatchMetricReader, wrapLambdaHandler } from 'opentelemetry-exporter-metrics-cloudwatch';

const reader = createCloudWatchMetricReader({
  namespace: process.env['CW_NAMESPACE'] ?? 'OtelCloudWatch/Lambda',
  resourceDimensions: ['faas.name'],
  // The wrapper flushes: the reader's own timer should never fire in a function that Lambda freezes.
  exportIntervalMillis: 86_400_000,
  // Well inside the function's timeout (the wrapper also stops waiting before the invocation's time runs out).
  exportTimeoutMillis: 5000,
});
const meterProvider = new MeterProvider({
  resource: resourceFromAttributes({ 'faas.name': process.env['AWS_LAMBDA_FUNCTION_NAME'] ?? 'local-function' }),
  readers: [reader],
});
const meter = meterProvider.getMeter('lambda-example');
const orders = meter.createCounter('orders', { unit: '{order}' });
const orderValue = meter.createHistogram('order.value', { unit: 'USD' });

export interface OrderEvent {
  items: number[];
}

async function placeOrder(event: OrderEvent): Promise<{ total: number }> {
  const total = event.items.reduce((a, b) => a + b, 0);
  orders.add(1);
  orderValue.record(total);
  return { total };
}

export const handler = wrapLambdaHandler(placeOrder, { meterProvider });
// An ES module awaits the registration at its top level, so that it is over before Lambda's Init is.
await handler.ready;

/** For invoke.ts's comparison only: the same function flushing after every invocation, and not flushing at all. */
export const flushEveryInvocation = wrapLambdaHandler(placeOrder, { meterProvider, flushIntervalMillis: 0 });
export const neverFlushes = placeOrder;
export const stats = () => reader.exporter.getStats();
