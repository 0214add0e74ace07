/*
 * EMF output cost per data point: our exporter with `output: 'emf'` (translate, group into documents, serialize,
 * write to a stream that takes everything at once) beside the floor, a bare JSON.stringify of the very same
 * documents as plain objects; and the worst event-loop delay while a 10k-series export is written.
 */
import type { ExportResult } from '@opentelemetry/core';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { CloudWatchMetricExporter, type EmfStream } from 'opentelemetry-exporter-metrics-cloudwatch';
import { emfDocuments } from '../../packages/exporter-metrics-cloudwatch/build/src/emf/EmfDocuments';
import {
  costWorkloads,
  counterMetrics,
  histogramMetrics,
  inProcessClient,
  resourceMetrics,
  table,
  timeInTurns,
  translateAll,
} from './harness';
import { maxLoopDelay } from './runtime.bench';

const LIMITS = { maxMetrics: 100, maxBytes: 64 * 1024 - 1 };

const exportOnce = (e: CloudWatchMetricExporter, rm: ResourceMetrics) =>
  new Promise<ExportResult>((resolve) => e.export(rm, resolve));

/** A stream that takes every chunk at once, as a pipe or a file does on Linux; keeps them when asked. */
function sink(keep?: string[]): EmfStream {
  return {
    write: (chunk, callback) => {
      keep?.push(chunk);
      if (callback) process.nextTick(callback);
      return true;
    },
  };
}

export async function emfCost(): Promise<string> {
  const workloads = costWorkloads();
  const rows: Array<Array<string | number>> = [
    ['workload', 'EMF µs/pt', 'floor µs/pt', 'EMF/floor', 'documents', 'B/datum'],
  ];
  for (const [name, rm] of workloads) {
    const points = rm.scopeMetrics[0]!.metrics[0]!.dataPoints.length;
    const repeats = points >= 50_000 ? 9 : points >= 10_000 ? 15 : 25;
    const exporter = new CloudWatchMetricExporter({ namespace: 'Bench', output: 'emf', emfStream: sink() });
    // The floor: the same documents, as objects, stringified one per line: no translation, no grouping.
    const written: string[] = [];
    const capturing = new CloudWatchMetricExporter({ namespace: 'Bench', output: 'emf', emfStream: sink(written) });
    await exportOnce(capturing, rm);
    const lines = written
      .join('')
      .split('\n')
      .filter((l) => l !== '');
    const documents = lines.map((l) => JSON.parse(l) as unknown);
    const [ours, floor] = (await timeInTurns(
      [
        () => exportOnce(exporter, rm),
        async () => {
          let out = '';
          for (const d of documents) out += `${JSON.stringify(d)}\n`;
          return out.length;
        },
      ],
      repeats,
    )) as [number, number];
    const datums = capturing.getStats().datumsExported;
    rows.push([
      name,
      ((ours * 1000) / points).toFixed(2),
      ((floor * 1000) / points).toFixed(2),
      `${(ours / floor).toFixed(2)}×`,
      lines.length,
      (capturing.getStats().emfBytes / datums).toFixed(0),
    ]);
    await exporter.shutdown();
    await capturing.shutdown();
  }
  return `${table(rows)}\n\n${await loopDelay()}`;
}

/**
 * The longest a 1 ms timer waits during a 10k-series export, worst of five: EMF, the PutMetricData path (the
 * reference of what the exporter already does), and the same EMF work done without yielding.
 */
async function loopDelay(): Promise<string> {
  const rows: Array<Array<string | number>> = [
    ['10k series, worst of 5', 'EMF ms', 'PutMetricData ms', 'EMF without yielding (reference) ms'],
  ];
  for (const [name, rm] of [
    ['counters', resourceMetrics(counterMetrics(10_000))],
    ['histograms (60 buckets)', resourceMetrics(histogramMetrics(10_000))],
  ] as const) {
    const emf = new CloudWatchMetricExporter({ namespace: 'Loop', output: 'emf', emfStream: sink() });
    const pmd = new CloudWatchMetricExporter({ namespace: 'Loop', client: inProcessClient() });
    await exportOnce(emf, rm);
    await exportOnce(pmd, rm);
    const worst = { emf: 0, pmd: 0, blocking: 0 };
    for (let i = 0; i < 5; i++) {
      worst.emf = Math.max(worst.emf, await maxLoopDelay(() => exportOnce(emf, rm)));
      worst.pmd = Math.max(worst.pmd, await maxLoopDelay(() => exportOnce(pmd, rm)));
      worst.blocking = Math.max(worst.blocking, await maxLoopDelay(async () => writeAtOnce(rm)));
    }
    rows.push([name, worst.emf.toFixed(1), worst.pmd.toFixed(1), worst.blocking.toFixed(1)]);
    await emf.shutdown();
    await pmd.shutdown();
  }
  return table(rows);
}

/** Translation and every document of an export in one synchronous go, as a writer that never yields would. */
function writeAtOnce(rm: ResourceMetrics): number {
  const datums = translateAll(rm, 100);

  let out = '';
  for (const d of datums) {
    const docs = emfDocuments('Loop', d.Timestamp!.getTime(), d.dimensionsJson, [d], LIMITS, () => {});
    for (const doc of docs) out += `${doc}\n`;
  }
  return out.length;
}
