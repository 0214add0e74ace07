import type { StatsCounters } from '../ExporterStats.js';
import type { SendOutcome } from './BatchSender.js';
import { describeError } from './isInvalidRequestError.js';
import type { RetryBuffer } from './RetryBuffer.js';

/**
 * The error an export reports, or undefined when every datum landed or was deliberately dropped as invalid.
 * Data kept in the retry buffer has not landed yet: the export says FAILED, and says where the data waits.
 */
export function describeOutcome(outcome: SendOutcome, counters: StatsCounters, buffer: RetryBuffer): Error | undefined {
  const parts: string[] = [];
  const why = outcome.lastError ? describeError(outcome.lastError) : 'not sent before the deadline';
  const first = outcome.failures[0];
  if (first)
    parts.push(`${outcome.failures.length} of ${counters.requests} PutMetricData requests failed: ${first.message}`);
  if (outcome.kept > 0) {
    parts.push(
      `${outcome.kept} requests (${outcome.keptDatums} datums) did not land yet (${why}); ` +
        `kept in the retry buffer, which holds ${buffer.requests} requests (${buffer.bytes} bytes)`,
    );
  }
  if (outcome.discardedDatums > 0 && !first) {
    parts.push(`${outcome.discardedDatums} datums did not land and were given up (${why}); see getStats().discarded`);
  }
  if (parts.length === 0) return undefined;
  return new Error(parts.join('; '), { cause: first ?? outcome.lastError });
}
