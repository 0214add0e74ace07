/*
 * One deadline through the provider: with createCloudWatchMetricReader, provider.shutdown() with an export in flight
 * ends within the timeout (and a margin), and what could not be sent is counted, never silently lost.
 */
import { useLocalCloudWatch } from '@otel-cloudwatch/local-cloudwatch';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { expect } from 'chai';
import { CloudWatchMetricExporter, createCloudWatchMetricReader } from '../src';
import { captureDiag } from './helpers';

const TIMEOUT = 2000;
/** Time for the process to run the final export's own work and the callbacks around it. */
const MARGIN = 800;
const SERIES = 300;

describe('one deadline through the provider (a CloudWatch that never answers)', function () {
  this.timeout(30_000);
  const cw = useLocalCloudWatch();
  captureDiag();
  let n = 0;
  beforeEach(async () => {
    await cw().reset();
    cw().setOutage({ hang: true });
  });
  afterEach(() => cw().setOutage(undefined));

  /** Records SERIES series, starts a flush (an export in flight), records them again, then shuts down: how long. */
  async function shutdownWithExportInFlight(provider: MeterProvider): Promise<number> {
    const counter = provider.getMeter('deadline').createCounter('calls');
    for (let i = 0; i < SERIES; i++) counter.add(1, { customer: `c${i}` });
    const inFlight = provider.forceFlush();
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < SERIES; i++) counter.add(1, { customer: `c${i}` });
    const started = Date.now();
    await provider.shutdown();
    const took = Date.now() - started;
    await inFlight;
    return took;
  }

  it('createCloudWatchMetricReader: shutdown ends within its timeout; every datum not sent is counted', async () => {
    const reader = createCloudWatchMetricReader({
      namespace: `Deadline${++n}`,
      clientConfig: cw().clientConfig(),
      exportIntervalMillis: 60_000,
      exportTimeoutMillis: TIMEOUT,
      env: {},
    });
    const took = await shutdownWithExportInFlight(new MeterProvider({ readers: [reader] }));
    expect(took, 'one deadline').to.be.below(TIMEOUT + MARGIN);
    const s = reader.exporter.getStats();
    const discarded = Object.values(s.discarded).reduce((a, b) => a + b, 0);
    expect(s.datumsExported + discarded, 'both exports, each datum counted').to.equal(2 * SERIES);
    expect(s.discarded.shutdown).to.be.greaterThan(0);
  });

  it("the SDK's own reader waits for the export in flight, then runs a whole new one: more than one deadline", async () => {
    const exporter = new CloudWatchMetricExporter({
      namespace: `Deadline${++n}`,
      clientConfig: cw().clientConfig(),
      timeoutMillis: TIMEOUT,
    });
    const reader = new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: 60_000,
      exportTimeoutMillis: TIMEOUT,
    });
    const took = await shutdownWithExportInFlight(new MeterProvider({ readers: [reader] }));
    expect(took, 'the rest of the export in flight, then a whole new one').to.be.above(TIMEOUT + MARGIN);
  });
});
