import type { ExponentialHistogram, Histogram } from '@opentelemetry/sdk-metrics';
import type { Bucket } from './toDistribution.js';

/** Explicit-bucket histogram → buckets in value order; the first and last are open-ended. */
export function explicitBuckets(h: Histogram): Bucket[] {
  const { boundaries, counts } = h.buckets;
  const out: Bucket[] = [];
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (count > 0) {
      out.push({
        lo: i === 0 ? -Infinity : boundaries[i - 1]!,
        hi: i < boundaries.length ? boundaries[i]! : Infinity,
        count,
      });
    }
  }
  return out;
}

// 2^(j / 2^scale) for j in [0, 2^scale), per scale: with them a bound is one multiplication by an exact power
// of two instead of a Math.pow per bucket (the hot spot of histogram translation).
const fractions = new Map<number, Float64Array>();
const MAX_TABLE_SCALE = 10;

function fractionTable(scale: number): Float64Array {
  let t = fractions.get(scale);
  if (!t) {
    const n = 2 ** scale;
    t = new Float64Array(n);
    for (let j = 0; j < n; j++) t[j] = Math.pow(2, j / n);
    fractions.set(scale, t);
  }
  return t;
}

/** Lower bound of exponential bucket `index` at `scale`: base^index with base = 2^(2^-scale). */
export function exponentialLowerBound(index: number, scale: number): number {
  if (scale <= 0) return Math.pow(2, index * 2 ** -scale); // an exact power of two
  if (scale > MAX_TABLE_SCALE) return Math.pow(2, index / 2 ** scale);
  const whole = Math.floor(index / 2 ** scale);
  return fractionTable(scale)[index - whole * 2 ** scale]! * Math.pow(2, whole);
}

/** Base-2 exponential histogram → buckets in value order (negative, zero, positive). */
export function exponentialBuckets(h: ExponentialHistogram): Bucket[] {
  const out: Bucket[] = [];
  const { scale } = h;
  const neg = h.negative.bucketCounts;
  for (let k = neg.length - 1; k >= 0; k--) {
    const count = neg[k]!;
    if (count > 0) {
      const index = h.negative.offset + k;
      out.push({ lo: -exponentialLowerBound(index + 1, scale), hi: -exponentialLowerBound(index, scale), count });
    }
  }
  if (h.zeroCount > 0) out.push({ lo: 0, hi: 0, count: h.zeroCount });
  const pos = h.positive.bucketCounts;
  for (let k = 0; k < pos.length; k++) {
    const count = pos[k]!;
    if (count > 0) {
      const index = h.positive.offset + k;
      out.push({ lo: exponentialLowerBound(index, scale), hi: exponentialLowerBound(index + 1, scale), count });
    }
  }
  return out;
}
