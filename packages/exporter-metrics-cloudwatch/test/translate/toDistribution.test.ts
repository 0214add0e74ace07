import { expect } from 'chai';
import { explicitBuckets, exponentialBuckets, exponentialLowerBound } from '../../src/translate/histogramBuckets';
import { BucketList } from '../../src/translate/BucketList';
import { splitDistribution, toDistribution, type Bucket, type Distribution } from '../../src/translate/toDistribution';
import { lognormal, relErr, statsOf } from '../helpers';

/** Builds an explicit histogram of samples, as the SDK would, with exact count/sum/min/max. */
function explicitOf(samples: number[], boundaries: number[]) {
  const counts = new Array<number>(boundaries.length + 1).fill(0);
  for (const s of samples) {
    let i = boundaries.findIndex((b) => s <= b);
    if (i < 0) i = boundaries.length;
    counts[i]!++;
  }
  return {
    buckets: { boundaries, counts },
    count: samples.length,
    sum: samples.reduce((a, b) => a + b, 0),
    min: Math.min(...samples),
    max: Math.max(...samples),
  };
}

/** Builds a base-2 exponential histogram of samples at a fixed scale. */
function exponentialOf(samples: number[], scale: number) {
  const pos = new Map<number, number>();
  const neg = new Map<number, number>();
  let zero = 0;
  for (const s of samples) {
    if (s === 0) zero++;
    else {
      const index = Math.ceil(Math.log2(Math.abs(s)) * 2 ** scale) - 1;
      const m = s > 0 ? pos : neg;
      m.set(index, (m.get(index) ?? 0) + 1);
    }
  }
  const dense = (m: Map<number, number>) => {
    if (m.size === 0) return { offset: 0, bucketCounts: [] as number[] };
    const lo = Math.min(...m.keys());
    const hi = Math.max(...m.keys());
    return { offset: lo, bucketCounts: Array.from({ length: hi - lo + 1 }, (_, i) => m.get(lo + i) ?? 0) };
  };
  return {
    count: samples.length,
    sum: samples.reduce((a, b) => a + b, 0),
    scale,
    zeroCount: zero,
    positive: dense(pos),
    negative: dense(neg),
    min: Math.min(...samples),
    max: Math.max(...samples),
  };
}

/** Every representative must lie inside a bucket that holds samples. */
function insideBuckets(d: Distribution, buckets: Bucket[], min: number, max: number): boolean {
  return d.values.every((v) =>
    buckets.some((b) => v >= Math.max(b.lo, min) - 1e-9 * Math.abs(v) && v <= Math.min(b.hi, max) + 1e-9 * Math.abs(v)),
  );
}

function expectExact(d: Distribution, samples: number[]) {
  const own = statsOf(d);
  expect(own.count).to.equal(samples.length);
  expect(
    relErr(
      own.sum,
      samples.reduce((a, b) => a + b, 0),
    ),
  ).to.be.below(1e-12);
  expect(own.min).to.equal(Math.min(...samples));
  expect(own.max).to.equal(Math.max(...samples));
  expect(d.sampleCount).to.equal(own.count);
  expect([d.min, d.max]).to.deep.equal([own.min, own.max]);
}

describe('toDistribution', () => {
  const cases: Array<[string, number[]]> = [
    ['one sample', [42]],
    ['two samples in one bucket', [3, 4]],
    ['lognormal latencies', lognormal(1000, 3, 1, 7)],
    ['values on bucket boundaries', [10, 50, 100, 500, 10, 50]],
    ['negative, zero and positive', [-120, -3, 0, 0, 2.5, 80, 400]],
    ['a spike of identical values', Array.from({ length: 500 }, () => 17)],
    ['everything beyond the last boundary', [900, 1000, 5000]],
    ['everything below the first boundary', [-5, -1, 0.5]],
  ];
  for (const [name, samples] of cases) {
    it(`gives exact statistics for an explicit histogram: ${name}`, () => {
      const h = explicitOf(samples, [0, 10, 50, 100, 500]);
      const buckets = explicitBuckets(h).toArray();
      const d = toDistribution(buckets, { ...h, exactMinMax: true })!;
      expectExact(d, samples);
      expect(insideBuckets(d, buckets, h.min, h.max)).to.equal(true);
      expect(d.values).to.deep.equal([...d.values].sort((a, b) => a - b));
      expect(new Set(d.values).size).to.equal(d.values.length);
    });
    it(`gives exact statistics for an exponential histogram: ${name}`, () => {
      const h = exponentialOf(samples, 3);
      const buckets = exponentialBuckets(h).toArray();
      const d = toDistribution(buckets, { ...h, exactMinMax: true })!;
      expectExact(d, samples);
      expect(insideBuckets(d, buckets, h.min, h.max)).to.equal(true);
    });
  }

  it('flags a sum that samples in these buckets, within these extremes, cannot have', () => {
    const buckets = [
      { lo: 0, hi: 10, count: 2 },
      { lo: 10, hi: 20, count: 2 },
    ];
    // Exact extremes 1 and 19: the other two samples lie in [1, 10] and [10, 19], so the sum lies in [31, 49].
    const at = (sum: number) => toDistribution(buckets, { count: 4, sum, min: 1, max: 19, exactMinMax: true })!;
    expect(at(31).unreachableSum).to.equal(undefined);
    expect(at(49).unreachableSum).to.equal(undefined);
    expect(at(40).unreachableSum).to.equal(undefined);
    expect(at(30.9).unreachableSum).to.equal(true);
    expect(at(49.1).unreachableSum).to.equal(true);
  });

  it('skips an empty histogram', () => {
    expect(toDistribution([{ lo: 0, hi: 10, count: 0 }], { count: 0, sum: 0, exactMinMax: true })).to.equal(undefined);
  });

  it('bounds open ends by the bucket edge when min and max are unknown, and stays self-consistent', () => {
    const d = toDistribution(
      [
        { lo: -Infinity, hi: 0, count: 2 },
        { lo: 0, hi: 10, count: 3 },
        { lo: 10, hi: Infinity, count: 1 },
      ],
      { count: 6, sum: 30, exactMinMax: false },
    )!;
    expect(d.values.every(Number.isFinite)).to.equal(true);
    expect(relErr(statsOf(d).sum, 30)).to.be.below(1e-12);
    expect([d.min, d.max]).to.deep.equal([d.values[0], d.values[d.values.length - 1]]);
  });

  it('falls back to the mean for a single histogram bucket with no bounds', () => {
    const d = toDistribution([{ lo: -Infinity, hi: Infinity, count: 4 }], { count: 4, sum: 10, exactMinMax: false })!;
    expect(d.values).to.deep.equal([2.5]);
    expect(d.counts).to.deep.equal([4]);
  });

  it('without exact min/max, keeps every value inside the lifetime bounds and the sum exact', () => {
    const d = toDistribution(
      [
        { lo: 1, hi: 2, count: 5 },
        { lo: 4, hi: 8, count: 5 },
      ],
      { count: 10, sum: 40, min: 1.5, max: 7, exactMinMax: false },
    )!;
    expect(d.values[0]).to.be.at.least(1.5);
    expect(d.values[d.values.length - 1]).to.be.at.most(7);
    expect(relErr(statsOf(d).sum, 40)).to.be.below(1e-12);
  });

  for (const scale of [-2, 0, 1, 4, 8, 12]) {
    it(`walks exponential bucket bounds at scale ${scale} as base^index, for negative and positive buckets`, () => {
      const offset = -37;
      const length = scale < 0 ? 60 : 300; // base 16 at scale -2: 300 buckets would overflow a double
      const bucketCounts = Array.from({ length }, (_, k) => (k % 7 === 3 ? 0 : 1));
      const buckets = exponentialBuckets({
        count: 0,
        scale,
        zeroCount: 1,
        positive: { offset, bucketCounts },
        negative: { offset, bucketCounts },
      }).toArray();
      const exact = (i: number) => Math.pow(2, i / 2 ** scale);
      const positive = buckets.filter((b) => b.lo > 0);
      const negative = buckets.filter((b) => b.hi < 0);
      expect(positive).to.have.length(bucketCounts.filter((c) => c > 0).length);
      let p = 0;
      bucketCounts.forEach((c, k) => {
        if (c === 0) return;
        const b = positive[p++]!;
        expect(relErr(b.lo, exact(offset + k))).to.be.below(1e-12);
        expect(relErr(b.hi, exact(offset + k + 1))).to.be.below(1e-12);
      });
      // The negative buckets mirror the positive ones exactly, with their counts; the zero bucket sits between.
      expect(negative.map((b) => ({ lo: -b.hi, hi: -b.lo, count: b.count })).reverse()).to.deep.equal(positive);
      expect(buckets[negative.length]).to.deep.equal({ lo: 0, hi: 0, count: 1 });
      // Value order: the most negative bucket first.
      const top = offset + bucketCounts.lastIndexOf(1) + 1;
      expect(negative[0]!.lo).to.be.closeTo(-exact(top), exact(top) * 1e-12);
      expect(buckets.map((b) => b.lo)).to.deep.equal([...buckets.map((b) => b.lo)].sort((a, b) => a - b));
    });
  }

  it('fills a bucket list made with no room at all', () => {
    const into = exponentialBuckets(
      {
        count: 3,
        scale: 0,
        zeroCount: 0,
        positive: { offset: 0, bucketCounts: [1, 0, 2] },
        negative: { offset: 0, bucketCounts: [] },
      },
      new BucketList(0),
    );
    expect(into.toArray()).to.deep.equal([
      { lo: 1, hi: 2, count: 1 },
      { lo: 4, hi: 8, count: 2 },
    ]);
  });

  it('bounds a bucket of zeros by the extreme between +0 and -0', () => {
    // A negative bucket whose bounds underflowed to -0, and a max of +0: the value stays +0, as the extreme says.
    const d = toDistribution(
      [
        { lo: -2, hi: -1, count: 3 },
        { lo: -0, hi: -0, count: 2 },
      ],
      { count: 5, sum: -5.5, min: -2, max: 0, exactMinMax: false },
    )!;
    expect(Object.is(d.values[d.values.length - 1], 0)).to.equal(true);
    expect(Object.is(d.max, 0)).to.equal(true);
  });

  it('uses exponential bucket bounds base^i with base 2^(2^-scale)', () => {
    expect(exponentialLowerBound(16, 4)).to.be.closeTo(2, 1e-12);
    expect(exponentialLowerBound(-1, 0)).to.equal(0.5);
    expect(exponentialLowerBound(3, -1)).to.equal(64);
  });
});

describe('splitDistribution', () => {
  it('leaves 150 values in one part', () => {
    const d = toDistribution(
      Array.from({ length: 148 }, (_, i) => ({ lo: i, hi: i + 1, count: 2 })),
      { count: 296, sum: 148 * 148, exactMinMax: false },
    )!;
    expect(splitDistribution(d, 150)).to.have.length(1);
  });

  it('splits 320 values into self-consistent parts whose statistics combine to the whole', () => {
    const samples = lognormal(5000, 3, 1.5, 3);
    const h = exponentialOf(samples, 5);
    const d = toDistribution(exponentialBuckets(h), { ...h, exactMinMax: true })!;
    expect(d.values.length).to.be.above(150);
    const parts = splitDistribution(d, 150);
    expect(parts.length).to.equal(Math.ceil(d.values.length / 150));
    for (const p of parts) {
      expect(p.values.length).to.be.at.most(150);
      const own = statsOf(p);
      expect(p.sampleCount).to.equal(own.count);
      expect(relErr(p.sum, own.sum)).to.be.below(1e-12);
      expect([p.min, p.max]).to.deep.equal([own.min, own.max]);
    }
    expect(parts.reduce((a, p) => a + p.sampleCount, 0)).to.equal(samples.length);
    expect(
      relErr(
        parts.reduce((a, p) => a + p.sum, 0),
        h.sum,
      ),
    ).to.be.below(1e-12);
    expect(parts[0]!.min).to.equal(h.min);
    expect(parts[parts.length - 1]!.max).to.equal(h.max);
  });
});
