import { expect } from 'chai';
import { scopedDeadline, untilDeadline, withDeadline } from '../../src/util/deadlineScope';

const never = new Promise<void>(() => {});
const after = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('deadlineScope', () => {
  it('leaves a deadline alone outside any scope, and imposes the earlier one inside', () => {
    expect(scopedDeadline(5000)).to.equal(5000);
    expect(withDeadline(3000, () => scopedDeadline(5000))).to.equal(3000);
    expect(withDeadline(9000, () => scopedDeadline(5000))).to.equal(5000);
  });

  it('follows the work it scopes across awaits and timers, and nests', async () => {
    const seen = await withDeadline(4000, async () => {
      await after(1);
      const inner = await withDeadline(2000, async () => {
        await Promise.resolve();
        return scopedDeadline(Infinity);
      });
      await new Promise((resolve) => setImmediate(resolve));
      return [inner, scopedDeadline(Infinity)];
    });
    expect(seen).to.deep.equal([2000, 4000]);
    expect(scopedDeadline(Infinity), 'nothing leaks out of the scope').to.equal(Infinity);
  });

  it('untilDeadline: answers when the work settles, fulfilled or rejected, and never rejects', async () => {
    let done = false;
    await untilDeadline(
      after(5).then(() => (done = true)),
      Date.now() + 60_000,
    );
    expect(done).to.equal(true);
    await untilDeadline(Promise.reject(new Error('boom')), Date.now() + 60_000);
  });

  it('untilDeadline: answers at the deadline when the work never settles, and never keeps the process alive', async () => {
    await new Promise((resolve) => setImmediate(resolve)); // past mocha's own timer for this test
    const before = timers();
    const waiting = untilDeadline(never, Date.now() + 50);
    expect(timers(), 'its timer holds no process open').to.equal(before);
    await waiting;
    await untilDeadline(never, Date.now() - 1000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(timers()).to.equal(before);
  });

  it('untilDeadline: a deadline past what a timer can wait does not fire at once (2^31 ms would be 1 ms)', async () => {
    let done = false;
    await untilDeadline(
      after(30).then(() => (done = true)),
      Date.now() + 2 ** 31 + 5,
    );
    expect(done, 'answered by the work, not by an overflowing timer').to.equal(true);
    await untilDeadline(Promise.resolve(), Infinity);
  });
});
