import type { ExponentialHistogram, Histogram } from '@opentelemetry/sdk-metrics';
import { BucketList } from './BucketList.js';

/** Explicit-bucket histogram → its non-empty buckets in value order; the first and last are open-ended. */
export function explicitBuckets(h: Histogram, into: BucketList = new BucketList()): BucketList {
  const { boundaries, counts } = h.buckets;
  into.clear();
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (count > 0) {
      into.push(i === 0 ? -Infinity : boundaries[i - 1]!, i < boundaries.length ? boundaries[i]! : Infinity, count);
    }
  }
  return into;
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

/**
 * The lower bounds of consecutive exponential buckets, walked without a Math.pow per bucket: one table lookup
 * times an exact power of two that doubles each time the index wraps.
 */
function boundsFrom(index: number, scale: number): () => number {
  if (scale <= 0 || scale > MAX_TABLE_SCALE) {
    let i = index;
    return () => exponentialLowerBound(i++, scale);
  }
  const table = fractionTable(scale);
  const n = table.length;
  const whole = Math.floor(index / n);
  let r = index - whole * n;
  let power = Math.pow(2, whole);
  return () => {
    const v = table[r]! * power;
    if (++r === n) {
      r = 0;
      power *= 2;
    }
    return v;
  };
}

/** Base-2 exponential histogram → its non-empty buckets in value order (negative, zero, positive). */
export function exponentialBuckets(h: ExponentialHistogram, into: BucketList = new BucketList()): BucketList {
  into.clear();
  const { scale } = h;
  const neg = h.negative.bucketCounts;
  if (neg.length > 0) {
    // Negative buckets mirror the positive ones: walk them upwards in magnitude, then reverse into value order.
    const next = boundsFrom(h.negative.offset, scale);
    let lower = next();
    for (let k = 0; k < neg.length; k++) {
      const upper = next();
      if (neg[k]! > 0) into.push(-upper, -lower, neg[k]!);
      lower = upper;
    }
    into.reverseFrom(0);
  }
  if (h.zeroCount > 0) into.push(0, 0, h.zeroCount);
  const pos = h.positive.bucketCounts;
  if (pos.length > 0) {
    const next = boundsFrom(h.positive.offset, scale);
    let lower = next();
    for (let k = 0; k < pos.length; k++) {
      const upper = next();
      if (pos[k]! > 0) into.push(lower, upper, pos[k]!);
      lower = upper;
    }
  }
  return into;
}
