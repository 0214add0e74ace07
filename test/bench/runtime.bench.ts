/*
 * Event-loop delay during a large export, memory under series churn, and export time by concurrency.
 */
import type { ExportResult } from '@opentelemetry/core';
import { AggregationTemporality, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { CloudWatchMetricExporter } from 'opentelemetry-exporter-metrics-cloudwatch';
import { packDatums } from '../../packages/exporter-metrics-cloudwatch/build/src/pack/packDatums';
import { CumulativeToDelta } from '../../packages/exporter-metrics-cloudwatch/build/src/translate/CumulativeToDelta';
import { DropReporter } from '../../packages/exporter-metrics-cloudwatch/build/src/stats/DropReporter';
import { translateResourceMetrics } from '../../packages/exporter-metrics-cloudwatch/build/src/translate/translateResourceMetrics';
import { counterMetrics, histogramMetrics, inProcessClient, resourceMetrics, table, translateAll } from './harness';

const exportOnce = (e: CloudWatchMetricExporter, rm: ResourceMetrics) =>
  new Promise<ExportResult>((resolve) => e.export(rm, resolve));

/** Runs `work` while a 1 ms timer measures how late the event loop lets it fire; returns the worst lateness. */
export async function maxLoopDelay(work: () => Promise<unknown>): Promise<number> {
  let worst = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 1);
    last = now;
  }, 1);
  await new Promise((r) => setTimeout(r, 20));
  worst = 0;
  last = performance.now();
  await work();
  await new Promise((r) => setTimeout(r, 5));
  clearInterval(probe);
  return worst;
}

export async function eventLoop(): Promise<string> {
  const rm = resourceMetrics(counterMetrics(50_000));
  const exporter = new CloudWatchMetricExporter({ namespace: 'Loop', client: inProcessClient() });
  await exportOnce(exporter, rm); // warm-up
  const idle = await maxLoopDelay(() => new Promise((r) => setTimeout(r, 500)));
  const ours: number[] = [];
  for (let i = 0; i < 3; i++) ours.push(await maxLoopDelay(() => exportOnce(exporter, rm)));
  // Reference: the same translation and packing done in one synchronous go, as an exporter that never yields.
  const blocking = await maxLoopDelay(async () => {
    const datums = translateAll(rm);
    packDatums('Loop', datums, { maxDatums: 1000, maxBytes: 1_000_000 });
  });
  return table([
    ['50k-series export', 'max event-loop delay'],
    ['idle (500 ms, reference)', `${idle.toFixed(1)} ms`],
    ['our export (worst of 3)', `${Math.max(...ours).toFixed(1)} ms`],
    ['translate + pack without yielding (reference)', `${blocking.toFixed(1)} ms`],
  ]);
}

export async function memory(): Promise<string> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return '(run with node --expose-gc: npm run bench does)';
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed / 1024 / 1024;
  };
  const rows: Array<Array<string | number>> = [
    ['phase', 'exports so far', 'heap MiB (after GC)', 'cumulative streams kept'],
  ];
  const checkpoints = new Set([1, 100, 250, 500, 750, 1000]);
  const phases: Array<[string, AggregationTemporality, CloudWatchMetricExporter]> = [
    [
      'delta counters',
      AggregationTemporality.DELTA,
      new CloudWatchMetricExporter({ namespace: 'Churn', client: inProcessClient() }),
    ],
    [
      'cumulative counters (TTL 1 s)',
      AggregationTemporality.CUMULATIVE,
      new CloudWatchMetricExporter({ namespace: 'Churn', client: inProcessClient(), deltaStateTtlMillis: 1000 }),
    ],
  ];
  rows.push(['before', 0, heap().toFixed(1), 0]);
  for (const [name, temporality, exporter] of phases) {
    for (let i = 1; i <= 1000; i++) {
      const metric = { ...counterMetrics(200, `${name}-${i}-`), aggregationTemporality: temporality };
      await exportOnce(exporter, resourceMetrics(metric));
      if (checkpoints.has(i)) rows.push([name, i, heap().toFixed(1), exporter.getStats().deltaStreams]);
    }
  }
  return (
    table(rows) +
    '\n(200 new attribute sets every export; cumulative streams expire after deltaStateTtlMillis — 30 min by' +
    '\n default — and at most 100,000 are kept whatever their age)\n\n' +
    table(cumulativeStateMemory(heap))
  );
}

export async function concurrency(): Promise<string> {
  const rm = resourceMetrics(counterMetrics(20_000));
  const rows: Array<Array<string | number>> = [
    ['concurrency', 'export time (20 requests, 50 ms each)', 'if only latency counted'],
  ];
  for (const c of [1, 2, 4, 8, 16]) {
    const exporter = new CloudWatchMetricExporter({
      namespace: 'Conc',
      client: inProcessClient({ delayMs: 50 }),
      concurrency: c,
    });
    await exportOnce(exporter, rm);
    const t0 = performance.now();
    await exportOnce(exporter, rm);
    rows.push([
      c === 4 ? '4 (default)' : c,
      `${(performance.now() - t0).toFixed(0)} ms`,
      `${Math.ceil(20 / c) * 50} ms`,
    ]);
  }
  return table(rows);
}

/** What the cumulative-to-delta state costs at its cap: heap held by the state alone, after GC. */
function cumulativeStateMemory(heap: () => number): Array<Array<string | number>> {
  const rows: Array<Array<string | number>> = [['cumulative state', 'streams kept', 'heap MiB', 'bytes per stream']];
  const workloads: Array<[string, () => ReturnType<typeof counterMetrics>]> = [
    ['counters (3–6 attributes)', () => counterMetrics(101_000)],
    ['exponential histograms (60 buckets)', () => histogramMetrics(20_000)],
  ];
  for (const [name, make] of workloads) rows.push(measureState(heap, name, make));
  return rows;
}

/** One measurement in its own call, so that nothing of the previous one is still reachable from here. */
function measureState(heap: () => number, name: string, make: () => ReturnType<typeof counterMetrics>) {
  const before = heap();
  // Everything but the state is garbage once `fill` returns.
  const deltas = fill(make);
  const grown = (heap() - before) * 1024 * 1024;
  return [name, deltas.size, (grown / 1024 / 1024).toFixed(1), Math.round(grown / deltas.size)];
}

function fill(make: () => ReturnType<typeof counterMetrics>): CumulativeToDelta {
  const deltas = new CumulativeToDelta(3600_000);
  const metric = { ...make(), aggregationTemporality: AggregationTemporality.CUMULATIVE };
  translateResourceMetrics(resourceMetrics(metric), {
    storageResolution: 60,
    resourceDimensions: [],
    deltas,
    drops: new DropReporter(),
    now: Date.now(),
  });
  return deltas;
}
