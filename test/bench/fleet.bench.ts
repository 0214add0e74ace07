/*
 * A fleet through an outage: N exporters in one process, each exporting every second, sharing one account's
 * PutMetricData quota (a token bucket in the local CloudWatch's front door, 1.5× what the fleet needs). After a
 * 10 s outage every exporter has ten requests in its retry buffer to send. Measured with the exporter as it is
 * (paced after throttling) and, as the reference, the same fleet with pacing switched off: values recorded vs
 * stored, requests offered and landed after recovery, the throttled share, and the time to drain the backlog next
 * to the least it can take (backlog ÷ spare quota).
 */
import { LocalCloudWatch } from '@otel-cloudwatch/local-cloudwatch';
import type { ExportResult } from '@opentelemetry/core';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { CloudWatchMetricExporter } from 'opentelemetry-exporter-metrics-cloudwatch';
import { counterMetrics, resourceMetrics, table } from './harness';

const FLEET = Number(process.env['FLEET_SIZE'] ?? 30);
const INTERVAL_MS = 1000;
const SERIES = 10; // one request an export
const QUOTA = Math.round(1.5 * FLEET * (1000 / INTERVAL_MS));
const BEFORE_MS = 6_000;
const OUTAGE_MS = 10_000;
/** How long the fleet runs after recovery, at most; it stops sooner once every buffer has been empty 3 s. */
const AFTER_MS = 60_000;

const exportOnce = (e: CloudWatchMetricExporter, rm: ResourceMetrics) =>
  new Promise<ExportResult>((resolve) => e.export(rm, resolve));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The reference: an exporter that never paces (as before fleet-aware sending). Reaches into the delivery. */
function withoutPacing(e: CloudWatchMetricExporter): void {
  const deps = (e as unknown as { pipeline: { delivery: { senderDeps?: { rate?: unknown } } } }).pipeline.delivery
    .senderDeps;
  if (!deps?.rate) throw new Error('the fleet bench cannot find the send rate to switch off');
  deps.rate = {
    claim: () => 0,
    throttled() {},
    landed() {},
    wentDown() {},
    recovered() {},
    holdFor() {},
    heldFor: () => 0,
  };
}

interface FleetRun {
  recorded: number;
  stored: number;
  backlog: number;
  offered: number;
  landed: number;
  throttled: number;
  throttledBefore: number;
  offeredBefore: number;
  drainMs: number | undefined;
  /** Requests whose answer was lost (the deadline passed in flight): sent again, they may be stored twice. */
  unknownOutcomes: number;
}

async function runFleet(cw: LocalCloudWatch, paced: boolean): Promise<FleetRun> {
  await cw.reset();
  cw.frontDoor.setQuota({ requestsPerSecond: QUOTA });
  const exporters = Array.from({ length: FLEET }, (_, i) => {
    const e = new CloudWatchMetricExporter({
      namespace: `Fleet/${paced ? 'paced' : 'unpaced'}/${i}`,
      clientConfig: cw.clientConfig(),
      timeoutMillis: 900,
    });
    if (!paced) withoutPacing(e);
    return e;
  });
  let recorded = 0;
  let running = true;
  const loops = exporters.map(async (e) => {
    await sleep(Math.random() * INTERVAL_MS); // processes start at different moments
    while (running) {
      const next = Date.now() + INTERVAL_MS;
      const metric = counterMetrics(SERIES);
      for (const p of metric.dataPoints) recorded += p.value as number;
      await exportOnce(e, resourceMetrics(metric));
      await sleep(Math.max(0, next - Date.now()));
    }
  });
  const t0 = Date.now();
  await sleep(BEFORE_MS);
  const outageAt = Date.now();
  cw.setOutage({ status: 503, code: 'ServiceUnavailable' });
  await sleep(OUTAGE_MS);
  const backlog = exporters.reduce((n, e) => n + e.getStats().retryBuffer.requests, 0);
  cw.setOutage(undefined);
  const recoveryAt = Date.now();
  let drainedAt: number | undefined;
  while (Date.now() - recoveryAt < AFTER_MS) {
    await sleep(100);
    const empty = exporters.every((e) => e.getStats().retryBuffer.requests === 0);
    if (!empty) drainedAt = undefined;
    else drainedAt ??= Date.now();
    if (drainedAt !== undefined && Date.now() - drainedAt > 3_000) break;
  }
  running = false;
  await Promise.all(loops);
  await Promise.all(exporters.map((e) => e.shutdown()));
  const unknownOutcomes = exporters.reduce((n, e) => n + e.getStats().unknownOutcomes, 0);
  cw.frontDoor.setQuota(undefined);
  void t0;

  let stored = 0;
  const run = { offered: 0, landed: 0, throttled: 0, throttledBefore: 0, offeredBefore: 0 };
  for (const put of cw.puts) {
    if (put.status === 200) {
      for (const d of (put.input as { MetricData: Array<{ Value?: number }> }).MetricData) stored += d.Value ?? 0;
    }
    if (put.receivedAt < outageAt) {
      run.offeredBefore++;
      if (put.errorCode === 'Throttling') run.throttledBefore++;
    } else if (put.receivedAt >= recoveryAt) {
      run.offered++;
      if (put.status === 200) run.landed++;
      if (put.errorCode === 'Throttling') run.throttled++;
    }
  }
  return {
    recorded,
    stored,
    backlog,
    unknownOutcomes,
    ...run,
    drainMs: drainedAt === undefined ? undefined : drainedAt - recoveryAt,
  };
}

const pct = (n: number, of: number) => `${of === 0 ? 0 : Math.round((100 * n) / of)} %`;

export async function fleet(): Promise<string> {
  let cw: LocalCloudWatch;
  try {
    cw = await LocalCloudWatch.start();
  } catch (err) {
    return `skipped: the local CloudWatch could not start (${(err as Error).message})`;
  }
  try {
    // moto answers its first requests slowly: warm it, so that neither run pays for it
    const warm = new CloudWatchMetricExporter({ namespace: 'Fleet/warm-up', clientConfig: cw.clientConfig() });
    for (let i = 0; i < 50; i++) await exportOnce(warm, resourceMetrics(counterMetrics(SERIES)));
    await warm.shutdown();
    const rows: Array<Array<string | number>> = [
      [
        `${FLEET} exporters, quota ${QUOTA}/s`,
        'values stored of recorded',
        'throttled before outage',
        'backlog',
        'offered after recovery',
        'landed',
        'throttled',
        'drain time',
        'least drain time',
        'unknown outcomes',
      ],
    ];
    for (const paced of [true, false]) {
      const r = await runFleet(cw, paced);
      const spare = QUOTA - FLEET * (1000 / INTERVAL_MS);
      rows.push([
        paced ? 'paced after throttling (ours)' : 'reference: never paced',
        `${r.stored} of ${r.recorded}`,
        pct(r.throttledBefore, r.offeredBefore),
        r.backlog,
        r.offered,
        r.landed,
        `${r.throttled} (${pct(r.throttled, r.offered)})`,
        r.drainMs === undefined ? `> ${AFTER_MS / 1000} s` : `${(r.drainMs / 1000).toFixed(1)} s`,
        `${(r.backlog / spare).toFixed(1)} s`,
        r.unknownOutcomes,
      ]);
    }
    return `${table(rows)}\n(each exporter: ${SERIES} series, one request a second; outage: ${OUTAGE_MS / 1000} s of 503)`;
  } finally {
    await cw.stop();
  }
}
