import { ValueType, type Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  type ExponentialHistogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { millisToHrTime } from '@opentelemetry/core';
import { expect } from 'chai';
import { canRollUp, mergeExponential, mergeHistograms, rollUp } from '../../src/rules/mergePoints';
import { rng } from '../helpers';

const NOW = Date.now();
/** `s` seconds after a minute ago: inside CloudWatch's window. */
const at = (s: number): [number, number] => millisToHrTime(NOW - 60_000 + s * 1000) as [number, number];
function metric(
  type: DataPointType,
  points: Array<[Attributes, unknown, number?]>,
  temporality = AggregationTemporality.DELTA,
): MetricData {
  return {
    descriptor: { name: 'm', unit: '', description: '', valueType: ValueType.DOUBLE },
    aggregationTemporality: temporality,
    dataPointType: type,
    isMonotonic: true,
    dataPoints: points.map(([attributes, value, end]) => ({
      startTime: at(1),
      endTime: at(end ?? 2),
      attributes,
      value,
    })),
  } as MetricData;
}

/** Exponential buckets of samples at a scale: index ⌈log2(v)·2^scale⌉ − 1, as the data model defines them. */
function exponential(samples: number[], scale: number): ExponentialHistogram {
  const idx = samples.map((v) => Math.ceil(Math.log2(v) * 2 ** scale) - 1);
  const offset = Math.min(...idx);
  const counts = new Array<number>(Math.max(...idx) - offset + 1).fill(0);
  for (const i of idx) counts[i - offset]!++;
  return {
    count: samples.length,
    sum: samples.reduce((a, b) => a + b, 0),
    scale,
    zeroCount: 0,
    positive: { offset, bucketCounts: counts },
    negative: { offset: 0, bucketCounts: [] },
    min: Math.min(...samples),
    max: Math.max(...samples),
  };
}

describe('rollUp', () => {
  const routes = ['/a', '/b', '/c'];
  const methods = ['GET', 'POST'];
  const grid = (value: (r: number, m: number) => unknown): Array<[Attributes, unknown]> =>
    routes.flatMap((route, r) => methods.map((method, m): [Attributes, unknown] => [{ route, method }, value(r, m)]));

  it('adds sums into each set’s series: [route] gives 3, [] gives 1, every total exact', () => {
    const out = rollUp(
      metric(
        DataPointType.SUM,
        grid((r, m) => 10 * r + m + 1),
      ),
      [['route'], []],
      NOW,
    );
    const byKey = new Map(out.dataPoints.map((p) => [JSON.stringify(p.attributes), p.value]));
    expect(byKey).to.deep.equal(
      new Map<string, unknown>([
        ['{"route":"/a"}', 3],
        ['{"route":"/b"}', 23],
        ['{"route":"/c"}', 43],
        ['{}', 69],
      ]),
    );
  });

  it('leaves a point out of a set whose key it lacks (the CloudWatch agent’s rule)', () => {
    const out = rollUp(
      metric(DataPointType.SUM, [
        [{ route: '/a' }, 1],
        [{}, 2],
      ]),
      [['route'], []],
      NOW,
    );
    expect(out.dataPoints.map((p) => [p.attributes, p.value])).to.deep.equal([
      [{ route: '/a' }, 1],
      [{}, 3],
    ]);
  });

  it('keeps the gauge with the latest time', () => {
    const out = rollUp(
      metric(DataPointType.GAUGE, [
        [{ h: 'x' }, 5, 30],
        [{ h: 'y' }, 7, 25],
        [{ h: 'z' }, 1, 28],
      ]),
      [[]],
      NOW,
    );
    expect(out.dataPoints.map((p) => p.value)).to.deep.equal([5]);
  });

  it('takes values that make one stored dimension value as one series (200 and "200", Montréal and Montreal)', () => {
    const out = rollUp(
      metric(DataPointType.SUM, [
        [{ c: 200 }, 1],
        [{ c: '200' }, 2],
        [{ c: 'Montréal' }, 3],
        [{ c: 'Montreal' }, 4],
      ]),
      [['c']],
      NOW,
    );
    expect(out.dataPoints.map((p) => p.value)).to.deep.equal([3, 7]);
  });

  it('leaves a point out of a set whose value makes no dimension (empty, blank): it is not of that series', () => {
    const out = rollUp(
      metric(DataPointType.SUM, [
        [{ r: 'a', m: 'GET' }, 1],
        [{ r: 'a', m: '' }, 2],
        [{ r: 'a', m: '  ' }, 4],
      ]),
      [['r', 'm'], ['r']],
      NOW,
    );
    expect(out.dataPoints.map((p) => [p.attributes, p.value])).to.deep.equal([
      [{ m: 'GET', r: 'a' }, 1],
      [{ r: 'a' }, 7],
    ]);
  });

  it('never merges a point CloudWatch would refuse or that cannot be read: it goes on once, alone, to be dropped', () => {
    const broken = { startTime: at(1), endTime: at(2), attributes: undefined, value: 5 };
    const m = metric(DataPointType.SUM, [
      [{ r: 'a' }, 1],
      [{ r: 'a' }, NaN],
      [{ r: 'a' }, Infinity],
      [{ r: 'a' }, 2],
      [{ r: 'a' }, 9, -30 * 86400],
    ]);
    (m.dataPoints as unknown[]).push(broken);
    const out = rollUp(m, [['r'], []], NOW);
    const good = out.dataPoints.filter((p) => Number.isFinite(p.value) && p.value !== 9 && p.attributes !== undefined);
    expect(good.map((p) => [p.attributes, p.value])).to.deep.equal([
      [{ r: 'a' }, 3],
      [{}, 3],
    ]);
    // NaN, Infinity, the month-old point and the unreadable one: each once, as it was.
    expect(out.dataPoints).to.have.length(2 + 4);
  });

  it('keeps a merged exponential histogram within 160 buckets per sign, however far apart its samples', () => {
    const single = (v: number): ExponentialHistogram => exponential([v], 20);
    const far = mergeExponential(single(1e-300), single(1e300));
    expect(far.positive.bucketCounts.length).to.be.at.most(160);
    expect(far.positive.bucketCounts.reduce((a, b) => a + b, 0)).to.equal(2);
    expect(far).to.include({ count: 2, min: 1e-300, max: 1e300 });
    // Many single-sample points, as the SDK makes them (scale 20), merged one after another.
    const r = rng(3);
    let acc = single(1 + r());
    for (let i = 0; i < 2000; i++) acc = mergeExponential(acc, single(Math.exp(10 * r())));
    expect(acc.positive.bucketCounts.length).to.be.at.most(160);
    expect(acc.count).to.equal(2001);
    expect(acc.positive.bucketCounts.reduce((a, b) => a + b, 0)).to.equal(2001);
  });

  it('merges explicit histograms with equal bounds bucket by bucket; count, sum, min and max exact', () => {
    const h = (counts: number[], sum: number, min: number, max: number) => ({
      buckets: { boundaries: [10, 100], counts },
      count: counts.reduce((a, b) => a + b, 0),
      sum,
      min,
      max,
    });
    expect(mergeHistograms(h([1, 2, 0], 30, 5, 20), h([0, 1, 1], 150, 50, 120))).to.deep.equal(
      h([1, 3, 1], 180, 5, 120),
    );
    expect(
      mergeHistograms(h([1, 0, 0], 5, 5, 5), {
        ...h([1, 0, 0], 5, 5, 5),
        buckets: { boundaries: [1, 2], counts: [1, 0, 0] },
      }),
    ).to.equal(undefined);
  });

  it('merges exponential histograms at their common scale: the same buckets as binning every sample at that scale', () => {
    const r = rng(7);
    const a = Array.from({ length: 300 }, () => Math.exp(3 + r()));
    const b = Array.from({ length: 200 }, () => Math.exp(2.5 + 2 * r()));
    const merged = mergeExponential(exponential(a, 5), exponential(b, 3));
    const direct = exponential([...a, ...b], 3);
    expect(merged.scale).to.equal(3);
    expect(merged.positive).to.deep.equal(direct.positive);
    expect(merged).to.include({ count: 500, min: direct.min, max: direct.max });
    expect(Math.abs(merged.sum! - direct.sum!) / direct.sum!).to.be.below(1e-12);
  });

  it('rolls up only what merges exactly: deltas, levels and gauges, not cumulative counters or histograms', () => {
    expect(canRollUp(metric(DataPointType.SUM, []))).to.equal(true);
    expect(canRollUp(metric(DataPointType.SUM, [], AggregationTemporality.CUMULATIVE))).to.equal(false);
    expect(
      canRollUp({
        ...metric(DataPointType.SUM, [], AggregationTemporality.CUMULATIVE),
        isMonotonic: false,
      } as MetricData),
    ).to.equal(true);
    expect(canRollUp(metric(DataPointType.HISTOGRAM, [], AggregationTemporality.CUMULATIVE))).to.equal(false);
    expect(canRollUp(metric(DataPointType.GAUGE, [], AggregationTemporality.CUMULATIVE))).to.equal(true);
  });
});
