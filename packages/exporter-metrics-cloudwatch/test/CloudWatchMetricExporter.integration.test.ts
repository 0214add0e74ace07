import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { readStatistics, useLocalCloudWatch } from '@otel-cloudwatch/local-cloudwatch';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  DataPointType,
  InMemoryMetricExporter,
  InstrumentType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ExponentialHistogram,
} from '@opentelemetry/sdk-metrics';
import { expect } from 'chai';
import { CloudWatchMetricExporter } from '../src';
import { exponentialLowerBound } from '../src/translate/histogramBuckets';
import { lognormal, relErr, sampleQuantile, statsOf, weightedQuantile } from './helpers';

describe('CloudWatchMetricExporter → front door → moto', function () {
  this.timeout(30_000);
  const cw = useLocalCloudWatch();
  let n = 0;

  /** A provider whose reader only exports when flushed, with our exporter, on a fresh namespace. */
  function setup(extra: Partial<ConstructorParameters<typeof CloudWatchMetricExporter>[0]> = {}) {
    const namespace = `Integration${++n}`;
    const exporter = new CloudWatchMetricExporter({
      namespace,
      clientConfig: cw().clientConfig({ maxAttempts: 2 }),
      resourceDimensions: ['service.name'],
      ...extra,
    });
    // A second reader with the same aggregation lets tests see the histogram scale the SDK chose.
    const memory = Object.assign(new InMemoryMetricExporter(AggregationTemporality.DELTA), {
      selectAggregation: (t: InstrumentType) => exporter.selectAggregation(t),
    });
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const memoryReader = new PeriodicExportingMetricReader({ exporter: memory, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout' }),
      readers: [reader, memoryReader],
    });
    const meter = provider.getMeter('integration-test');
    const client = cw().client();
    return { namespace, exporter, provider, meter, memory, client };
  }

  beforeEach(() => cw().reset());
  afterEach(() => {
    expect(
      cw().violations.map((r) => r.violation),
      'front-door violations',
    ).to.deep.equal([]);
  });

  const putData = (): MetricDatum[] => cw().puts.flatMap((r) => (r.input as { MetricData: MetricDatum[] }).MetricData);

  it('adds up a counter over several exports (deltas), per attribute set', async () => {
    const { namespace, provider, meter, client } = setup();
    const counter = meter.createCounter('orders', { unit: '{order}' });
    counter.add(5, { region: 'eu' });
    counter.add(2, { region: 'us' });
    await provider.forceFlush();
    counter.add(7, { region: 'eu' });
    await provider.forceFlush();
    counter.add(1, { region: 'eu' });
    await provider.shutdown();
    const dims = { 'service.name': 'checkout', region: 'eu' };
    const eu = await readStatistics(client, { namespace, metricName: 'orders', dimensions: dims });
    expect(eu.sum).to.equal(13);
    expect(eu.sampleCount).to.equal(3);
    const us = await readStatistics(client, { namespace, metricName: 'orders', dimensions: { ...dims, region: 'us' } });
    expect(us.sum).to.equal(2);
    expect(putData().every((d) => d.Unit === 'Count')).to.equal(true);
    client.destroy();
  });

  it('publishes the up-down counter as its level and the gauge as its value', async () => {
    const { namespace, provider, meter, client } = setup();
    const queue = meter.createUpDownCounter('queue.depth');
    const temp = meter.createGauge('temperature', { unit: 'Cel' });
    queue.add(10);
    queue.add(-3);
    temp.record(21.5);
    await provider.forceFlush();
    queue.add(-2);
    temp.record(19.25);
    await provider.shutdown();
    const dims = { 'service.name': 'checkout' };
    const q = await readStatistics(client, { namespace, metricName: 'queue.depth', dimensions: dims });
    expect([q.minimum, q.maximum]).to.deep.equal([5, 7]);
    const t = await readStatistics(client, { namespace, metricName: 'temperature', dimensions: dims });
    expect([t.minimum, t.maximum, t.sampleCount]).to.deep.equal([19.25, 21.5, 2]);
    client.destroy();
  });

  it('turns a cumulative counter into deltas when the user asks for cumulative', async () => {
    const { namespace, provider, meter, client } = setup({
      temporalitySelector: () => AggregationTemporality.CUMULATIVE,
    });
    const counter = meter.createCounter('bytes.sent', { unit: 'By' });
    counter.add(100);
    await provider.forceFlush();
    counter.add(50);
    await provider.forceFlush();
    await provider.forceFlush(); // nothing new: a zero delta
    await provider.shutdown();
    const s = await readStatistics(client, {
      namespace,
      metricName: 'bytes.sent',
      dimensions: { 'service.name': 'checkout' },
    });
    expect(s.sum).to.equal(150);
    expect(putData().map((d) => d.Value)).to.deep.equal([100, 50, 0, 0]);
    client.destroy();
  });

  it('publishes a histogram whose Values/Counts give the exact statistics and close percentiles', async () => {
    const { namespace, provider, meter, memory, client } = setup();
    const latency = meter.createHistogram('latency', { unit: 'ms' });
    const samples = lognormal(1000, 3, 1, 42);
    for (const s of samples) latency.record(s, { route: '/pay' });
    await provider.forceFlush();
    await provider.shutdown();

    const exact = {
      count: samples.length,
      sum: samples.reduce((a, b) => a + b, 0),
      min: Math.min(...samples),
      max: Math.max(...samples),
    };
    const stored = await readStatistics(client, {
      namespace,
      metricName: 'latency',
      dimensions: { 'service.name': 'checkout', route: '/pay' },
    });
    // moto computes these from Values/Counts alone (it ignores StatisticValues when both are present).
    expect(stored.sampleCount).to.equal(exact.count);
    expect(relErr(stored.sum, exact.sum)).to.be.below(1e-9);
    expect(stored.minimum).to.equal(exact.min);
    expect(stored.maximum).to.equal(exact.max);

    const datums = putData().filter((d) => d.MetricName === 'latency');
    expect(datums.length).to.be.at.least(1);
    for (const d of datums) {
      const own = statsOf(d);
      expect(d.StatisticValues!.SampleCount).to.equal(own.count);
      expect(relErr(d.StatisticValues!.Sum!, own.sum)).to.be.below(1e-9);
      expect(d.StatisticValues!.Minimum).to.equal(own.min);
      expect(d.StatisticValues!.Maximum).to.equal(own.max);
      expect(d.Unit).to.equal('Milliseconds');
    }

    const values = datums.flatMap((d) => d.Values!);
    const counts = datums.flatMap((d) => d.Counts!);
    const collected = memory.getMetrics()[0]!.scopeMetrics[0]!.metrics.find((m) => m.descriptor.name === 'latency')!;
    expect(collected.dataPointType).to.equal(DataPointType.EXPONENTIAL_HISTOGRAM);
    const scale = (collected.dataPoints[0]!.value as ExponentialHistogram).scale;
    for (const q of [0.5, 0.9, 0.99]) {
      const truth = sampleQuantile(samples, q);
      const index = Math.ceil(Math.log2(truth) * 2 ** scale) - 1;
      const halfBucket = (exponentialLowerBound(index + 1, scale) - exponentialLowerBound(index, scale)) / 2;
      const estimate = weightedQuantile(values, counts, q);
      expect(Math.abs(estimate - truth), `p${q * 100}: ${estimate} vs ${truth}`).to.be.at.most(halfBucket);
    }
    client.destroy();
  });

  it('supports explicit-bucket histograms from views, with exact statistics', async () => {
    const { namespace, provider, meter, client } = setup({
      aggregationSelector: () => ({
        type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
        options: { boundaries: [10, 50, 100, 500] },
      }),
    });
    const size = meter.createHistogram('payload.size', { unit: 'KiBy' });
    const samples = [1, 7, 12, 49, 51, 99, 250, 600, 1200];
    for (const s of samples) size.record(s);
    await provider.shutdown();
    const s = await readStatistics(client, {
      namespace,
      metricName: 'payload.size',
      dimensions: { 'service.name': 'checkout' },
    });
    const total = samples.reduce((a, b) => a + b, 0) * 1024;
    expect(s.sampleCount).to.equal(samples.length);
    expect(relErr(s.sum, total)).to.be.below(1e-9);
    expect([s.minimum, s.maximum]).to.deep.equal([1024, 1200 * 1024]);
    expect(putData()[0]!.Unit).to.equal('Bytes');
    client.destroy();
  });

  it('drops only the bad points and lets their neighbours land', async () => {
    const { namespace, provider, meter, client } = setup();
    const g = meter.createGauge('ratio');
    g.record(NaN, { k: 'nan' });
    g.record(Infinity, { k: 'inf' });
    g.record(2 ** 400, { k: 'huge' });
    g.record(0.5, { k: 'fine' });
    await provider.shutdown();
    const fine = await readStatistics(client, {
      namespace,
      metricName: 'ratio',
      dimensions: { 'service.name': 'checkout', k: 'fine' },
    });
    expect(fine.sum).to.equal(0.5);
    expect(putData()).to.have.length(1);
    client.destroy();
  });
});
