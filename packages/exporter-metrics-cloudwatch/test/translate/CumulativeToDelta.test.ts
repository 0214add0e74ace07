import { expect } from 'chai';
import { DEFAULT_MAX_DELTA_STREAMS } from '../../src/defaults';
import { CumulativeToDelta, STATE_FULL, type StateFull } from '../../src/translate/CumulativeToDelta';

const hist = (counts: number[], sum: number) => ({
  buckets: { boundaries: [10, 100], counts },
  count: counts.reduce((a, b) => a + b, 0),
  sum,
  min: 1,
  max: 500,
});
const expo = (scale: number, offset: number, bucketCounts: number[], zeroCount = 0) => ({
  count: bucketCounts.reduce((a, b) => a + b, 0) + zeroCount,
  sum: 100,
  scale,
  zeroCount,
  positive: { offset, bucketCounts },
  negative: { offset: 0, bucketCounts: [] },
  min: 1,
  max: 50,
});

/** A delta that was computed (neither a baseline nor refused). */
function computed<T extends object>(delta: T | undefined | StateFull): T {
  expect(delta).to.be.an('object');
  return delta as T;
}

/** Calls made to Map methods (lookups, writes, iterations) while `fn` runs. */
function countMapCalls(fn: () => unknown): number {
  const proto = Map.prototype as unknown as Record<string | symbol, (...args: unknown[]) => unknown>;
  const names: Array<string | symbol> = ['get', 'set', 'has', 'delete', 'keys', 'values', 'entries', 'forEach'];
  names.push(Symbol.iterator);
  const saved = names.map((n) => proto[n]!);
  let calls = 0;
  names.forEach((n, i) => {
    proto[n] = function (this: unknown, ...args: unknown[]) {
      calls++;
      return saved[i]!.apply(this, args);
    };
  });
  try {
    fn();
  } finally {
    names.forEach((n, i) => (proto[n] = saved[i]!));
  }
  return calls;
}

describe('CumulativeToDelta', () => {
  it('publishes the first point of a stream whole on the first export, then the differences', () => {
    const d = new CumulativeToDelta(60_000);
    expect(d.sum('a', 0, 1000, 10, 1000)).to.equal(10);
    d.endExport(1000);
    expect(d.sum('a', 0, 2000, 25, 2000)).to.equal(15);
    d.endExport(2000);
    expect(d.sum('a', 0, 3000, 25, 3000)).to.equal(0);
  });

  it('publishes a stream that started since the previous export whole', () => {
    const d = new CumulativeToDelta(60_000);
    d.sum('a', 0, 1000, 1, 1000);
    d.endExport(1000);
    expect(d.sum('b', 1500, 2000, 7, 2000)).to.equal(7);
  });

  it('uses the first point of a stream older than the previous export only as a baseline', () => {
    const d = new CumulativeToDelta(60_000);
    d.sum('a', 0, 1000, 1, 1000);
    d.endExport(1000);
    expect(d.sum('old', 500, 2000, 70, 2000)).to.equal(undefined);
    d.endExport(2000);
    expect(d.sum('old', 500, 3000, 75, 3000)).to.equal(5);
  });

  it('detects a reset by a changed start time or a decrease', () => {
    const d = new CumulativeToDelta(60_000);
    d.sum('a', 0, 1000, 50, 1000);
    d.endExport(1000);
    expect(d.sum('a', 1500, 2000, 4, 2000)).to.equal(4);
    d.endExport(2000);
    expect(d.sum('a', 1500, 3000, 3, 3000)).to.equal(3);
  });

  it('evicts idle streams after the TTL, and treats their return as a baseline', () => {
    const d = new CumulativeToDelta(10_000);
    d.sum('a', 0, 1000, 5, 1000);
    d.sum('b', 0, 1000, 5, 1000);
    d.endExport(1000);
    d.sum('a', 0, 20_000, 6, 20_000);
    d.endExport(20_000);
    expect(d.size).to.equal(1);
    expect(d.sum('b', 0, 30_000, 9, 30_000)).to.equal(undefined);
  });

  it('keeps the streams it has when full, refuses the new ones, and counts every point right across exports', () => {
    const cap = 3;
    const keys = ['a', 'b', 'c', 'x', 'y']; // cap + 2, visited in the same order every export
    const d = new CumulativeToDelta(60_000, cap);
    const answers: unknown[][] = [];
    for (let e = 1; e <= 4; e++) {
      const now = e * 1000;
      answers.push(keys.map((k) => d.sum(k, 0, now, 10 * e, now)));
      d.endExport(now);
      expect(d.size).to.equal(cap);
    }
    // First export: every stream is new, so all are published whole (refused or not). Then the admitted ones give
    // their deltas every time, and the refused ones, no longer new, are reported lost.
    expect(answers[0]).to.deep.equal([10, 10, 10, 10, 10]);
    for (const later of answers.slice(1)) expect(later).to.deep.equal([10, 10, 10, STATE_FULL, STATE_FULL]);
  });

  it('when full, lets a new stream take the place of one that missed the previous export (series churn)', () => {
    const d = new CumulativeToDelta(3600_000, 3);
    for (const k of ['a', 'b', 'c']) d.sum(k, 0, 1000, 1, 1000);
    d.endExport(1000);
    // Export 2 sees only b and c: a is still live (it was in the previous export), so x is refused.
    expect(d.sum('b', 0, 2000, 2, 2000)).to.equal(1);
    expect(d.sum('c', 0, 2000, 2, 2000)).to.equal(1);
    expect(d.sum('x', 0, 2000, 5, 2000)).to.equal(STATE_FULL);
    d.endExport(2000);
    // Export 3: a missed export 2, so it is idle and gives its place to y; b and c keep theirs.
    expect(d.sum('y', 0, 3000, 7, 3000)).to.equal(undefined);
    expect(d.sum('b', 0, 3000, 4, 3000)).to.equal(2);
    expect(d.sum('c', 0, 3000, 4, 3000)).to.equal(2);
    d.endExport(3000);
    expect(d.sum('y', 0, 4000, 9, 4000)).to.equal(2);
    expect(d.sum('a', 0, 4000, 9, 4000), 'a comes back as a baseline').to.equal(STATE_FULL);
    expect(d.size).to.equal(3);
  });

  it('publishes a refused stream whole when it started since the previous export', () => {
    const d = new CumulativeToDelta(60_000, 1);
    d.sum('a', 0, 1000, 1, 1000);
    d.endExport(1000);
    expect(d.sum('late', 1500, 2000, 7, 2000)).to.equal(7);
    expect(d.histogram('late-h', 1500, 2000, hist([1, 2, 3], 300), 2000)).to.deep.equal(hist([1, 2, 3], 300));
    expect(d.exponential('old-e', 500, 2000, expo(1, 0, [1]), 2000)).to.equal(STATE_FULL);
    expect(d.size).to.equal(1);
  });

  it('admits a refused stream once the TTL has made room, starting from a baseline', () => {
    const d = new CumulativeToDelta(10_000, 1);
    d.sum('a', 0, 1000, 1, 1000);
    d.endExport(1000);
    expect(d.sum('b', 0, 2000, 5, 2000)).to.equal(STATE_FULL);
    d.endExport(2000);
    d.endExport(20_000); // a has been idle for longer than the TTL
    expect(d.size).to.equal(0);
    expect(d.sum('b', 0, 21_000, 8, 21_000)).to.equal(undefined);
    d.endExport(21_000);
    expect(d.sum('b', 0, 22_000, 11, 22_000)).to.equal(3);
  });

  it('forgets every idle stream, wherever it sits in the map', () => {
    const d = new CumulativeToDelta(10_000);
    d.sum('first', 0, 1000, 1, 1000);
    d.sum('second', 0, 1000, 1, 1000);
    d.endExport(1000);
    d.sum('first', 0, 15_000, 2, 15_000); // updated in place: still first in the map, and fresh
    d.endExport(15_000);
    expect(d.size).to.equal(1);
    expect(d.sum('first', 0, 16_000, 4, 16_000)).to.equal(2);
  });

  it('does the same few map operations per point, however many streams it has refused', () => {
    const perCall = (refused: number): number[] => {
      const d = new CumulativeToDelta(60_000, 10);
      for (let i = 0; i < 10; i++) d.sum(`kept${i}`, 0, 1000, 1, 1000);
      for (let i = 0; i < refused; i++) d.sum(`extra${i}`, 0, 1000, 1, 1000);
      d.endExport(1000);
      for (let i = 0; i < refused; i++) d.sum(`extra${i}`, 0, 2000, 2, 2000);
      return [
        countMapCalls(() => d.sum('kept3', 0, 2000, 2, 2000)),
        countMapCalls(() => d.sum('another', 0, 2000, 2, 2000)),
        countMapCalls(() => d.histogram('h', 0, 2000, hist([1, 1, 1], 3), 2000)),
      ];
    };
    const few = perCall(5);
    expect(perCall(5_000)).to.deep.equal(few);
    // A lookup, at most: no scan for something to evict.
    for (const calls of few) expect(calls).to.equal(1);
  });

  it('exports its default cap', () => {
    expect(DEFAULT_MAX_DELTA_STREAMS).to.equal(100_000);
    expect(new CumulativeToDelta(1000).maxStreams).to.equal(DEFAULT_MAX_DELTA_STREAMS);
  });

  it('subtracts explicit histograms bucket by bucket', () => {
    const d = new CumulativeToDelta(60_000);
    d.histogram('h', 0, 1000, hist([1, 2, 3], 300), 1000);
    d.endExport(1000);
    const delta = computed(d.histogram('h', 0, 2000, hist([1, 5, 4], 450), 2000));
    expect(delta.buckets.counts).to.deep.equal([0, 3, 1]);
    expect([delta.count, delta.sum]).to.deep.equal([4, 150]);
  });

  it('treats a histogram whose bucket went down as a reset', () => {
    const d = new CumulativeToDelta(60_000);
    d.histogram('h', 0, 1000, hist([1, 2, 3], 300), 1000);
    d.endExport(1000);
    expect(computed(d.histogram('h', 0, 2000, hist([2, 1, 4], 300), 2000)).buckets.counts).to.deep.equal([2, 1, 4]);
  });

  it('subtracts exponential histograms, downscaling the previous point when the scale dropped', () => {
    const d = new CumulativeToDelta(60_000);
    // scale 2, indexes 4..7 → at scale 1 they become indexes 2..3.
    d.exponential('e', 0, 1000, expo(2, 4, [1, 1, 2, 0], 1), 1000);
    d.endExport(1000);
    const delta = computed(d.exponential('e', 0, 2000, expo(1, 2, [3, 4], 3), 2000));
    expect(delta.scale).to.equal(1);
    expect(delta.positive).to.deep.equal({ offset: 2, bucketCounts: [1, 2] });
    expect(delta.zeroCount).to.equal(2);
    expect(delta.count).to.equal(5);
  });
});
