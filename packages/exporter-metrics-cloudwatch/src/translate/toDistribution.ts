import { BucketList, type Bucket } from './BucketList.js';

export type { Bucket };

/** What OpenTelemetry knows exactly about the samples of a histogram point. */
export interface HistogramStats {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  /**
   * Whether min and max are the exact extremes of these samples. They are not for a delta computed from
   * cumulative points: the lifetime extremes still bound the samples, but are not samples of the interval.
   */
  exactMinMax: boolean;
}

/** A distribution CloudWatch can store: Values/Counts and the statistics they imply. */
export interface Distribution {
  /** Ascending, distinct. */
  values: number[];
  counts: number[];
  sampleCount: number;
  sum: number;
  min: number;
  max: number;
  /**
   * Set when the stated sum cannot come from samples in these buckets within these extremes: the histogram
   * contradicts itself, and no Values/Counts can agree with its statistics.
   */
  unreachableSum?: true;
}

const finite = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);

/**
 * Turns histogram buckets into CloudWatch Values/Counts whose statistics are exact: min and max stand as values
 * of their own, every other bucket is represented by one value inside its bounds, and those representatives are
 * moved together — each by the same fraction of its half-width — so that sum(Values × Counts) equals the exact
 * sum. Percentiles read from the result land in the same bucket as the exact ones, near its middle.
 * Returns undefined for an empty histogram.
 */
export function toDistribution(
  buckets: BucketList | readonly Bucket[],
  stats: HistogramStats,
  /**
   * Make the lists at their full size at once rather than grow them: less garbage, but lists V8 marks as possibly
   * holey, which JSON.stringify walks more slowly (the JSON path grows them; the CBOR path sizes them).
   */
  presized = false,
): Distribution | undefined {
  const list = buckets instanceof BucketList ? buckets : BucketList.from(buckets);
  const lowBound = finite(stats.min) ? stats.min : -Infinity;
  const highBound = finite(stats.max) ? stats.max : Infinity;
  // The bounds after clamping and the counts left for representatives, in bucket order (reused scratch).
  const n = list.length;
  if (scratch.lo.length < n) scratch = new BucketList(2 * n);
  const los = scratch.lo;
  const his = scratch.hi;
  const cs = scratch.count;
  let live = 0;
  let total = 0;
  let unbounded = false;
  const bucketCounts = list.count;
  const bucketLos = list.lo;
  const bucketHis = list.hi;
  for (let i = 0; i < n; i++) {
    const count = bucketCounts[i]!;
    if (!(count > 0)) continue;
    // The extremes bound every bucket, which also closes the open ends of explicit histograms. (Math.max and
    // Math.min compile to one instruction each, where comparisons branch: this loop took twice as long. No bound
    // is NaN here: validation refused NaN extremes and boundaries. Between +0 and -0, the extreme wins, as it
    // always has.)
    let lo = Math.max(bucketLos[i]!, lowBound);
    let hi = Math.min(bucketHis[i]!, highBound);
    if (lo === 0) lo = bucketLos[i]! > lowBound ? bucketLos[i]! : lowBound;
    if (hi === 0) hi = bucketHis[i]! < highBound ? bucketHis[i]! : highBound;
    if (lo > hi) lo = hi = lo > highBound ? highBound : lowBound;
    if (!Number.isFinite(lo)) lo = hi;
    if (!Number.isFinite(hi)) hi = lo;
    if (!Number.isFinite(lo)) unbounded = true;
    los[live] = lo;
    his[live] = hi;
    cs[live] = count;
    live++;
    total += count;
  }
  if (total === 0) return undefined;
  if (unbounded) {
    // One bucket open at both ends and nothing to bound it: all we know is the mean.
    if (!finite(stats.sum)) return undefined;
    const mean = stats.sum / total;
    return { values: [mean], counts: [total], sampleCount: total, sum: stats.sum, min: mean, max: mean };
  }

  const exact = stats.exactMinMax && finite(stats.min) && finite(stats.max);
  let fixed = 0;
  if (exact) {
    cs[0]! -= 1;
    fixed += stats.min!;
    if (total > 1) {
      cs[live - 1]! -= 1;
      fixed += stats.max!;
    }
  }
  let mid = 0;
  let room = 0;
  for (let i = 0; i < live; i++) {
    const c = cs[i]!;
    if (c <= 0) continue;
    mid += (c * (los[i]! + his[i]!)) / 2;
    room += (c * (his[i]! - los[i]!)) / 2;
  }
  let shift = 0;
  let unreachable = false;
  if (finite(stats.sum)) {
    // The sums the samples can have: every representative anywhere within its (clamped) bucket.
    const lo = fixed + mid - room;
    const hi = fixed + mid + room;
    const tolerance = 1e-9 * Math.max(1, Math.abs(lo), Math.abs(hi));
    unreachable = stats.sum < lo - tolerance || stats.sum > hi + tolerance;
  }
  if (finite(stats.sum) && room > 0) {
    shift = (stats.sum - fixed - mid) / room;
    shift = Math.max(-1, Math.min(1, shift));
  }

  // Pinned min, representatives in bucket order, pinned max: already ascending, so equal neighbours merge.
  const { values, counts } = (presized ? presizedRepresentatives : grownRepresentatives)(
    live,
    shift,
    exact ? stats.min! : undefined,
    exact && total > 1 ? stats.max! : undefined,
  );
  const dist: Distribution = {
    values,
    counts,
    sampleCount: total,
    sum: finite(stats.sum) ? stats.sum : sumOf(values, counts),
    min: exact ? stats.min! : values[0]!,
    max: exact ? stats.max! : values[values.length - 1]!,
  };
  if (unreachable) dist.unreachableSum = true;
  return dist;
}

let scratch = new BucketList(64);

/*
 * The representatives of the `live` buckets in scratch, shifted by `shift`, between the pinned extremes when given:
 * already ascending, so equal neighbours merge. Two copies of one loop, on purpose: each keeps its own lists' kind
 * (grown: packed, as JSON.stringify walks fastest; pre-sized: less garbage, for CBOR), and shared, the loop would
 * see both kinds and slow down for both.
 */
function grownRepresentatives(
  live: number,
  shift: number,
  min: number | undefined,
  max: number | undefined,
): { values: number[]; counts: number[] } {
  const { lo: los, hi: his, count: cs } = scratch;
  const values: number[] = [];
  const counts: number[] = [];
  let last = -1;
  if (min !== undefined) {
    values.push(min);
    counts.push(1);
    last = 0;
  }
  for (let i = 0; i < live; i++) {
    const c = cs[i]!;
    if (c <= 0) continue;
    const lo = los[i]!;
    const hi = his[i]!;
    let v = (lo + hi) / 2 + (shift * (hi - lo)) / 2;
    // Rounding must not push a representative out of its bucket (or below the pinned minimum).
    v = v < lo ? lo : v > hi ? hi : v;
    if (last >= 0 && values[last] === v) counts[last]! += c;
    else {
      values.push(v);
      counts.push(c);
      last++;
    }
  }
  if (max !== undefined) {
    if (values[last] === max) counts[last]! += 1;
    else {
      values.push(max);
      counts.push(1);
    }
  }
  return { values, counts };
}

function presizedRepresentatives(
  live: number,
  shift: number,
  min: number | undefined,
  max: number | undefined,
): { values: number[]; counts: number[] } {
  const { lo: los, hi: his, count: cs } = scratch;
  const values: number[] = new Array<number>(live + 2);
  const counts: number[] = new Array<number>(live + 2);
  let last = -1;
  if (min !== undefined) {
    values[0] = min;
    counts[0] = 1;
    last = 0;
  }
  for (let i = 0; i < live; i++) {
    const c = cs[i]!;
    if (c <= 0) continue;
    const lo = los[i]!;
    const hi = his[i]!;
    let v = (lo + hi) / 2 + (shift * (hi - lo)) / 2;
    v = v < lo ? lo : v > hi ? hi : v;
    if (last >= 0 && values[last] === v) counts[last]! += c;
    else {
      last++;
      values[last] = v;
      counts[last] = c;
    }
  }
  if (max !== undefined) {
    if (values[last] === max) counts[last]! += 1;
    else {
      last++;
      values[last] = max;
      counts[last] = 1;
    }
  }
  values.length = last + 1;
  counts.length = last + 1;
  return { values, counts };
}

/** What the Values and Counts add up to: the sum, when OpenTelemetry did not give it. */
function sumOf(values: readonly number[], counts: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * counts[i]!;
  return sum;
}

/**
 * Splits a distribution into parts of at most `maxValues` values, each self-consistent (its statistics are
 * those of its own Values/Counts), so that CloudWatch's combined statistics stay exact.
 */
export function splitDistribution(d: Distribution, maxValues: number): Distribution[] {
  if (d.values.length <= maxValues) return [d];
  const parts: Distribution[] = [];
  for (let i = 0; i < d.values.length; i += maxValues) {
    const values = d.values.slice(i, i + maxValues);
    const counts = d.counts.slice(i, i + maxValues);
    let sampleCount = 0;
    let sum = 0;
    for (let k = 0; k < values.length; k++) {
      sampleCount += counts[k]!;
      sum += values[k]! * counts[k]!;
    }
    parts.push({ values, counts, sampleCount, sum, min: values[0]!, max: values[values.length - 1]! });
  }
  return parts;
}
