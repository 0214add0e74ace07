/*
 * `local-cloudwatch read`: connects to a running local CloudWatch and reads back each series it stores.
 *   1. GET STORED_PATH from the front door: the PutMetricData requests moto stored, as accepted.
 *   2. ListMetrics (paged) in each region seen, folded to one entry per series.
 *   3. For each metric, moto's own SampleCount and Sum (GetMetricStatistics), to check them against step 1.
 *   4. Statistics and p50/p90/p99 per series from the stored datums (series.ts): moto computes no percentiles,
 *      gives values back only aggregated, and merges series when asked without dimensions.
 */
import {
  CloudWatchClient,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  type Metric,
} from '@aws-sdk/client-cloudwatch';
import { STORED_PATH, type StoredPut } from './FrontDoor';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './LocalCloudWatch';
import {
  buildReport,
  collectStored,
  foldListed,
  formatJson,
  formatTable,
  metricKey,
  type MotoTotals,
  type SeriesFilter,
  type SeriesRow,
  type Window,
} from './series';

export interface ReadOptions extends SeriesFilter {
  /** The local CloudWatch's endpoint (its front door), e.g. http://127.0.0.1:4566. */
  endpoint: string;
  /** Only datums timestamped in the last `minutes` minutes; default: everything stored. */
  minutes?: number;
  /** The clock (epoch ms); default Date.now(). */
  now?: number;
}

export interface ReadResult {
  rows: SeriesRow[];
  /** Where moto and the stored datums disagree (see buildReport); printed on stderr by the CLI. */
  notes: string[];
  window: Window;
}

/** CloudWatch takes datums up to 14 days old and 2 hours ahead. */
const MAX_PAST_MS = 14 * 24 * 3600_000;
const MAX_FUTURE_MS = 2 * 3600_000;

/** The window read: whole seconds (moto drops the fraction of StartTime), ending after the furthest future datum. */
export function readWindow(now: number, minutes?: number): Window {
  const back = minutes === undefined ? MAX_PAST_MS + 3600_000 : minutes * 60_000;
  return {
    start: Math.floor((now - back) / 1000) * 1000,
    end: Math.ceil((now + MAX_FUTURE_MS + 60_000) / 1000) * 1000,
  };
}

/** Reads every stored series (optionally of one namespace and/or metric name) from a running local CloudWatch. */
export async function readLocalCloudWatch(options: ReadOptions): Promise<ReadResult> {
  const window = readWindow(options.now ?? Date.now(), options.minutes);
  const filter: SeriesFilter = { namespace: options.namespace, metricName: options.metricName };
  const stored = await fetchStored(options.endpoint);
  const collected = collectStored(stored, window, filter);
  const regions = [...new Set([LOCAL_REGION, ...stored.map((p) => p.region)])].sort();
  const withData = new Set([...collected.inWindow.values()].map((s) => metricKey(s.id)));
  const listed = [];
  const motoTotals = new Map<string, MotoTotals>();
  for (const region of regions) {
    const client = new CloudWatchClient({
      region,
      endpoint: options.endpoint,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 2,
    });
    try {
      const ids = foldListed(region, await listAll(client, filter));
      listed.push(...ids);
      const metrics = new Map(ids.map((id) => [metricKey(id), id]));
      for (const [key, id] of metrics) {
        if (!withData.has(key)) continue;
        motoTotals.set(key, await motoTotalsOf(client, id.namespace, id.metricName, window));
      }
    } finally {
      client.destroy();
    }
  }
  return { ...buildReport(listed, collected, motoTotals, LOCAL_REGION), window };
}

/** The rows as printed by `read`: an aligned table, or JSON lines; a table says so when nothing is stored. */
export function formatRead(result: ReadResult, json: boolean): string {
  if (json) return result.rows.length ? formatJson(result.rows) + '\n' : '';
  if (!result.rows.length) return 'No series stored (in the window and filters given).\n';
  return formatTable(result.rows, LOCAL_REGION) + '\n';
}

/** The stored PutMetricData requests, from the front door's own read endpoint. */
export async function fetchStored(endpoint: string): Promise<StoredPut[]> {
  const url = new URL(STORED_PATH, endpoint);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(
      `Cannot reach a local CloudWatch at ${endpoint}: ${cause?.code ?? cause?.message ?? String(err)}` +
        ' (is `npm run local-cloudwatch` running there?)',
    );
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const list = (body as { stored?: unknown } | undefined)?.stored;
  if (res.status !== 200 || !Array.isArray(list)) {
    throw new Error(`${endpoint} is not a local CloudWatch: GET ${STORED_PATH} answered ${res.status}.`);
  }
  return list as StoredPut[];
}

async function listAll(client: CloudWatchClient, filter: SeriesFilter): Promise<Metric[]> {
  const out: Metric[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListMetricsCommand({ Namespace: filter.namespace, MetricName: filter.metricName, NextToken: token }),
    );
    out.push(...(page.Metrics ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

/** moto's SampleCount and Sum of a metric queried without dimensions: moto merges all its series then. */
async function motoTotalsOf(
  client: CloudWatchClient,
  namespace: string,
  metricName: string,
  window: Window,
): Promise<MotoTotals> {
  const res = await client.send(
    new GetMetricStatisticsCommand({
      Namespace: namespace,
      MetricName: metricName,
      StartTime: new Date(window.start),
      EndTime: new Date(window.end),
      Period: 86_400,
      Statistics: ['SampleCount', 'Sum'],
    }),
  );
  const points = res.Datapoints ?? [];
  return {
    count: points.reduce((a, p) => a + (p.SampleCount ?? 0), 0),
    sum: points.reduce((a, p) => a + (p.Sum ?? 0), 0),
  };
}
