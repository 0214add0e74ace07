/*
 * The flusher alone, with a fake extension and fake providers: when it flushes, within what time, and what it says.
 * The same flusher in a Lambda on loopback (the real Extensions API, SIGTERM) is test/lambda.test.ts at the root.
 */
import { expect } from 'chai';
import { captureDiag } from '../helpers';
import type { ExtensionRegistration } from '../../src/lambda/registerInternalExtension';
import { LambdaFlusher, type LambdaExtension } from '../../src/lambda/LambdaFlusher';
import { scopedDeadline } from '../../src/util/deadlineScope';

function extension(outcome: ExtensionRegistration): LambdaExtension {
  const settled = Promise.resolve(outcome);
  return { first: settled, final: settled, current: () => outcome };
}
const registered = () => extension({ registered: true });

/** Counts flushes; `hang` never ends them, `fail` rejects them; each records the deadline it was held to. */
function provider(behaviour: 'ok' | 'hang' | 'fail' = 'ok') {
  const p = {
    flushes: 0,
    deadlines: [] as number[],
    forceFlush(): Promise<void> {
      p.flushes++;
      p.deadlines.push(scopedDeadline(Infinity));
      if (behaviour === 'hang') return new Promise<void>(() => undefined);
      if (behaviour === 'fail') return Promise.reject(new Error('no network'));
      return Promise.resolve();
    },
  };
  return p;
}

const remaining = (ms: number) => ({ getRemainingTimeInMillis: () => ms });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LambdaFlusher', () => {
  const messages = captureDiag();

  it('with the extension registered, flushes only once the interval has passed since the last flush', async () => {
    const p = provider();
    const flusher = new LambdaFlusher(p, 300, 400, true, registered);
    expect(await flusher.ready).to.equal('interval');
    expect(flusher.mode).to.equal('interval');
    await flusher.afterInvocation(remaining(30_000));
    await flusher.afterInvocation(remaining(30_000));
    expect(p.flushes, 'the interval has not passed since the flusher began').to.equal(0);
    await sleep(310);
    await flusher.afterInvocation(remaining(30_000));
    await flusher.afterInvocation(remaining(30_000));
    expect(p.flushes, 'one flush, then the interval starts again').to.equal(1);
    expect(messages).to.deep.equal([]);
  });

  it('without the extension, or when it was refused, flushes after every invocation and says why once', async () => {
    const p = provider();
    const off = new LambdaFlusher(p, 60_000, 400, false);
    expect(await off.ready).to.equal('every-invocation');
    const refused = extension({ registered: false, reason: 'HTTP 403' });
    const a = new LambdaFlusher(p, 60_000, 400, true, () => refused);
    const b = new LambdaFlusher(p, 60_000, 400, true, () => refused);
    expect([await a.ready, await b.ready]).to.deep.equal(['every-invocation', 'every-invocation']);
    for (const f of [off, a, b, a]) await f.afterInvocation(remaining(30_000));
    expect(p.flushes).to.equal(4);
    expect(messages.filter((m) => m.includes('no Lambda extension could be registered (HTTP 403)'))).to.have.length(1);
  });

  it('holds a flush, and the exports it starts, to the invocation’s remaining time less 100 ms', async () => {
    const p = provider('hang');
    const flusher = new LambdaFlusher(p, 0, 400, false);
    const before = Date.now();
    await flusher.afterInvocation(remaining(150)); // a hung flush is left behind after about 50 ms
    expect(p.flushes).to.equal(1);
    expect(p.deadlines[0]).to.be.within(before + 40, Date.now() + 1);
  });

  it('skips the flush when the invocation has no time left for it; the next one flushes', async () => {
    const p = provider();
    const flusher = new LambdaFlusher(p, 0, 400, false);
    await flusher.afterInvocation(remaining(80));
    expect(p.flushes).to.equal(0);
    await flusher.afterInvocation(remaining(5000));
    expect(p.flushes).to.equal(1);
  });

  it('reads a context without getRemainingTimeInMillis, or one that throws, as no limit', async () => {
    const p = provider();
    const flusher = new LambdaFlusher(p, 0, 400, false);
    await flusher.afterInvocation(undefined);
    await flusher.afterInvocation({
      getRemainingTimeInMillis: () => {
        throw new Error('not a Lambda context');
      },
    });
    expect(p.flushes).to.equal(2);
    expect(
      p.deadlines.every((d) => d > Date.now() + 1e9),
      'no deadline imposed but the far one',
    ).to.equal(true);
  });

  it('a failing flush never rejects: diag says so', async () => {
    const flusher = new LambdaFlusher(provider('fail'), 0, 400, false);
    await flusher.afterInvocation(remaining(30_000));
    expect(messages.some((m) => m.includes('flushing metrics failed'))).to.equal(true);
  });
});
