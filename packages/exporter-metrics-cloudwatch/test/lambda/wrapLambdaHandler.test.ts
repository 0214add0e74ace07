import { expect } from 'chai';
import { captureDiag } from '../helpers';
import { wrapLambdaHandler, type Flushable } from '../../src';

/** A provider stand-in that counts flushes; `hang` makes them never end, `fail` makes them reject. */
function provider(behaviour: 'ok' | 'hang' | 'fail' = 'ok') {
  const p = {
    flushes: 0,
    forceFlush(): Promise<void> {
      p.flushes++;
      if (behaviour === 'hang') return new Promise<void>(() => undefined);
      if (behaviour === 'fail') return Promise.reject(new Error('no network'));
      return Promise.resolve();
    },
  };
  return p;
}

const context = (remaining = 30_000) => ({ getRemainingTimeInMillis: () => remaining });

describe('wrapLambdaHandler (outside Lambda)', () => {
  const messages = captureDiag();

  it('passes results and errors through, flushing after each invocation when there is no extension', async () => {
    const p = provider();
    const handler = wrapLambdaHandler(
      async (event: { n: number }, _context: unknown) => {
        if (event.n < 0) throw new Error('negative');
        return event.n * 2;
      },
      { meterProvider: p, extension: false },
    );
    expect(await handler.ready).to.equal('every-invocation');
    expect(await handler({ n: 21 }, context() as never)).to.equal(42);
    let thrown: unknown;
    await handler({ n: -1 }, context() as never).catch((e: unknown) => (thrown = e));
    expect((thrown as Error).message).to.equal('negative');
    expect(p.flushes).to.equal(2);
    expect(messages).to.deep.equal([]);
  });

  it('keeps a callback handler a callback handler, calling back after the flush', async () => {
    const order: string[] = [];
    const p: Flushable = {
      forceFlush: async () => {
        await new Promise((r) => setTimeout(r, 5));
        order.push('flushed');
      },
    };
    const handler = wrapLambdaHandler(
      (event: string, _ctx: unknown, cb: (e: unknown, r?: string) => void) => cb(null, event.toUpperCase()),
      { meterProvider: p, extension: false },
    );
    expect(handler.length, 'Lambda tells the styles apart by the parameter count').to.equal(3);
    const result = await new Promise((resolve) =>
      handler(
        'hi',
        context() as never,
        ((_e: unknown, r: unknown) => {
          order.push('called back');
          resolve(r);
        }) as never,
      ),
    );
    expect(result).to.equal('HI');
    expect(order).to.deep.equal(['flushed', 'called back']);
  });

  /** Calls a wrapped callback-style handler as Lambda's Node.js 22 runtime does; resolves with what it answered. */
  function callWithCallback(
    handler: unknown,
    event: unknown,
  ): Promise<{ error: unknown; result: unknown; calls: number }> {
    return new Promise((resolve) => {
      let calls = 0;
      const h = handler as (e: unknown, c: unknown, cb: (e: unknown, r?: unknown) => void) => unknown;
      h(event, context(), (error, result) => {
        calls++;
        // A second answer would show up within these few turns of the event loop.
        setTimeout(() => resolve({ error, result, calls }), 20);
      });
    });
  }

  it('answers an async handler that declares a callback by its promise, or its rejection, after the flush', async () => {
    const p = provider();
    const ok = wrapLambdaHandler(async (e: number, _c: unknown, _cb: unknown) => e + 1, {
      meterProvider: p,
      extension: false,
    });
    expect(ok.length).to.equal(3);
    expect(await callWithCallback(ok, 1)).to.deep.include({ error: null, result: 2, calls: 1 });
    const failing = wrapLambdaHandler(
      async (_e: unknown, _c: unknown, _cb: unknown) => {
        throw new Error('boom');
      },
      { meterProvider: p, extension: false },
    );
    const answered = await callWithCallback(failing, 1);
    expect((answered.error as Error).message).to.equal('boom');
    expect(p.flushes).to.equal(2);
  });

  it('answers once, after one flush, a callback handler that throws or calls back twice', async () => {
    const p = provider();
    const throwing = wrapLambdaHandler(
      (_e: unknown, _c: unknown, _cb: unknown) => {
        throw new Error('sync');
      },
      { meterProvider: p, extension: false },
    );
    expect(((await callWithCallback(throwing, 0)).error as Error).message).to.equal('sync');
    const twice = wrapLambdaHandler(
      (_e: unknown, _c: unknown, cb: (e: unknown, r: unknown) => void) => {
        cb(null, 'first');
        cb(null, 'second');
      },
      { meterProvider: p, extension: false },
    );
    expect(await callWithCallback(twice, 0)).to.deep.include({ result: 'first', calls: 1 });
    expect(p.flushes).to.equal(2);
  });

  it('passes the runtime’s callback through a handler that forwards its arguments to a callback handler', async () => {
    const cbHandler = (e: number, _c: unknown, cb: (err: unknown, r: number) => void) =>
      setImmediate(() => cb(null, e * 3));
    const forwarding = (...args: unknown[]) => (cbHandler as (...a: unknown[]) => void)(...args);
    const wrapped = wrapLambdaHandler(forwarding as never, { meterProvider: provider(), extension: false });
    const result = await new Promise((resolve) => {
      void (wrapped as unknown as (e: unknown, c: unknown, cb: (e: unknown, r: unknown) => void) => Promise<unknown>)(
        7,
        context(),
        (_e, r) => resolve(r),
      ).then(resolve);
    });
    expect(result).to.equal(21);
  });

  it('never lets a flush outlast the invocation: one that hangs is left behind before the time runs out', async function () {
    this.timeout(5000);
    const p = provider('hang');
    const handler = wrapLambdaHandler(async (_event: unknown, _context: unknown) => 'done', {
      meterProvider: p,
      extension: false,
    });
    // 300 ms left: the wrapper gives the flush 200 ms of them, then returns (the hanging flush never would).
    expect(await handler(undefined as never, context(300) as never)).to.equal('done');
    expect(p.flushes).to.equal(1);
  });

  it('skips the flush when no time is left for it, and the next invocation flushes', async () => {
    const p = provider();
    const handler = wrapLambdaHandler(async (_event: unknown, _context: unknown) => 'done', {
      meterProvider: p,
      extension: false,
    });
    await handler(undefined as never, context(50) as never);
    expect(p.flushes).to.equal(0);
    await handler(undefined as never, context() as never);
    expect(p.flushes).to.equal(1);
  });

  it('a failing flush never fails the invocation; it is reported through diag', async () => {
    const handler = wrapLambdaHandler(async (_event: unknown, _context: unknown) => 'done', {
      meterProvider: provider('fail'),
      extension: false,
    });
    expect(await handler(undefined as never, context() as never)).to.equal('done');
    expect(messages.some((m) => m.includes('flushing metrics failed'))).to.equal(true);
  });

  it('outside Lambda (no AWS_LAMBDA_RUNTIME_API), flushes every invocation and says why once', async () => {
    expect(process.env['AWS_LAMBDA_RUNTIME_API']).to.equal(undefined);
    const p = provider();
    const a = wrapLambdaHandler(async (_e: unknown, _c: unknown) => 1, {
      meterProvider: p,
      flushIntervalMillis: 3_600_000,
    });
    const b = wrapLambdaHandler(async (_e: unknown, _c: unknown) => 2, {
      meterProvider: p,
      flushIntervalMillis: 3_600_000,
    });
    expect(await a.ready).to.equal('every-invocation');
    expect(await b.ready).to.equal('every-invocation');
    await a(undefined as never, context() as never);
    await b(undefined as never, context() as never);
    expect(p.flushes).to.equal(2);
    expect(messages.filter((m) => m.includes('no Lambda extension could be registered'))).to.have.length(1);
    expect(messages[0]).to.contain('AWS_LAMBDA_RUNTIME_API is not set');
  });

  it('refuses options it cannot honour, naming them', () => {
    const h = async () => 1;
    expect(() => wrapLambdaHandler(h, { flushIntervalMillis: -1 })).to.throw(RangeError, /flushIntervalMillis/);
    expect(() => wrapLambdaHandler(h, { shutdownFlushMillis: Number.NaN })).to.throw(RangeError, /shutdownFlushMillis/);
  });
});
