import { diag, DiagLogLevel, ValueType } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { AggregationTemporality, DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';

/** A small deterministic PRNG (mulberry32), so distributions in tests are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lognormal samples from a seeded normal (Box–Muller). */
export function lognormal(n: number, mu: number, sigma: number, seed = 1): number[] {
  const r = rng(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    out.push(Math.exp(mu + sigma * z));
  }
  return out;
}

/** Nearest-rank quantile of a weighted distribution (Values/Counts, ascending values). */
export function weightedQuantile(values: number[], counts: number[], q: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < values.length; i++) {
    seen += counts[i]!;
    if (seen >= rank) return values[i]!;
  }
  return values[values.length - 1]!;
}

/** Nearest-rank quantile of raw samples. */
export function sampleQuantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

/** Sum(Values × Counts), Min and Max of the values with a non-zero count, and sum(Counts). */
export function statsOf(d: Pick<MetricDatum, 'Values' | 'Counts'> | { values: number[]; counts: number[] }): {
  count: number;
  sum: number;
  min: number;
  max: number;
} {
  const values = ('values' in d ? d.values : d.Values) ?? [];
  const counts = ('counts' in d ? d.counts : d.Counts) ?? values.map(() => 1);
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  values.forEach((v, i) => {
    const c = counts[i]!;
    count += c;
    sum += v * c;
    if (c > 0) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  });
  return { count, sum, min, max };
}

export const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

/**
 * Collects the diag lines of warn level and above (component name and message joined) for the enclosing mocha
 * `describe`: set up before its tests, emptied before each, removed after.
 */
export function captureDiag(): string[] {
  const lines: string[] = [];
  before(() => {
    const log = (...args: unknown[]) => void lines.push(args.join(' '));
    diag.setLogger({ error: log, warn: log, info: log, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  });
  after(() => diag.disable());
  beforeEach(() => (lines.length = 0));
  return lines;
}

/**
 * One delta exponential-histogram metric `latency` (ms), a point per series `s0`, `s1`, … with 60 buckets (scale 4,
 * from offset 40), counts 1 or 2, and its exact count, sum, min and max: histograms as wide as services send.
 */
export function latencyHistograms(series: number, buckets = 60): MetricData {
  const now = Date.now();
  const time = { startTime: millisToHrTime(now - 60_000), endTime: millisToHrTime(now) };
  const bound = (k: number) => 2 ** (k / 16);
  return {
    descriptor: { name: 'latency', unit: 'ms', description: '', valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.DELTA,
    dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
    dataPoints: Array.from({ length: series }, (_, s) => {
      const bucketCounts = Array.from({ length: buckets }, (_, k) => (k % 3 === s % 3 ? 2 : 1));
      let sum = 0;
      let count = 0;
      bucketCounts.forEach((c, k) => {
        sum += c * ((bound(k + 40) + bound(k + 41)) / 2);
        count += c;
      });
      return {
        ...time,
        attributes: { series: `s${s}` },
        value: {
          count,
          sum,
          scale: 4,
          zeroCount: 0,
          positive: { offset: 40, bucketCounts },
          negative: { offset: 0, bucketCounts: [] },
          min: bound(40.5),
          max: bound(40 + buckets - 0.5),
        },
      };
    }),
  };
}
