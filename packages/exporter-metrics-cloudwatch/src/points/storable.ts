import { MAX_ABS_VALUE, MAX_FUTURE_MS, MAX_PAST_MS, TIMESTAMP_MARGIN_MS } from '../limits.js';

/** Whether CloudWatch stores a number: finite, within [-2^360, 2^360]. */
export const isStorable = (v: number): boolean => Number.isFinite(v) && Math.abs(v) <= MAX_ABS_VALUE;

/**
 * Whether a time (epoch ms) is inside CloudWatch's timestamp window at `now`, with a margin kept so that a request
 * retried minutes later is still inside it.
 */
export const inTimestampWindow = (
  t: number,
  now: number,
  /** How far ahead of `now` a time may be, its margin taken off (PutMetricData's by default). */
  maxAheadMs: number = MAX_FUTURE_MS - TIMESTAMP_MARGIN_MS,
): boolean => t >= now - MAX_PAST_MS + TIMESTAMP_MARGIN_MS && t <= now + maxAheadMs;
