import { readMany, useLocalCloudWatch } from '@otel-cloudwatch/local-cloudwatch';
import { ValueType } from '@opentelemetry/api';
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
import { captureDiag, latencyHistograms } from './helpers';

/*
 * PutMetricData in Smithy RPC v2 CBOR (putMetricDataProtocol: 'cbor') against the local CloudWatch, whose front door
 * decodes CBOR strictly and stores what it says in moto: values read back exactly, every fault path of the JSON
 * path, and the fallback to JSON when the endpoint does not speak CBOR, with nothing lost or stored twice.
 */

const BUCKETS = 60;

/** Delta counters (one point per series, value `s + 1`) and exponential histograms (3 per series when asked). */
function workload(series: number, histograms = 0): ResourceMetrics {
  const now = Date.now();
  const time = { startTime: millisToHrTime(now - 60_000), endTime: millisToHrTime(now) };
  const calls: MetricData = {
    descriptor: { name: 'calls', unit: '{call}', description: '', valueType: ValueType.INT },
    aggregationTemporality: AggregationTemporality.DELTA,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: Array.from({ length: series }, (_, s) => ({ ...time, attributes: { series: `s${s}` }, value: s + 1 })),
  };
  const latency = latencyHistograms(histograms, BUCKETS);
  return {
    resource: resourceFromAttributes({ 'service.name': 'cbor' }),
    scopeMetrics: [{ scope: { name: 'cbor-test' }, metrics: histograms > 0 ? [calls, latency] : [calls] }],
  };
}

const exportOnce = (exporter: CloudWatchMetricExporter, rm: ResourceMetrics) =>
  new Promise<ExportResult>((resolve) => exporter.export(rm, resolve));

describe('CloudWatchMetricExporter with putMetricDataProtocol: cbor', function () {
  this.timeout(120_000);
  const cw = useLocalCloudWatch();
  const warnings = captureDiag();
  let n = 0;
  const exporters: CloudWatchMetricExporter[] = [];
  function exporter(extra: Partial<CloudWatchMetricExporterOptions> = {}) {
    const namespace = `Cbor${++n}`;
    const e = new CloudWatchMetricExporter({
      namespace,
      clientConfig: cw().clientConfig(),
      putMetricDataProtocol: 'cbor',
      retry: { baseDelayMillis: 5, maxDelayMillis: 40 },
      timeoutMillis: 10_000,
      ...extra,
    });
    exporters.push(e);
    return { namespace, exporter: e };
  }
  beforeEach(async () => {
    await cw().reset();
    cw().frontDoor.setCbor(true);
  });
  afterEach(async () => {
    cw().frontDoor.setCbor(true);
    await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
    expect(
      cw().violations.map((r) => r.violation),
      'front-door violations',
    ).to.deep.equal([]);
  });

  async function read(
    namespace: string,
    metric: string,
    series: number,
    stat: 'SampleCount' | 'Sum' | 'Minimum' | 'Maximum',
  ): Promise<number[]> {
    const client = cw().client();
    try {
      const dims = Array.from({ length: series }, (_, s) => ({ series: `s${s}` }));
      return await readMany(client, namespace, metric, dims, stat);
    } finally {
      client.destroy();
    }
  }
  const expectedCalls = (series: number) => Array.from({ length: series }, (_, s) => s + 1);

  it('sends CBOR, gzipped, and every counter and histogram statistic reads back exactly', async () => {
    const { namespace, exporter: e } = exporter();
    const result = await exportOnce(e, workload(300, 40));
    expect(result.code).to.equal(ExportResultCode.SUCCESS);
    const puts = cw().puts;
    expect(puts.length).to.be.greaterThan(0);
    expect(puts.every((r) => r.protocol === 'cbor' && r.gzip && r.status === 200)).to.equal(true);
    expect(await read(namespace, 'calls', 300, 'Sum')).to.deep.equal(expectedCalls(300));
    expect(await read(namespace, 'calls', 300, 'SampleCount')).to.deep.equal(Array(300).fill(1));
    const rm = workload(0, 40);
    const points = (
      rm.scopeMetrics[0]!.metrics[1]!.dataPoints as unknown as Array<{ value: Record<string, number> }>
    ).map((p) => p.value);
    expect(await read(namespace, 'latency', 40, 'SampleCount')).to.deep.equal(points.map((v) => v['count']));
    const sums = await read(namespace, 'latency', 40, 'Sum');
    sums.forEach((s, i) => expect(s).to.be.closeTo(points[i]!['sum']!, 1e-9 * points[i]!['sum']!));
    expect(await read(namespace, 'latency', 40, 'Minimum')).to.deep.equal(points.map((v) => v['min']));
    expect(await read(namespace, 'latency', 40, 'Maximum')).to.deep.equal(points.map((v) => v['max']));
    const stats = e.getStats();
    expect(stats.datumsExported).to.equal(340);
    expect(stats.wireBytes).to.be.lessThan(stats.uncompressedBytes);
  });

  it('compresses CBOR itself as the client is configured: from requestMinCompressionSizeBytes, not when disabled', async () => {
    const small = workload(2);
    const defaults = exporter();
    const always = exporter({ clientConfig: cw().clientConfig({ requestMinCompressionSizeBytes: 0 }) });
    const never = exporter({ clientConfig: cw().clientConfig({ disableRequestCompression: true }) });
    const big = workload(300, 40);
    for (const [e, rm] of [
      [defaults, small],
      [always, small],
      [never, big],
    ] as const) {
      expect((await exportOnce(e.exporter, rm)).code).to.equal(ExportResultCode.SUCCESS);
    }
    const gzipOf = (namespace: string) =>
      cw()
        .puts.filter((r) => (r.input as { Namespace: string }).Namespace === namespace)
        .map((r) => r.gzip);
    expect(gzipOf(defaults.namespace)).to.deep.equal([false]);
    expect(gzipOf(always.namespace)).to.deep.equal([true]);
    expect(gzipOf(never.namespace).every((g) => !g)).to.equal(true);
    // (Series s0 and s1 are in the three namespaces: moto's GetMetricData adds them up across namespaces.)
    expect((await read(never.namespace, 'calls', 300, 'Sum')).slice(2)).to.deep.equal(expectedCalls(300).slice(2));
  });

  it('leaves CBOR uncompressed when the environment says so (AWS_DISABLE_REQUEST_COMPRESSION), as the SDK would', async () => {
    const before = process.env['AWS_DISABLE_REQUEST_COMPRESSION'];
    process.env['AWS_DISABLE_REQUEST_COMPRESSION'] = 'true';
    try {
      const { namespace, exporter: e } = exporter();
      expect((await exportOnce(e, workload(300))).code).to.equal(ExportResultCode.SUCCESS);
      const puts = cw().puts.filter((r) => (r.input as { Namespace: string }).Namespace === namespace);
      expect(puts.length).to.be.greaterThan(0);
      expect(puts.every((r) => r.protocol === 'cbor' && !r.gzip)).to.equal(true);
      expect(e.getStats().compressedRequests).to.equal(0);
    } finally {
      if (before === undefined) delete process.env['AWS_DISABLE_REQUEST_COMPRESSION'];
      else process.env['AWS_DISABLE_REQUEST_COMPRESSION'] = before;
    }
  });

  it('stores what the JSON path stores for the same export', async () => {
    const rm = workload(50, 10);
    const cbor = exporter();
    const json = exporter({ putMetricDataProtocol: 'json' });
    expect((await exportOnce(cbor.exporter, rm)).code).to.equal(ExportResultCode.SUCCESS);
    expect((await exportOnce(json.exporter, rm)).code).to.equal(ExportResultCode.SUCCESS);
    const inputs = (protocol: string) =>
      cw()
        .puts.filter((r) => r.protocol === protocol)
        .map((r) => JSON.stringify({ ...(r.input as object), Namespace: undefined }));
    expect(inputs('cbor')).to.have.length.greaterThan(0);
    expect(inputs('cbor')).to.deep.equal(inputs('json'));
  });

  it('retries throttling and a 503 and stores every value once', async () => {
    const { namespace, exporter: e } = exporter({ maxRequestBytes: 65_536 });
    cw().injectFaults(
      { status: 503, code: 'ServiceUnavailable' },
      { status: 400, code: 'Throttling', message: 'Rate exceeded' },
    );
    expect((await exportOnce(e, workload(600))).code).to.equal(ExportResultCode.SUCCESS);
    expect(cw().puts.filter((r) => r.status !== 200)).to.have.length(2);
    expect(await read(namespace, 'calls', 600, 'SampleCount')).to.deep.equal(Array(600).fill(1));
    expect(await read(namespace, 'calls', 600, 'Sum')).to.deep.equal(expectedCalls(600));
  });

  it('isolates a datum CloudWatch refuses within a CBOR request and stores the rest', async () => {
    const { namespace, exporter: e } = exporter();
    cw().frontDoor.refuseDatums((d) =>
      JSON.stringify(d['Dimensions']).includes('"s17"') ? 'refused for the test' : undefined,
    );
    try {
      await exportOnce(e, workload(100));
    } finally {
      cw().frontDoor.refuseDatums(undefined);
    }
    const sums = await read(namespace, 'calls', 100, 'Sum');
    expect(sums.filter((_, s) => s !== 17)).to.deep.equal(expectedCalls(100).filter((_, s) => s !== 17));
    expect(await read(namespace, 'calls', 100, 'SampleCount').then((c) => c[17])).to.equal(0);
    expect(e.getStats().dropped['rejected-by-cloudwatch']).to.equal(1);
    expect(cw().puts.every((r) => r.protocol === 'cbor')).to.equal(true);
  });

  it('falls back to JSON once when the endpoint does not speak CBOR, resending the refused request', async () => {
    cw().frontDoor.setCbor(false);
    {
      const { namespace, exporter: e } = exporter();
      expect((await exportOnce(e, workload(1200))).code).to.equal(ExportResultCode.SUCCESS);
      expect((await exportOnce(e, workload(1200))).code).to.equal(ExportResultCode.SUCCESS);
      const protocols = cw().puts.map((r) => `${r.protocol} ${r.status}`);
      // Every request of the first export still left as CBOR (with four in flight); none after the first refusal.
      expect(protocols.filter((p) => p.startsWith('cbor')).every((p) => p === 'cbor 404')).to.equal(true);
      expect(protocols.filter((p) => p === 'json 200')).to.have.length(4);
      expect(protocols.slice(-2)).to.deep.equal(['json 200', 'json 200']);
      expect(await read(namespace, 'calls', 1200, 'SampleCount')).to.deep.equal(Array(1200).fill(2));
      expect(await read(namespace, 'calls', 1200, 'Sum')).to.deep.equal(expectedCalls(1200).map((v) => 2 * v));
      expect(warnings.filter((w) => w.includes('does not speak CBOR'))).to.have.length(1);
    }
  });

  it('falls back to JSON when one CBOR request makes several JSON ones, each value once through a fault', async () => {
    cw().frontDoor.setCbor(false);
    // A body of 64 KB holds about 60 of these histograms as CBOR, about 30 as JSON: a refused request makes two or
    // three JSON ones.
    const { namespace, exporter: e } = exporter({ maxRequestBytes: 65_536, concurrency: 1 });
    // The refused CBOR request (refused before any fault is taken) and the first JSON part pass untouched; the
    // second JSON part meets a 503. The first part, stored, must not go again when the rest is retried.
    cw().injectFaults({ delayMs: 0 }, { status: 503, code: 'ServiceUnavailable' });
    expect((await exportOnce(e, workload(0, 200))).code).to.equal(ExportResultCode.SUCCESS);
    const puts = cw().puts.map((r) => `${r.protocol} ${r.status}`);
    expect(puts.slice(0, 4)).to.deep.equal(['cbor 404', 'json 200', 'json 503', 'json 200']);
    expect(puts.filter((p) => p === 'json 200').length).to.be.greaterThan(puts.filter((p) => p === 'cbor 404').length);
    const rm = workload(0, 200);
    const expected = (rm.scopeMetrics[0]!.metrics[1]!.dataPoints as Array<{ value: { count: number } }>).map(
      (p) => p.value.count,
    );
    expect(await read(namespace, 'latency', 200, 'SampleCount')).to.deep.equal(expected);
    expect(e.getStats().datumsExported).to.equal(200);
  });
});
