/*
 * What the register entry adds to a process's start, not on AWS: a Node process that records one value and ends,
 * started with and without `--import …/register` (its flush at exit goes to a loopback server that accepts at
 * once), alternated, median of several runs each. Resource detection itself is timed in-process.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { table } from './harness';

const root = join(__dirname, '..', '..');
const APP = "require('@opentelemetry/api').metrics.getMeter('m').createCounter('c').add(1)";

function once(args: string[], endpoint: string): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...args, '-e', APP], {
    cwd: root,
    stdio: 'ignore',
    env: {
      ...process.env,
      OTEL_EXPORTER_CLOUDWATCH_NAMESPACE: 'Bench',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'a',
      AWS_SECRET_ACCESS_KEY: 'b',
      AWS_ENDPOINT_URL_CLOUDWATCH: endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error(`node ${args.join(' ')} exited ${code}`)),
    ),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function startup(): Promise<string> {
  let puts = 0;
  const server = createServer((req, res) => {
    req.resume().once('end', () => {
      puts++;
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const plain: number[] = [];
  const registered: number[] = [];
  try {
    for (let i = 0; i < 9; i++) {
      plain.push(await once([], endpoint));
      registered.push(await once(['--import', 'opentelemetry-exporter-metrics-cloudwatch/register'], endpoint));
    }
  } finally {
    server.close();
  }
  if (puts !== 9) throw new Error(`expected 9 PutMetricData requests, one per registered run; got ${puts}`);
  const { detectResources } = await import('@opentelemetry/resources');
  const { resourceDetectorsFromEnv } =
    await import('../../packages/exporter-metrics-cloudwatch/build/src/config/resourceDetectors.js');
  const detect: number[] = [];
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    const r = detectResources({ detectors: resourceDetectorsFromEnv({}) });
    await r.waitForAsyncAttributes?.();
    detect.push(performance.now() - t0);
  }
  return table([
    ['process that records one value and ends', 'median ms (9 runs)'],
    ['node (reference)', median(plain).toFixed(0)],
    ['node --import …/register (load, detect, export at exit)', median(registered).toFixed(0)],
    ['resource detection alone (default detectors, not on AWS)', median(detect).toFixed(1)],
  ]);
}
