/*
 * The reliability suite: bad input, faults, overlapping calls and a soak, all through the public API of the
 * built package, against the strict front door and moto. Bounded in time; asserts numbers read back.
 */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { readMany, readStatistics, useLocalCloudWatch } from '@otel-cloudwatch/local-cloudwatch';
import { ValueType, type Attributes } from '@opentelemetry/api';
import { ExportResultCode, millisToHrTime, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
  type ResourceMetrics,
  type ExponentialHistogram,
} from '@opentelemetry/sdk-metrics';
import { expect } from 'chai';
import {
  CloudWatchMetricExporter,
  type CloudWatchMetricExporterOptions,
} from 'opentelemetry-exporter-metrics-cloudwatch';

const rm = (...metrics: MetricData[]): ResourceMetrics => ({
  resource: resourceFromAttributes({ 'service.name': 'reliability' }),
  scopeMetrics: [{ scope: { name: 'reliability' }, metrics }],
});
function gauge(name: string, points: Array<{ value: number; attributes?: Attributes; atMs?: number }>): MetricData {
  return {
    descriptor: { name, unit: '', description: '', valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints: points.map((p) => ({
      startTime: millisToHrTime((p.atMs ?? Date.now()) - 1000),
      endTime: millisToHrTime(p.atMs ?? Date.now()),
      attributes: p.attributes ?? {},
      value: p.value,
    })),
  };
}
const exportOnce = (e: CloudWatchMetricExporter, data: ResourceMetrics) =>
  new Promise<ExportResult>((resolve) => e.export(data, resolve));
const sent = (puts: Array<{ status: number; input: unknown }>): MetricDatum[] =>
  puts.filter((p) => p.status === 200).flatMap((p) => (p.input as { MetricData: MetricDatum[] }).MetricData);

describe('reliability', function () {
  this.timeout(60_000);
  const cw = useLocalCloudWatch();
  let n = 0;
  const made: CloudWatchMetricExporter[] = [];
  const exporter = (extra: Partial<CloudWatchMetricExporterOptions> = {}) => {
    const namespace = `Reliability${++n}`;
    const e = new CloudWatchMetricExporter({ namespace, clientConfig: cw().clientConfig(), ...extra });
    made.push(e);
    return { namespace, e };
  };
  beforeEach(() => cw().reset());
  afterEach(async () => {
    await Promise.all(made.splice(0).map((e) => e.shutdown()));
    expect(
      cw().violations.map((v) => v.violation),
      'front-door violations',
    ).to.deep.equal([]);
  });

  describe('bad input: every CloudWatch rule attacked through the public API', () => {
    it('drops only what CloudWatch would refuse and lands every valid point', async () => {
      const { namespace, e } = exporter();
      const now = Date.now();
      const forty: Attributes = {};
      for (let i = 0; i < 40; i++) forty[`attr${String(i).padStart(2, '0')}`] = `v${i}`;
      const cases: Array<{ label: string; value: number; attributes?: Attributes; atMs?: number; lands: boolean }> = [
        { label: 'ok', value: 1, lands: true },
        { label: 'nan', value: NaN, lands: false },
        { label: 'inf', value: Infinity, lands: false },
        { label: 'neg-inf', value: -Infinity, lands: false },
        { label: 'huge', value: 2 ** 400, lands: false },
        { label: 'edge', value: 2 ** 360, lands: true },
        { label: 'empty-value', value: 2, attributes: { empty: '', blank: '   ' }, lands: true },
        { label: 'long-value', value: 3, attributes: { long: 'x'.repeat(5000) }, lands: true },
        { label: 'long-name', value: 4, attributes: { ['k'.repeat(400)]: 'v' }, lands: true },
        { label: 'non-ascii', value: 5, attributes: { clé: 'naïve 用户 🚀' }, lands: true },
        { label: 'control', value: 6, attributes: { 'a\nb': 'tab\there\u0000' }, lands: true },
        { label: 'colon', value: 7, attributes: { ':reserved': 'v' }, lands: true },
        { label: 'forty', value: 8, attributes: forty, lands: true },
        { label: 'old', value: 9, atMs: now - 15 * 86400_000, lands: false },
        { label: 'future', value: 10, atMs: now + 3 * 3600_000, lands: false },
        { label: 'recent-past', value: 11, atMs: now - 13 * 86400_000, lands: true },
      ];
      // One point of a delta exponential histogram, at now.
      const exponential = (name: string, value: ExponentialHistogram): MetricData => ({
        descriptor: { name, unit: 'ms', description: '', valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.DELTA,
        dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
        dataPoints: [{ startTime: millisToHrTime(now - 1000), endTime: millisToHrTime(now), attributes: {}, value }],
      });
      const emptyHistogram = exponential('empty.histogram', {
        count: 0,
        sum: 0,
        scale: 20,
        zeroCount: 0,
        positive: { offset: 0, bucketCounts: [] },
        negative: { offset: 0, bucketCounts: [] },
      });
      const bound = (k: number) => 2 ** (k / 32);
      let wideSum = 0;
      for (let k = 0; k < 400; k++) wideSum += (bound(k) + bound(k + 1)) / 2;
      const wideHistogram = exponential('wide.histogram', {
        count: 400,
        sum: wideSum,
        scale: 5,
        zeroCount: 0,
        positive: { offset: 0, bucketCounts: Array.from({ length: 400 }, () => 1) },
        negative: { offset: 0, bucketCounts: [] },
        min: bound(0.5),
        max: bound(399.5),
      });
      const result = await exportOnce(
        e,
        rm(
          gauge(
            'bad.input',
            cases.map((c) => ({ value: c.value, atMs: c.atMs, attributes: { _case: c.label, ...c.attributes } })),
          ),
          gauge('   ', [{ value: 1 }]),
          emptyHistogram,
          wideHistogram,
        ),
      );
      expect(result.code).to.equal(ExportResultCode.SUCCESS);
      // `_case` sorts before every other key, so it is among the 30 dimensions kept even for 40 attributes.
      const landed = sent(cw().puts).filter((d) => d.MetricName === 'bad.input');
      const labels = landed.map((d) => d.Dimensions!.find((x) => x.Name === '_case')!.Value).sort();
      expect(labels).to.deep.equal(
        cases
          .filter((c) => c.lands)
          .map((c) => c.label)
          .sort(),
      );
      // A valid point that lands is stored with the value recorded.
      const client = cw().client();
      const ok = await readStatistics(client, { namespace, metricName: 'bad.input', dimensions: { _case: 'ok' } });
      expect(ok.sum).to.equal(1);
      const wide = await readStatistics(client, { namespace, metricName: 'wide.histogram', dimensions: {} });
      client.destroy();
      expect(wide.sampleCount).to.equal(400);
      expect(Math.abs(wide.sum - wideSum) / wideSum).to.be.below(1e-9);
      expect(sent(cw().puts).filter((d) => d.MetricName === 'wide.histogram').length).to.equal(3);
      expect(sent(cw().puts).some((d) => d.MetricName === 'empty.histogram')).to.equal(false);
      const stats = e.getStats();
      expect(stats.dropped).to.include({
        'non-finite-value': 3,
        'value-out-of-range': 1,
        'timestamp-out-of-range': 2,
        'invalid-metric-name': 1,
      });
    });
  });

  describe('poison: malformed points beside good ones, through export()', () => {
    it('drops each malformed point alone, counts it by reason, and lands every good point beside it', async () => {
      const { namespace, e } = exporter();
      const now = Date.now();
      const at = (ms: number) => millisToHrTime(ms);
      const GOOD = 1500;
      const good = (from: number): MetricData => ({
        descriptor: { name: 'good', unit: '', description: '', valueType: ValueType.INT },
        aggregationTemporality: AggregationTemporality.DELTA,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: Array.from({ length: GOOD }, (_, i) => ({
          startTime: at(now - 1000),
          endTime: at(now),
          attributes: { series: `s${from + i}` },
          value: from + i + 1,
        })),
      });
      const circular: Record<string, unknown> = { name: 'loop' };
      circular['self'] = circular;
      const sumPoint = (endTime: [number, number], attributes: Attributes, value = 1) => ({
        startTime: at(now - 1000),
        endTime,
        attributes,
        value,
      });
      const poisonSums: MetricData = {
        descriptor: { name: 'poison.sum', unit: '', description: '', valueType: ValueType.INT },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: [
          sumPoint([NaN, NaN], { case: 'nan-time' }),
          sumPoint(at(1e20), { case: 'far-future' }),
          sumPoint(at(now), { case: 'bigint', id: (10n ** 30n) as unknown as number }),
          sumPoint(at(now), { case: 'circular', obj: circular as unknown as string }),
          sumPoint(undefined as unknown as [number, number], { case: 'no-time' }),
        ],
      };
      const histogram = (label: string, buckets: { boundaries: number[]; counts: number[] }, extra = {}) => ({
        startTime: at(now - 1000),
        endTime: at(now),
        attributes: { case: label },
        value: { buckets, count: buckets.counts.reduce((a, b) => a + b, 0), sum: 10, min: 1, max: 9, ...extra },
      });
      const poisonHistograms: MetricData = {
        descriptor: { name: 'poison.histogram', unit: 'ms', description: '', valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.DELTA,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: [
          histogram('negative-count', { boundaries: [5], counts: [3, -1] }),
          histogram('min-above-max', { boundaries: [5], counts: [1, 1] }, { min: 9, max: 1 }),
          histogram('unsorted', { boundaries: [5, 2], counts: [1, 1, 0] }),
          histogram('ok', { boundaries: [5], counts: [1, 1] }),
        ],
      };
      const result = await exportOnce(e, rm(good(0), poisonSums, poisonHistograms, good(GOOD)));
      expect(result.code).to.equal(ExportResultCode.SUCCESS);
      const client = cw().client();
      const dims = Array.from({ length: 2 * GOOD }, (_, i) => ({ series: `s${i}` }));
      const sums = await readMany(client, namespace, 'good', dims);
      const okHistogram = await readStatistics(client, {
        namespace,
        metricName: 'poison.histogram',
        dimensions: { case: 'ok' },
      });
      client.destroy();
      expect(sums).to.deep.equal(dims.map((_, i) => i + 1));
      expect(okHistogram.sampleCount).to.equal(2);
      // BigInt and circular attributes are values like any other: those points land, with JSON dimensions.
      const landedCases = sent(cw().puts)
        .filter((d) => d.MetricName === 'poison.sum')
        .map((d) => d.Dimensions!.find((x) => x.Name === 'case')!.Value)
        .sort();
      expect(landedCases).to.deep.equal(['bigint', 'circular']);
      expect(e.getStats().dropped).to.include({
        'timestamp-out-of-range': 2,
        'malformed-point': 1,
        'invalid-histogram': 3,
      });
    });
  });

  describe('faults', () => {
    const points = (count: number) =>
      gauge(
        'faulty',
        Array.from({ length: count }, (_, i) => ({ value: i + 1, attributes: { series: `s${i}` } })),
      );
    const dims = (count: number) => Array.from({ length: count }, (_, i) => ({ series: `s${i}` }));

    for (const [name, fault] of [
      ['503', { status: 503, code: 'ServiceUnavailable' }],
      ['Throttling', { status: 400, code: 'Throttling', message: 'Rate exceeded' }],
      ['a dropped connection', { drop: true }],
    ] as const) {
      it(`lands every value exactly once through ${name} on every first attempt`, async () => {
        const { namespace, e } = exporter({ concurrency: 1, maxRequestBytes: 65_536 });
        cw().injectFaults(fault, fault, fault);
        const result = await exportOnce(e, rm(points(500)));
        expect(result.code).to.equal(ExportResultCode.SUCCESS);
        const client = cw().client();
        const values = await readMany(client, namespace, 'faulty', dims(500));
        const counts = await readMany(client, namespace, 'faulty', dims(500), 'SampleCount');
        client.destroy();
        expect(values).to.deep.equal(dims(500).map((_, i) => i + 1));
        expect(counts.every((c) => c === 1)).to.equal(true);
      });
    }

    it('reports FAILED, without hanging, when the service answers slower than the export timeout — and what it stored, it stored once', async () => {
      const { namespace, e } = exporter({ timeoutMillis: 400, clientConfig: cw().clientConfig({ maxAttempts: 3 }) });
      cw().injectFaults({ delayMs: 1500 });
      const t0 = Date.now();
      const result = await exportOnce(e, rm(points(10)));
      expect(Date.now() - t0).to.be.below(1400);
      expect(result.code).to.equal(ExportResultCode.FAILED);
      await new Promise((r) => setTimeout(r, 1500)); // the slow request reaches moto after the client gave up
      const client = cw().client();
      const counts = await readMany(client, namespace, 'faulty', dims(10), 'SampleCount');
      client.destroy();
      expect(counts.every((c) => c === 1)).to.equal(true);
      expect(cw().puts).to.have.length(1); // the aborted request was not retried
    });
  });

  describe('overlapping calls', () => {
    it('forceFlush during an export waits for it; shutdown during an export lets it finish; export after shutdown fails', async () => {
      const { e } = exporter();
      cw().injectFaults({ delayMs: 300 });
      const results: ExportResult[] = [];
      e.export(rm(gauge('overlap', [{ value: 1 }])), (r) => results.push(r));
      await e.forceFlush();
      expect(results.map((r) => r.code)).to.deep.equal([ExportResultCode.SUCCESS]);
      cw().injectFaults({ delayMs: 300 });
      e.export(rm(gauge('overlap', [{ value: 2 }])), (r) => results.push(r));
      await Promise.all([e.shutdown(), e.shutdown(), e.forceFlush()]);
      expect(results.map((r) => r.code)).to.deep.equal([ExportResultCode.SUCCESS, ExportResultCode.SUCCESS]);
      const late = await exportOnce(e, rm(gauge('overlap', [{ value: 3 }])));
      expect(late.code).to.equal(ExportResultCode.FAILED);
      expect(sent(cw().puts).map((d) => d.Value)).to.have.members([1, 2]);
    });
  });

  describe('soak', () => {
    it('200 exports of churning series through a real MeterProvider: no violation, every sum right, state bounded', async () => {
      const { namespace, e } = exporter({ deltaStateTtlMillis: 500 });
      const provider = new MeterProvider({
        readers: [new PeriodicExportingMetricReader({ exporter: e, exportIntervalMillis: 3_600_000 })],
      });
      const meter = provider.getMeter('soak');
      const counter = meter.createCounter('soak.requests');
      const latency = meter.createHistogram('soak.latency', { unit: 'ms' });
      let expected = 0;
      for (let i = 0; i < 200; i++) {
        for (let k = 0; k < 20; k++) {
          counter.add(k + 1, { user: `u${i}-${k}`, stable: 'yes' });
          latency.record(1 + ((i * 20 + k) % 97), { route: `/r${k % 4}` });
          expected += k + 1;
        }
        await provider.forceFlush();
      }
      await provider.shutdown();
      const stats = e.getStats();
      expect(stats.exports).to.be.at.least(200);
      expect(stats.failedExports).to.equal(0);
      expect(stats.deltaStreams).to.equal(0); // delta counters keep no state at all
      const total = sent(cw().puts)
        .filter((d) => d.MetricName === 'soak.requests')
        .reduce((a, d) => a + (d.Value ?? 0), 0);
      expect(total).to.equal(expected);
      const client = cw().client();
      const l = await readMany(
        client,
        namespace,
        'soak.latency',
        [0, 1, 2, 3].map((k) => ({ route: `/r${k}` })),
        'SampleCount',
      );
      client.destroy();
      expect(l.reduce((a, b) => a + b, 0)).to.equal(4000);
    });
  });
});
