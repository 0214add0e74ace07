import type { ExponentialHistogram } from '@opentelemetry/sdk-metrics';

/** One sign's buckets of an exponential histogram. */
export type Buckets = ExponentialHistogram['positive'];

/**
 * Buckets at a scale `shift` lower: 2^shift neighbours become one (index i becomes i >> shift), as the data model
 * defines it. Used to merge histograms of different scales and to subtract a previous point at a higher scale.
 */
export function downscale(b: Buckets, shift: number): Buckets {
  if (shift === 0 || b.bucketCounts.length === 0) return b;
  const offset = b.offset >> shift;
  const counts: number[] = [];
  for (let k = 0; k < b.bucketCounts.length; k++) {
    const i = ((b.offset + k) >> shift) - offset;
    counts[i] = (counts[i] ?? 0) + b.bucketCounts[k]!;
  }
  return { offset, bucketCounts: Array.from(counts, (c) => c ?? 0) };
}
