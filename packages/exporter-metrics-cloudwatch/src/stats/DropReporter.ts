import { report } from '../util/report.js';

/** Why a data point did not reach CloudWatch. */
export type DropReason =
  | 'non-finite-value'
  | 'value-out-of-range'
  | 'timestamp-out-of-range'
  | 'invalid-metric-name'
  | 'invalid-histogram'
  | 'malformed-point'
  | 'cumulative-state-full'
  | 'export-timeout'
  | 'rejected-by-cloudwatch';

// Bounds the memory of which (metric, reason) pairs were already reported; past it, warnings stop.
const MAX_REMEMBERED = 10_000;

/**
 * Counts dropped points by reason and warns through `diag` once per metric and reason, so a bad instrument
 * cannot flood the logs. Warnings never include attribute values (they may carry user data).
 */
export class DropReporter {
  readonly dropped: Record<DropReason, number> = {
    'non-finite-value': 0,
    'value-out-of-range': 0,
    'timestamp-out-of-range': 0,
    'invalid-metric-name': 0,
    'invalid-histogram': 0,
    'malformed-point': 0,
    'cumulative-state-full': 0,
    'export-timeout': 0,
    'rejected-by-cloudwatch': 0,
  };
  private readonly warned = new Set<string>();

  /** Counts `count` dropped points of a metric and warns the first time for this metric and reason. */
  drop(metric: string, reason: DropReason, detail: string, count = 1): void {
    this.dropped[reason] += count;
    this.warnOnce(metric, reason, `dropped a point of metric "${metric}": ${detail}`);
  }

  /** Warns once per metric and topic (for problems that do not lose the point). */
  warnOnce(metric: string, topic: string, message: string): void {
    const key = `${topic}\u0000${metric}`;
    if (this.warned.has(key) || this.warned.size >= MAX_REMEMBERED) return;
    this.warned.add(key);
    report('warn', `${message} (reported once per metric)`);
  }
}
