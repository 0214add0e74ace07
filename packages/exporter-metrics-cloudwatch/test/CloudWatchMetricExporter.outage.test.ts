import { readMany, useLocalCloudWatch, type Fault } from '@otel-cloudwatch/local-cloudwatch';
import { diag, DiagLogLevel, ValueType } from '@opentelemetry/api';
import { ExportResultCode, millisToHrTime, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { expect } from 'chai';
import { CloudWatchMetricExporter, type CloudWatchMetricExporterOptions } from '../src';

/** One delta counter point per series, each with `value`, timestamped now. */
function calls(series: number, value: number): ResourceMetrics {
  const now = Date.now();
  const metric: MetricData = {
    descriptor: { name: 'calls', unit: '{call}', description: '', valueType: ValueType.INT },
    aggregationTemporality: AggregationTemporality.DELTA,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: Array.from({ length: series }, (_, s) => ({
      startTime: millisToHrTime(now - 1000),
      endTime: millisToHrTime(now),
      attributes: { series: `s${s}` },
      value,
    })),
  };
  return {
    resource: resourceFromAttributes({ 'service.name': 'outage' }),
    scopeMetrics: [{ scope: { name: 'outage-test' }, metrics: [metric] }],
  };
}

const exportOnce = (exporter: CloudWatchMetricExporter, rm: ResourceMetrics) =>
  new Promise<ExportResult>((resolve) => exporter.export(rm, resolve));

/** Short waits, so that a test of many exports stays quick; the policy is the same. */
const FAST: Partial<CloudWatchMetricExporterOptions> = {
  retry: { baseDelayMillis: 5, maxDelayMillis: 40 },
  timeoutMillis: 5_000,
  // About 540 counter datums a request: 600 series make two requests an export.
  maxRequestBytes: 65_536,
};

describe('CloudWatchMetricExporter through outages (retry buffer, retries, one deadline)', function () {
  this.timeout(120_000);
  const cw = useLocalCloudWatch();
  let n = 0;
  const exporters: CloudWatchMetricExporter[] = [];
  function exporter(extra: Partial<CloudWatchMetricExporterOptions> = {}) {
    const namespace = `Outage${++n}`;
    const e = new CloudWatchMetricExporter({ namespace, clientConfig: cw().clientConfig(), ...FAST, ...extra });
    exporters.push(e);
    return { namespace, exporter: e };
  }
  beforeEach(() => cw().reset());
  afterEach(async () => {
    await cw().frontDoor.acceptConnections();
    await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
    expect(
      cw().violations.map((r) => r.violation),
      'front-door violations',
    ).to.deep.equal([]);
  });

  /** Sum and SampleCount of `calls` for each of `series` series. */
  async function readBack(namespace: string, series: number): Promise<{ sums: number[]; counts: number[] }> {
    const client = cw().client();
    const dims = Array.from({ length: series }, (_, s) => ({ series: `s${s}` }));
    try {
      const sums = await readMany(client, namespace, 'calls', dims, 'Sum');
      const counts = await readMany(client, namespace, 'calls', dims, 'SampleCount');
      return { sums, counts };
    } finally {
      client.destroy();
    }
  }

  const outages: Array<[string, Fault | 'refused']> = [
    ['503', { status: 503, code: 'ServiceUnavailable' }],
    ['429', { status: 429, code: 'TooManyRequestsException', message: 'Too many requests' }],
    ['Throttling', { status: 400, code: 'Throttling', message: 'Rate exceeded' }],
    ['connection reset', { drop: true }],
    ['connection refused', 'refused'],
  ];
  for (const [name, fault] of outages) {
    it(`lands every value exactly once through 15 exports of ${name}, recovery, then a 503 on every request`, async () => {
      const SERIES = 600;
      const { namespace, exporter: e } = exporter();
      if (fault === 'refused') cw().frontDoor.refuseConnections();
      else cw().setOutage(fault);
      let value = 0;
      for (let i = 0; i < 15; i++) {
        const result = await exportOnce(e, calls(SERIES, ++value));
        expect(result.code, `export ${value} during the outage`).to.equal(ExportResultCode.FAILED);
        expect(result.error!.message).to.match(/kept in the retry buffer/);
      }
      const during = e.getStats();
      expect(during.retryBuffer.requests, 'two requests kept per export').to.equal(30);
      // CloudWatch down: one probe per export, not every request with every retry.
      expect(during.requests).to.be.at.most(15 + 1);

      if (fault === 'refused') await cw().frontDoor.acceptConnections();
      else cw().setOutage(undefined);
      const recovered = await exportOnce(e, calls(SERIES, ++value));
      expect(recovered.code, 'first export after recovery').to.equal(ExportResultCode.SUCCESS);
      expect(e.getStats().retryBuffer).to.deep.equal({ requests: 0, bytes: 0 });

      // One 503 on the first attempt of every request: each is retried, nothing is kept.
      cw().injectFaults({ status: 503, code: 'ServiceUnavailable' }, { status: 503, code: 'ServiceUnavailable' });
      const blip = await exportOnce(e, calls(SERIES, ++value));
      expect(blip.code, 'export with a 503 per request').to.equal(ExportResultCode.SUCCESS);

      const { sums, counts } = await readBack(namespace, SERIES);
      const expectedSum = (value * (value + 1)) / 2;
      expect(new Set(sums), 'every series: the sum of every value recorded').to.deep.equal(new Set([expectedSum]));
      expect(new Set(counts), 'every series: one datum per export, none twice').to.deep.equal(new Set([value]));
      const stats = e.getStats();
      expect(stats.resentRequests).to.be.at.least(30);
      expect(Object.values(stats.discarded).every((d) => d === 0)).to.equal(true);
      expect(stats.retries, 'the two 503s were retried').to.be.at.least(2);
    });
  }

  it('credentials that never come cost the export its deadline, not more; the request is kept and lands later', async () => {
    let answer: ((c: { accessKeyId: string; secretAccessKey: string }) => void) | undefined;
    const credentials = cw().clientConfig().credentials as { accessKeyId: string; secretAccessKey: string };
    const { namespace, exporter: e } = exporter({
      timeoutMillis: 800,
      clientConfig: cw().clientConfig({
        credentials: () => (answer ? Promise.resolve(credentials) : new Promise((resolve) => (answer = resolve))),
      }),
    });
    const started = Date.now();
    const r = await exportOnce(e, calls(3, 1));
    expect(Date.now() - started, 'within the deadline and a little').to.be.below(2_000);
    expect(r.code).to.equal(ExportResultCode.FAILED);
    expect(e.getStats().retryBuffer.requests).to.equal(1);
    expect(e.getStats().unknownOutcomes, 'never sent, and known not to be').to.equal(0);
    expect(cw().puts, 'nothing was sent after the deadline').to.have.length(0);
    answer!(credentials);
    expect((await exportOnce(e, calls(3, 2))).code).to.equal(ExportResultCode.SUCCESS);
    expect((await readBack(namespace, 3)).sums).to.deep.equal([3, 3, 3]);
  });

  it('keeps at most retryBuffer.maxBytes: the oldest requests go first, counted and reported once', async () => {
    const warnings: string[] = [];
    diag.setLogger(
      {
        error: () => {},
        warn: (...args) => void warnings.push(args.join(' ')),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      DiagLogLevel.WARN,
    );
    try {
      const SERIES = 100; // one request of ~12 KB an export
      const { namespace, exporter: e } = exporter({ retryBuffer: { maxBytes: 30_000 } });
      cw().setOutage({ status: 503, code: 'ServiceUnavailable' });
      for (let i = 1; i <= 5; i++) await exportOnce(e, calls(SERIES, 10 ** (i - 1)));
      const kept = e.getStats().retryBuffer;
      expect(kept.requests).to.equal(2);
      expect(kept.bytes).to.be.at.most(30_000);
      cw().setOutage(undefined);
      expect((await exportOnce(e, calls(SERIES, 100_000))).code).to.equal(ExportResultCode.SUCCESS);
      const { sums } = await readBack(namespace, SERIES);
      // Exports 1–3 (values 1, 10, 100) were given up; 4, 5 and 6 landed.
      expect(new Set(sums)).to.deep.equal(new Set([1_000 + 10_000 + 100_000]));
      expect(e.getStats().discarded.overflow).to.equal(3 * SERIES);
      expect(warnings.filter((w) => w.includes('gave up'))).to.have.length(1);
    } finally {
      diag.disable();
    }
  });

  it('gives up requests older than retryBuffer.maxAgeMillis, counted as expired', async () => {
    const { namespace, exporter: e } = exporter({ retryBuffer: { maxAgeMillis: 300 } });
    cw().setOutage({ status: 503, code: 'ServiceUnavailable' });
    await exportOnce(e, calls(10, 1));
    cw().setOutage(undefined);
    await new Promise((r) => setTimeout(r, 400));
    expect((await exportOnce(e, calls(10, 2))).code).to.equal(ExportResultCode.SUCCESS);
    expect(e.getStats().discarded.expired).to.equal(10);
    expect(new Set((await readBack(namespace, 10)).sums)).to.deep.equal(new Set([2]));
  });

  it('keeps nothing with retryBuffer: false', async () => {
    const { exporter: e } = exporter({ retryBuffer: false });
    cw().setOutage({ status: 503, code: 'ServiceUnavailable' });
    const result = await exportOnce(e, calls(10, 1));
    expect(result.code).to.equal(ExportResultCode.FAILED);
    expect(result.error!.message).to.match(/^10 datums did not land and were given up \(ServiceUnavailable/);
    expect(e.getStats().retryBuffer.requests).to.equal(0);
    expect(e.getStats().discarded.overflow).to.equal(10);
  });

  it('sends a request with an unknown outcome again by default (at least once), and counts it', async () => {
    const { namespace, exporter: e } = exporter();
    cw().injectFaults({ dropAfterStoring: true });
    expect((await exportOnce(e, calls(10, 1))).code).to.equal(ExportResultCode.SUCCESS);
    expect(e.getStats().unknownOutcomes).to.equal(1);
    // moto stored the first attempt, whose answer was lost, and the second: this is the duplicate the stats name.
    expect(new Set((await readBack(namespace, 10)).counts)).to.deep.equal(new Set([2]));
  });

  it('with resendUnknownOutcome: false, does not send it again (at most once), and counts it', async () => {
    const { namespace, exporter: e } = exporter({ resendUnknownOutcome: false });
    cw().injectFaults({ dropAfterStoring: true });
    const result = await exportOnce(e, calls(10, 1));
    expect(result.code).to.equal(ExportResultCode.FAILED);
    expect(e.getStats().discarded['unknown-outcome']).to.equal(10);
    expect(new Set((await readBack(namespace, 10)).counts)).to.deep.equal(new Set([1]));
  });

  it('shutdown() waits for a forceFlush() still sending, and every datum is delivered or counted', async () => {
    // Concurrency 2, three requests: one fails (CloudWatch down), the other lands after it (CloudWatch up again),
    // the third is kept unsent: the buffer holds two requests while CloudWatch is taken to be up.
    const { exporter: e } = exporter({ concurrency: 2, retry: { maxAttempts: 1 } });
    cw().injectFaults({ status: 503, code: 'ServiceUnavailable' }, { delayMs: 150 });
    await exportOnce(e, calls(1500, 1));
    expect(e.getStats().retryBuffer.requests).to.equal(2);
    cw().setOutage({ delayMs: 300, status: 503, code: 'ServiceUnavailable' });
    const order: string[] = [];
    const flushed = e.forceFlush().then(() => order.push('forceFlush'));
    const shut = e.shutdown().then(() => order.push('shutdown'));
    await Promise.all([flushed, shut]);
    expect(order).to.deep.equal(['forceFlush', 'shutdown']);
    const stats = e.getStats();
    expect(stats.retryBuffer).to.deep.equal({ requests: 0, bytes: 0 });
    const discarded = Object.values(stats.discarded).reduce((a, b) => a + b, 0);
    expect(stats.datumsExported + discarded, 'delivered + counted as given up').to.equal(1500);
    expect(stats.discarded.shutdown).to.be.above(0);
  });

  it('a scope or metric whose structure cannot be read costs only itself: the good points around it land', async () => {
    const { namespace, exporter: e } = exporter();
    const good = calls(20, 3).scopeMetrics[0]!;
    const broken = {
      resource: calls(1, 1).resource,
      scopeMetrics: [
        { scope: good.scope, metrics: [good.metrics[0], { descriptor: { name: 'x' }, dataPoints: undefined }, null] },
        { scope: undefined, metrics: [good.metrics[0]] },
        { scope: { name: 'no-metrics' }, metrics: undefined },
      ],
    } as unknown as ResourceMetrics;
    const result = await exportOnce(e, broken);
    expect(result.code).to.equal(ExportResultCode.SUCCESS);
    expect(new Set((await readBack(namespace, 20)).sums)).to.deep.equal(new Set([3]));
  });

  it('a diag logger that throws loses nothing: the export still answers, with no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown) => unhandled.push(r);
    process.on('unhandledRejection', onUnhandled);
    let armed = false; // setLogger itself logs
    const boom = () => {
      if (armed) throw new Error('logger down');
    };
    diag.setLogger({ error: boom, warn: boom, info: boom, debug: boom, verbose: boom }, DiagLogLevel.ALL);
    armed = true;
    try {
      const { exporter: e } = exporter({ retry: { maxAttempts: 1 } });
      const rm = calls(5, 1);
      (rm.scopeMetrics[0]!.metrics[0]!.dataPoints[0] as { value: number }).value = NaN; // a drop: a warning
      cw().injectFaults({ status: 503, code: 'ServiceUnavailable' }); // a failed export: an error
      expect((await exportOnce(e, rm)).code).to.equal(ExportResultCode.FAILED);
      expect((await exportOnce(e, calls(5, 2))).code).to.equal(ExportResultCode.SUCCESS);
      expect(e.getStats().dropped['non-finite-value']).to.equal(1);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      armed = false; // disable() logs too
      diag.disable();
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).to.deep.equal([]);
  });

  it('stops translating at the deadline: an export far too large for its timeout still ends on time, counted', async () => {
    const { exporter: e } = exporter({ timeoutMillis: 100 });
    const huge = calls(300_000, 1);
    const t0 = Date.now();
    const result = await exportOnce(e, huge);
    const took = Date.now() - t0;
    expect(took, 'export time').to.be.below(100 + 400);
    expect(result.code).to.equal(ExportResultCode.FAILED);
    expect(e.getStats().dropped['export-timeout']).to.be.above(0);
  });

  it('a CloudWatch that never answers: provider.shutdown() ends within timeoutMillis, requests in flight ≤ concurrency', async () => {
    const TIMEOUT = 2_000;
    // Counted where requests leave the process: the server sees an aborted request end a moment after the client
    // has already moved on, so its own count can briefly overlap.
    let inFlight = 0;
    let maxInFlight = 0;
    class CountingHandler extends NodeHttpHandler {
      override async handle(...args: Parameters<NodeHttpHandler['handle']>) {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        try {
          return await super.handle(...args);
        } finally {
          inFlight--;
        }
      }
    }
    const client = cw().client({ maxAttempts: 1, requestHandler: new CountingHandler() });
    const { exporter: e } = exporter({ timeoutMillis: TIMEOUT, concurrency: 2, maxRequestBytes: 65_536, client });
    cw().setOutage({ hang: true });
    const provider = new MeterProvider({
      // The reader gives up on each export long before the exporter does: exports overlap.
      readers: [
        new PeriodicExportingMetricReader({ exporter: e, exportIntervalMillis: 250, exportTimeoutMillis: 250 }),
      ],
    });
    const counter = provider.getMeter('hang').createCounter('calls');
    const recording = setInterval(() => {
      for (let s = 0; s < 1500; s++) counter.add(1, { series: `s${s}` });
    }, 50);
    await new Promise((r) => setTimeout(r, 1_500));
    clearInterval(recording);
    const t0 = Date.now();
    await provider.shutdown();
    const took = Date.now() - t0;
    expect(took, 'shutdown time').to.be.below(TIMEOUT + 1_000);
    client.destroy();
    expect(maxInFlight, 'requests in flight at once').to.be.within(1, 2);
    expect(cw().frontDoor.maxInProgress, 'requests the server saw at once').to.be.at.least(1);
    expect(e.getStats().discarded.shutdown, 'what could not be sent is counted').to.be.above(0);
  });
});
