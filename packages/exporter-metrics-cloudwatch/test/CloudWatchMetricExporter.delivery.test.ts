import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { readMany, useLocalCloudWatch } from '@otel-cloudwatch/local-cloudwatch';
import { diag, DiagLogLevel, ValueType, type Attributes } from '@opentelemetry/api';
import { ExportResultCode, millisToHrTime, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { expect } from 'chai';
import { CloudWatchMetricExporter, type CloudWatchMetricExporterOptions } from '../src';

function counterMetric(name: string, points: Array<[number, Attributes]>): MetricData {
  const now = Date.now();
  return {
    descriptor: { name, unit: '{request}', description: '', valueType: ValueType.INT },
    aggregationTemporality: AggregationTemporality.DELTA,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: points.map(([value, attributes]) => ({
      startTime: millisToHrTime(now - 60_000),
      endTime: millisToHrTime(now),
      attributes,
      value,
    })),
  };
}

/** An exponential histogram point with `buckets` one-sample buckets at scale 5 starting from 1. */
function wideHistogram(name: string, series: number, buckets: number): MetricData {
  const now = Date.now();
  const bound = (i: number) => 2 ** (i / 32);
  let sum = 0;
  for (let i = 0; i < buckets; i++) sum += (bound(i) + bound(i + 1)) / 2;
  return {
    descriptor: { name, unit: 'ms', description: '', valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.DELTA,
    dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
    dataPoints: Array.from({ length: series }, (_, s) => ({
      startTime: millisToHrTime(now - 60_000),
      endTime: millisToHrTime(now),
      attributes: { series: `s${s}`, route: `/api/v1/resource/${s % 17}`, method: 'GET' },
      value: {
        count: buckets,
        sum,
        scale: 5,
        zeroCount: 0,
        positive: { offset: 0, bucketCounts: Array.from({ length: buckets }, () => 1) },
        negative: { offset: 0, bucketCounts: [] },
        min: bound(0.5),
        max: bound(buckets - 0.5),
      },
    })),
  };
}

const resourceMetrics = (...metrics: MetricData[]): ResourceMetrics => ({
  resource: resourceFromAttributes({ 'service.name': 'delivery' }),
  scopeMetrics: [{ scope: { name: 'delivery-test' }, metrics }],
});

const exportOnce = (exporter: CloudWatchMetricExporter, rm: ResourceMetrics) =>
  new Promise<ExportResult>((resolve) => exporter.export(rm, resolve));

describe('CloudWatchMetricExporter delivery (packing, gzip, retries, isolation, lifecycle)', function () {
  this.timeout(60_000);
  const cw = useLocalCloudWatch();
  let n = 0;
  const exporters: CloudWatchMetricExporter[] = [];
  function exporter(extra: Partial<CloudWatchMetricExporterOptions> = {}) {
    const namespace = `Delivery${++n}`;
    const e = new CloudWatchMetricExporter({ namespace, clientConfig: cw().clientConfig(), ...extra });
    exporters.push(e);
    return { namespace, exporter: e };
  }
  beforeEach(() => cw().reset());
  afterEach(async () => {
    await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
    // Refusals set up with refuseDatums are CloudWatch's answer to a bad datum, not a rule the exporter broke.
    expect(
      cw().violations.map((r) => r.violation),
      'front-door violations',
    ).to.deep.equal([]);
  });

  /** The stored Sum of each series of `calls`, in the order of `points`. */
  async function readSums(namespace: string, points: Array<[number, Attributes]>): Promise<number[]> {
    const client = cw().client();
    try {
      return await readMany(
        client,
        namespace,
        'calls',
        points.map(([, a]) => a as Record<string, string>),
      );
    } finally {
      client.destroy();
    }
  }

  const seriesPoints = (count: number): Array<[number, Attributes]> =>
    Array.from({ length: count }, (_, i) => [i + 1, { customer: `c${i}`, plan: i % 2 ? 'pro' : 'free' }]);

  it('sends 2,500 series in exactly 3 requests, all accepted, every value read back', async () => {
    const { namespace, exporter: e } = exporter();
    const points = seriesPoints(2500);
    const result = await exportOnce(e, resourceMetrics(counterMetric('calls', points)));
    expect(result.code).to.equal(ExportResultCode.SUCCESS);
    expect(cw().puts.map((r) => r.status)).to.deep.equal([200, 200, 200]);
    // Requests are sent concurrently and may finish in any order.
    const sizes = cw().puts.map((r) => (r.input as { MetricData: unknown[] }).MetricData.length);
    expect(sizes.sort((a, b) => b - a)).to.deep.equal([1000, 1000, 500]);
    expect(cw().violations).to.deep.equal([]);
    expect(await readSums(namespace, points)).to.deep.equal(points.map(([v]) => v));
    const stats = e.getStats();
    expect(stats).to.include({ requests: 3, datumsExported: 2500, failedRequests: 0, retries: 0 });
  });

  it('splits a histogram-heavy export by size: every request ≤ 1 MB uncompressed, none refused', async () => {
    const { exporter: e } = exporter();
    // 700 series × 140 values: about 3 MB of JSON, under the 1000-datum limit, so only the size limit binds.
    const result = await exportOnce(e, resourceMetrics(wideHistogram('latency', 700, 140)));
    expect(result.code).to.equal(ExportResultCode.SUCCESS);
    const puts = cw().puts;
    expect(puts.length).to.be.at.least(3);
    for (const p of puts) {
      expect(p.status).to.equal(200);
      expect(p.decodedBytes).to.be.at.most(1_000_000);
    }
    // Greedy packing fills every request but the last close to the limit (requests finish in any order).
    const sizes = puts.map((p) => p.decodedBytes).sort((a, b) => b - a);
    for (const size of sizes.slice(0, -1)) expect(size).to.be.above(990_000);
    expect(puts.reduce((a, p) => a + (p.input as { MetricData: unknown[] }).MetricData.length, 0)).to.equal(700);
    expect(e.getStats().uncompressedBytes).to.equal(puts.reduce((a, p) => a + p.decodedBytes, 0));
  });

  it('gzips every request above the threshold, signed over the compressed bytes, ≥ 10× smaller', async () => {
    const { exporter: e } = exporter();
    await exportOnce(e, resourceMetrics(counterMetric('calls', seriesPoints(1500))));
    const puts = cw().puts;
    expect(puts).to.have.length(2);
    for (const p of puts) {
      expect(p.gzip, 'gzip').to.equal(true);
      expect(p.status, 'signature and rules accepted').to.equal(200);
      expect(p.decodedBytes / p.wireBytes).to.be.at.least(10);
    }
    const stats = e.getStats();
    expect(stats.compressedRequests).to.equal(2);
    expect(stats.wireBytes).to.equal(puts.reduce((a, p) => a + p.wireBytes, 0));
  });

  it('sends a small request uncompressed (below the threshold)', async () => {
    const { exporter: e } = exporter();
    await exportOnce(e, resourceMetrics(counterMetric('calls', seriesPoints(2))));
    expect(cw().puts.map((r) => r.gzip)).to.deep.equal([false]);
    expect(cw().puts[0]!.decodedBytes).to.be.below(1024);
  });

  it('respects the compression setting of a client the user brings', async () => {
    const client = cw().client({ disableRequestCompression: true });
    const { exporter: e } = exporter({ client });
    await exportOnce(e, resourceMetrics(counterMetric('calls', seriesPoints(500))));
    expect(cw().puts.map((r) => r.gzip)).to.deep.equal([false]);
    client.destroy();
  });

  it('lands every value exactly once through 503, Throttling and dropped connections', async () => {
    // Small requests (64 KiB) so that a few hundred series make several requests.
    const { namespace, exporter: e } = exporter({ concurrency: 1, maxRequestBytes: 65_536 });
    cw().injectFaults(
      { status: 503, code: 'ServiceUnavailable' },
      { status: 400, code: 'Throttling', message: 'Rate exceeded' },
      { drop: true },
    );
    const points = seriesPoints(1200);
    const result = await exportOnce(e, resourceMetrics(counterMetric('calls', points)));
    expect(result.code).to.equal(ExportResultCode.SUCCESS);
    const statuses = cw().puts.map((r) => r.status);
    expect(statuses.slice(0, 4)).to.deep.equal([503, 400, 0, 200]);
    expect(statuses.slice(4).every((s) => s === 200)).to.equal(true);
    // Every value is at least 1, so a datum stored twice would show in its sum.
    expect(await readSums(namespace, points)).to.deep.equal(points.map(([v]) => v));
    expect(e.getStats()).to.include({ retries: 3, requests: statuses.length - 3, failedRequests: 0 });
    expect(statuses.length - 3).to.be.at.least(3);
  });

  it('reports FAILED when a request still fails after every attempt, keeps it, and lands it at the next export', async () => {
    const { namespace, exporter: e } = exporter({ retry: { maxAttempts: 2, baseDelayMillis: 1 } });
    cw().injectFaults({ status: 503, code: 'ServiceUnavailable' }, { status: 503, code: 'ServiceUnavailable' });
    const points = seriesPoints(3);
    const result = await exportOnce(e, resourceMetrics(counterMetric('calls', points)));
    expect(result.code).to.equal(ExportResultCode.FAILED);
    expect(result.error!.message).to.match(/^1 request \(3 datums\) did not land yet \(ServiceUnavailable/);
    expect(e.getStats()).to.include({ failedRequests: 1, failedExports: 1, retries: 1, bufferedRequests: 1 });
    expect(e.getStats().retryBuffer.requests).to.equal(1);
    const next = await exportOnce(e, resourceMetrics(counterMetric('other', [[1, {}]])));
    expect(next.code).to.equal(ExportResultCode.SUCCESS);
    expect(e.getStats()).to.include({ resentRequests: 1, datumsExported: 4 });
    expect(await readSums(namespace, points)).to.deep.equal(points.map(([v]) => v));
  });

  it('isolates a datum CloudWatch refuses: the others land, a diag error names it', async () => {
    const errors: string[] = [];
    diag.setLogger(
      {
        error: (...args) => void errors.push(args.join(' ')),
        warn: () => {},
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      DiagLogLevel.ERROR,
    );
    const { namespace, exporter: e } = exporter();
    cw().frontDoor.refuseDatums((d) => (d['MetricName'] === 'poison' ? 'poison is not allowed' : undefined));
    const points = seriesPoints(999);
    const result = await exportOnce(
      e,
      resourceMetrics(counterMetric('calls', points), counterMetric('poison', [[1, {}]])),
    );
    diag.disable();
    expect(result.code).to.equal(ExportResultCode.SUCCESS);
    expect(errors.some((m) => m.includes('"poison"') && m.includes('poison is not allowed'))).to.equal(true);
    expect(await readSums(namespace, points)).to.deep.equal(points.map(([v]) => v));
    const stats = e.getStats();
    expect(stats.dropped['rejected-by-cloudwatch']).to.equal(1);
    // About 2·log2(1000) extra requests, never more than the budget.
    expect(stats.isolationRequests).to.be.within(2, 2 * Math.ceil(Math.log2(1000)));
    // Accepted batches were never sent again.
    const accepted = cw()
      .puts.filter((r) => r.status === 200)
      .flatMap((r) => (r.input as { MetricData: MetricDatum[] }).MetricData);
    expect(accepted).to.have.length(999);
  });

  it('a refusal of the request itself (it names no datum, and both halves get it): two requests, not one per datum', async () => {
    const { exporter: e } = exporter();
    cw().frontDoor.refuseRequests(() => 'Requests from this account are refused');
    const result = await exportOnce(e, resourceMetrics(counterMetric('calls', seriesPoints(300))));
    expect(result.code).to.equal(ExportResultCode.FAILED);
    expect(result.error?.message).to.match(/refused the request itself, not a datum in it .*300 datums given up/);
    const stats = e.getStats();
    expect(stats.isolationRequests).to.equal(2);
    expect(stats.discarded.fatal).to.equal(300);
    expect(stats.dropped['rejected-by-cloudwatch']).to.equal(0);
    expect(cw().puts).to.have.length(3);
  });

  it('two bad datums at the same place of each half are still isolated (a refusal naming a datum is about it)', async () => {
    const { namespace, exporter: e } = exporter();
    // The first datum of each half of 1,000: both halves are refused naming member 1.
    cw().frontDoor.refuseDatums((d) => (d['Value'] === 1 || d['Value'] === 501 ? 'poisoned' : undefined));
    const points = seriesPoints(1000);
    const result = await exportOnce(e, resourceMetrics(counterMetric('calls', points)));
    expect(result.code).to.equal(ExportResultCode.SUCCESS);
    expect(e.getStats().dropped['rejected-by-cloudwatch']).to.equal(2);
    const sums = await readSums(namespace, points);
    expect(sums.filter((v) => v !== 0)).to.have.length(998);
  });

  it('honours its timeout: a request slower than it fails the export cleanly', async () => {
    const { exporter: e } = exporter({ timeoutMillis: 300, clientConfig: cw().clientConfig({ maxAttempts: 1 }) });
    cw().injectFaults({ delayMs: 2000 });
    const t0 = Date.now();
    const result = await exportOnce(e, resourceMetrics(counterMetric('calls', seriesPoints(3))));
    expect(Date.now() - t0).to.be.below(1500);
    expect(result.code).to.equal(ExportResultCode.FAILED);
  });

  it('shutdown during an export waits for it, then refuses further exports, without unhandled rejections', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown) => unhandled.push(r);
    process.on('unhandledRejection', onUnhandled);
    const { exporter: e } = exporter();
    cw().injectFaults({ delayMs: 400 });
    const pending = exportOnce(e, resourceMetrics(counterMetric('calls', seriesPoints(10))));
    await new Promise((r) => setTimeout(r, 50));
    await e.shutdown();
    const first = await pending;
    expect(first.code).to.equal(ExportResultCode.SUCCESS);
    const late = await exportOnce(e, resourceMetrics(counterMetric('calls', seriesPoints(1))));
    expect(late.code).to.equal(ExportResultCode.FAILED);
    await new Promise((r) => setTimeout(r, 50));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).to.deep.equal([]);
    expect(cw().puts).to.have.length(1);
  });

  it('forceFlush waits for the export in flight', async () => {
    const { exporter: e } = exporter();
    cw().injectFaults({ delayMs: 300 });
    let done = false;
    e.export(resourceMetrics(counterMetric('calls', seriesPoints(2))), () => (done = true));
    await e.forceFlush();
    expect(done).to.equal(true);
  });
});
