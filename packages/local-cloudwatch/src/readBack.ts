import {
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  type CloudWatchClient,
  type Dimension,
  type Metric,
} from '@aws-sdk/client-cloudwatch';

export interface MetricQuery {
  namespace: string;
  metricName: string;
  /** Exactly the dimensions of the series (CloudWatch matches the full set). */
  dimensions?: Record<string, string>;
  /** Window to read; defaults to the last hour and the next ten minutes. */
  start?: Date;
  end?: Date;
}

/** The four statistics of a series, combined over every stored datapoint in the window. */
export interface SeriesStatistics {
  sampleCount: number;
  sum: number;
  minimum: number;
  maximum: number;
  /** How many period datapoints CloudWatch returned. */
  datapoints: number;
}

export function toDimensions(dims: Record<string, string> = {}): Dimension[] {
  return Object.entries(dims).map(([Name, Value]) => ({ Name, Value }));
}

/** Reads a series back with GetMetricStatistics and combines its datapoints. */
export async function readStatistics(client: CloudWatchClient, q: MetricQuery): Promise<SeriesStatistics> {
  const now = Date.now();
  const out = await client.send(
    new GetMetricStatisticsCommand({
      Namespace: q.namespace,
      MetricName: q.metricName,
      Dimensions: toDimensions(q.dimensions),
      StartTime: q.start ?? new Date(now - 3600_000),
      EndTime: q.end ?? new Date(now + 600_000),
      Period: 60,
      Statistics: ['SampleCount', 'Sum', 'Minimum', 'Maximum'],
    }),
  );
  const points = out.Datapoints ?? [];
  const stats: SeriesStatistics = { sampleCount: 0, sum: 0, minimum: Infinity, maximum: -Infinity, datapoints: 0 };
  for (const p of points) {
    stats.sampleCount += p.SampleCount ?? 0;
    stats.sum += p.Sum ?? 0;
    stats.minimum = Math.min(stats.minimum, p.Minimum ?? Infinity);
    stats.maximum = Math.max(stats.maximum, p.Maximum ?? -Infinity);
    stats.datapoints++;
  }
  return stats;
}

/** Every metric stored under a namespace (all pages), each once (moto lists a metric once per datum). */
export async function listMetrics(client: CloudWatchClient, namespace: string): Promise<Metric[]> {
  const metrics: Metric[] = [];
  let token: string | undefined;
  do {
    const out = await client.send(new ListMetricsCommand({ Namespace: namespace, NextToken: token }));
    metrics.push(...(out.Metrics ?? []));
    token = out.NextToken;
  } while (token);
  const key = (m: Metric) =>
    `${m.MetricName}|${(m.Dimensions ?? [])
      .map((d) => `${d.Name}=${d.Value}`)
      .sort()
      .join(',')}`;
  return [...new Map(metrics.map((m) => [key(m), m])).values()];
}

/**
 * Reads one statistic for many series of a metric with GetMetricData (500 queries a call), in the order given.
 * Series with no data read as 0.
 */
export async function readMany(
  client: CloudWatchClient,
  namespace: string,
  metricName: string,
  dimensionSets: Array<Record<string, string>>,
  stat: 'Sum' | 'SampleCount' | 'Minimum' | 'Maximum' | 'Average' = 'Sum',
): Promise<number[]> {
  const now = Date.now();
  const out: number[] = [];
  for (let i = 0; i < dimensionSets.length; i += 500) {
    const chunk = dimensionSets.slice(i, i + 500);
    const res = await client.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 3600_000),
        EndTime: new Date(now + 600_000),
        MetricDataQueries: chunk.map((dims, k) => ({
          Id: `q${k}`,
          MetricStat: {
            Metric: { Namespace: namespace, MetricName: metricName, Dimensions: toDimensions(dims) },
            Period: 3600,
            Stat: stat,
          },
        })),
      }),
    );
    const byId = new Map((res.MetricDataResults ?? []).map((r) => [r.Id, r.Values ?? []]));
    chunk.forEach((_, k) => out.push((byId.get(`q${k}`) ?? []).reduce((a, b) => a + b, 0)));
  }
  return out;
}
