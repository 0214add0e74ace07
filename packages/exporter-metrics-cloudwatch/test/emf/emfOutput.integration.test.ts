/*
 * output: 'emf' end to end: the exporter writes EMF lines, the local CloudWatch's EMF extractor checks every document
 * against the specification and stores the metrics in moto, and the tests read the numbers back from moto.
 */
import { readStatistics, useLocalCloudWatch, type EmfExtractor } from '@otel-cloudwatch/local-cloudwatch';
import type { CloudWatchClient, MetricDatum } from '@aws-sdk/client-cloudwatch';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { expect } from 'chai';
import { CloudWatchMetricExporter, type CloudWatchMetricExporterOptions } from '../../src';
import { captureDiag } from '../helpers';

describe("output: 'emf' → EMF extractor → moto", function () {
  this.timeout(30_000);
  const cw = useLocalCloudWatch();
  const warnings = captureDiag();
  let n = 0;
  let client: CloudWatchClient;
  let extractors: EmfExtractor[] = [];

  beforeEach(async () => {
    await cw().reset();
    client = cw().client();
  });
  afterEach(async () => {
    client.destroy();
    await Promise.all(extractors.map((e) => e.close()));
    extractors = [];
    expect(
      cw().violations.map((r) => r.violation),
      'front-door violations',
    ).to.deep.equal([]);
    expect(cw().puts, 'PutMetricData requests from the exporter').to.deep.equal([]);
    expect(cw().extractedPuts.length, 'what the extractor stored').to.be.greaterThan(0);
  });

  function setup(extra: Partial<CloudWatchMetricExporterOptions> = {}) {
    const namespace = `Emf${++n}`;
    const extractor = cw().emfExtractor();
    extractors.push(extractor);
    const exporter = new CloudWatchMetricExporter({
      namespace,
      output: 'emf',
      emfStream: extractor,
      resourceDimensions: ['service.name'],
      ...extra,
    });
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout' }),
      readers: [reader],
    });
    return { namespace, exporter, extractor, provider, meter: provider.getMeter('emf-test') };
  }
  const read = (namespace: string, metricName: string, dimensions: Record<string, string>) =>
    readStatistics(client, { namespace, metricName, dimensions });

  it('adds up a counter over several exports, per attribute set, with no request from the exporter', async () => {
    const { namespace, exporter, extractor, provider, meter } = setup();
    const counter = meter.createCounter('orders');
    counter.add(5, { region: 'eu' });
    counter.add(2, { region: 'us' });
    await provider.forceFlush();
    counter.add(7, { region: 'eu' });
    await provider.forceFlush();
    counter.add(1, { region: 'eu' });
    await provider.shutdown();
    await extractor.flush();
    expect(extractor.refused).to.deep.equal([]);
    const dims = { 'service.name': 'checkout', region: 'eu' };
    expect((await read(namespace, 'orders', dims)).sum).to.equal(13);
    expect((await read(namespace, 'orders', { ...dims, region: 'us' })).sum).to.equal(2);
    const stats = exporter.getStats();
    expect(stats.requests).to.equal(0);
    expect(stats.datumsExported).to.equal(4);
    expect(stats.emfDocuments).to.equal(4);
    expect(stats.emfBytes).to.be.greaterThan(0);
  });

  it('keeps a histogram exact: count, sum, min and max as recorded, percentiles within a bucket', async () => {
    const { namespace, extractor, provider, meter } = setup();
    const h = meter.createHistogram('latency', { unit: 'ms' });
    const values: number[] = [];
    for (let i = 1; i <= 1000; i++) values.push(((i * 7919) % 1000) / 10 + 0.25);
    for (const v of values) h.record(v, { route: '/a' });
    await provider.shutdown();
    await extractor.flush();
    expect(extractor.refused).to.deep.equal([]);
    const s = await read(namespace, 'latency', { 'service.name': 'checkout', route: '/a' });
    expect(s.sampleCount).to.equal(1000);
    expect(s.sum).to.be.closeTo(
      values.reduce((a, b) => a + b, 0),
      1e-6,
    );
    expect(s.minimum).to.equal(Math.min(...values));
    expect(s.maximum).to.equal(Math.max(...values));
  });

  it('never breaks a limit: 100 metrics a document, 100 values a member, one member per name', async () => {
    const { namespace, exporter, extractor, provider, meter } = setup();
    for (let i = 0; i < 150; i++) meter.createCounter(`c${i}`).add(i + 1, { k: 'v' });
    // Values spread over far more than 100 exponential buckets: more than one document must carry them.
    const wide = meter.createHistogram('wide');
    for (let i = 0; i < 2000; i++) wide.record(1.01 ** i, { k: 'v' });
    await provider.shutdown();
    await extractor.flush();
    expect(extractor.refused).to.deep.equal([]);
    const dims = { 'service.name': 'checkout', k: 'v' };
    expect((await read(namespace, 'c0', dims)).sum).to.equal(1);
    expect((await read(namespace, 'c149', dims)).sum).to.equal(150);
    const w = await read(namespace, 'wide', dims);
    expect(w.sampleCount).to.equal(2000);
    expect(w.minimum).to.equal(1);
    expect(w.maximum).to.be.closeTo(1.01 ** 1999, 1e-6);
    // One series set: 100 counters in the first document, 50 and the histogram's first part in the second; its
    // second part cannot share a document with the first (one member per name), and the first is full.
    expect(exporter.getStats().emfDocuments).to.equal(3);
    expect(extractor.documents).to.equal(3);
  });

  it('drops a bad point alone, and a metric named like one of its dimensions, counted and said', async () => {
    const { namespace, exporter, extractor, provider, meter } = setup();
    meter.createGauge('temperature').record(NaN, { room: 'a' });
    meter.createGauge('temperature').record(21, { room: 'b' });
    meter.createCounter('room').add(1, { room: 'a' });
    await provider.shutdown();
    await extractor.flush();
    expect(extractor.refused).to.deep.equal([]);
    expect((await read(namespace, 'temperature', { 'service.name': 'checkout', room: 'b' })).maximum).to.equal(21);
    const { dropped } = exporter.getStats();
    expect(dropped['non-finite-value']).to.equal(1);
    expect(dropped['rejected-by-cloudwatch']).to.equal(1);
    expect(warnings.join('\n')).to.match(/"room".*EMF cannot carry a metric named like one of its dimensions/);
  });

  it('applies metric rules as PutMetricData does: a roll-up into dimension sets, exact, and a drop', async () => {
    const { namespace, exporter, extractor, provider, meter } = setup({
      metricRules: [
        { names: ['latency'], dimensionSets: [['route'], []] },
        { names: ['debug.*'], drop: true },
      ],
    });
    const h = meter.createHistogram('latency');
    for (let i = 1; i <= 60; i++) h.record(i, { route: i % 2 ? '/a' : '/b', user: `u${i % 7}` });
    meter.createCounter('debug.calls').add(5);
    await provider.shutdown();
    await extractor.flush();
    expect(extractor.refused).to.deep.equal([]);
    const a = await read(namespace, 'latency', { 'service.name': 'checkout', route: '/a' });
    expect([a.sampleCount, a.sum, a.minimum, a.maximum]).to.deep.equal([30, 900, 1, 59]);
    // The set of no attributes, as stored (moto's reads by dimensions also match every series that has more).
    const stored = cw()
      .extractedPuts.flatMap((p) => (p.input as { MetricData: MetricDatum[] }).MetricData)
      .filter((d) => d.MetricName === 'latency' && d.Dimensions?.length === 1);
    expect(stored.map((d) => d.StatisticValues)).to.deep.equal([
      { SampleCount: 60, Sum: 1830, Minimum: 1, Maximum: 60 },
    ]);
    expect(exporter.getStats().droppedByRule).to.equal(1);
    expect(exporter.getStats().seriesLastExport).to.equal(3);
  });

  it('keeps 30 dimensions of a point with 35 attributes, in a document the referee accepts', async () => {
    const { exporter, extractor, provider, meter } = setup();
    const attributes = Object.fromEntries(
      Array.from({ length: 35 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 'v']),
    );
    meter.createCounter('wide').add(1, attributes);
    await provider.shutdown();
    await extractor.flush();
    expect(extractor.refused).to.deep.equal([]);
    expect(extractor.datums).to.equal(1);
    expect(exporter.getStats().datumsExported).to.equal(1);
    expect(warnings.join('\n')).to.match(/more than 30 dimensions/);
  });

  it('writes whole lines only, however the application writes to the same stream meanwhile', async () => {
    const { namespace, extractor, provider, meter } = setup({
      emfStream: { write: (chunk, cb) => extractorWrite(chunk, cb) },
    });
    // The application's own output goes to the same stream between the exporter's writes.
    let appLines = 0;
    const extractorWrite = (chunk: string, cb?: (e?: Error | null) => void) => extractor.write(chunk, cb);
    const chatter = setInterval(() => {
      appLines++;
      extractor.write(`app log line ${appLines}\n`);
    }, 0);
    // Four metrics of 1,500 series each (the SDK keeps 2,000 per metric).
    for (let m = 0; m < 4; m++) {
      const counter = meter.createCounter(`hits${m}`);
      for (let i = 0; i < 1500; i++) counter.add(1, { user: `u${i}` });
    }
    await provider.shutdown();
    clearInterval(chatter);
    await extractor.flush();
    expect(extractor.refused).to.deep.equal([]);
    expect(extractor.logLines).to.equal(appLines);
    expect(appLines, 'the export gave the event loop turns').to.be.greaterThan(0);
    expect(extractor.datums).to.equal(6000);
    expect((await read(namespace, 'hits3', { 'service.name': 'checkout', user: 'u1499' })).sum).to.equal(1);
  });
});
