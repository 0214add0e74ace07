import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { diag } from '@opentelemetry/api';
import type { StatsCounters } from '../ExporterStats.js';
import { firstMetricName, splitBatch, type Batch } from '../pack/packDatums.js';
import type { DropReporter } from '../translate/DropReporter.js';
import { describeError, isInvalidRequestError } from './isInvalidRequestError.js';
import { putMetricDataCommand } from './putMetricDataCommand.js';

export interface SendContext {
  client: CloudWatchClient;
  namespace: string;
  /** Requests in flight at once. */
  concurrency: number;
  /** Extra requests allowed, per export, to isolate datums CloudWatch refuses. */
  isolationBudget: number;
  abortSignal?: AbortSignal;
  counters: StatsCounters;
  drops: DropReporter;
}

interface Metadata {
  $metadata?: { attempts?: number };
}
const retriesOf = (x: unknown): number => Math.max(0, ((x as Metadata)?.$metadata?.attempts ?? 1) - 1);

/**
 * Sends the batches of one export with at most `concurrency` requests in flight, starting as soon as the first
 * batch is pushed (so sending overlaps with the packing of the rest). The SDK retries throttling, 5xx and dropped
 * connections itself. A request CloudWatch refuses as invalid is split in halves and the halves resent, until the
 * refused datums stand alone and are dropped (each with a diag error naming its metric); the extra requests are
 * bounded by `isolationBudget`. A batch CloudWatch accepted is never sent again.
 */
export class BatchSender {
  private readonly queue: Batch[] = [];
  private readonly failures: Error[] = [];
  private readonly workers: Array<Promise<void>> = [];
  private readonly idle: Array<() => void> = [];
  private budget: number;
  private closed = false;

  constructor(private readonly ctx: SendContext) {
    this.budget = ctx.isolationBudget;
  }

  /** Queues a batch; a worker picks it up at once if one is free. */
  push(batch: Batch): void {
    this.queue.push(batch);
    this.wake();
  }

  /** No more batches: resolves, once all are sent, with the errors of requests that failed for good. */
  async close(): Promise<Error[]> {
    this.closed = true;
    while (this.idle.length > 0) this.idle.shift()!();
    // Workers can start more workers while we wait (a split refills the queue).
    for (let i = 0; i < this.workers.length; i++) await this.workers[i];
    return this.failures;
  }

  private wake(): void {
    const waiting = this.idle.shift();
    if (waiting) waiting();
    else if (this.workers.length < this.ctx.concurrency) this.workers.push(this.work());
  }

  private async work(): Promise<void> {
    for (;;) {
      const batch = this.queue.shift();
      if (batch) {
        await this.send(batch);
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => this.idle.push(resolve));
    }
  }

  private async send(batch: Batch): Promise<void> {
    const { ctx } = this;
    const { counters } = ctx;
    if (ctx.abortSignal?.aborted) {
      counters.failedRequests++;
      this.failures.push(new Error('CloudWatchMetricExporter: export timed out before this request was sent'));
      return;
    }
    counters.requests++;
    try {
      const out = await ctx.client.send(putMetricDataCommand(ctx.client, ctx.namespace, batch, counters), {
        abortSignal: ctx.abortSignal,
      });
      counters.retries += retriesOf(out);
      counters.datumsExported += batch.count;
    } catch (err) {
      counters.retries += retriesOf(err);
      this.refused(batch, err);
    }
  }

  private refused(batch: Batch, err: unknown): void {
    const { ctx } = this;
    if (!isInvalidRequestError(err)) {
      ctx.counters.failedRequests++;
      this.failures.push(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (batch.count === 1) {
      const name = firstMetricName(batch);
      ctx.drops.dropped['rejected-by-cloudwatch']++;
      diag.error(`CloudWatchMetricExporter: CloudWatch refused a datum of metric "${name}": ${describeError(err)}`);
      return;
    }
    if (this.budget < 2) {
      ctx.counters.failedRequests++;
      ctx.drops.dropped['rejected-by-cloudwatch'] += batch.count;
      this.failures.push(
        new Error(
          `CloudWatch refused a request of ${batch.count} datums (${describeError(err)}) and the ` +
            'budget of requests to isolate the bad datums is spent; they were dropped',
        ),
      );
      return;
    }
    this.budget -= 2;
    ctx.counters.isolationRequests += 2;
    // Front of the queue: finish isolating before starting on other batches.
    this.queue.unshift(...splitBatch(ctx.namespace, batch));
    this.wake();
  }
}
