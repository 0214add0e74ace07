/*
 * What a local CloudWatch stores, series by series: pure functions from what ListMetrics lists and what the front
 * door stored (see FrontDoor.stored) to rows of statistics and percentiles, and from rows to text.
 *   list (foldListed) → collect the stored datums (collectStored) → report (buildReport) → formatTable / formatJson
 */
import type { Metric } from '@aws-sdk/client-cloudwatch';
import type { StoredPut } from './FrontDoor';

/** One series: CloudWatch keys a series by region, namespace, metric name and its exact set of dimensions. */
export interface SeriesId {
  region: string;
  namespace: string;
  metricName: string;
  /** Sorted by name. */
  dimensions: Array<[name: string, value: string]>;
}

/** The datums of one series that fall in the window, combined. */
export interface SeriesData {
  id: SeriesId;
  /** The units its datums named (`None` for a datum without one). */
  units: Set<string>;
  count: number;
  sum: number;
  /** Infinity / -Infinity while no sample with a positive count was seen. */
  min: number;
  max: number;
  /** value → total count, from Value and Values/Counts. */
  distribution: Map<number, number>;
  /** False once a datum's samples are not all in `distribution` (StatisticValues without Values). */
  complete: boolean;
}

/** One printed row; undefined where a number cannot be computed (printed as "—", null in JSON). */
export interface SeriesRow {
  region: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  unit: string | undefined;
  count: number | undefined;
  sum: number | undefined;
  min: number | undefined;
  max: number | undefined;
  p50: number | undefined;
  p90: number | undefined;
  p99: number | undefined;
}

/** Datums whose timestamp t satisfies start <= t < end (epoch ms) are read. */
export interface Window {
  start: number;
  end: number;
}

export interface SeriesFilter {
  namespace?: string;
  metricName?: string;
}

/** What moto's GetMetricStatistics answers for a metric queried without dimensions: all its series merged. */
export interface MotoTotals {
  count: number;
  sum: number;
}

export function seriesId(
  region: string,
  namespace: string,
  metricName: string,
  dimensions: ReadonlyArray<{ Name?: string; Value?: string }> = [],
): SeriesId {
  const dims = dimensions.map((d): [string, string] => [d.Name ?? '', d.Value ?? '']);
  dims.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return { region, namespace, metricName, dimensions: dims };
}

export const seriesKey = (id: SeriesId): string =>
  JSON.stringify([id.region, id.namespace, id.metricName, id.dimensions]);

/** The key of a metric name in a namespace and region, for MotoTotals. */
export const metricKey = (id: Pick<SeriesId, 'region' | 'namespace' | 'metricName'>): string =>
  JSON.stringify([id.region, id.namespace, id.metricName]);

/**
 * Each series ListMetrics listed, once. moto 5.2.1 lists a metric without dimensions once per stored value, and one
 * with two or more dimensions once per stored datum (its dimension comparison only works for one).
 */
export function foldListed(region: string, metrics: readonly Metric[]): SeriesId[] {
  const out = new Map<string, SeriesId>();
  for (const m of metrics) {
    const id = seriesId(region, m.Namespace ?? '', m.MetricName ?? '', m.Dimensions ?? []);
    out.set(seriesKey(id), id);
  }
  return [...out.values()];
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

/** A datum's time (epoch ms): AWS JSON 1.0 sends epoch seconds; a string is parsed; none means when it arrived. */
export function datumTime(timestamp: unknown, receivedAt: number): number {
  if (typeof timestamp === 'number') return timestamp * 1000;
  if (typeof timestamp === 'string') {
    const asNumber = Number(timestamp);
    const t = Number.isFinite(asNumber) ? asNumber * 1000 : Date.parse(timestamp);
    if (Number.isFinite(t)) return t;
  }
  return receivedAt;
}

/** The datums of one PutMetricData input: MetricData and the MetricData of each EntityMetricData item. */
function datumsOf(input: unknown): Array<Record<string, unknown>> {
  if (!isRecord(input)) return [];
  const out: Array<Record<string, unknown>> = [];
  const add = (list: unknown) => {
    if (Array.isArray(list)) for (const d of list) if (isRecord(d)) out.push(d);
  };
  add(input['MetricData']);
  if (Array.isArray(input['EntityMetricData'])) {
    for (const item of input['EntityMetricData']) if (isRecord(item)) add(item['MetricData']);
  }
  return out;
}

/**
 * Combines the stored datums into series. Returns the series with a datum in the window, and the keys of every
 * series stored at all (to tell "outside the window" from "never stored").
 */
export function collectStored(
  stored: readonly StoredPut[],
  window: Window,
  filter: SeriesFilter = {},
): { inWindow: Map<string, SeriesData>; everStored: Set<string> } {
  const inWindow = new Map<string, SeriesData>();
  const everStored = new Set<string>();
  for (const put of stored) {
    if (!isRecord(put.input)) continue;
    const namespace = String(put.input['Namespace'] ?? '');
    if (filter.namespace !== undefined && namespace !== filter.namespace) continue;
    for (const d of datumsOf(put.input)) {
      const metricName = String(d['MetricName'] ?? '');
      if (filter.metricName !== undefined && metricName !== filter.metricName) continue;
      const dims = Array.isArray(d['Dimensions']) ? (d['Dimensions'] as Array<{ Name?: string; Value?: string }>) : [];
      const id = seriesId(put.region, namespace, metricName, dims);
      const key = seriesKey(id);
      everStored.add(key);
      const t = datumTime(d['Timestamp'], put.receivedAt);
      if (!(t >= window.start && t < window.end)) continue;
      let s = inWindow.get(key);
      if (!s) {
        s = {
          id,
          units: new Set(),
          count: 0,
          sum: 0,
          min: Infinity,
          max: -Infinity,
          distribution: new Map(),
          complete: true,
        };
        inWindow.set(key, s);
      }
      addDatum(s, d);
    }
  }
  return { inWindow, everStored };
}

/** Adds one datum as CloudWatch takes it: StatisticValues for the statistics when given, values for percentiles. */
function addDatum(s: SeriesData, d: Record<string, unknown>): void {
  s.units.add(typeof d['Unit'] === 'string' ? d['Unit'] : 'None');
  const samples: Array<[number, number]> = [];
  const value = num(d['Value']);
  if (value !== undefined) samples.push([value, 1]);
  if (Array.isArray(d['Values'])) {
    const counts = Array.isArray(d['Counts']) ? (d['Counts'] as unknown[]) : undefined;
    d['Values'].forEach((v, i) => {
      const val = num(v);
      const c = counts ? num(counts[i]) : 1;
      if (val !== undefined && c !== undefined) samples.push([val, c]);
    });
  }
  let sampled = 0;
  for (const [v, c] of samples) {
    sampled += c;
    if (c > 0) s.distribution.set(v, (s.distribution.get(v) ?? 0) + c);
  }
  const stats = isRecord(d['StatisticValues']) ? d['StatisticValues'] : undefined;
  if (stats) {
    const count = num(stats['SampleCount']) ?? 0;
    s.count += count;
    s.sum += num(stats['Sum']) ?? 0;
    s.min = Math.min(s.min, num(stats['Minimum']) ?? Infinity);
    s.max = Math.max(s.max, num(stats['Maximum']) ?? -Infinity);
    if (!nearlyEqual(sampled, count)) s.complete = false;
  } else {
    for (const [v, c] of samples) {
      s.count += c;
      s.sum += v * c;
      if (c > 0) {
        s.min = Math.min(s.min, v);
        s.max = Math.max(s.max, v);
      }
    }
  }
}

function nearlyEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * The q-quantile of a weighted distribution by nearest rank: the smallest value whose cumulative count reaches
 * q × total (for whole counts: the ⌈q·N⌉-th smallest sample). Undefined when the distribution is empty.
 */
export function percentile(distribution: ReadonlyMap<number, number>, q: number): number | undefined {
  const entries = [...distribution.entries()].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((a, [, c]) => a + c, 0);
  if (!(total > 0)) return undefined;
  const target = q * total * (1 - 1e-12);
  let seen = 0;
  for (const [v, c] of entries) {
    seen += c;
    if (seen >= target) return v;
  }
  return entries[entries.length - 1]![0];
}

/** A series as text: `Namespace/metric {dim=value, …}` (with its region when not `defaultRegion`). */
export function describe(id: SeriesId, defaultRegion?: string): string {
  const dims = id.dimensions.length ? ` {${id.dimensions.map(([n, v]) => `${n}=${v}`).join(', ')}}` : '';
  const region = defaultRegion !== undefined && id.region !== defaultRegion ? `${id.region} ` : '';
  return `${region}${id.namespace}/${id.metricName}${dims}`;
}

const byId = (a: SeriesId, b: SeriesId): number => {
  const ka = [a.region, a.namespace, a.metricName, a.dimensions.map((d) => d.join('=')).join('\u0000')];
  const kb = [b.region, b.namespace, b.metricName, b.dimensions.map((d) => d.join('=')).join('\u0000')];
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
  return 0;
};

/**
 * The rows to print (sorted by region, namespace, metric, dimensions) and notes where moto and the stored datums
 * disagree: a series stored but not listed, listed but never stored, or a metric whose totals in moto differ.
 */
export function buildReport(
  listed: readonly SeriesId[],
  collected: { inWindow: ReadonlyMap<string, SeriesData>; everStored: ReadonlySet<string> },
  motoTotals: ReadonlyMap<string, MotoTotals> = new Map(),
  defaultRegion?: string,
): { rows: SeriesRow[]; notes: string[] } {
  const notes: string[] = [];
  const ids = new Map<string, SeriesId>();
  const listedKeys = new Set(listed.map(seriesKey));
  for (const id of listed) {
    const key = seriesKey(id);
    if (collected.inWindow.has(key)) ids.set(key, id);
    else if (!collected.everStored.has(key)) {
      ids.set(key, id);
      notes.push(`${describe(id, defaultRegion)}: listed by moto, but the front door recorded no datum for it.`);
    }
  }
  for (const [key, s] of collected.inWindow) {
    if (listedKeys.has(key)) continue;
    ids.set(key, s.id);
    notes.push(
      `${describe(s.id, defaultRegion)}: accepted (count ${fmt(s.count)}), but moto lists no such series ` +
        '(moto stores each value int(Count) times: fractional and zero Counts are lost).',
    );
  }
  const rows = [...ids.values()].sort(byId).map((id) => toRow(id, collected.inWindow.get(seriesKey(id))));

  const totals = new Map<string, MotoTotals & { id: SeriesId }>();
  for (const s of collected.inWindow.values()) {
    const k = metricKey(s.id);
    const t = totals.get(k) ?? { id: s.id, count: 0, sum: 0 };
    t.count += s.count;
    t.sum += s.sum;
    totals.set(k, t);
  }
  for (const [k, ours] of totals) {
    const moto = motoTotals.get(k);
    if (!moto || (nearlyEqual(moto.count, ours.count) && nearlyEqual(moto.sum, ours.sum))) continue;
    const region = defaultRegion !== undefined && ours.id.region !== defaultRegion ? `${ours.id.region} ` : '';
    notes.push(
      `${region}${ours.id.namespace}/${ours.id.metricName}: moto holds count ${fmt(moto.count)}, sum ${fmt(moto.sum)} ` +
        `over all its series; the accepted datums add up to count ${fmt(ours.count)}, sum ${fmt(ours.sum)} ` +
        '(the rows show the accepted datums).',
    );
  }
  return { rows, notes };
}

function toRow(id: SeriesId, s: SeriesData | undefined): SeriesRow {
  const has = s !== undefined && s.max >= s.min;
  const p = (q: number) => (s && s.complete ? percentile(s.distribution, q) : undefined);
  return {
    region: id.region,
    namespace: id.namespace,
    metricName: id.metricName,
    dimensions: Object.fromEntries(id.dimensions),
    unit: s ? [...s.units].sort().join('|') : undefined,
    count: s?.count,
    sum: s?.sum,
    min: has ? s.min : undefined,
    max: has ? s.max : undefined,
    p50: p(0.5),
    p90: p(0.9),
    p99: p(0.99),
  };
}

/** A number as printed: up to 12 significant digits, so that 0.1 + 0.2 prints 0.3. "—" when unknown. */
export function fmt(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '—';
  return String(Number(n.toPrecision(12)));
}

/** An aligned text table; a Region column only when a row is outside `defaultRegion`. */
export function formatTable(rows: readonly SeriesRow[], defaultRegion?: string): string {
  const withRegion = rows.some((r) => r.region !== defaultRegion);
  const header = [
    ...(withRegion ? ['Region'] : []),
    'Namespace',
    'Metric',
    'Dimensions',
    'Unit',
    'Count',
    'Sum',
    'Min',
    'Max',
    'p50',
    'p90',
    'p99',
  ];
  const firstNumber = header.indexOf('Count');
  const lines = rows.map((r) => [
    ...(withRegion ? [r.region] : []),
    r.namespace,
    r.metricName,
    Object.entries(r.dimensions)
      .map(([n, v]) => `${n}=${v}`)
      .join(', ') || '(none)',
    r.unit ?? '—',
    ...[r.count, r.sum, r.min, r.max, r.p50, r.p90, r.p99].map(fmt),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= firstNumber ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...lines.map(line)].join('\n');
}

/** One JSON object per series and line; null where a number cannot be computed. */
export function formatJson(rows: readonly SeriesRow[]): string {
  return rows
    .map((r) =>
      JSON.stringify({
        region: r.region,
        namespace: r.namespace,
        metricName: r.metricName,
        dimensions: r.dimensions,
        unit: r.unit ?? null,
        count: r.count ?? null,
        sum: r.sum ?? null,
        min: r.min ?? null,
        max: r.max ?? null,
        p50: r.p50 ?? null,
        p90: r.p90 ?? null,
        p99: r.p99 ?? null,
      }),
    )
    .join('\n');
}
