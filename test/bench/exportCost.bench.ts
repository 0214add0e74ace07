/*
 * Export path cost per data point: our exporter (translate + pack + serialize + gzip + sign, network replaced by
 * an in-process handler), the AWS SDK's own PutMetricDataCommand path for the same datums, and the floor
 * (JSON.stringify + gzip of the same request bodies).
 */
import { PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { ExportResult } from '@opentelemetry/core';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { CloudWatchMetricExporter } from 'opentelemetry-exporter-metrics-cloudwatch';
import { batchBody } from '../../packages/exporter-metrics-cloudwatch/build/src/pack/Batch';
import { packDatums } from '../../packages/exporter-metrics-cloudwatch/build/src/pack/packDatums';
import { newCounters } from '../../packages/exporter-metrics-cloudwatch/build/src/stats/ExporterStats';
import { putMetricDataCommand } from '../../packages/exporter-metrics-cloudwatch/build/src/send/putMetricDataCommand';
import {
  costWorkloads,
  counterMetrics,
  histogramMetrics,
  inProcessClient,
  inProcessClientConfig,
  resourceMetrics,
  table,
  timeAndCpuInTurns,
  timeInTurns,
  translateAll,
  type Captured,
} from './harness';

const gzipAsync = promisify(gzip);
const NS = 'Bench';

const translate = (rm: ResourceMetrics): MetricDatum[] => translateAll(rm);

const exportOnce = (e: CloudWatchMetricExporter, rm: ResourceMetrics) =>
  new Promise<ExportResult>((resolve) => e.export(rm, resolve));

export async function exportCost(): Promise<string> {
  // The mixed row: a service's export as it comes, mostly counters with some histograms (45,000 points in all).
  const workloads: Array<[string, ResourceMetrics]> = [
    ...costWorkloads(),
    [
      'mixed: 40k counters, 5k histograms (60 buckets)',
      resourceMetrics(counterMetrics(40_000), histogramMetrics(5_000)),
    ],
  ];
  const rows: Array<Array<string | number>> = [
    [
      'workload',
      'ours µs/pt',
      'ours CBOR µs/pt',
      'SDK path µs/pt',
      'floor µs/pt',
      'ours/floor',
      'CBOR/floor',
      'SDK/floor',
      'CPU µs/pt: ours',
      'CBOR',
      'floor',
      'requests',
      'fewest possible',
      'CBOR requests',
      'raw B/datum',
      'wire B/datum',
      'CBOR raw B/datum',
      'CBOR wire B/datum',
    ],
  ];
  for (const [name, rm] of workloads) {
    const points = rm.scopeMetrics[0]!.metrics.reduce((n, m) => n + m.dataPoints.length, 0);
    const repeats = points >= 50_000 ? 9 : points >= 10_000 ? 15 : 25;
    const client = inProcessClient();
    const exporter = new CloudWatchMetricExporter({ namespace: NS, client });
    // putMetricDataProtocol 'cbor', with a client the exporter makes (it then gzips CBOR at its own level).
    const cborExporter = new CloudWatchMetricExporter({
      namespace: NS,
      putMetricDataProtocol: 'cbor',
      clientConfig: inProcessClientConfig({ cbor: true }),
    });
    const datums = translate(rm);
    const batches = packDatums(NS, datums, { maxDatums: 1000, maxBytes: 1_000_000 }).batches;
    // The floor's bodies are plain objects in their wire shape (timestamps already epoch seconds), so it pays for
    // no conversion at all.
    const bodies = batches.map((b) => JSON.parse(batchBody(b)) as unknown);
    const { wall, cpu } = await timeAndCpuInTurns(
      [
        () => exportOnce(exporter, rm),
        () => exportOnce(cborExporter, rm),
        // The SDK path: the same requests, serialized by the SDK, with the same concurrency (4).
        async () => {
          const queue = batches.map((b) => b.datums!);
          await Promise.all(
            Array.from({ length: 4 }, async () => {
              for (let d = queue.shift(); d; d = queue.shift()) {
                await client.send(new PutMetricDataCommand({ Namespace: NS, MetricData: d }));
              }
            }),
          );
        },
        // The floor: JSON.stringify and gzip of the final bodies, nothing else.
        async () => {
          await Promise.all(bodies.map((body) => gzipAsync(JSON.stringify(body))));
        },
      ],
      repeats,
    );
    const [ours, cbor, sdk, floor] = wall as [number, number, number, number];

    const capture: Captured[] = [];
    const capturing = new CloudWatchMetricExporter({ namespace: NS, client: inProcessClient({ capture }) });
    await exportOnce(capturing, rm);
    const cborCapture: Captured[] = [];
    const cborCapturing = new CloudWatchMetricExporter({
      namespace: NS,
      putMetricDataProtocol: 'cbor',
      clientConfig: inProcessClientConfig({ capture: cborCapture, cbor: true }),
    });
    await exportOnce(cborCapturing, rm);
    const perDatum = (c: Captured[], bytes: (r: Captured) => number, digits: number) =>
      (c.reduce((a, r) => a + bytes(r), 0) / datums.length).toFixed(digits);
    const us = (ms: number) => ((ms * 1000) / points).toFixed(2);
    rows.push([
      name,
      us(ours),
      us(cbor),
      us(sdk),
      us(floor),
      `${(ours / floor).toFixed(2)}×`,
      `${(cbor / floor).toFixed(2)}×`,
      `${(sdk / floor).toFixed(2)}×`,
      us(cpu[0]!),
      us(cpu[1]!),
      us(cpu[3]!),
      capture.length,
      fewestRequests(capture, datums.length),
      cborCapture.length,
      perDatum(capture, (r) => r.body.length, 0),
      perDatum(capture, (r) => r.wireBytes, 1),
      perDatum(cborCapture, (r) => r.body.length, 0),
      perDatum(cborCapture, (r) => r.wireBytes, 1),
    ]);
    client.destroy();
    await cborExporter.shutdown();
    await cborCapturing.shutdown();
  }
  return `${table(rows)}\n\n${await rollUpCost()}\n\n${await entityCost()}`;
}

/**
 * The fewest requests any packing could make of these datums: by count (1,000 a request) or by bytes (the datums'
 * bytes over what a 1,000,000-byte request leaves them beside its envelope), whichever binds.
 */
function fewestRequests(capture: Captured[], datums: number): number {
  const envelope = '{"Namespace":"Bench","MetricData":[]}'.length;
  const datumBytes = capture.reduce((a, c) => a + c.body.length - envelope, 0);
  return Math.max(Math.ceil(datums / 1000), Math.ceil(datumBytes / (1_000_000 - envelope)));
}

/** What roll-ups cost: the same export with two dimension sets (per route, and the total) and with none. */
async function rollUpCost(): Promise<string> {
  const rows: Array<Array<string | number>> = [
    ['workload (10k series)', 'no rules µs/pt', 'two dimension sets µs/pt', 'ratio', 'series: all → rolled up'],
  ];
  const rules = [{ names: ['*'], dimensionSets: [['http.route'], []] }];
  for (const [name, rm] of [
    ['counters', resourceMetrics(counterMetrics(10_000))],
    ['histograms (60 buckets)', resourceMetrics(histogramMetrics(10_000))],
  ] as const) {
    const plain = new CloudWatchMetricExporter({ namespace: NS, client: inProcessClient() });
    const rolled = new CloudWatchMetricExporter({ namespace: NS, client: inProcessClient(), metricRules: rules });
    const [a, b] = (await timeInTurns([() => exportOnce(plain, rm), () => exportOnce(rolled, rm)], 15)) as [
      number,
      number,
    ];
    rows.push([
      name,
      ((a * 1000) / 10_000).toFixed(2),
      ((b * 1000) / 10_000).toFixed(2),
      `${(b / a).toFixed(2)}×`,
      `${plain.getStats().seriesLastExport} → ${rolled.getStats().seriesLastExport}`,
    ]);
  }
  return table(rows);
}

/** What entities cost: the same export with `entity: 'auto'` (one EntityMetricData a request) and without. */
async function entityCost(): Promise<string> {
  const rows: Array<Array<string | number>> = [
    ['workload (10k series)', 'no entity µs/pt', "entity: 'auto' µs/pt", 'ratio', 'raw B/request: without → with'],
  ];
  for (const [name, rm] of [
    ['counters', resourceMetrics(counterMetrics(10_000))],
    ['histograms (60 buckets)', resourceMetrics(histogramMetrics(10_000))],
  ] as const) {
    const captured: [Captured[], Captured[]] = [[], []];
    const plain = new CloudWatchMetricExporter({ namespace: NS, client: inProcessClient() });
    const linked = new CloudWatchMetricExporter({ namespace: NS, client: inProcessClient(), entity: 'auto' });
    const [a, b] = (await timeInTurns([() => exportOnce(plain, rm), () => exportOnce(linked, rm)], 15)) as [
      number,
      number,
    ];
    for (const [i, entity] of [undefined, 'auto' as const].entries()) {
      const e = new CloudWatchMetricExporter({
        namespace: NS,
        client: inProcessClient({ capture: captured[i]! }),
        entity,
      });
      await exportOnce(e, rm);
    }
    const perRequest = (c: Captured[]) => (c.reduce((n, r) => n + r.body.length, 0) / c.length).toFixed(0);
    rows.push([
      name,
      ((a * 1000) / 10_000).toFixed(2),
      ((b * 1000) / 10_000).toFixed(2),
      `${(b / a).toFixed(2)}×`,
      `${perRequest(captured[0])} → ${perRequest(captured[1])}`,
    ]);
  }
  return table(rows);
}

/** Where one export's time goes, stage by stage, per data point. */
export async function stages(): Promise<string> {
  const rows: Array<Array<string | number>> = [
    ['workload (10k series)', 'translate µs/pt', 'pack + serialize µs/pt', 'send: gzip + sign µs/pt', 'floor µs/pt'],
  ];
  const workloads: Array<[string, ResourceMetrics]> = [
    ['counters', resourceMetrics(counterMetrics(10_000))],
    ['histograms (60 buckets)', resourceMetrics(histogramMetrics(10_000))],
  ];
  for (const [name, rm] of workloads) {
    const points = 10_000;
    let datums = translate(rm);
    let batches = packDatums(NS, datums, { maxDatums: 1000, maxBytes: 1_000_000 }).batches;
    const bodies = batches.map((b) => JSON.parse(batchBody(b)) as unknown);
    const client = inProcessClient();
    const counters = newCounters();
    const [translateMs, packMs, sendMs, floorMs] = (await timeInTurns(
      [
        async () => (datums = translate(rm)),
        async () => (batches = packDatums(NS, datums, { maxDatums: 1000, maxBytes: 1_000_000 }).batches),
        async () => {
          const queue = [...batches];
          await Promise.all(
            Array.from({ length: 4 }, async () => {
              for (let b = queue.shift(); b; b = queue.shift())
                await client.send(putMetricDataCommand(client, NS, b, counters));
            }),
          );
        },
        async () => {
          await Promise.all(bodies.map((body) => gzipAsync(JSON.stringify(body))));
        },
      ],
      7,
    )) as [number, number, number, number];
    client.destroy();
    const us = (ms: number) => ((ms * 1000) / points).toFixed(2);
    rows.push([name, us(translateMs), us(packMs), us(sendMs), us(floorMs)]);
  }
  return table(rows);
}
