import { readMany, useLocalCloudWatch } from '@otel-cloudwatch/local-cloudwatch';
import { AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
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

const BUCKETS = 60;
function rmOf(metrics: MetricData[]): ResourceMetrics {
  return {
    resource: resourceFromAttributes({ 'service.name': 'hostile' }),
    scopeMetrics: [{ scope: { name: 'h' }, metrics }],
  };
}
function calls(
  series: number,
  attrs: (s: number) => Record<string, string> = (s) => ({ series: `s${s}` }),
): MetricData {
  const now = Date.now();
  const time = { startTime: millisToHrTime(now - 60_000), endTime: millisToHrTime(now) };
  return {
    descriptor: { name: 'calls', unit: '{call}', description: '', valueType: ValueType.INT },
    aggregationTemporality: AggregationTemporality.DELTA,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: Array.from({ length: series }, (_, s) => ({ ...time, attributes: attrs(s), value: s + 1 })),
  };
}
const histos = (n: number): MetricData => latencyHistograms(n, BUCKETS);
const exportOnce = (e: CloudWatchMetricExporter, rm: ResourceMetrics) =>
  new Promise<ExportResult>((resolve) => e.export(rm, resolve));

describe('CloudWatchMetricExporter falling back from CBOR to JSON (edge cases)', function () {
  this.timeout(120_000);
  const cw = useLocalCloudWatch();
  const diag = captureDiag();
  let n = 0;
  const exporters: CloudWatchMetricExporter[] = [];
  const clients: CloudWatchClient[] = [];
  function exporter(extra: Partial<CloudWatchMetricExporterOptions> = {}) {
    const namespace = `CborFallback${++n}`;
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
  async function read(namespace: string, metric: string, series: number, stat: 'Sum' | 'SampleCount') {
    const client = cw().client();
    try {
      return await readMany(
        client,
        namespace,
        metric,
        Array.from({ length: series }, (_, s) => ({ series: `s${s}` })),
        stat,
      );
    } finally {
      client.destroy();
    }
  }
  beforeEach(async () => {
    await cw().reset();
    cw().frontDoor.setCbor(false);
  });
  afterEach(async () => {
    cw().frontDoor.setCbor(true);
    cw().frontDoor.refuseDatums(undefined);
    await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
    clients.splice(0).forEach((c) => c.destroy());
  });

  it("A: a client of the user's made with the CBOR protocol does not fall back: nothing goes elsewhere", async () => {
    const client = new CloudWatchClient({
      ...cw().clientConfig(),
      protocol: AwsSmithyRpcV2CborProtocol,
      maxAttempts: 1,
    });
    clients.push(client);
    const { exporter: e } = exporter({ client, clientConfig: undefined });
    const result = await exportOnce(e, rmOf([calls(10)]));
    expect(result.code).to.equal(ExportResultCode.FAILED);
    expect(cw().puts.map((r) => `${r.protocol} ${r.status}`)).to.deep.equal(['cbor 404']);
    expect(e.getStats().discarded.fatal).to.equal(10);
    expect(diag.filter((l) => l.includes('does not speak CBOR'))).to.deep.equal([]);
  });

  it('B: clientConfig.protocol = CBOR (option left json) falls back to JSON', async () => {
    const { namespace, exporter: e } = exporter({
      clientConfig: { ...cw().clientConfig(), protocol: AwsSmithyRpcV2CborProtocol } as never,
      putMetricDataProtocol: undefined,
    });
    const r1 = await exportOnce(e, rmOf([calls(10)]));
    const r2 = await exportOnce(e, rmOf([calls(10)]));
    expect(r1.code).to.equal(ExportResultCode.SUCCESS);
    expect(r2.code).to.equal(ExportResultCode.SUCCESS);
    expect(await read(namespace, 'calls', 10, 'SampleCount')).to.deep.equal(Array(10).fill(2));
  });

  it('C: a datum that fits CBOR but not JSON under maxRequestBytes, in fallback, loses only itself', async () => {
    const { namespace, exporter: e } = exporter({ maxRequestBytes: 65_536 });
    // Series 0: 30 quote-heavy dimensions (CBOR ~39 KB, JSON ~77 KB); series 1..99 ordinary.
    const attrs = (s: number): Record<string, string> =>
      s === 0
        ? Object.fromEntries(
            Array.from({ length: 29 }, (_, i) => [`${'"'.repeat(250)}${i}`, '"'.repeat(1024)]).concat([
              ['series', 's0'],
            ]),
          )
        : { series: `s${s}` };
    const result = await exportOnce(e, rmOf([calls(100, attrs)]));
    const stats = e.getStats();
    expect(result.code).to.equal(ExportResultCode.SUCCESS);
    const counts = await read(namespace, 'calls', 100, 'SampleCount');
    expect(counts.slice(1)).to.deep.equal(Array(99).fill(1));
    expect(stats.datumsExported).to.equal(99);
    expect(stats.dropped['rejected-by-cloudwatch']).to.equal(1);
  });

  it('D: a JSON part refused as invalid after an earlier part landed: each value once, one dropped', async () => {
    const { namespace, exporter: e } = exporter({ maxRequestBytes: 65_536, concurrency: 1 });
    cw().frontDoor.refuseDatums((d) => (JSON.stringify(d['Dimensions']).includes('"s50"') ? 'refused' : undefined));
    const result = await exportOnce(e, rmOf([histos(200)]));
    expect(cw().puts[0]!.protocol).to.equal('cbor');
    const counts = await read(namespace, 'latency', 200, 'SampleCount');
    const expected = (histos(200).dataPoints as Array<{ value: { count: number } }>).map((p) => p.value.count);
    const wrong = counts.map((c, i) => [i, c, expected[i]]).filter(([i, c, x]) => (i === 50 ? c !== 0 : c !== x));
    expect(wrong).to.deep.equal([]);
    expect(e.getStats().datumsExported).to.equal(199);
    expect(result.code).to.equal(ExportResultCode.SUCCESS);
  });

  it('E: entity requests in fallback keep their entity', async () => {
    const entity = {
      KeyAttributes: { Type: 'Service', Name: 'checkout', Environment: 'generic:default' },
      Attributes: { PlatformType: 'Generic' },
    };
    const { namespace, exporter: e } = exporter({ entity });
    const result = await exportOnce(e, rmOf([calls(20)]));
    const puts = cw().puts;
    expect(result.code).to.equal(ExportResultCode.SUCCESS);
    expect(puts.filter((r) => r.protocol === 'json').every((r) => 'EntityMetricData' in (r.input as object))).to.equal(
      true,
    );
    expect(await read(namespace, 'calls', 20, 'SampleCount')).to.deep.equal(Array(20).fill(1));
  });

  it('F: the deadline hits the second JSON part of a fallback: no value twice, nothing lost', async () => {
    const { namespace, exporter: e } = exporter({
      maxRequestBytes: 65_536,
      concurrency: 1,
      timeoutMillis: 1500,
      resendUnknownOutcome: true,
    });
    cw().injectFaults({ delayMs: 0 }, { delayMs: 0 }, { dropAfterStoring: true, delayMs: 2000 });
    const r1 = await exportOnce(e, rmOf([histos(200)]));
    const r2 = await exportOnce(e, rmOf([]));
    const r3 = await exportOnce(e, rmOf([]));
    const counts = await read(namespace, 'latency', 200, 'SampleCount');
    const expected = (histos(200).dataPoints as Array<{ value: { count: number } }>).map((p) => p.value.count);
    const twice = counts.filter((c, i) => c > expected[i]!).length;
    const lost = counts.filter((c) => c === 0).length;
    expect([r1.code, r2.code, r3.code]).to.include(ExportResultCode.SUCCESS);
    expect({ twice, lost }).to.deep.equal({ twice: 0, lost: 0 });
  });

  it('G: stats in a fallback (requests, wireBytes, uncompressedBytes) agree with the wire', async () => {
    const { exporter: e } = exporter({ maxRequestBytes: 65_536, concurrency: 1 });
    const result = await exportOnce(e, rmOf([histos(200)]));
    expect(result.code).to.equal(ExportResultCode.SUCCESS);
    const puts = cw().puts;
    const st = e.getStats() as unknown as Record<string, number>;
    const wire = puts.reduce((a, r) => a + r.wireBytes, 0);
    expect(st['wireBytes']).to.equal(wire);
    // The refused CBOR request was never unzipped by the front door: the JSON ones are compared.
    const json = puts.filter((r) => r.protocol === 'json').reduce((a, r) => a + r.decodedBytes, 0);
    expect(st['uncompressedBytes']).to.be.greaterThan(json);
    expect((st['requests'] ?? 0) + (st['retries'] ?? 0)).to.equal(puts.length);
  });

  it('H: shutdown while the fallback JSON parts are in flight', async () => {
    const { namespace, exporter: e } = exporter({ maxRequestBytes: 65_536, concurrency: 1 });
    cw().injectFaults({ delayMs: 0 }, { delayMs: 800 }, { delayMs: 800 });
    const p = exportOnce(e, rmOf([histos(200)]));
    await new Promise((r) => setTimeout(r, 300));
    await e.shutdown();
    const r = await p;
    const counts = await read(namespace, 'latency', 200, 'SampleCount');
    const expected = (histos(200).dataPoints as Array<{ value: { count: number } }>).map((p) => p.value.count);
    expect(r.code).to.equal(ExportResultCode.SUCCESS);
    expect(counts).to.deep.equal(expected);
  });

  it('I: CBOR refused mid-export with 4 requests in flight: every value once', async () => {
    cw().frontDoor.setCbor(true);
    const { namespace, exporter: e } = exporter({ concurrency: 4, maxRequestBytes: 65_536 });
    cw().injectFaults({ delayMs: 400 }, { delayMs: 400 }, { delayMs: 400 }, { delayMs: 400 });
    const p = exportOnce(e, rmOf([calls(3000)]));
    setTimeout(() => cw().frontDoor.setCbor(false), 150);
    const r = await p;
    const r2 = await exportOnce(e, rmOf([calls(3000)]));
    expect([r.code, r2.code]).to.deep.equal([ExportResultCode.SUCCESS, ExportResultCode.SUCCESS]);
    const counts = await read(namespace, 'calls', 3000, 'SampleCount');
    const bad = counts.map((c, i) => [i, c]).filter(([, c]) => c !== 2);
    expect(bad).to.deep.equal([]);
    expect(e.getStats().datumsExported).to.equal(6000);
  });

  it('J: CBOR without compression (disableRequestCompression, and a body under the threshold) lands', async () => {
    cw().frontDoor.setCbor(true);
    const a = exporter({ clientConfig: cw().clientConfig({ disableRequestCompression: true }) });
    const b = exporter();
    expect((await exportOnce(a.exporter, rmOf([calls(500)]))).code).to.equal(ExportResultCode.SUCCESS);
    expect((await exportOnce(b.exporter, rmOf([calls(1)]))).code).to.equal(ExportResultCode.SUCCESS);
    expect(cw().puts.every((x) => x.protocol === 'cbor' && x.status === 200 && !x.gzip)).to.equal(true);
    // (not checked: the local CloudWatch's read-back mixes namespaces for the same metric name and dimensions)
  });

  it('K: an entity refused (CBOR spoken) goes without it; the datums land once', async () => {
    cw().frontDoor.setCbor(true);
    const entity = { KeyAttributes: { Type: 'Service', Name: 'checkout', Environment: 'generic:default' } };
    const { namespace, exporter: e } = exporter({ entity });
    cw().frontDoor.refuseRequests((input) =>
      'EntityMetricData' in input ? 'EntityMetricData is not supported' : undefined,
    );
    try {
      const r = await exportOnce(e, rmOf([calls(50)]));
      expect(r.code).to.equal(ExportResultCode.SUCCESS);
    } finally {
      cw().frontDoor.refuseRequests(undefined);
    }
    expect(await read(namespace, 'calls', 50, 'SampleCount')).to.deep.equal(Array(50).fill(1));
  });
});
