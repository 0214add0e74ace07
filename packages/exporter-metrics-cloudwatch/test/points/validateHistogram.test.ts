import type { ExponentialHistogram, Histogram } from '@opentelemetry/sdk-metrics';
import { expect } from 'chai';
import { validateExponentialHistogram, validateHistogram } from '../../src/points/validateHistogram';

const explicit = (extra: Partial<Histogram> = {}): Histogram => ({
  buckets: { boundaries: [10, 100], counts: [1, 2, 1] },
  count: 4,
  sum: 230,
  min: 5,
  max: 150,
  ...extra,
});
const buckets = (boundaries: number[], counts: number[]) => ({ buckets: { boundaries, counts } });

const exponential = (extra: Partial<ExponentialHistogram> = {}): ExponentialHistogram => ({
  count: 4,
  sum: 5,
  scale: 0,
  zeroCount: 1,
  positive: { offset: 0, bucketCounts: [1, 1] },
  negative: { offset: -1, bucketCounts: [1] },
  min: -1,
  max: 3,
  ...extra,
});

describe('validateHistogram', () => {
  const valid: Array<[string, Histogram]> = [
    ['a consistent point', explicit()],
    ['an empty one', { buckets: { boundaries: [], counts: [0] }, count: 0 }],
    ['one without sum, min or max', explicit({ sum: undefined, min: undefined, max: undefined })],
    ['one whose min equals its max', explicit({ ...buckets([10], [0, 2]), count: 2, sum: 40, min: 20, max: 20 })],
    // Infinities are reported as non-finite values by translation, not here.
    ['an infinite sum and max', explicit({ sum: Infinity, max: Infinity })],
    ['the SDK extremes of an empty delta (min +∞, max −∞)', explicit({ min: Infinity, max: -Infinity })],
  ];
  for (const [name, h] of valid) {
    it(`accepts ${name}`, () => expect(validateHistogram(h)).to.equal(undefined));
  }

  const invalid: Array<[string, Histogram, RegExp]> = [
    ['a negative count', explicit({ count: -1 }), /count is not a finite number/],
    ['a NaN count', explicit({ count: NaN }), /count is not a finite number/],
    ['an infinite count', explicit({ count: Infinity }), /count is not a finite number/],
    ['a NaN sum', explicit({ sum: NaN }), /sum is NaN/],
    ['a NaN min', explicit({ min: NaN }), /min is NaN/],
    ['a NaN max', explicit({ max: NaN }), /max is NaN/],
    ['a min above the max', explicit({ min: 200, max: 150 }), /min is greater than the max/],
    ['unsorted boundaries', explicit(buckets([100, 10], [1, 2, 1])), /not strictly increasing at 1/],
    ['a repeated boundary', explicit(buckets([10, 10], [1, 2, 1])), /not strictly increasing at 1/],
    ['a NaN boundary', explicit(buckets([10, NaN], [1, 2, 1])), /boundary 1 is not a finite number/],
    ['an infinite boundary', explicit(buckets([-Infinity, 10], [1, 2, 1])), /boundary 0 is not a finite number/],
    ['one count too few', explicit(buckets([10, 100], [2, 2])), /2 bucket counts for 2 boundaries/],
    ['one count too many', explicit(buckets([10, 100], [1, 1, 1, 1])), /4 bucket counts for 2 boundaries/],
    ['a negative bucket count', explicit(buckets([10, 100], [3, 2, -1])), /bucket count 2 is not a finite number/],
    ['a NaN bucket count', explicit(buckets([10, 100], [1, NaN, 1])), /bucket count 1 is not a finite number/],
    ['counts that do not add up', explicit({ count: 5 }), /add up to 4, not to the count 5/],
    ['a sum below count × min', explicit({ sum: 19 }), /sum lies outside \[count × min, count × max\]/],
    ['a sum above count × max', explicit({ sum: 601 }), /sum lies outside/],
    [
      'two samples of 1 summing to 0',
      explicit({ ...buckets([10], [2, 0]), count: 2, sum: 0, min: 1, max: 1 }),
      /outside/,
    ],
  ];
  for (const [name, h, problem] of invalid) {
    it(`refuses ${name}`, () => expect(validateHistogram(h)).to.match(problem));
  }
});

describe('validateExponentialHistogram', () => {
  const valid: Array<[string, ExponentialHistogram]> = [
    ['a consistent point', exponential()],
    ['the lowest scale', exponential({ scale: -10 })],
    ['the highest scale', exponential({ scale: 20 })],
    [
      'an empty one',
      exponential({
        count: 0,
        zeroCount: 0,
        positive: { offset: 0, bucketCounts: [] },
        negative: { offset: 0, bucketCounts: [] },
        min: undefined,
        max: undefined,
      }),
    ],
    ['an infinite sum', exponential({ sum: -Infinity })],
  ];
  for (const [name, h] of valid) {
    it(`accepts ${name}`, () => expect(validateExponentialHistogram(h)).to.equal(undefined));
  }

  const invalid: Array<[string, ExponentialHistogram, RegExp]> = [
    ['a scale of 21', exponential({ scale: 21 }), /scale 21 is not an integer in \[-10, 20\]/],
    ['a scale of -11', exponential({ scale: -11 }), /scale -11 is not an integer/],
    ['a fractional scale', exponential({ scale: 1.5 }), /scale 1.5 is not an integer/],
    ['a NaN scale', exponential({ scale: NaN }), /scale NaN is not an integer/],
    [
      'a fractional positive offset',
      exponential({ positive: { offset: 0.5, bucketCounts: [1, 1] } }),
      /positive offset is not an integer/,
    ],
    [
      'an infinite negative offset',
      exponential({ negative: { offset: Infinity, bucketCounts: [1] } }),
      /negative offset is not an integer/,
    ],
    ['a negative zero count', exponential({ zeroCount: -1 }), /zero count is not a finite number/],
    [
      'a negative positive bucket count',
      exponential({ positive: { offset: 0, bucketCounts: [3, -1] } }),
      /positive bucket count 1 is not a finite number/,
    ],
    [
      'an infinite negative bucket count',
      exponential({ negative: { offset: -1, bucketCounts: [Infinity] } }),
      /negative bucket count 0 is not a finite number/,
    ],
    ['counts that do not add up', exponential({ count: 3 }), /add up to 4, not to the count 3/],
    ['a negative count', exponential({ count: -4 }), /count is not a finite number/],
    ['a min above the max', exponential({ min: 3, max: -1 }), /min is greater than the max/],
    ['a NaN sum', exponential({ sum: NaN }), /sum is NaN/],
  ];
  for (const [name, h, problem] of invalid) {
    it(`refuses ${name}`, () => expect(validateExponentialHistogram(h)).to.match(problem));
  }
});
