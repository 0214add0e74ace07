import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { listMetrics, readStatistics, useLocalCloudWatch } from '@otel-cloudwatch/local-cloudwatch';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { expect } from 'chai';
import { CloudWatchMetricExporter, type CloudWatchMetricExporterOptions } from '../src';

describe('CloudWatchMetricExporter with metric rules (roll-ups, drop, resolution, series)', function () {
  this.timeout(60_000);
  const cw = useLocalCloudWatch();
  let n = 0;
  beforeEach(() => cw().reset());
  afterEach(() => expect(cw().violations.map((v) => v.violation)).to.deep.equal([]));

  /** Records 3 routes × 2 methods into a counter and a histogram (and a metric to drop), exports once. */
  async function record(extra: Partial<CloudWatchMetricExporterOptions>) {
    const namespace = `Rules${++n}`;
    const exporter = new CloudWatchMetricExporter({ namespace, clientConfig: cw().clientConfig(), ...extra });
    const provider = new MeterProvider({
      readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
    });
    const meter = provider.getMeter('rules');
    const requests = meter.createCounter('http.requests');
    const latency = meter.createHistogram('http.latency', { unit: 'ms' });
    const noise = meter.createCounter('debug.noise');
    const totals = { count: 0, sum: 0, min: Infinity, max: -Infinity, requests: 0 };
    let v = 1;
    for (const route of ['/a', '/b', '/c']) {
      for (const method of ['GET', 'POST']) {
        for (let i = 0; i < 5; i++, v += 7) {
          requests.add(v, { 'http.route': route, 'http.request.method': method });
          latency.record(v, { 'http.route': route, 'http.request.method': method });
          noise.add(1, { route });
          totals.requests += v;
          totals.count++;
          totals.sum += v;
          totals.min = Math.min(totals.min, v);
          totals.max = Math.max(totals.max, v);
        }
      }
    }
    await provider.shutdown();
    return { namespace, exporter, totals };
  }

  it('publishes each metric under exactly its dimension sets, and every roll-up reads back exact', async () => {
    const { namespace, exporter, totals } = await record({
      metricRules: [
        { names: ['debug.*'], drop: true },
        { names: ['http.*'], dimensionSets: [['http.route'], []], storageResolution: 1 },
      ],
    });
    const client = cw().client();
    try {
      const stored = await listMetrics(client, namespace);
      const series = stored.map((m) => `${m.MetricName} ${JSON.stringify(m.Dimensions ?? [])}`).sort();
      const route = (r: string) => JSON.stringify([{ Name: 'http.route', Value: r }]);
      expect(series).to.deep.equal(
        ['http.latency', 'http.requests']
          .flatMap((name) => [
            `${name} ${route('/a')}`,
            `${name} ${route('/b')}`,
            `${name} ${route('/c')}`,
            `${name} []`,
          ])
          .sort(),
      );
      // Per route, read back through CloudWatch (moto).
      const latency = await Promise.all(
        ['/a', '/b', '/c'].map((r) =>
          readStatistics(client, { namespace, metricName: 'http.latency', dimensions: { 'http.route': r } }),
        ),
      );
      expect(latency.reduce((a, s) => a + s.sampleCount, 0)).to.equal(totals.count);
      expect(Math.min(...latency.map((s) => s.minimum))).to.equal(totals.min);
      expect(Math.max(...latency.map((s) => s.maximum))).to.equal(totals.max);
      expect(Math.abs(latency.reduce((a, s) => a + s.sum, 0) - totals.sum)).to.be.below(1e-9 * totals.sum);
      const requests = await Promise.all(
        ['/a', '/b', '/c'].map((r) =>
          readStatistics(client, { namespace, metricName: 'http.requests', dimensions: { 'http.route': r } }),
        ),
      );
      expect(requests.reduce((a, s) => a + s.sum, 0)).to.equal(totals.requests);
    } finally {
      client.destroy();
    }
    const datums = cw().puts.flatMap((p) => (p.input as { MetricData: MetricDatum[] }).MetricData);
    expect(datums).to.have.length(8); // one datum per series: merged before sending, never added up by CloudWatch
    expect(datums.every((d) => d.StorageResolution === 1)).to.equal(true);
    expect(datums.some((d) => d.MetricName === 'debug.noise')).to.equal(false);
    // The set with no attributes, as sent (moto matches a query without dimensions against every series of a name).
    const whole = (name: string) => datums.find((d) => d.MetricName === name && (d.Dimensions ?? []).length === 0)!;
    expect(whole('http.requests').Value).to.equal(totals.requests);
    expect(whole('http.latency').StatisticValues).to.include({
      SampleCount: totals.count,
      Minimum: totals.min,
      Maximum: totals.max,
    });
    expect(Math.abs(whole('http.latency').StatisticValues!.Sum! - totals.sum)).to.be.below(1e-9 * totals.sum);
    // Below thousands of series the estimate since start is exact in practice (linear counting).
    expect(exporter.getStats()).to.include({ seriesLastExport: 8, seriesSinceStart: 8, droppedByRule: 3 });
  });

  it('without rules publishes every attribute set, counts its series, and warns once past seriesWarningThreshold', async () => {
    const warnings: string[] = [];
    diag.setLogger(
      {
        error: () => {},
        warn: (...args) => void warnings.push(args.join(' ')),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      DiagLogLevel.WARN,
    );
    try {
      const { exporter } = await record({ seriesWarningThreshold: 10 });
      expect(exporter.getStats()).to.include({ seriesLastExport: 6 + 6 + 3, seriesSinceStart: 15, droppedByRule: 0 });
      expect(warnings.filter((w) => w.includes('seriesWarningThreshold'))).to.have.length(1);
    } finally {
      diag.disable();
    }
  });
});
