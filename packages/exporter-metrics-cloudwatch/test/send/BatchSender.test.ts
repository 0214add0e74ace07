/*
 * The sender's decisions on their own, with a fake transport in place of the CloudWatch client: what is retried,
 * kept, isolated or given up, in what order, with how many requests in flight. The same paths through the real
 * SDK and the local CloudWatch are the delivery and outage suites.
 */
import type { CloudWatchClient, MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { diag } from '@opentelemetry/api';
import { expect } from 'chai';
import type { Batch } from '../../src/pack/Batch';
import { packDatums } from '../../src/pack/packDatums';
import { BatchSender, type SendRun, type SenderDeps } from '../../src/send/BatchSender';
import { PutMetricDataTransport } from '../../src/send/PutMetricDataTransport';
import type { RequestTransport } from '../../src/send/RequestTransport';
import { RequestSlots } from '../../src/send/RequestSlots';
import { RetryBuffer, type DiscardReason } from '../../src/send/RetryBuffer';
import { SendRate } from '../../src/send/SendRate';
import { ServiceHealth } from '../../src/send/ServiceHealth';
import { DropReporter } from '../../src/stats/DropReporter';
import { newCounters } from '../../src/stats/ExporterStats';

const NS = 'SenderTest';
const datum = (i: number, name = 'calls'): MetricDatum => ({
  MetricName: name,
  Dimensions: [{ Name: 'customer', Value: `c${i}` }],
  Timestamp: new Date(),
  Value: i,
});
/** `requests` requests of `perRequest` datums each; datum values number them across requests. */
function batches(requests: number, perRequest: number, name?: (i: number) => string): Batch[] {
  const datums = Array.from({ length: requests * perRequest }, (_, i) => datum(i, name?.(i)));
  return packDatums(NS, datums, { maxDatums: perRequest, maxBytes: 1_000_000 }).batches;
}
const valuesOf = (cmd: PutMetricDataCommand) => (cmd.input.MetricData ?? []).map((d) => d.Value!);

/** What CloudWatch might answer one attempt: fine, or an error shaped as the SDK throws it. */
type Answer = 'ok' | 'throttled' | 'unavailable' | 'invalid' | 'denied' | 'hang';
const errors: Record<Exclude<Answer, 'ok' | 'hang'>, object> = {
  throttled: { name: 'Throttling', Code: 'Throttling', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } },
  unavailable: { name: 'InternalServiceError', message: 'down', $metadata: { httpStatusCode: 503 } },
  invalid: { name: 'InvalidParameterValue', Code: 'InvalidParameterValue', message: 'bad', $metadata: {} },
  denied: { name: 'AccessDenied', message: 'no', $metadata: { httpStatusCode: 403 } },
};

/** A transport that answers each attempt as `answer` says, and records what it was sent. */
function fakeTransport(answer: (values: number[], attempt: number) => Answer) {
  const t = { sent: [] as number[][], landed: [] as number[], inFlight: 0, maxInFlight: 0 };
  const client = {
    config: {},
    async send(cmd: PutMetricDataCommand, { abortSignal }: { abortSignal: AbortSignal }) {
      const values = valuesOf(cmd);
      t.sent.push(values);
      t.inFlight++;
      t.maxInFlight = Math.max(t.maxInFlight, t.inFlight);
      try {
        await new Promise((resolve) => setImmediate(resolve));
        const a = answer(values, t.sent.filter((v) => v[0] === values[0] && v.length === values.length).length);
        if (a === 'hang') {
          await new Promise((_, reject) =>
            abortSignal.addEventListener('abort', () =>
              reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
            ),
          );
        }
        if (a !== 'ok')
          throw Object.assign(
            new Error((errors[a as keyof typeof errors] as { message: string }).message),
            errors[a as keyof typeof errors],
          );
        t.landed.push(...values);
        return {};
      } finally {
        t.inFlight--;
      }
    },
  };
  return { t, client: client as unknown as CloudWatchClient };
}

/** The fake client runs no middleware: its requests are on the wire as soon as they are sent. */
function onTheWire(transport: PutMetricDataTransport): RequestTransport {
  return {
    requestName: transport.requestName,
    unit: transport.unit,
    send: (batch, signal, counters, onWire) => {
      onWire();
      return transport.send(batch, signal, counters, () => {});
    },
    classify: (err, aborted) => transport.classify(err, aborted),
    retryAfterMillis: () => undefined,
  };
}

function sender(
  client: CloudWatchClient,
  {
    concurrency = 2,
    deadlineMs = 10_000,
    resendUnknownOutcome = true,
    buffer = new RetryBuffer({ maxBytes: 1e7, maxAgeMillis: 3600_000 }, () => {}),
    health = new ServiceHealth(),
    rate = new SendRate(),
  } = {},
) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), deadlineMs);
  const discarded: Array<[DiscardReason, number]> = [];
  const deps: SenderDeps = {
    transport: onTheWire(new PutMetricDataTransport(client, NS)),
    slots: new RequestSlots(concurrency),
    concurrency,
    health,
    rate,
    buffer,
    retry: { maxAttempts: 3, baseDelayMillis: 1, throttlingFactor: 2, maxDelayMillis: 5 },
    resendUnknownOutcome,
    isolationBudget: 64,
    drops: new DropReporter(),
    discard: (reason, request) => discarded.push([reason, request.batch.count]),
  };
  const run: SendRun = {
    deadline: Date.now() + deadlineMs,
    abortSignal: abort.signal,
    createdAt: Date.now(),
    counters: newCounters(),
  };
  const ctx = { ...deps, ...run };
  const s = new BatchSender(deps, run);
  s.start();
  const close = async () => {
    try {
      return await s.close();
    } finally {
      clearTimeout(timer);
    }
  };
  return { s, ctx, close, discarded, buffer, health };
}

describe('BatchSender (fake transport)', () => {
  before(() => diag.disable()); // its error lines are asserted through counters here

  it('sends every request once, never more than `concurrency` at a time', async () => {
    const { t, client } = fakeTransport(() => 'ok');
    const { s, ctx, close } = sender(client, { concurrency: 3 });
    for (const b of batches(10, 5)) s.push(b);
    const outcome = await close();
    expect(t.landed.sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    expect(t.maxInFlight).to.equal(3);
    expect(ctx.counters).to.include({ requests: 10, retries: 0, datumsExported: 50, failedRequests: 0 });
    expect(outcome).to.include({ kept: 0, discardedDatums: 0 });
  });

  for (const transient of ['throttled', 'unavailable'] as const) {
    it(`retries a request that was ${transient} within the export, and it lands once`, async () => {
      const { t, client } = fakeTransport((_, attempt) => (attempt === 1 ? transient : 'ok'));
      const { s, ctx, close } = sender(client);
      for (const b of batches(2, 3)) s.push(b);
      await close();
      expect(t.landed.sort()).to.deep.equal([0, 1, 2, 3, 4, 5]);
      expect(ctx.counters).to.include({ requests: 2, retries: 2, datumsExported: 6 });
    });
  }

  it('after throttling, paces its requests: what cannot start before the deadline is kept, CloudWatch not taken down', async () => {
    let throttles = 2;
    const { t, client } = fakeTransport(() => (throttles-- > 0 ? 'throttled' : 'ok'));
    // Room for the two retries (1 s apart at the halved pace) whatever the machine's load: a retry paced out of
    // its export would mark CloudWatch down, which is what this test must not see.
    const { s, ctx, close, buffer, health } = sender(client, { concurrency: 2, deadlineMs: 5000 });
    for (const b of batches(10, 1)) s.push(b);
    const outcome = await close();
    expect(ctx.counters.throttledRequests).to.equal(2);
    // two requests a second went out when throttled: about one a second from then on, within 5 s
    expect(t.landed.length, 'requests that landed within the deadline').to.be.within(2, 7);
    expect(outcome.kept + t.landed.length).to.equal(10);
    expect(buffer.requests).to.equal(outcome.kept);
    expect(health.down, 'pacing is not an outage').to.equal(false);
  });

  it('an unexpected fault while sending ends the export and keeps the request, rather than spinning on it', async () => {
    const { t, client } = fakeTransport(() => 'ok');
    const rate = new SendRate();
    rate.claim = () => {
      throw new Error('unexpected');
    };
    const { s, close, buffer } = sender(client, { rate });
    for (const b of batches(3, 1)) s.push(b);
    const outcome = await close();
    expect(t.sent).to.have.length(0);
    expect(outcome.kept).to.equal(3);
    expect(buffer.requests).to.equal(3);
  });

  it('keeps what outlasts its attempts, marks CloudWatch down, and sends nothing more this export', async () => {
    const { t, client } = fakeTransport(() => 'unavailable');
    const { s, ctx, close, buffer, health } = sender(client, { concurrency: 1 });
    for (const b of batches(4, 2)) s.push(b);
    const outcome = await close();
    expect(t.sent, 'one request, three attempts').to.have.length(3);
    expect(outcome).to.include({ kept: 4, keptDatums: 8 });
    expect(buffer.requests).to.equal(4);
    expect(health.down).to.equal(true);
    expect(ctx.counters.datumsExported).to.equal(0);
  });

  it('sends what the retry buffer holds first, then its own, and a later export lands what was kept', async () => {
    const buffer = new RetryBuffer({ maxBytes: 1e7, maxAgeMillis: 3600_000 }, () => {});
    const down = fakeTransport(() => 'unavailable');
    const first = sender(down.client, { concurrency: 1, buffer });
    for (const b of batches(2, 2)) first.s.push(b); // values 0–3, kept
    await first.close();
    const up = fakeTransport(() => 'ok');
    const second = sender(up.client, { concurrency: 1, buffer, health: new ServiceHealth() });
    const own = packDatums(NS, [datum(100), datum(101)], { maxDatums: 2, maxBytes: 1_000_000 }).batches;
    for (const b of own) second.s.push(b);
    await second.close();
    expect(up.t.sent).to.deep.equal([
      [0, 1],
      [2, 3],
      [100, 101],
    ]);
    expect(second.ctx.counters.resentRequests).to.equal(2);
    expect(buffer.requests).to.equal(0);
  });

  it('after an outage, a new request does not wait in line behind the kept ones the pace holds', async () => {
    const buffer = new RetryBuffer({ maxBytes: 1e7, maxAgeMillis: 3600_000 }, () => {});
    const down = fakeTransport(() => 'unavailable');
    const first = sender(down.client, { concurrency: 1, buffer });
    for (const b of batches(3, 1)) first.s.push(b); // values 0–2, kept
    await first.close();
    // Recovered, in slow start at one request a second: the kept requests are paced, new ones are not.
    const rate = new SendRate();
    rate.claim(Infinity);
    rate.claim(Infinity);
    rate.wentDown();
    rate.recovered();
    const up = fakeTransport(() => 'ok');
    const second = sender(up.client, { concurrency: 4, buffer, rate, health: new ServiceHealth(), deadlineMs: 5000 });
    second.s.push(packDatums(NS, [datum(100)], { maxDatums: 1, maxBytes: 1_000_000 }).batches[0]!);
    await second.close();
    expect(up.t.sent.map((v) => v[0])).to.deep.equal([0, 100, 1, 2]);
  });

  it('isolates the datum CloudWatch refuses: the others land, it alone is dropped', async () => {
    const poison = 13;
    const { t, client } = fakeTransport((values) => (values.includes(poison) ? 'invalid' : 'ok'));
    const { s, ctx, close } = sender(client);
    for (const b of batches(1, 32)) s.push(b);
    const outcome = await close();
    expect(t.landed.sort((a, b) => a - b)).to.deep.equal(
      Array.from({ length: 32 }, (_, i) => i).filter((i) => i !== poison),
    );
    expect(ctx.drops.dropped['rejected-by-cloudwatch']).to.equal(1);
    expect(ctx.counters.isolationRequests).to.equal(10); // two halves at each of 5 levels (32 → 1)
    expect(outcome.failures).to.deep.equal([]);
  });

  it('gives up a request refused for good (AccessDenied), counted as fatal, and says so in the outcome', async () => {
    const { client } = fakeTransport(() => 'denied');
    const { s, close, discarded } = sender(client);
    for (const b of batches(1, 4)) s.push(b);
    const outcome = await close();
    expect(discarded).to.deep.equal([['fatal', 4]]);
    expect(outcome.failures.map((e) => e.message)).to.deep.equal(['no']);
  });

  it('at the deadline, a request in flight has an unknown outcome: kept (at least once) or given up (at most once)', async () => {
    for (const resendUnknownOutcome of [true, false]) {
      const { client } = fakeTransport(() => 'hang');
      const { s, ctx, close, discarded } = sender(client, { deadlineMs: 30, resendUnknownOutcome });
      for (const b of batches(1, 3)) s.push(b);
      const outcome = await close();
      expect(ctx.counters.unknownOutcomes, String(resendUnknownOutcome)).to.equal(1);
      if (resendUnknownOutcome) expect(outcome.kept).to.equal(1);
      else expect(discarded).to.deep.equal([['unknown-outcome', 3]]);
    }
  });
});
