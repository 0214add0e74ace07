/*
 * wrapLambdaHandler in a Lambda execution environment on loopback (LocalLambda: the Runtime and Extensions APIs,
 * the process frozen with SIGSTOP between invocations, SIGTERM then SIGKILL at the end), sending to the local
 * CloudWatch; every value is read back.
 */
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  LocalLambda,
  listMetrics,
  readMany,
  useLocalCloudWatch,
  type EmfExtractor,
  type Invocation,
  type LocalLambdaShutdown,
} from '@otel-cloudwatch/local-cloudwatch';
import { expect } from 'chai';
import { join } from 'node:path';

const fixture = (file: string) => join(__dirname, 'fixtures', 'lambda', file);
const SHARDS = 4;

describe('Lambda: wrapLambdaHandler in a local Lambda, frozen between invocations', function () {
  this.timeout(120_000);
  const cw = useLocalCloudWatch();
  let n = 0;
  beforeEach(() => cw().reset());
  afterEach(() => expect(cw().violations.map((v) => v.violation)).to.deep.equal([]));

  interface Run {
    namespace: string;
    invocations: Invocation[];
    initAt: number;
    runMillis: number;
    ended: Awaited<ReturnType<LocalLambda['shutdown']>>;
    output: string;
    registered: number;
  }

  /** Starts the function, invokes it `count` times (idle `gapMillis` between, frozen), then ends it. */
  async function run(
    handler: string,
    count: number,
    {
      gapMillis = 0,
      env = {},
      refuseExtensions = false,
      timeoutMillis,
      beforeEach,
      emf,
      end = 'shutdown',
      shutdownGraceMillis,
    }: {
      gapMillis?: number;
      env?: NodeJS.ProcessEnv;
      refuseExtensions?: boolean;
      timeoutMillis?: number;
      beforeEach?: (i: number) => void;
      /** Reads the function's stdout as CloudWatch Logs would (EMF, the default in Lambda); else PutMetricData. */
      emf?: EmfExtractor;
      /** How the environment ends: Lambda's shutdown (SIGTERM when an extension is registered), or a crash. */
      end?: 'shutdown' | 'crash';
      /** Time the runtime gets between SIGTERM and SIGKILL (default: Lambda's documented 500 ms). */
      shutdownGraceMillis?: number;
    },
  ): Promise<Run> {
    const namespace = `Lambda${++n}`;
    const initAt = Date.now();
    const lambda = await LocalLambda.start({
      handler: handler.includes('#') ? handler : `${fixture('function.mjs')}#${handler}`,
      refuseExtensions,
      timeoutMillis,
      onStdout: emf && ((chunk) => emf.write(chunk)),
      shutdownGraceMillis,
      env: {
        ...(emf ? {} : { OTEL_EXPORTER_CLOUDWATCH_OUTPUT: 'putMetricData' }),
        OTEL_EXPORTER_CLOUDWATCH_NAMESPACE: namespace,
        AWS_ENDPOINT_URL_CLOUDWATCH: cw().endpoint,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_REGION: LOCAL_REGION,
        ...env,
      },
    });
    const invocations: Invocation[] = [];
    try {
      for (let i = 0; i < count; i++) {
        beforeEach?.(i);
        const inv = await lambda.invoke({ i, shard: i % SHARDS, amount: (i % 17) + 1 });
        expect(inv.error, lambda.output).to.equal(undefined);
        expect((inv.result as { i: number }).i).to.equal(i);
        invocations.push(inv);
        if (gapMillis > 0) await new Promise((r) => setTimeout(r, gapMillis));
      }
    } catch (err) {
      await lambda.stop();
      throw err;
    }
    const registered = lambda.extensions.length;
    let ended: LocalLambdaShutdown;
    if (end === 'crash') {
      await lambda.stop();
      ended = { firstSignal: 'SIGKILL', killed: true, exitMillis: 0 };
    } else {
      ended = await lambda.shutdown();
    }
    await emf?.flush();
    return { namespace, invocations, initAt, runMillis: Date.now() - initAt, ended, output: lambda.output, registered };
  }

  /** What `count` invocations recorded, per shard: orders, and the sum and count of amounts. */
  function expected(count: number) {
    const orders = new Array<number>(SHARDS).fill(0);
    const amounts = new Array<number>(SHARDS).fill(0);
    for (let i = 0; i < count; i++) {
      orders[i % SHARDS]!++;
      amounts[i % SHARDS]! += (i % 17) + 1;
    }
    return { orders, amounts };
  }

  async function readBack(namespace: string) {
    const client = cw().client();
    try {
      const shards = Array.from({ length: SHARDS }, (_, s) => ({ shard: String(s) }));
      return {
        orders: await readMany(client, namespace, 'orders', shards),
        amounts: await readMany(client, namespace, 'order.amount', shards),
        amountCounts: await readMany(client, namespace, 'order.amount', shards, 'SampleCount'),
      };
    } finally {
      client.destroy();
    }
  }

  /** Sums of amounts are added up in floating point by CloudWatch: equal to a few ulps. */
  const closeTo = (got: number[], want: number[]) =>
    got.forEach((g, i) => expect(g, `shard ${i}`).to.be.closeTo(want[i]!, 1e-9 * want[i]!));

  const puts = () => cw().puts.filter((p) => p.status === 200);

  /** The invocations a PutMetricData request arrived during: the ones that waited on one. */
  const waited = (invocations: Invocation[]) =>
    invocations.filter((inv) => puts().some((p) => p.receivedAt >= inv.startedAt && p.receivedAt <= inv.respondedAt));

  it('200 invocations: every value lands exactly once, one request per interval, and only due invocations wait', async () => {
    const interval = 1000;
    const r = await run('handler', 200, { gapMillis: 15, env: { FLUSH_INTERVAL_MS: String(interval) } });
    expect(r.registered, 'the internal extension is registered').to.equal(1);
    expect(r.ended.firstSignal).to.equal('SIGTERM');
    expect(
      r.ended.killed,
      `flushed and ended within the grace period (${r.ended.exitMillis} ms)\n${r.output}`,
    ).to.equal(false);

    const want = expected(200);
    const got = await readBack(r.namespace);
    expect(got.orders).to.deep.equal(want.orders);
    closeTo(got.amounts, want.amounts);
    expect(got.amountCounts).to.deep.equal(want.orders);

    const requests = puts().length;
    expect(r.runMillis, 'the run spans several intervals').to.be.above(3 * interval);
    expect(requests).to.be.at.most(Math.ceil(r.runMillis / interval) + 1);
    // The last request is the flush on SIGTERM, after the last invocation.
    expect(puts().at(-1)!.receivedAt).to.be.above(r.invocations.at(-1)!.respondedAt);

    const w = waited(r.invocations);
    expect(w.length, 'some invocations flushed').to.be.at.least(2);
    expect(w.length).to.be.below(requests);
    // Each one that waited was due: an interval had passed since the previous flush began (or since Init).
    let previous = r.initAt;
    for (const inv of w) {
      expect(inv.respondedAt - previous).to.be.at.least(interval);
      previous = inv.startedAt;
    }
    expect(r.output).to.equal('');
  });

  it('a callback handler (Node.js 22 and earlier) flushes the same way, its callback after the flush', async () => {
    const r = await run('callbackHandler', 40, { gapMillis: 30, env: { FLUSH_INTERVAL_MS: '500' } });
    expect(r.ended).to.include({ firstSignal: 'SIGTERM', killed: false });
    const want = expected(40);
    const got = await readBack(r.namespace);
    expect(got.orders).to.deep.equal(want.orders);
    closeTo(got.amounts, want.amounts);
    expect(waited(r.invocations).length).to.be.within(1, 40 - 1);
    expect(r.output).to.equal('');
  });

  it('registration refused: flushes after every invocation, nothing lost, and says why once', async () => {
    const r = await run('handler', 30, { refuseExtensions: true, env: { FLUSH_INTERVAL_MS: '60000' } });
    expect(r.registered).to.equal(0);
    expect(r.ended.firstSignal, 'no extension: Lambda sends no SIGTERM').to.equal('SIGKILL');
    const want = expected(30);
    const got = await readBack(r.namespace);
    expect(got.orders).to.deep.equal(want.orders);
    closeTo(got.amounts, want.amounts);
    expect(puts()).to.have.length(30);
    expect(waited(r.invocations)).to.have.length(30);
    expect(r.output.match(/no Lambda extension could be registered/g)).to.have.length(1);
    expect(r.output).to.contain('HTTP 403');
  });

  it('wrapped after Init (too late to register): flushes after every invocation, nothing lost', async () => {
    const r = await run(`${fixture('late.mjs')}#handler`, 20, {});
    expect(r.registered).to.equal(0);
    const want = expected(20);
    expect((await readBack(r.namespace)).orders).to.deep.equal(want.orders);
    expect(waited(r.invocations)).to.have.length(20);
    expect(r.output.match(/no Lambda extension could be registered/g)).to.have.length(1);
  });

  for (const handler of ['handler', 'callbackHandler']) {
    it(`${handler}: a PutMetricData that never answers costs an invocation its flush budget, not a timeout, blocks no later flush, and lands later`, async () => {
      // The first request hangs (never stored); every invocation flushes; the function times out after 2 s.
      const r = await run(handler, 4, {
        timeoutMillis: 2000,
        env: { FLUSH_INTERVAL_MS: '0' },
        beforeEach: (i) => {
          if (i === 0) cw().injectFaults({ hang: true });
        },
      });
      expect(r.invocations.map((inv) => inv.error)).to.deep.equal([undefined, undefined, undefined, undefined]);
      expect(r.invocations[0]!.durationMillis, 'the first waited for its budget').to.be.above(1000);
      for (const inv of r.invocations.slice(1))
        expect(inv.durationMillis, 'later ones did not wait on it').to.be.below(1000);
      const want = expected(4);
      const got = await readBack(r.namespace);
      expect(got.orders, 'the hung request was sent again: every order once').to.deep.equal(want.orders);
      closeTo(got.amounts, want.amounts);
    });
  }

  it('two copies of the package in one function (ES module and CommonJS builds): two extensions, every value', async () => {
    const r = await run(`${fixture('twoCopies.mjs')}#handler`, 20, {});
    expect(r.registered, 'each copy registers under a name of its own').to.equal(2);
    expect(r.ended).to.include({ firstSignal: 'SIGTERM', killed: false });
    expect(r.output, 'no warning').to.equal('');
    expect((await readBack(r.namespace)).orders).to.deep.equal(expected(20).orders);
  });

  it('a callback handler on the register entry’s global provider keeps sending after its first invocation', async () => {
    const r = await run(`${fixture('global.mjs')}#handler`, 4, {
      env: { NODE_OPTIONS: '--import opentelemetry-exporter-metrics-cloudwatch/register', OTEL_SERVICE_NAME: 'fn' },
    });
    expect(puts()).to.have.length(4);
    expect((await readBack(r.namespace)).orders).to.deep.equal(expected(4).orders);
    expect(r.output).to.equal('');
  });

  it('PutMetricData once a minute: a crash (SIGKILL, no SIGTERM) loses what waited for the interval', async () => {
    const r = await run('handler', 30, { end: 'crash' });
    expect(puts(), 'no invocation was due: nothing was sent').to.deep.equal([]);
    expect((await readBack(r.namespace)).orders).to.deep.equal([0, 0, 0, 0]);
  });

  // Lambda documents 500 ms for the runtime after SIGTERM with an internal extension; the open-source runtime
  // interface emulator gives the runtime 30 % of the shutdown deadline: 150 ms of those 500.
  for (const grace of [500, 150]) {
    it(`PutMetricData once a minute: the SIGTERM flush sends what waited and the process exits within ${grace} ms`, async () => {
      // A CloudWatch already answering (moto's first call of a run is slow), as Lambda's regional endpoint is.
      const client = cw().client();
      await listMetrics(client, 'WarmUp');
      client.destroy();
      const r = await run('handler', 20, { shutdownGraceMillis: grace });
      expect(r.ended, r.output).to.include({ firstSignal: 'SIGTERM', killed: false });
      expect(puts(), 'the SIGTERM flush only').to.have.length(1);
      expect((await readBack(r.namespace)).orders).to.deep.equal(expected(20).orders);
    });
  }

  describe('EMF on stdout (the default in Lambda)', () => {
    let extractor: EmfExtractor;
    beforeEach(() => (extractor = cw().emfExtractor()));
    afterEach(async () => {
      await extractor.close();
      expect(extractor.refused, 'documents the EMF referee refused').to.deep.equal([]);
      expect(puts(), 'PutMetricData requests from the function').to.deep.equal([]);
    });

    it('200 invocations: every value read back once, written by the invocation that recorded it', async () => {
      const r = await run('handler', 200, { gapMillis: 5, emf: extractor });
      expect(r.registered, 'the internal extension is registered').to.equal(1);
      expect(r.ended).to.include({ firstSignal: 'SIGTERM', killed: false });
      const want = expected(200);
      const got = await readBack(r.namespace);
      expect(got.orders).to.deep.equal(want.orders);
      closeTo(got.amounts, want.amounts);
      expect(got.amountCounts).to.deep.equal(want.orders);
      // One flush per invocation, each writing the one shard it recorded: a counter and a histogram, one document.
      expect(extractor.documents).to.equal(200);
      expect(r.output.split('\n').filter((l) => l.startsWith('{"_aws"'))).to.have.length(200);
    });

    it('with only 150 ms after SIGTERM (30 % of 500), nothing is left to send: it exits at once', async () => {
      const r = await run('handler', 20, { emf: extractor, shutdownGraceMillis: 150 });
      expect(r.ended).to.include({ firstSignal: 'SIGTERM', killed: false });
      expect((await readBack(r.namespace)).orders).to.deep.equal(expected(20).orders);
    });

    it('a callback handler writes the same way, before its callback', async () => {
      const r = await run('callbackHandler', 40, { gapMillis: 5, emf: extractor });
      const got = await readBack(r.namespace);
      expect(got.orders).to.deep.equal(expected(40).orders);
      expect(extractor.documents).to.equal(40);
    });

    it('a SIGKILL after an unanswered SIGTERM loses nothing already written', async () => {
      const r = await run('handler', 30, { emf: extractor, env: { IGNORE_SIGTERM: 'true' } });
      expect(r.ended).to.include({ firstSignal: 'SIGTERM', killed: true });
      const got = await readBack(r.namespace);
      expect(got.orders).to.deep.equal(expected(30).orders);
      closeTo(got.amounts, expected(30).amounts);
    });

    it('a crash (SIGKILL, no SIGTERM) loses nothing recorded in an invocation', async () => {
      const r = await run('handler', 30, { emf: extractor, end: 'crash' });
      expect((await readBack(r.namespace)).orders).to.deep.equal(expected(30).orders);
    });

    it('registration refused: still every value, written after every invocation', async () => {
      const r = await run('handler', 20, { emf: extractor, refuseExtensions: true });
      expect(r.registered).to.equal(0);
      expect((await readBack(r.namespace)).orders).to.deep.equal(expected(20).orders);
      expect(r.output.match(/no Lambda extension could be registered/g)).to.have.length(1);
    });
  });
});
