import { firstMetricName, splitBatch, withoutOptionalMembers, type Batch } from '../pack/Batch.js';
import type { DropReporter } from '../stats/DropReporter.js';
import type { StatsCounters } from '../stats/ExporterStats.js';
import { toError } from '../util/describeThrown.js';
import { report } from '../util/report.js';
import { describeError } from './isInvalidRequestError.js';
import { newRefusalPair, refusalSignature, type RefusalPair } from './refusalPair.js';
import type { PendingRequest } from './RetryBuffer.js';

/** A request as isolation knows it: its batch, and, for a half, its sibling. */
export interface IsolatedRequest extends PendingRequest {
  /** A half made to isolate a refused datum: sent before anything else. */
  half: boolean;
  /** For a half: its sibling, and how their parent was refused. */
  pair?: RefusalPair<IsolatedRequest>;
}

/** What isolation needs of its sender. */
export interface IsolationHost<T> {
  /** Sends these before anything else. */
  requeueFirst(items: T[]): void;
  /** Gives a request up for good (counted as fatal). */
  giveUp(item: T): void;
  /** Makes the export report this failure. */
  fail(error: Error): void;
  counters: StatsCounters;
  drops: DropReporter;
  onEnvelopeRefused?: (error: Error) => void;
}

/**
 * A request CloudWatch refuses as invalid is split in halves until the refused datums stand alone and are dropped,
 * within `budget` extra requests per export; and when both halves of a request are refused as the request was, the
 * request itself is what the endpoint refuses (see refusalPair): it is sent again without its envelope's optional
 * members, or given up, rather than split down to its last datum.
 */
export class Isolation<T extends IsolatedRequest> {
  constructor(
    private readonly host: IsolationHost<T>,
    private budget: number,
  ) {}

  /** A request refused as invalid: a datum in it (isolate it), or, both halves refused alike, the request itself. */
  refused(item: T, err: unknown): void {
    const pair = item.pair;
    if (pair !== undefined) {
      pair.open--;
      if (refusalSignature(err) === pair.signature) {
        const sibling = pair.waiting;
        if (sibling !== undefined) {
          pair.waiting = undefined;
          return this.requestRefused([sibling.item as T, item], err);
        }
        if (pair.open > 0) {
          pair.waiting = { item, error: err };
          return;
        }
        // The sibling fared otherwise: the parent's refusal lies in this half.
      } else {
        this.releaseWaiting(pair);
      }
    }
    this.isolate(item, err);
  }

  /** A half ended otherwise than refused (landed, kept, given up): its waiting sibling is isolated after all. */
  settled(item: T): void {
    if (item.pair === undefined) return;
    item.pair.open--;
    this.releaseWaiting(item.pair);
  }

  private releaseWaiting(pair: RefusalPair<IsolatedRequest>): void {
    if (pair.open > 0 || pair.waiting === undefined) return;
    const { item, error } = pair.waiting;
    pair.waiting = undefined;
    this.isolate(item as T, error);
  }

  /**
   * Both halves of a request were refused as the request was: the endpoint refuses the request, not a datum. Sent
   * again without the envelope's optional members (the entity) when it has some, and the exporter told; else
   * given up, counted as fatal.
   */
  private requestRefused(items: T[], err: unknown): void {
    const host = this.host;
    const plain = items.map((i) => withoutOptionalMembers(i.batch));
    if (plain.every((b) => b !== undefined)) {
      host.onEnvelopeRefused?.(toError(err));
      host.counters.entityFallbacks += items.length;
      const again = plain.map((batch, k): T => ({ ...items[k]!, batch: batch!, half: true, pair: undefined }));
      host.requeueFirst(again);
      return;
    }
    for (const item of items) host.giveUp(item);
    host.fail(
      new Error(
        `CloudWatch refused the request itself, not a datum in it (${describeError(err)}): ` +
          `${items.reduce((n, i) => n + i.batch.count, 0)} datums given up`,
      ),
    );
  }

  private isolate(item: T, err: unknown): void {
    const host = this.host;
    const { batch } = item;
    if (batch.count === 1) {
      host.drops.dropped['rejected-by-cloudwatch']++;
      report('error', `CloudWatch refused a datum of metric "${firstMetricName(batch)}": ` + describeError(err));
      return;
    }
    if (this.budget < 2) {
      host.counters.failedRequests++;
      host.drops.dropped['rejected-by-cloudwatch'] += batch.count;
      host.fail(
        new Error(
          `CloudWatch refused a request of ${batch.count} datums (${describeError(err)}) and the ` +
            'budget of requests to isolate the bad datums is spent; they were dropped',
        ),
      );
      return;
    }
    this.budget -= 2;
    host.counters.isolationRequests += 2;
    const [a, b] = splitBatch(batch);
    const pair = newRefusalPair<IsolatedRequest>(err);
    const half = (h: Batch): T => ({ ...item, batch: h, half: true, pair });
    host.requeueFirst([half(a), half(b)]);
  }
}
