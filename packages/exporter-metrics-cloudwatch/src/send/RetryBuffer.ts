import { MAX_PAST_MS, TIMESTAMP_MARGIN_MS } from '../limits.js';
import type { Batch } from '../pack/Batch.js';

/** A request waiting for another attempt. */
export interface PendingRequest {
  batch: Batch;
  /** When its data was collected (the export that made it started), epoch ms: the order requests go in. */
  createdAt: number;
}

/** Why a kept request was given up. */
export type DiscardReason = 'overflow' | 'expired' | 'shutdown' | 'unknown-outcome' | 'fatal';

/** A count of datums given up per reason, every reason at 0. */
export function newDiscards(): Record<DiscardReason, number> {
  return { overflow: 0, expired: 0, shutdown: 0, 'unknown-outcome': 0, fatal: 0 };
}

/** Bounds of the retry buffer (option `retryBuffer`). */
export interface RetryBufferLimits {
  /** Largest total of request bodies kept, in bytes; 0 keeps nothing. */
  maxBytes: number;
  /** Longest a request is kept after its data was collected, in ms. */
  maxAgeMillis: number;
}

/**
 * Requests CloudWatch did not take for a transient reason (throttling, 5xx, no connection, no answer), kept to be
 * sent again at later exports, oldest data first. Bounded by bytes (past the bound the oldest go first) and age
 * (never past CloudWatch's two-week timestamp window). Discards are reported through `onDiscard`.
 */
export class RetryBuffer {
  private readonly queue: PendingRequest[] = [];
  private total = 0;
  /** Set by `clear`: the buffer is closed, and whatever comes later is given up for the same reason. */
  private closedFor: DiscardReason | undefined;

  constructor(
    private readonly limits: RetryBufferLimits,
    private readonly onDiscard: (reason: DiscardReason, request: PendingRequest) => void,
  ) {}

  /** Requests kept. */
  get requests(): number {
    return this.queue.length;
  }

  /** Bytes of request bodies kept. */
  get bytes(): number {
    return this.total;
  }

  /**
   * Keeps a request, in the order of its data's age; makes room by giving up the oldest. Answers false (and
   * reports it discarded) when the request alone is over the bound — or the buffer is off.
   */
  add(request: PendingRequest): boolean {
    if (this.closedFor !== undefined || request.batch.bytes > this.limits.maxBytes) {
      this.onDiscard(this.closedFor ?? 'overflow', request);
      return false;
    }
    // Nearly always the newest: look for its place from the end.
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.createdAt > request.createdAt) i--;
    this.queue.splice(i, 0, request);
    this.total += request.batch.bytes;
    while (this.total > this.limits.maxBytes) this.discard(this.queue.shift()!, 'overflow');
    return true;
  }

  /** The oldest request still worth sending, removed from the buffer; expired ones are given up on the way. */
  take(now: number): PendingRequest | undefined {
    for (;;) {
      const head = this.queue.shift();
      if (head === undefined) return undefined;
      this.total -= head.batch.bytes;
      if (!this.expired(head, now)) return head;
      this.onDiscard('expired', head);
    }
  }

  /** Gives up every request kept, and every one offered from now on. */
  close(reason: DiscardReason): void {
    this.closedFor = reason;
    for (const r of this.queue.splice(0)) this.onDiscard(reason, r);
    this.total = 0;
  }

  private expired(r: PendingRequest, now: number): boolean {
    return now - r.createdAt > this.limits.maxAgeMillis || r.batch.oldest < now - MAX_PAST_MS + TIMESTAMP_MARGIN_MS / 2;
  }

  private discard(r: PendingRequest, reason: DiscardReason): void {
    this.total -= r.batch.bytes;
    this.onDiscard(reason, r);
  }
}
