/*
 * Delivery through a scripted outage against the local CloudWatch (moto behind the front door): values recorded
 * vs values CloudWatch stored, with the retry buffer and without it (the reference), and the memory a full
 * retry buffer takes.
 */
import { LocalCloudWatch, type Fault } from '@otel-cloudwatch/local-cloudwatch';
import type { ExportResult } from '@opentelemetry/core';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import {
  CloudWatchMetricExporter,
  type CloudWatchMetricExporterOptions,
} from 'opentelemetry-exporter-metrics-cloudwatch';
import { counterMetrics, resourceMetrics, table } from './harness';

const exportOnce = (e: CloudWatchMetricExporter, rm: ResourceMetrics) =>
  new Promise<ExportResult>((resolve) => e.export(rm, resolve));

const SERIES = 2_000;
const EXPORTS = 30;
/** Exports 6 to 20 meet the outage. */
const OUTAGE = { from: 6, to: 20 };

interface Run {
  recorded: number;
  landed: number;
  requests: number;
  ms: number;
}

async function scripted(
  cw: LocalCloudWatch,
  label: string,
  fault: Fault,
  options: Partial<CloudWatchMetricExporterOptions>,
): Promise<Run> {
  await cw.reset();
  const namespace = `Bench/Outage/${label}`;
  const exporter = new CloudWatchMetricExporter({ namespace, clientConfig: cw.clientConfig(), ...options });
  let recorded = 0;
  const t0 = performance.now();
  for (let i = 1; i <= EXPORTS; i++) {
    cw.setOutage(i >= OUTAGE.from && i <= OUTAGE.to ? fault : undefined);
    const metric = counterMetrics(SERIES);
    for (const p of metric.dataPoints) recorded += p.value as number;
    await exportOnce(exporter, resourceMetrics(metric));
  }
  cw.setOutage(undefined);
  await exporter.shutdown();
  const ms = performance.now() - t0;
  // What CloudWatch stored is what the front door passed on and moto accepted (reading 60,000 datums back
  // through moto's GetMetricData takes minutes); the tests read values back through moto itself.
  let landed = 0;
  for (const put of cw.puts) {
    if (put.status !== 200) continue;
    for (const d of (put.input as { MetricData: Array<{ Value?: number }> }).MetricData) landed += d.Value ?? 0;
  }
  return { recorded, landed, requests: exporter.getStats().requests, ms };
}

const MiB = 1024 * 1024;
const used = () => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.external; // external already counts array buffers
};

export async function outage(): Promise<string> {
  let cw: LocalCloudWatch;
  try {
    cw = await LocalCloudWatch.start();
  } catch (err) {
    return `skipped: the local CloudWatch could not start (${(err as Error).message})`;
  }
  try {
    const rows: Array<Array<string | number>> = [
      [
        'outage (exports 6–20 of 30)',
        'retry buffer',
        'values recorded',
        'values stored (accepted)',
        'stored',
        'requests',
        's',
      ],
    ];
    const faults: Array<[string, Fault]> = [
      ['503', { status: 503, code: 'ServiceUnavailable' }],
      ['Throttling', { status: 400, code: 'Throttling', message: 'Rate exceeded' }],
      ['connection reset', { drop: true }],
    ];
    for (const [name, fault] of faults) {
      for (const [bufferLabel, options] of [
        ['default', {}],
        ['off (reference)', { retryBuffer: false }],
      ] as const) {
        const r = await scripted(cw, `${name.replace(/\W/g, '')}-${bufferLabel.slice(0, 3)}`, fault, options);
        rows.push([
          name,
          bufferLabel,
          r.recorded,
          r.landed,
          `${((100 * r.landed) / r.recorded).toFixed(1)} %`,
          r.requests,
          (r.ms / 1000).toFixed(1),
        ]);
      }
    }

    // A full buffer: 1,000-series exports kept until the default 32 MiB bound is reached.
    await cw.reset();
    cw.setOutage({ status: 503, code: 'ServiceUnavailable' });
    const exporter = new CloudWatchMetricExporter({
      namespace: 'Bench/Outage/Full',
      clientConfig: cw.clientConfig(),
      retry: { maxAttempts: 1 },
    });
    const before = used();
    let exports = 0;
    while (exporter.getStats().discarded.overflow === 0 && exports < 2_000) {
      await exportOnce(exporter, resourceMetrics(counterMetrics(1_000, `e${exports++}-`)));
    }
    const full = exporter.getStats().retryBuffer;
    const grown = used() - before;
    cw.setOutage(undefined);
    await exporter.shutdown();
    const memory = table([
      ['full retry buffer', 'requests', 'bodies (MiB)', 'process memory grown (MiB)', 'exports to fill it'],
      ['default bound (32 MiB)', full.requests, (full.bytes / MiB).toFixed(1), (grown / MiB).toFixed(1), exports],
    ]);
    return `${table(rows)}\n\n${memory}`;
  } finally {
    await cw.stop();
  }
}
