/*
 * Runs handler.mts in a Lambda execution environment on loopback (the Runtime and Extensions APIs, the process
 * frozen between invocations, SIGTERM at the end) against a local CloudWatch, four ways — EMF on stdout (the
 * default in Lambda) and PutMetricData three ways — and prints what each costs per 1,000 invocations: requests,
 * bytes of EMF log, the time invocations spend, and the price of the requests and the log ingestion at list prices.
 * Every order is read back from CloudWatch (EMF lines through the local CloudWatch's EMF extractor).
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

/** List prices (us-east-1): PutMetricData per 1,000 requests; CloudWatch Logs standard ingestion per GB. */
const USD_PER_1000_REQUESTS = 0.01;
const USD_PER_LOG_GB = 0.5;

interface Way {
  way: string;
  exportName: string;
  output: 'emf' | 'putMetricData';
}

interface Measured {
  way: string;
  requests: number;
  logBytes: number;
  durations: number[];
  waited: number;
  landed: number;
}

async function measure(cw: LocalCloudWatch, { way, exportName, output }: Way, n: number): Promise<Measured> {
  const namespace = 'LambdaExample';
  // Each way starts from an empty CloudWatch, so that what is read back is its own.
  await cw.reset();
  // What the function writes to stdout goes to CloudWatch Logs, which extracts the EMF documents: kept during the
  // run and extracted after it, as CloudWatch does it apart from the function (extracting here, in the process that
  // also plays Lambda's APIs, would slow the invocations down).
  const extractor = cw.emfExtractor();
  const stdout: Buffer[] = [];
  const lambda = await LocalLambda.start({
    handler: `${join(__dirname, 'handler.mts')}#${exportName}`,
    onStdout: (chunk) => stdout.push(chunk),
    env: {
      OTEL_EXPORTER_CLOUDWATCH_OUTPUT: output,
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
    extractor.write(Buffer.concat(stdout));
    await extractor.close();
  }
  const requests = cw.puts.filter((p) => p.status === 200).length;
  violations += cw.violations.length + extractor.refused.length;
  const client = cw.client();
  const [landed] = await readMany(client, namespace, 'orders', [{ 'faas.name': 'local-function' }]);
  client.destroy();
  return { way, requests, logBytes: extractor.bytes, durations, waited, landed: landed ?? 0 };
}

let violations = 0;

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const cw = await LocalCloudWatch.start();
  try {
    const ways: Way[] = [
      { way: 'no flush in the invocation (reference)', exportName: 'neverFlushes', output: 'putMetricData' },
      { way: 'EMF: wrapLambdaHandler (the default)', exportName: 'handler', output: 'emf' },
      { way: 'PutMetricData: flush every invocation', exportName: 'flushEveryInvocation', output: 'putMetricData' },
      { way: 'PutMetricData: wrapLambdaHandler (60 s)', exportName: 'handler', output: 'putMetricData' },
    ];
    // A first pass, not shown, so that the first way measured does not also pay for warming up this process.
    await measure(cw, { ...ways[0]!, way: 'warm-up' }, Math.min(100, INVOCATIONS));
    const results: Measured[] = [];
    for (const way of ways) results.push(await measure(cw, way, INVOCATIONS));
    const reference = mean(results[0]!.durations);
    const rows = [
      [
        'way (per 1,000 invocations)',
        'requests',
        'EMF KiB',
        'USD',
        'mean ms',
        'p50 ms',
        'p99 ms',
        'added mean ms',
        'invocations that waited',
        'orders landed',
      ],
      ...results.map((r) => {
        const sorted = [...r.durations].sort((a, b) => a - b);
        const requests = (r.requests * 1000) / INVOCATIONS;
        const logBytes = (r.logBytes * 1000) / INVOCATIONS;
        const usd = (requests / 1000) * USD_PER_1000_REQUESTS + (logBytes / 2 ** 30) * USD_PER_LOG_GB;
        return [
          r.way,
          requests.toFixed(0),
          (logBytes / 1024).toFixed(1),
          usd.toFixed(5),
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
