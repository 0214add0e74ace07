/*
 * Runs handler.mts in a Lambda execution environment on loopback (the Runtime and Extensions APIs, the process
 * frozen between invocations, SIGTERM at the end) against a local CloudWatch, three ways, and prints what each
 * costs: requests per 1,000 invocations and the time invocations spend. Every order is read back from CloudWatch.
 *
 *   npm start                    # 1,000 invocations per way
 *   INVOCATIONS=100 npm start
 */
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  LocalCloudWatch,
  LocalLambda,
  readMany,
} from '@otel-cloudwatch/local-cloudwatch';
import { join } from 'node:path';

const INVOCATIONS = Number(process.env['INVOCATIONS'] ?? 1000);

interface Measured {
  way: string;
  requests: number;
  durations: number[];
  waited: number;
  landed: number;
}

async function measure(cw: LocalCloudWatch, way: string, exportName: string, n: number): Promise<Measured> {
  const namespace = 'LambdaExample';
  // Each way starts from an empty CloudWatch, so that what is read back is its own.
  await cw.reset();
  const lambda = await LocalLambda.start({
    handler: `${join(__dirname, 'handler.mts')}#${exportName}`,
    env: {
      CW_NAMESPACE: namespace,
      AWS_ENDPOINT_URL_CLOUDWATCH: cw.endpoint,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: LOCAL_REGION,
    },
  });
  const durations: number[] = [];
  let waited = 0;
  try {
    for (let i = 0; i < n; i++) {
      const inv = await lambda.invoke({ items: [1, 2, 3, i] });
      if (inv.error) throw new Error(`invocation ${i} failed: ${JSON.stringify(inv.error)}`);
      durations.push(inv.durationMillis);
      const puts = cw.puts;
      if (puts.some((p) => p.receivedAt >= inv.startedAt && p.receivedAt <= inv.respondedAt)) waited++;
    }
  } finally {
    await lambda.shutdown();
  }
  const requests = cw.puts.filter((p) => p.status === 200).length;
  violations += cw.violations.length;
  const client = cw.client();
  const [landed] = await readMany(client, namespace, 'orders', [{ 'faas.name': 'local-function' }]);
  client.destroy();
  return { way, requests, durations, waited, landed: landed ?? 0 };
}

let violations = 0;

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const cw = await LocalCloudWatch.start();
  try {
    const ways: Array<[string, string]> = [
      ['no flush in the invocation (reference; SIGTERM flushes)', 'neverFlushes'],
      ['flush after every invocation', 'flushEveryInvocation'],
      ['wrapLambdaHandler (defaults: 60 s)', 'handler'],
    ];
    // A first pass, not shown, so that the first way measured does not also pay for warming up this process.
    await measure(cw, 'warm-up', 'neverFlushes', Math.min(100, INVOCATIONS));
    const results: Measured[] = [];
    for (const [way, name] of ways) results.push(await measure(cw, way, name, INVOCATIONS));
    const reference = mean(results[0]!.durations);
    const rows = [
      [
        'way',
        'requests per 1,000 invocations',
        'mean ms',
        'p50 ms',
        'p99 ms',
        'added mean ms',
        'invocations that waited',
        'orders landed',
      ],
      ...results.map((r) => {
        const sorted = [...r.durations].sort((a, b) => a - b);
        return [
          r.way,
          ((r.requests * 1000) / INVOCATIONS).toFixed(0),
          mean(r.durations).toFixed(2),
          quantile(sorted, 0.5).toFixed(2),
          quantile(sorted, 0.99).toFixed(2),
          (mean(r.durations) - reference).toFixed(2),
          String(r.waited),
          `${r.landed} of ${INVOCATIONS}`,
        ];
      }),
    ];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
    console.log(`${INVOCATIONS} invocations each, local CloudWatch and Lambda on loopback (node ${process.version}):`);
    for (const row of rows)
      console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    const lost = results.filter((r) => r.landed !== INVOCATIONS);
    if (lost.length > 0 || violations > 0) {
      console.error(`not every order landed (${lost.map((r) => r.way).join(', ')}) or ${violations} requests refused`);
      process.exitCode = 1;
    }
  } finally {
    await cw.stop();
  }
}

void main();
