/*
 * output: 'otlp' end to end: values recorded through the OpenTelemetry API, exported by the SDK's reader, read
 * back from the local CloudWatch's OTLP endpoint (which checks the SigV4 signature for `monitoring`, undoes gzip
 * and decodes the protobuf independently of the exporter) and compared number for number.
 */
import { useLocalCloudWatch, type OtlpPoint } from '@otel-cloudwatch/local-cloudwatch';
import { ValueType } from '@opentelemetry/api';
import { ExportResultCode, millisToHrTime, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  DataPointType,
  InstrumentType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { expect } from 'chai';
import { CloudWatchMetricExporter, type CloudWatchMetricExporterOptions } from '../../src';
import { captureDiag } from '../helpers';

const exportOnce = (e: CloudWatchMetricExporter, rm: ResourceMetrics) =>
  new Promise<ExportResult>((resolve) => e.export(rm, resolve));

/** One cumulative counter point per series, `total` each, as the SDK's reader collects them. */
function totals(series: number, total: number, start: number): ResourceMetrics {
  const metric: MetricData = {
    descriptor: { name: 'calls', unit: '{call}', description: '', valueType: ValueType.INT },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: Array.from({ length: series }, (_, s) => ({
      startTime: millisToHrTime(start),
      endTime: millisToHrTime(Date.now()),
      attributes: { series: `s${s}` },
      value: total,
    })),
  };
  return {
    resource: resourceFromAttributes({ 'service.name': 'otlp-outage' }),
    scopeMetrics: [{ scope: { name: 'otlp-test' }, metrics: [metric] }],
  };
}

/** The points of one metric per series (the `series` attribute), in the order they were stored. */
function bySeries(points: OtlpPoint[], metric: string): Map<string, OtlpPoint[]> {
  const out = new Map<string, OtlpPoint[]>();
  for (const p of points.filter((q) => q.metric === metric)) {
    const key = String(p.attributes['series'] ?? p.attributes['shard'] ?? '');
    out.set(key, [...(out.get(key) ?? []), p]);
  }
  return out;
}

describe("output: 'otlp' (CloudWatch's OTLP endpoint, local)", function () {
  this.timeout(60_000);
  const cw = useLocalCloudWatch();
  const diagLines = captureDiag();
  const exporters: CloudWatchMetricExporter[] = [];
  function exporter(extra: Partial<CloudWatchMetricExporterOptions> = {}) {
    const e = new CloudWatchMetricExporter({
      namespace: 'Otlp',
      output: 'otlp',
      clientConfig: cw().clientConfig(),
      retry: { baseDelayMillis: 5, maxDelayMillis: 40 },
      timeoutMillis: 5_000,
      ...extra,
    });
    exporters.push(e);
    return e;
  }
  beforeEach(() => cw().reset());
  afterEach(async () => {
    await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
    expect(
      cw().violations.map((r) => r.violation),
      'front-door violations',
    ).to.deep.equal([]);
  });

  it('counters, up-down counters, gauges and histograms read back exactly, cumulative; no PutMetricData', async () => {
    const e = exporter();
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout' }),
      readers: [new PeriodicExportingMetricReader({ exporter: e, exportIntervalMillis: 3_600_000 })],
    });
    const meter = provider.getMeter('otlp-test');
    const orders = meter.createCounter('orders', { unit: '{order}' });
    const queue = meter.createUpDownCounter('queue.depth');
    const latency = meter.createHistogram('latency', { unit: 'ms' });
    let temperature = 0;
    meter.createObservableGauge('temperature').addCallback((r) => r.observe(temperature, { room: 'a' }));
    const recorded: number[] = [];
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 100; i++) {
        orders.add(i % 7, { shard: String(i % 4) });
        queue.add(i % 3 === 0 ? -1 : 2, { shard: String(i % 4) });
        const ms = 1 + ((i * 37) % 250);
        latency.record(ms, { shard: String(i % 4) });
        recorded.push(ms);
      }
      temperature = 20 + round;
      await provider.forceFlush();
    }
    await provider.shutdown();

    const points = cw().otlpPoints();
    expect(cw().puts, 'no PutMetricData request in OTLP mode').to.have.length(0);
    expect(cw().otlpRequests.length).to.be.at.least(2);
    const last = (metric: string, shard: string) => bySeries(points, metric).get(shard)!.at(-1)!;
    for (let s = 0; s < 4; s++) {
      const shard = String(s);
      let orderTotal = 0;
      let queueTotal = 0;
      const samples: number[] = [];
      for (let round = 0; round < 2; round++) {
        for (let i = s; i < 100; i += 4) {
          orderTotal += i % 7;
          queueTotal += i % 3 === 0 ? -1 : 2;
          samples.push(1 + ((i * 37) % 250));
        }
      }
      const o = last('orders', shard);
      expect(o.type).to.equal('sum');
      expect(o.temporality).to.equal('cumulative');
      expect(o.monotonic).to.equal(true);
      expect(o.value, `orders, shard ${shard}`).to.equal(orderTotal);
      expect(o.resource['service.name']).to.equal('checkout');
      const q = last('queue.depth', shard);
      expect(q.monotonic).to.equal(false);
      expect(q.value, `queue.depth, shard ${shard}`).to.equal(queueTotal);
      const h = last('latency', shard);
      expect(h.type, 'histograms go as exponential histograms').to.equal('exponentialHistogram');
      expect(h.count).to.equal(samples.length);
      expect(h.sum).to.equal(samples.reduce((a, b) => a + b, 0));
      expect(h.min).to.equal(Math.min(...samples));
      expect(h.max).to.equal(Math.max(...samples));
      const buckets = (h.zeroCount ?? 0) + (h.positive?.bucketCounts ?? []).reduce((a, b) => a + b, 0);
      expect(buckets, 'every sample in a bucket').to.equal(samples.length);
    }
    // Two flushes and the collection at shutdown: every series is sent each time (cumulative), three points each.
    const gauges = points.filter((p) => p.metric === 'temperature');
    expect(gauges.map((g) => g.type)).to.deep.equal(['gauge', 'gauge', 'gauge']);
    expect(gauges.map((g) => g.value)).to.deep.equal([20, 21, 21]);
    for (const [, series] of bySeries(points, 'orders')) expect(series).to.have.length(3);
    expect(points.filter((p) => p.metric === 'orders').every((p) => p.scope === 'otlp-test')).to.equal(true);
    expect(recorded).to.have.length(200);
  });

  it('explicit-bucket histograms and delta temporality, when chosen, go as they are', async () => {
    const e = exporter({
      temporalitySelector: () => AggregationTemporality.DELTA,
      aggregationSelector: (t) =>
        t === InstrumentType.HISTOGRAM
          ? { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [10, 100] } }
          : { type: AggregationType.DEFAULT },
    });
    const provider = new MeterProvider({
      readers: [new PeriodicExportingMetricReader({ exporter: e, exportIntervalMillis: 3_600_000 })],
    });
    const h = provider.getMeter('m').createHistogram('size');
    for (const v of [1, 5, 50, 500, 5000]) h.record(v);
    await provider.forceFlush();
    await provider.shutdown();
    const [p] = cw().otlpPoints();
    expect(p!.type).to.equal('histogram');
    expect(p!.temporality).to.equal('delta');
    expect(p!.explicitBounds).to.deep.equal([10, 100]);
    expect(p!.bucketCounts).to.deep.equal([2, 1, 2]);
    expect(p!.sum).to.equal(5556);
  });

  it('through an outage (503), every point lands exactly once, the kept requests sent before the new one', async () => {
    const SERIES = 50;
    const e = exporter();
    const start = Date.now() - 1000;
    cw().setOutage({ operation: 'OtlpMetrics', status: 503, code: 'ServiceUnavailable' });
    for (let i = 1; i <= 5; i++) {
      const r = await exportOnce(e, totals(SERIES, i * 10, start));
      expect(r.code, `export ${i} during the outage`).to.equal(ExportResultCode.FAILED);
      expect(r.error!.message).to.match(/kept in the retry buffer/);
    }
    expect(e.getStats().retryBuffer.requests).to.equal(5);
    cw().setOutage(undefined);
    const r = await exportOnce(e, totals(SERIES, 60, start));
    expect(r.code).to.equal(ExportResultCode.SUCCESS);
    const series = bySeries(cw().otlpPoints(), 'calls');
    expect(series.size).to.equal(SERIES);
    for (const [name, points] of series) {
      // Kept requests start before the new one; requests in flight together may land in any order.
      expect(
        points.map((p) => p.value).sort((a, b) => a! - b!),
        `series ${name}: each export once`,
      ).to.deep.equal([10, 20, 30, 40, 50, 60]);
    }
    const stats = e.getStats();
    expect(stats.resentRequests).to.equal(5);
    expect(stats.datumsExported, 'points exported').to.equal(6 * SERIES);
    expect(stats.retryBuffer).to.deep.equal({ requests: 0, bytes: 0 });
  });

  it('throttling (429) is retried within the export, and honours Retry-After', async () => {
    const e = exporter();
    cw().injectFaults({ operation: 'OtlpMetrics', status: 429, code: 'TooManyRequests', retryAfterSeconds: 1 });
    const started = Date.now();
    const r = await exportOnce(e, totals(3, 7, Date.now() - 1000));
    expect(r.code).to.equal(ExportResultCode.SUCCESS);
    expect(Date.now() - started, 'waited the second Retry-After asked for').to.be.at.least(1000);
    expect(
      cw()
        .otlpPoints()
        .map((p) => p.value),
    ).to.deep.equal([7, 7, 7]);
    expect(e.getStats().throttledRequests).to.equal(1);
  });

  it('a request the endpoint refuses (400) is given up, counted and reported; the export fails', async () => {
    const e = exporter();
    cw().injectFaults({ operation: 'OtlpMetrics', status: 400, code: 'BadRequest', message: 'bad data' });
    const r = await exportOnce(e, totals(4, 1, Date.now() - 1000));
    expect(r.code).to.equal(ExportResultCode.FAILED);
    expect(r.error!.message).to.match(/HTTP 400/);
    expect(e.getStats().discarded.fatal).to.equal(4);
    expect(e.getStats().retryBuffer.requests, 'a refusal is not retried').to.equal(0);
  });

  it('counts the points of a partial success and warns once; the rest are stored', async () => {
    const e = exporter();
    cw().frontDoor.rejectOtlpPoints((point) =>
      (point as OtlpPoint).attributes['series'] === 's1' ? 'too many labels' : undefined,
    );
    const r = await exportOnce(e, totals(3, 5, Date.now() - 1000));
    expect(r.code).to.equal(ExportResultCode.SUCCESS);
    expect(
      cw()
        .otlpPoints()
        .map((p) => p.attributes['series']),
    ).to.deep.equal(['s0', 's2']);
    expect(e.getStats().dropped['rejected-by-cloudwatch']).to.equal(1);
    expect(e.getStats().datumsExported).to.equal(2);
    expect(diagLines.filter((l) => /rejected 1 data point/.test(l))).to.have.length(1);
  });

  it('applies metric rules before serializing: a dropped metric never leaves the process', async () => {
    const e = exporter({ metricRules: [{ names: ['debug.*'], drop: true }] });
    const provider = new MeterProvider({
      readers: [new PeriodicExportingMetricReader({ exporter: e, exportIntervalMillis: 3_600_000 })],
    });
    const meter = provider.getMeter('m');
    meter.createCounter('debug.allocations').add(5);
    meter.createCounter('orders').add(2);
    await provider.forceFlush();
    await provider.shutdown();
    expect(
      cw()
        .otlpPoints()
        .map((p) => p.metric),
    ).to.deep.equal(['orders', 'orders']);
    // Collected at the flush and again at shutdown (cumulative): debug.allocations never left the process.
    expect(e.getStats().droppedByRule).to.equal(2);
  });

  it('splits an export into requests of at most 1,000 points, each one stored', async () => {
    const e = exporter();
    const r = await exportOnce(e, totals(2_500, 1, Date.now() - 1000));
    expect(r.code).to.equal(ExportResultCode.SUCCESS);
    expect(cw().otlpRequests.map((q) => q.status)).to.deep.equal([200, 200, 200]);
    expect(cw().otlpPoints()).to.have.length(2_500);
    expect(e.getStats().requests).to.equal(3);
  });

  it('a point the endpoint would refuse costs only itself: out of its window, too many labels, not finite', async () => {
    const e = exporter();
    const rm = totals(999, 3, Date.now() - 1000);
    const points = rm.scopeMetrics[0]!.metrics[0]!.dataPoints as Array<DataPoint<number>>;
    const old = Date.now() - 15 * 24 * 3600_000;
    points.push({ ...points[0]!, attributes: { series: 'old' }, endTime: millisToHrTime(old) });
    points.push({ ...points[0]!, attributes: { series: 'ahead' }, endTime: millisToHrTime(Date.now() + 20 * 60_000) });
    const wide = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`a${i}`, i]));
    points.push({ ...points[0]!, attributes: { series: 'wide', ...wide } });
    points.push({ ...points[0]!, attributes: { series: 'nan' }, value: NaN });
    for (let i = 0; i < 2; i++) {
      const r = await exportOnce(e, rm);
      expect(r.code, `export ${i + 1}`).to.equal(ExportResultCode.SUCCESS);
    }
    const stored = bySeries(cw().otlpPoints(), 'calls');
    expect(stored.size, 'every good series, every export').to.equal(999);
    expect([...stored.values()].every((p) => p.length === 2)).to.equal(true);
    const { dropped } = e.getStats();
    expect(dropped['timestamp-out-of-range']).to.equal(4);
    expect(dropped['rejected-by-cloudwatch']).to.equal(2);
    expect(dropped['non-finite-value']).to.equal(2);
    expect(diagLines.some((l) => /152 labels with its resource's and scope's/.test(l))).to.equal(true);
  });

  it('a metric whose data cannot be serialized costs only itself', async () => {
    const e = exporter();
    const rm = totals(3, 1, Date.now() - 1000);
    const good = rm.scopeMetrics[0]!.metrics[0]!;
    // An attribute value the transformer cannot write.
    const broken = {
      ...good,
      descriptor: { ...good.descriptor, name: 'broken' },
      dataPoints: (good.dataPoints as Array<DataPoint<number>>).map((p) => ({
        ...p,
        attributes: { bad: 10n as unknown as string },
      })),
    } as MetricData;
    rm.scopeMetrics[0]!.metrics.push(broken);
    const r = await exportOnce(e, rm);
    expect(r.code).to.equal(ExportResultCode.SUCCESS);
    expect(
      cw()
        .otlpPoints()
        .map((p) => p.metric),
    ).to.deep.equal(['calls', 'calls', 'calls']);
    expect(e.getStats().dropped['malformed-point']).to.equal(3);
  });

  it('corrects a clock that is off: refused once for skew (403), signed again at the service time, stored', async () => {
    const e = exporter({ clientConfig: cw().clientConfig({ systemClockOffset: 3_600_000 }) });
    const r = await exportOnce(e, totals(2, 4, Date.now() - 1000));
    expect(r.code).to.equal(ExportResultCode.SUCCESS);
    expect(cw().otlpRequests.map((q) => q.status)).to.deep.equal([403, 200]);
    expect(
      cw()
        .otlpPoints()
        .map((p) => p.value),
    ).to.deep.equal([4, 4]);
  });

  it('credentials that never come cost the export its deadline, not more; the request is kept', async () => {
    const e = exporter({
      timeoutMillis: 800,
      clientConfig: cw().clientConfig({ credentials: () => new Promise(() => {}) }),
    });
    const started = Date.now();
    const r = await exportOnce(e, totals(2, 1, Date.now() - 1000));
    expect(Date.now() - started).to.be.below(2_000);
    expect(r.code).to.equal(ExportResultCode.FAILED);
    expect(e.getStats().retryBuffer.requests).to.equal(1);
    expect(e.getStats().unknownOutcomes, 'never sent, and known not to be').to.equal(0);
    expect(cw().otlpRequests).to.have.length(0);
  });

  it('a Retry-After holds the next exports too: nothing is sent before it ends, then everything lands', async () => {
    const e = exporter({ timeoutMillis: 600 });
    cw().injectFaults({ operation: 'OtlpMetrics', status: 429, code: 'TooManyRequests', retryAfterSeconds: 2 });
    const start = Date.now() - 1000;
    const first = await exportOnce(e, totals(2, 1, start));
    expect(first.code).to.equal(ExportResultCode.FAILED);
    const second = await exportOnce(e, totals(2, 2, start));
    expect(second.code, 'held: kept, not sent').to.equal(ExportResultCode.FAILED);
    expect(cw().otlpRequests, 'only the throttled request went out').to.have.length(1);
    await new Promise((r) => setTimeout(r, 2_100));
    // Once the hold is over the kept requests go again, at the pace kept after an outage (one every 2 s at first).
    await exportOnce(e, totals(2, 3, start));
    for (let i = 0; i < 30 && e.getStats().retryBuffer.requests > 0; i++) {
      await new Promise((r) => setTimeout(r, 300));
      await e.forceFlush();
    }
    expect(e.getStats().retryBuffer.requests).to.equal(0);
    const values = [...bySeries(cw().otlpPoints(), 'calls').values()].map((ps) => ps.map((p) => p.value).sort());
    expect(values).to.deep.equal([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  it('counts the series it publishes, as the other paths do', async () => {
    const e = exporter({ seriesWarningThreshold: 10 });
    await exportOnce(e, totals(12, 1, Date.now() - 1000));
    await exportOnce(e, totals(12, 2, Date.now() - 1000));
    expect(e.getStats()).to.include({ seriesLastExport: 12, seriesSinceStart: 12 });
    expect(diagLines.filter((l) => /published 12 series, more than seriesWarningThreshold/.test(l))).to.have.length(1);
  });

  it('signs for the account it is given: wrong credentials are refused (403), given up, not retried', async () => {
    const e = exporter({
      clientConfig: cw().clientConfig({ credentials: { accessKeyId: 'AKIDWRONG', secretAccessKey: 'nope' } }),
    });
    const r = await exportOnce(e, totals(2, 1, Date.now() - 1000));
    expect(r.code).to.equal(ExportResultCode.FAILED);
    expect(r.error!.message).to.match(/HTTP 403/);
    expect(cw().otlpRequests).to.have.length(1);
    expect(cw().otlpPoints()).to.have.length(0);
  });
});
