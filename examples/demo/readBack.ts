import {
  GetMetricStatisticsCommand,
  type CloudWatchClient,
  type Dimension,
  type MetricDatum,
} from '@aws-sdk/client-cloudwatch';
import { listMetrics, percentile } from '@otel-cloudwatch/local-cloudwatch';

/** One series as CloudWatch stores it, read back after the run. */
export interface SeriesReport {
  metric: string;
  dimensions: Dimension[];
  unit: string;
  sampleCount: number;
  sum: number;
  min: number;
  max: number;
  /** From the published distribution (local) or CloudWatch's extended statistics (AWS). */
  percentiles?: { p50: number; p90: number; p99: number };
  /** Values/Counts as published, merged over the run (local only). */
  distribution?: { values: number[]; counts: number[] };
}

const key = (metric: string, dims: Dimension[] = []) =>
  `${metric}|${dims
    .map((d) => `${d.Name}=${d.Value}`)
    .sort()
    .join(',')}`;

/** Merges the published datums of each series (what the exporter sent, as the local front door recorded it). */
export function publishedDistributions(
  datums: MetricDatum[],
): Map<string, { values: number[]; counts: number[]; unit: string }> {
  const out = new Map<string, { values: number[]; counts: number[]; unit: string }>();
  for (const d of datums) {
    const k = key(d.MetricName!, d.Dimensions);
    const entry = out.get(k) ?? { values: [], counts: [], unit: d.Unit ?? 'None' };
    if (d.Values) {
      entry.values.push(...d.Values);
      entry.counts.push(...(d.Counts ?? d.Values.map(() => 1)));
    }
    out.set(k, entry);
  }
  return out;
}

/** How far a read-back has got: called once ListMetrics has answered (`read` 0), then after each series. */
export interface ReadBackProgress {
  /** Series read so far, of `total` listed. */
  read: number;
  total: number;
  /** Distinct metric names listed. */
  metrics: number;
  /** The metric of the series just read, and how many of its series are read, of how many. */
  metric?: { name: string; read: number; total: number };
}

/** Reads every series of the namespace back from CloudWatch, with its four statistics and percentiles. */
export async function readBack(
  client: CloudWatchClient,
  namespace: string,
  since: Date,
  published: Map<string, { values: number[]; counts: number[]; unit: string }> | undefined,
  onProgress?: (progress: ReadBackProgress) => void,
): Promise<SeriesReport[]> {
  // Each series once (moto lists a metric once per stored datum; the helper folds them), a metric's series
  // together so that progress can be told metric by metric.
  const unique = (await listMetrics(client, namespace)).sort((a, b) =>
    key(a.MetricName!, a.Dimensions).localeCompare(key(b.MetricName!, b.Dimensions)),
  );
  const perMetric = new Map<string, number>();
  for (const m of unique) perMetric.set(m.MetricName!, (perMetric.get(m.MetricName!) ?? 0) + 1);
  onProgress?.({ read: 0, total: unique.length, metrics: perMetric.size });
  const reports: SeriesReport[] = [];
  let read = 0;
  let metricRead = 0;
  for (const [i, m] of unique.entries()) {
    if (i > 0 && unique[i - 1]!.MetricName !== m.MetricName) metricRead = 0;
    const report = await readSeries(client, namespace, since, published, m.MetricName!, m.Dimensions ?? []);
    if (report) reports.push(report);
    onProgress?.({
      read: ++read,
      total: unique.length,
      metrics: perMetric.size,
      metric: { name: m.MetricName!, read: ++metricRead, total: perMetric.get(m.MetricName!)! },
    });
  }
  return reports;
}

/** One series' statistics over the run; undefined if CloudWatch has no data point for it. */
async function readSeries(
  client: CloudWatchClient,
  namespace: string,
  since: Date,
  published: Map<string, { values: number[]; counts: number[]; unit: string }> | undefined,
  metric: string,
  dimensions: Dimension[],
): Promise<SeriesReport | undefined> {
  const res = await client.send(
    new GetMetricStatisticsCommand({
      Namespace: namespace,
      MetricName: metric,
      Dimensions: dimensions,
      StartTime: new Date(since.getTime() - 60_000),
      EndTime: new Date(Date.now() + 60_000),
      Period: 60,
      Statistics: ['SampleCount', 'Sum', 'Minimum', 'Maximum'],
      ...(published ? {} : { ExtendedStatistics: ['p50', 'p90', 'p99'] }),
    }),
  );
  const points = res.Datapoints ?? [];
  if (points.length === 0) return undefined;
  const pub = published?.get(key(metric, dimensions));
  const report: SeriesReport = {
    metric,
    dimensions,
    unit: pub?.unit ?? points[0]!.Unit ?? 'None',
    sampleCount: points.reduce((a, p) => a + (p.SampleCount ?? 0), 0),
    sum: points.reduce((a, p) => a + (p.Sum ?? 0), 0),
    min: Math.min(...points.map((p) => p.Minimum ?? Infinity)),
    max: Math.max(...points.map((p) => p.Maximum ?? -Infinity)),
  };
  if (pub && pub.values.length > 0) {
    report.distribution = { values: pub.values, counts: pub.counts };
    // Nearest rank over what was published, as the local CloudWatch's read command computes it.
    const distribution = new Map<number, number>();
    pub.values.forEach((v, i) => distribution.set(v, (distribution.get(v) ?? 0) + pub.counts[i]!));
    const at = (q: number) => percentile(distribution, q) ?? NaN;
    report.percentiles = { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
  } else if (!published && points.length === 1 && points[0]!.ExtendedStatistics) {
    const e = points[0]!.ExtendedStatistics;
    if (e['p50'] !== undefined) report.percentiles = { p50: e['p50']!, p90: e['p90']!, p99: e['p99']! };
  }
  return report;
}
