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

/** Base-2 exponential histogram → its non-empty buckets in value order (negative, zero, positive). */
export function exponentialBuckets(h: ExponentialHistogram, into: BucketList = new BucketList()): BucketList {
  into.clear();
  const { scale } = h;
  const neg = h.negative.bucketCounts;
  if (neg.length > 0) {
    // Negative buckets mirror the positive ones: walk them upwards in magnitude, then reverse into value order.
    pushRange(into, h.negative.offset, scale, neg, -1);
    into.reverseFrom(0);
  }
  if (h.zeroCount > 0) into.push(0, 0, h.zeroCount);
  const pos = h.positive.bucketCounts;
  if (pos.length > 0) pushRange(into, h.positive.offset, scale, pos, 1);
  return into;
}

/**
 * The non-empty buckets of one range, upwards in magnitude from bucket `offset`; `sign` -1 mirrors them below zero.
 * Written straight into the list's arrays, with room made once: a call per bucket cost more than the bounds.
 */
function pushRange(into: BucketList, offset: number, scale: number, counts: readonly number[], sign: 1 | -1): void {
  into.reserve(counts.length);
  const los = into.lo;
  const his = into.hi;
  const cs = into.count;
  let at = into.length;
  if (scale <= 0 || scale > MAX_TABLE_SCALE) {
    for (let k = 0; k < counts.length; k++) {
      const count = counts[k]!;
      if (!(count > 0)) continue;
      const lower = exponentialLowerBound(offset + k, scale);
      const upper = exponentialLowerBound(offset + k + 1, scale);
      los[at] = sign > 0 ? lower : -upper;
      his[at] = sign > 0 ? upper : -lower;
      cs[at++] = count;
    }
  } else {
    // Each bound is one table lookup times an exact power of two that doubles each time the index wraps.
    const table = fractionTable(scale);
    const n = table.length;
    const whole = Math.floor(offset / n);
    let r = offset - whole * n;
    let power = Math.pow(2, whole);
    let lower = table[r]! * power;
    for (let k = 0; k < counts.length; k++) {
      if (++r === n) {
        r = 0;
        power *= 2;
      }
      const upper = table[r]! * power;
      const count = counts[k]!;
      if (count > 0) {
        los[at] = sign > 0 ? lower : -upper;
        his[at] = sign > 0 ? upper : -lower;
        cs[at++] = count;
      }
      lower = upper;
    }
  }
  into.length = at;
}
