import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { isInvalidRequestError } from './isInvalidRequestError.js';

/** How often and how patiently a request is tried within one export. */
export interface RetryPolicy {
  /** Attempts per request within one export, the first included. */
  maxAttempts: number;
  /** Backoff base: the n-th retry waits a random time in [0, min(maxDelay, base·2^(n-1))]. */
  baseDelayMillis: number;
  /** Throttling waits this many times longer: the service asked us to slow down. */
  throttlingFactor: number;
  /** No wait between attempts is longer than this (ms). */
  maxDelayMillis: number;
}

/**
 * Why a request did not land, as far as the sender can tell.
 * - `invalid`: CloudWatch refused its content; resending it as is cannot help (the sender isolates the bad datums).
 * - `throttled`, `unavailable`: CloudWatch answered with throttling or a 5xx; it stored nothing.
 * - `unsent`: the request never reached CloudWatch (connection refused, no route, name not resolved, no
 *   credentials yet); nothing was stored.
 * - `unknown-outcome`: the connection broke or the deadline passed after the body may have reached CloudWatch,
 *   with no answer: it may have been stored. Sending it again risks storing it twice.
 * - `fatal`: an error no retry can mend (access denied, a bad configuration).
 */
export type FailureKind = 'invalid' | 'throttled' | 'unavailable' | 'unsent' | 'unknown-outcome' | 'fatal';

interface ErrorLike {
  name?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

/** Failures of which CloudWatch certainly saw nothing. */
const UNSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const UNSENT_NAMES = new Set(['CredentialsProviderError', 'TokenProviderError']);

function codeOf(err: ErrorLike, depth = 0): string | undefined {
  if (err.code !== undefined) return err.code;
  const cause = err.cause as ErrorLike | undefined;
  return typeof cause === 'object' && cause !== null && depth < 5 ? codeOf(cause, depth + 1) : undefined;
}

/**
 * Classifies a failed attempt. `aborted` says the export's deadline cut it short while it was in flight: the body
 * may already have reached CloudWatch.
 */
export function classifyFailure(err: unknown, aborted: boolean): FailureKind {
  if (typeof err !== 'object' || err === null) return 'fatal';
  // Given up before the request reached the HTTP handler (see BatchSender): certainly never sent.
  if ((err as { unsent?: unknown }).unsent === true) return 'unsent';
  const e = err as ErrorLike;
  if (isInvalidRequestError(err)) return 'invalid';
  const status = e.$metadata?.httpStatusCode;
  // Smithy's classifiers read these fields only; an SdkError is an Error with them.
  const sdkError = err as Parameters<typeof isThrottlingError>[0];
  if (isThrottlingError(sdkError) || e.Code === 'Throttling' || status === 429) return 'throttled';
  if (status !== undefined && status >= 500) return 'unavailable';
  if (aborted || e.name === 'AbortError') return 'unknown-outcome';
  if (UNSENT_NAMES.has(e.name ?? '') || UNSENT_CODES.has(codeOf(e) ?? '')) return 'unsent';
  // A clock-skew correction or an expired signature: the SDK fixed its clock, the next attempt will do.
  if (status !== undefined && (isTransientError(sdkError) || isServerError(sdkError))) return 'unavailable';
  if (isTransientError(sdkError)) return 'unknown-outcome';
  return 'fatal';
}

/**
 * Wait before retry number `retry` (1 for the first retry): "full jitter" exponential backoff, so that many
 * clients failing together do not come back together.
 */
export function retryDelay(
  policy: RetryPolicy,
  retry: number,
  kind: FailureKind,
  random: () => number = Math.random,
): number {
  const base = policy.baseDelayMillis * (kind === 'throttled' ? policy.throttlingFactor : 1);
  const ceiling = Math.min(policy.maxDelayMillis, base * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}
