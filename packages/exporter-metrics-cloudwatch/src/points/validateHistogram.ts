import type { ExponentialHistogram, Histogram } from '@opentelemetry/sdk-metrics';

// The scales the OpenTelemetry data model allows for base-2 exponential histograms.
const MIN_SCALE = -10;
const MAX_SCALE = 20;

/**
 * What is wrong with an explicit-bucket histogram point, or undefined when it is consistent. A histogram that
 * contradicts itself cannot be turned into an exact distribution, and, cumulative, it would poison the state every
 * later delta is computed from: it is checked as received, before either.
 */
export function validateHistogram(h: Histogram): string | undefined {
  const problem = statsProblem(h);
  if (problem !== undefined) return problem;
  const { boundaries, counts } = h.buckets;
  for (let i = 0; i < boundaries.length; i++) {
    const b = boundaries[i]!;
    if (!Number.isFinite(b)) return `bucket boundary ${i} is not a finite number`;
    if (i > 0 && !(b > boundaries[i - 1]!)) return `bucket boundaries are not strictly increasing at ${i}`;
  }
  if (counts.length !== boundaries.length + 1) {
    return `${counts.length} bucket counts for ${boundaries.length} boundaries (expected boundaries + 1)`;
  }
  const total = countsTotal(counts);
  if (typeof total === 'string') return total;
  if (total !== h.count) return `bucket counts add up to ${total}, not to the count ${h.count}`;
  return undefined;
}

/** What is wrong with a base-2 exponential histogram point, or undefined when it is consistent. */
export function validateExponentialHistogram(h: ExponentialHistogram): string | undefined {
  const problem = statsProblem(h);
  if (problem !== undefined) return problem;
  if (!Number.isInteger(h.scale) || h.scale < MIN_SCALE || h.scale > MAX_SCALE) {
    return `scale ${h.scale} is not an integer in [${MIN_SCALE}, ${MAX_SCALE}]`;
  }
  if (!Number.isInteger(h.positive.offset)) return 'the positive offset is not an integer';
  if (!Number.isInteger(h.negative.offset)) return 'the negative offset is not an integer';
  if (!isCount(h.zeroCount)) return 'the zero count is not a finite number ≥ 0';
  const positive = countsTotal(h.positive.bucketCounts);
  if (typeof positive === 'string') return `positive ${positive}`;
  const negative = countsTotal(h.negative.bucketCounts);
  if (typeof negative === 'string') return `negative ${negative}`;
  const total = h.zeroCount + positive + negative;
  if (total !== h.count) return `zero and bucket counts add up to ${total}, not to the count ${h.count}`;
  return undefined;
}

/**
 * The rules both kinds share. Infinite sum, min or max are left through: they are reported as non-finite values,
 * like any other number CloudWatch cannot store.
 */
function statsProblem(h: { count: number; sum?: number; min?: number; max?: number }): string | undefined {
  if (!isCount(h.count)) return 'the count is not a finite number ≥ 0';
  if (Number.isNaN(h.sum)) return 'the sum is NaN';
  if (Number.isNaN(h.min)) return 'the min is NaN';
  if (Number.isNaN(h.max)) return 'the max is NaN';
  const { min, max } = h;
  if (min !== undefined && max !== undefined && Number.isFinite(min) && Number.isFinite(max)) {
    if (min > max) return 'the min is greater than the max';
    const { count, sum } = h;
    // Every sample lies in [min, max], so their sum lies in [count·min, count·max].
    if (count > 0 && sum !== undefined && Number.isFinite(sum)) {
      const lo = count * min;
      const hi = count * max;
      const tolerance = 1e-9 * Math.max(1, Math.abs(lo), Math.abs(hi));
      if (sum < lo - tolerance || sum > hi + tolerance) return 'the sum lies outside [count × min, count × max]';
    }
  }
  return undefined;
}

const isCount = (c: unknown): c is number => typeof c === 'number' && Number.isFinite(c) && c >= 0;

/** The sum of bucket counts, or what is wrong with one of them. */
function countsTotal(counts: readonly number[]): number | string {
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (!isCount(c)) return `bucket count ${i} is not a finite number ≥ 0`;
    total += c;
  }
  return total;
}
