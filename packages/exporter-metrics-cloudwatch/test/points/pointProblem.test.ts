import { millisToHrTime } from '@opentelemetry/core';
import { DataPointType, type DataPoint } from '@opentelemetry/sdk-metrics';
import { expect } from 'chai';
import { pointProblem } from '../../src/points/pointProblem';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const at = (value: unknown, endMs = NOW - 1000): DataPoint<unknown> => ({
  startTime: millisToHrTime(endMs - 60_000),
  endTime: millisToHrTime(endMs),
  attributes: {},
  value,
});
const histogram = (extra: object = {}) => ({
  buckets: { boundaries: [10], counts: [1, 1] },
  count: 2,
  sum: 25,
  min: 5,
  max: 20,
  ...extra,
});

describe('pointProblem', () => {
  const { SUM, GAUGE, HISTOGRAM, EXPONENTIAL_HISTOGRAM } = DataPointType;
  const table: Array<[string, DataPointType, DataPoint<unknown>, string | undefined]> = [
    ['a counter value', SUM, at(3), undefined],
    ['a gauge at the edge of what CloudWatch stores', GAUGE, at(2 ** 360), undefined],
    ['NaN', GAUGE, at(NaN), 'non-finite-value'],
    ['-Infinity', SUM, at(-Infinity), 'non-finite-value'],
    ['a value past 2^360', GAUGE, at(2 ** 361), 'value-out-of-range'],
    ['a time three weeks back', GAUGE, at(1, NOW - 21 * 86_400_000), 'timestamp-out-of-range'],
    ['a time three hours ahead', SUM, at(1, NOW + 3 * 3_600_000), 'timestamp-out-of-range'],
    ['a time past what a Date holds (said without throwing)', SUM, at(1, 1e300), 'timestamp-out-of-range'],
    ['a consistent histogram', HISTOGRAM, at(histogram()), undefined],
    [
      'an empty histogram with the SDK extremes',
      HISTOGRAM,
      at(histogram({ buckets: { boundaries: [10], counts: [0, 0] }, count: 0, sum: 0, min: Infinity, max: -Infinity })),
      undefined,
    ],
    ['a histogram whose counts do not add up', HISTOGRAM, at(histogram({ count: 3 })), 'invalid-histogram'],
    ['a histogram with an infinite max', HISTOGRAM, at(histogram({ max: Infinity })), 'non-finite-value'],
    [
      'a histogram whose sum is past 2^360',
      HISTOGRAM,
      at(histogram({ sum: 2 ** 361, max: 2 ** 361 })),
      'value-out-of-range',
    ],
    [
      'an exponential histogram with a scale past 20',
      EXPONENTIAL_HISTOGRAM,
      at({
        count: 1,
        sum: 1,
        scale: 21,
        zeroCount: 0,
        positive: { offset: 0, bucketCounts: [1] },
        negative: { offset: 0, bucketCounts: [] },
        min: 1,
        max: 1,
      }),
      'invalid-histogram',
    ],
    ['a kind of point this exporter does not know', 99 as DataPointType, at(1), 'malformed-point'],
  ];
  for (const [name, type, p, reason] of table) {
    it(`${reason ?? 'no problem'}: ${name}`, () => {
      const problem = pointProblem(type, p, NOW);
      expect(problem?.reason).to.equal(reason);
      if (problem) expect(problem.why).to.be.a('string').and.not.equal('');
    });
  }

  it('throws on a point that cannot be read (its caller counts it as malformed)', () => {
    const p = {
      ...at(1),
      get endTime(): never {
        throw new Error('boom');
      },
    };
    expect(() => pointProblem(SUM, p as DataPoint<unknown>, NOW)).to.throw('boom');
  });
});
