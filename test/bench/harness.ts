import { AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { CloudWatchClient, type CloudWatchClientConfig } from '@aws-sdk/client-cloudwatch';
import { ValueType, type Attributes } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { Readable } from 'node:stream';
import { CumulativeToDelta } from '../../packages/exporter-metrics-cloudwatch/build/src/translate/CumulativeToDelta';
import { DropReporter } from '../../packages/exporter-metrics-cloudwatch/build/src/stats/DropReporter';
import { translateResourceMetrics } from '../../packages/exporter-metrics-cloudwatch/build/src/translate/translateResourceMetrics';
import { gunzipSync } from 'node:zlib';

/** A request body's bytes. The SDK's JSON bodies are Uint8Arrays with string methods: `Buffer.from(body)` would read
 *  them as text (and the SDK warns when it does). */
const bytes = (body: string | Uint8Array): Buffer =>
  typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);

/** What the in-process "network" saw: one entry per request. */
export interface Captured {
  wireBytes: number;
  gzip: boolean;
  body: Buffer;
}

/**
 * A CloudWatchClient whose network is an in-process handler answering 200 at once (after `delayMs`, if given):
 * everything else — serialization, compression, signing, retries — is the SDK's real code.
 */
export function inProcessClient(
  opts: { delayMs?: number; capture?: Captured[]; cbor?: boolean } = {},
): CloudWatchClient {
  return new CloudWatchClient(inProcessClientConfig(opts));
}

/**
 * The configuration of {@link inProcessClient}, for an exporter to make its client from (as `putMetricDataProtocol:
 * 'cbor'` needs: the exporter then compresses CBOR itself).
 */
export function inProcessClientConfig(
  opts: { delayMs?: number; capture?: Captured[]; cbor?: boolean } = {},
): CloudWatchClientConfig {
  const answer = opts.cbor
    ? { type: 'application/cbor', body: Buffer.from([0xa0]), protocol: { 'smithy-protocol': 'rpc-v2-cbor' } }
    : { type: 'application/x-amz-json-1.0', body: Buffer.from('{}'), protocol: {} };
  return {
    ...(opts.cbor ? { protocol: AwsSmithyRpcV2CborProtocol } : {}),
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' },
    requestMinCompressionSizeBytes: 1024,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { body: Uint8Array | string; headers: Record<string, string> }) => {
        if (opts.capture) {
          const raw = bytes(request.body);
          const gzip = (request.headers['content-encoding'] ?? '').includes('gzip');
          opts.capture.push({ wireBytes: raw.length, gzip, body: gzip ? gunzipSync(raw) : raw });
        }
        if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
        return {
          response: {
            statusCode: 200,
            reason: 'OK',
            headers: { 'content-type': answer.type, 'x-amzn-requestid': 'bench', ...answer.protocol },
            body: Readable.from([answer.body]),
          },
        };
      },
    } as never,
  };
}

const ROUTES = ['/api/orders', '/api/orders/{id}', '/api/cart', '/api/users/{id}', '/health', '/api/payments'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const CODES = [200, 201, 204, 400, 404, 500];

/** Attributes of series `i`: 3 to 6 of them, as an HTTP service's counters carry. */
export function seriesAttributes(i: number, salt = ''): Attributes {
  const a: Attributes = {
    'http.route': ROUTES[i % ROUTES.length]!,
    'http.request.method': METHODS[Math.floor(i / 6) % 4]!,
    'customer.id': `cust-${salt}${i}`,
  };
  if (i % 4 > 0) a['http.response.status_code'] = CODES[i % CODES.length]!;
  if (i % 4 > 1) a['deployment.environment'] = 'production';
  if (i % 4 > 2) a['cloud.availability_zone'] = `us-east-1${'abcdef'[i % 6]}`;
  return a;
}

export function counterMetrics(series: number, salt = ''): MetricData {
  const now = Date.now();
  return {
    descriptor: { name: 'http.server.requests', unit: '{request}', description: '', valueType: ValueType.INT },
    aggregationTemporality: AggregationTemporality.DELTA,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: Array.from({ length: series }, (_, i) => ({
      startTime: millisToHrTime(now - 60_000),
      endTime: millisToHrTime(now),
      attributes: seriesAttributes(i, salt),
      value: (i * 7919) % 1000,
    })),
  };
}

/** Exponential histograms of `buckets` populated buckets each (latency-like, scale 4). */
export function histogramMetrics(series: number, buckets = 60): MetricData {
  const now = Date.now();
  const bound = (k: number) => 2 ** (k / 16);
  return {
    descriptor: { name: 'http.server.request.duration', unit: 'ms', description: '', valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.DELTA,
    dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
    dataPoints: Array.from({ length: series }, (_, i) => {
      const bucketCounts = Array.from({ length: buckets }, (_, k) => 1 + ((k * 31 + i) % 17));
      let sum = 0;
      let count = 0;
      bucketCounts.forEach((c, k) => {
        sum += c * ((bound(k + 40) + bound(k + 41)) / 2);
        count += c;
      });
      return {
        startTime: millisToHrTime(now - 60_000),
        endTime: millisToHrTime(now),
        attributes: seriesAttributes(i),
        value: {
          count,
          sum,
          scale: 4,
          zeroCount: 0,
          positive: { offset: 40, bucketCounts },
          negative: { offset: 0, bucketCounts: [] },
          min: bound(40.5),
          max: bound(40 + buckets - 0.5),
        },
      };
    }),
  };
}

export function resourceMetrics(...metrics: MetricData[]): ResourceMetrics {
  return {
    resource: resourceFromAttributes({ 'service.name': 'bench' }),
    scopeMetrics: [{ scope: { name: 'bench' }, metrics }],
  };
}

/**
 * Medians of several async functions timed in turns (a, b, c, a, b, c, …), in ms: on a machine whose speed drifts
 * during a run, every function sees the same drift, so their ratios hold even when the absolute figures move.
 */
export async function timeInTurns(fns: Array<() => Promise<unknown>>, repeats: number): Promise<number[]> {
  return (await timeAndCpuInTurns(fns, repeats)).wall;
}

/**
 * {@link timeInTurns}, with the median CPU time (ms, user and system, of the whole process: libuv's thread pool,
 * where gzip runs, included) beside the median wall time.
 */
export async function timeAndCpuInTurns(
  fns: Array<() => Promise<unknown>>,
  repeats: number,
): Promise<{ wall: number[]; cpu: number[] }> {
  for (const fn of fns) await fn(); // warm-up
  const times = fns.map((): number[] => []);
  const cpus = fns.map((): number[] => []);
  for (let i = 0; i < repeats; i++) {
    for (let k = 0; k < fns.length; k++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fns[k]!();
      times[k]!.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpus[k]!.push((c.user + c.system) / 1000);
    }
  }
  const median = (t: number[]) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!;
  return { wall: times.map(median), cpu: cpus.map(median) };
}

export function table(rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}

/** The export-cost workloads, the same in every section that compares a path with its floor. */
export function costWorkloads(): Array<[string, ResourceMetrics]> {
  return [
    ['counters, 1k series', resourceMetrics(counterMetrics(1_000))],
    ['counters, 10k series', resourceMetrics(counterMetrics(10_000))],
    ['counters, 50k series', resourceMetrics(counterMetrics(50_000))],
    ['histograms (60 buckets), 1k series', resourceMetrics(histogramMetrics(1_000))],
    ['histograms (60 buckets), 10k series', resourceMetrics(histogramMetrics(10_000))],
  ];
}

/** Translation alone, in one synchronous go (fresh delta state), as the references of the benchmarks need it. */
export function translateAll(
  rm: ResourceMetrics,
  maxValuesPerDatum?: number,
): ReturnType<typeof translateResourceMetrics> {
  return translateResourceMetrics(rm, {
    storageResolution: 60,
    resourceDimensions: [],
    deltas: new CumulativeToDelta(60_000),
    drops: new DropReporter(),
    now: Date.now(),
    ...(maxValuesPerDatum === undefined ? {} : { maxValuesPerDatum }),
  });
}
