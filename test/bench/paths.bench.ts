/*
 * The three CloudWatch paths side by side on the same exports: PutMetricData and the OTLP endpoint through an
 * in-process network (everything else — serialization, gzip, signing — is the real code), EMF into a stream that
 * takes everything at once. Per export: requests, bytes per data point before and after gzip, and time per data
 * point; the OTLP row's reference is a bare serialization of the same export by OpenTelemetry's transformer,
 * gzipped, in the same run. Then what a stated workload costs a month at list prices.
 */
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import type { ExportResult } from '@opentelemetry/core';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { CloudWatchMetricExporter, type EmfStream } from 'opentelemetry-exporter-metrics-cloudwatch';
import { gzipSync } from 'node:zlib';
import {
  counterMetrics,
  histogramMetrics,
  inProcessClient,
  resourceMetrics,
  table,
  timeInTurns,
  type Captured,
} from './harness';

const exportOnce = (e: CloudWatchMetricExporter, rm: ResourceMetrics) =>
  new Promise<ExportResult>((resolve) => e.export(rm, resolve));

function sink(): EmfStream {
  return {
    write: (_chunk, callback) => {
      if (callback) process.nextTick(callback);
      return true;
    },
  };
}

/** us-east-1 list prices (aws.amazon.com/cloudwatch/pricing): PutMetricData requests, and log ingestion for EMF. */
const USD_PER_1000_REQUESTS = 0.01;
const USD_PER_LOG_GB = 0.5;
/** The stated workload: processes exporting once a minute for a 30-day month. */
const PROCESSES = 100;
const EXPORTS_PER_MONTH = 60 * 24 * 30;

interface PathFigures {
  requests: number;
  bytes: number;
  wire: number;
  points: number;
}

export async function paths(): Promise<string> {
  const rows: Array<Array<string | number>> = [
    ['workload', 'path', 'requests/export', 'B/point', 'wire B/point', 'µs/point', 'reference µs/point'],
  ];
  const costRows: Array<Array<string | number>> = [['workload, per month', 'path', 'requests', 'GB', 'USD']];
  for (const [name, rm] of [
    ['counters, 1k series', resourceMetrics(counterMetrics(1_000))],
    ['histograms (60 buckets), 1k series', resourceMetrics(histogramMetrics(1_000))],
  ] as const) {
    const points = rm.scopeMetrics[0]!.metrics[0]!.dataPoints.length;
    const pmdCapture: Captured[] = [];
    const otlpCapture: Captured[] = [];
    let emfBytes = 0;
    const emfStream: EmfStream = {
      write: (chunk, callback) => {
        emfBytes += Buffer.byteLength(chunk);
        if (callback) process.nextTick(callback);
        return true;
      },
    };
    // One export each, captured, for the sizes.
    const measured = {
      pmd: new CloudWatchMetricExporter({ namespace: 'Bench', client: inProcessClient({ capture: pmdCapture }) }),
      otlp: new CloudWatchMetricExporter({
        namespace: 'Bench',
        output: 'otlp',
        client: inProcessClient({ capture: otlpCapture }),
      }),
      emf: new CloudWatchMetricExporter({ namespace: 'Bench', output: 'emf', emfStream }),
    };
    for (const e of Object.values(measured)) await exportOnce(e, rm);
    const sizes: Record<'pmd' | 'otlp' | 'emf', PathFigures> = {
      pmd: figures(pmdCapture, points),
      otlp: figures(otlpCapture, points),
      emf: { requests: 0, bytes: emfBytes, wire: emfBytes, points },
    };
    // Then the time per point, in turns, with the bare transformer + gzip as the OTLP row's reference.
    const timed = {
      pmd: new CloudWatchMetricExporter({ namespace: 'Bench', client: inProcessClient() }),
      otlp: new CloudWatchMetricExporter({ namespace: 'Bench', output: 'otlp', client: inProcessClient() }),
      emf: new CloudWatchMetricExporter({ namespace: 'Bench', output: 'emf', emfStream: sink() }),
    };
    const [pmd, otlp, emf, floor] = (await timeInTurns(
      [
        () => exportOnce(timed.pmd, rm),
        () => exportOnce(timed.otlp, rm),
        () => exportOnce(timed.emf, rm),
        async () => gzipSync(ProtobufMetricsSerializer.serializeRequest(rm)!).length,
      ],
      25,
    )) as [number, number, number, number];
    const us = (ms: number) => ((ms * 1000) / points).toFixed(2);
    const row = (path: string, f: PathFigures, ms: number, ref = '') =>
      rows.push([name, path, f.requests, (f.bytes / points).toFixed(0), (f.wire / points).toFixed(1), us(ms), ref]);
    row('PutMetricData', sizes.pmd, pmd);
    row('EMF (stdout)', sizes.emf, emf);
    row('OTLP endpoint', sizes.otlp, otlp, us(floor));
    const month = PROCESSES * EXPORTS_PER_MONTH;
    const gb = (bytes: number) => (bytes * month) / 1e9;
    costRows.push([
      name,
      'PutMetricData',
      (sizes.pmd.requests * month).toLocaleString('en-US'),
      gb(sizes.pmd.wire).toFixed(1),
      `${((sizes.pmd.requests * month * USD_PER_1000_REQUESTS) / 1000).toFixed(2)} + metrics`,
    ]);
    costRows.push([
      name,
      'EMF (stdout)',
      0,
      gb(sizes.emf.bytes).toFixed(1),
      `${(gb(sizes.emf.bytes) * USD_PER_LOG_GB).toFixed(2)} + metrics`,
    ]);
    costRows.push([
      name,
      'OTLP endpoint',
      (sizes.otlp.requests * month).toLocaleString('en-US'),
      `${gb(sizes.otlp.bytes).toFixed(1)} (${gb(sizes.otlp.wire).toFixed(1)} gzipped)`,
      'per GB ingested (no price found)',
    ]);
    for (const e of [...Object.values(measured), ...Object.values(timed)]) await e.shutdown();
  }
  return (
    `${table(rows)}\n\n` +
    `${PROCESSES} processes exporting once a minute for 30 days; "+ metrics": CloudWatch bills each series as a ` +
    `custom metric on both paths (us-east-1 list prices: $${USD_PER_1000_REQUESTS} per 1,000 requests, ` +
    `$${USD_PER_LOG_GB} per GB of logs)\n${table(costRows)}`
  );
}

function figures(captured: Captured[], points: number): PathFigures {
  return {
    requests: captured.length,
    bytes: captured.reduce((n, c) => n + c.body.length, 0),
    wire: captured.reduce((n, c) => n + c.wireBytes, 0),
    points,
  };
}
