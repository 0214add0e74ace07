import type { StatsCounters } from '../stats/ExporterStats.js';
import type { SendOutcome } from './BatchSender.js';
import { describeError } from './isInvalidRequestError.js';
import type { RetryBuffer } from './RetryBuffer.js';

/**
 * The error an export reports, or undefined when every datum landed or was deliberately dropped as invalid.
 * Data kept in the retry buffer has not landed yet: the export says FAILED, and says where the data waits.
 */
export function describeOutcome(
  outcome: SendOutcome,
  counters: StatsCounters,
  buffer: RetryBuffer,
  /** What the path calls its requests and what they carry (see RequestTransport). */
  { requestName, unit }: { requestName: string; unit: string },
): Error | undefined {
  const parts: string[] = [];
  const why = outcome.lastError ? describeError(outcome.lastError) : 'not sent before the deadline';
  const first = outcome.failures[0];
  if (first)
    parts.push(`${outcome.failures.length} of ${counters.requests} ${requestName} requests failed: ${first.message}`);
  if (outcome.kept > 0) {
    parts.push(
      `${count(outcome.kept, 'request')} (${count(outcome.keptDatums, unit)}) did not land yet (${why}); ` +
        `kept in the retry buffer, which holds ${count(buffer.requests, 'request')} (${buffer.bytes} bytes)`,
    );
  }
  if (outcome.discardedDatums > 0 && !first) {
    parts.push(
      `${count(outcome.discardedDatums, unit)} did not land and ${outcome.discardedDatums === 1 ? 'was' : 'were'} ` +
        `given up (${why}); see getStats().discarded`,
    );
  }
  if (parts.length === 0) return undefined;
  return new Error(parts.join('; '), { cause: first ?? outcome.lastError });
}

/** `1 request`, `2 requests`. */
export const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
