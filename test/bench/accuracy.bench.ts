/*
 * Histogram accuracy end to end: samples recorded through the OpenTelemetry SDK (exponential histograms of three
 * sizes), exported by our exporter, read off the wire as Values/Counts; percentiles and moments from them
 * compared with the exact ones of the same samples.
 */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { CloudWatchMetricExporter } from 'opentelemetry-exporter-metrics-cloudwatch';
import { rng, weightedQuantile } from '../../packages/exporter-metrics-cloudwatch/test/helpers';
import { inProcessClient, table, type Captured } from './harness';

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

const DISTRIBUTIONS: Array<[string, (r: () => number) => number]> = [
  ['lognormal(3, 1)', (r) => Math.exp(3 + normal(r))],
  ['uniform(1, 1000)', (r) => 1 + 999 * r()],
  ['bimodal 70/30', (r) => (r() < 0.7 ? Math.exp(2 + 0.3 * normal(r)) : Math.exp(5 + 0.3 * normal(r)))],
];
const QUANTILES = [0.5, 0.9, 0.99, 0.999];

async function published(samples: number[], maxSize: number): Promise<MetricDatum[]> {
  const capture: Captured[] = [];
  const exporter = new CloudWatchMetricExporter({
    namespace: 'Accuracy',
    client: inProcessClient({ capture }),
    aggregationSelector: () => ({ type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize } }),
  });
  const provider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
  });
  const h = provider.getMeter('accuracy').createHistogram('latency');
  for (const s of samples) h.record(s);
  await provider.shutdown();
  return capture.flatMap((c) => (JSON.parse(c.body.toString('utf8')) as { MetricData: MetricDatum[] }).MetricData);
}

export async function accuracy(): Promise<string> {
  const rows: Array<Array<string | number>> = [
    [
      'distribution (10,000 samples)',
      'maxSize',
      'values',
      'datums',
      ...QUANTILES.map((q) => `p${q * 100} err`),
      'count/sum/min/max err',
    ],
  ];
  for (const [name, draw] of DISTRIBUTIONS) {
    const r = rng(7);
    const samples = Array.from({ length: 10_000 }, () => draw(r));
    const sorted = [...samples].sort((a, b) => a - b);
    const exact = {
      count: samples.length,
      sum: samples.reduce((a, b) => a + b, 0),
      min: sorted[0]!,
      max: sorted[sorted.length - 1]!,
    };
    for (const maxSize of [80, 160, 320]) {
      const datums = await published(samples, maxSize);
      const values = datums.flatMap((d) => d.Values!);
      const counts = datums.flatMap((d) => d.Counts!);
      const errs = QUANTILES.map((q) => {
        const truth = sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
        return Math.abs(weightedQuantile(values, counts, q) - truth) / truth;
      });
      let count = 0;
      let sum = 0;
      values.forEach((v, i) => {
        count += counts[i]!;
        sum += v * counts[i]!;
      });
      const momentErr = Math.max(
        Math.abs(count - exact.count) / exact.count,
        Math.abs(sum - exact.sum) / exact.sum,
        Math.abs(Math.min(...values) - exact.min) / exact.min,
        Math.abs(Math.max(...values) - exact.max) / exact.max,
      );
      rows.push([
        name,
        maxSize === 160 ? '160 (default)' : maxSize,
        values.length,
        datums.length,
        ...errs.map((e) => `${(e * 100).toFixed(2)}%`),
        momentErr === 0 ? '0' : momentErr.toExponential(1),
      ]);
    }
  }
  return table(rows);
}
