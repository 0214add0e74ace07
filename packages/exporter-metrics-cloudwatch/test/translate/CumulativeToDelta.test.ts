import { expect } from 'chai';
import { CumulativeToDelta } from '../../src/translate/CumulativeToDelta';

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

  it('keeps at most maxStreams streams, forgetting the least recently updated', () => {
    const d = new CumulativeToDelta(60_000, 3);
    for (const k of ['a', 'b', 'c']) d.sum(k, 0, 1000, 1, 1000);
    d.endExport(1000);
    d.sum('a', 0, 2000, 2, 2000); // a is now the most recent
    d.sum('new', 1500, 2000, 1, 2000); // evicts b, the least recently updated
    expect(d.size).to.equal(3);
    expect(d.sum('b', 0, 2000, 9, 2000)).to.equal(undefined); // forgotten: a baseline again
    expect(d.sum('a', 0, 2000, 5, 2000)).to.equal(3);
  });

  it('subtracts explicit histograms bucket by bucket', () => {
    const d = new CumulativeToDelta(60_000);
    d.histogram('h', 0, 1000, hist([1, 2, 3], 300), 1000);
    d.endExport(1000);
    const delta = d.histogram('h', 0, 2000, hist([1, 5, 4], 450), 2000)!;
    expect(delta.buckets.counts).to.deep.equal([0, 3, 1]);
    expect([delta.count, delta.sum]).to.deep.equal([4, 150]);
  });

  it('treats a histogram whose bucket went down as a reset', () => {
    const d = new CumulativeToDelta(60_000);
    d.histogram('h', 0, 1000, hist([1, 2, 3], 300), 1000);
    d.endExport(1000);
    expect(d.histogram('h', 0, 2000, hist([2, 1, 4], 300), 2000)!.buckets.counts).to.deep.equal([2, 1, 4]);
  });

  it('subtracts exponential histograms, downscaling the previous point when the scale dropped', () => {
    const d = new CumulativeToDelta(60_000);
    // scale 2, indexes 4..7 → at scale 1 they become indexes 2..3.
    d.exponential('e', 0, 1000, expo(2, 4, [1, 1, 2, 0], 1), 1000);
    d.endExport(1000);
    const delta = d.exponential('e', 0, 2000, expo(1, 2, [3, 4], 3), 2000)!;
    expect(delta.scale).to.equal(1);
    expect(delta.positive).to.deep.equal({ offset: 2, bucketCounts: [1, 2] });
    expect(delta.zeroCount).to.equal(2);
    expect(delta.count).to.equal(5);
  });
});
