import type { Batch } from '../pack/Batch.js';
import type { StatsCounters } from '../stats/ExporterStats.js';
import type { FailureKind } from './retryPolicy.js';

/**
 * How one request reaches one CloudWatch endpoint: the part of sending that differs between PutMetricData and the
 * OTLP endpoint. Everything around it — attempts, backoff, pacing, the retry buffer, probing an endpoint that is
 * down, the deadline — is the sender's, and the same on every path.
 */
export interface RequestTransport {
  /** What its requests are called in messages (`PutMetricData`, `OTLP`). */
  readonly requestName: string;
  /** What a request carries, in messages (`datum`, `data point`). */
  readonly unit: string;
  /**
   * Makes one attempt; resolves once the endpoint took the request, rejects with what went wrong. Resolves to how
   * many of the request's datums (or points) the endpoint took it with but rejected, when it says so (OTLP's
   * partial success; the transport reports them). Calls `onWire` as it hands the request to the HTTP handler, and
   * counts then what it puts on the wire (`uncompressedBytes`, `wireBytes`, `compressedRequests`) in `counters`.
   */
  send(batch: Batch, signal: AbortSignal, counters: StatsCounters, onWire: () => void): Promise<number | void>;
  /** What a failed attempt means for the request (see FailureKind); `aborted`: the deadline cut it short. */
  classify(err: unknown, aborted: boolean): FailureKind;
  /** How long the endpoint asked to be left alone before the next attempt (ms), when it said so. */
  retryAfterMillis(err: unknown): number | undefined;
}
