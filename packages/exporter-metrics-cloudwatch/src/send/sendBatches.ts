import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { diag } from '@opentelemetry/api';
import type { StatsCounters } from '../ExporterStats.js';
import { splitBatch, type Batch } from '../pack/packDatums.js';
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
  /** Size of the body around the datums (to size split batches exactly). */
  envelopeBytes: number;
  abortSignal?: AbortSignal;
  counters: StatsCounters;
  drops: DropReporter;
}

interface Metadata {
  $metadata?: { attempts?: number };
}
const retriesOf = (x: unknown): number => Math.max(0, ((x as Metadata)?.$metadata?.attempts ?? 1) - 1);

/**
 * Sends batches with at most `concurrency` requests in flight. The SDK retries throttling, 5xx and dropped
 * connections itself. A request CloudWatch refuses as invalid is split in halves and the halves resent, until the
 * refused datums stand alone and are dropped (each with a diag error naming its metric); the extra requests are
 * bounded by `isolationBudget`. A batch CloudWatch accepted is never sent again.
 * Resolves with the errors of the requests that failed for good (empty when everything landed or was dropped as
 * invalid); never rejects.
 */
export async function sendBatches(batches: readonly Batch[], ctx: SendContext): Promise<Error[]> {
  const queue = [...batches];
  const failures: Error[] = [];
  let budget = ctx.isolationBudget;
  const { counters } = ctx;

  const sendOne = async (batch: Batch): Promise<void> => {
    counters.requests++;
    try {
      const out = await ctx.client.send(putMetricDataCommand(ctx.namespace, batch, counters), {
        abortSignal: ctx.abortSignal,
      });
      counters.retries += retriesOf(out);
      counters.datumsExported += batch.datums.length;
    } catch (err) {
      counters.retries += retriesOf(err);
      if (!isInvalidRequestError(err)) {
        counters.failedRequests++;
        failures.push(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (batch.datums.length === 1) {
        const name = batch.datums[0]!.MetricName ?? '';
        ctx.drops.dropped['rejected-by-cloudwatch']++;
        diag.error(`CloudWatchMetricExporter: CloudWatch refused a datum of metric "${name}": ${describeError(err)}`);
        return;
      }
      if (budget < 2) {
        counters.failedRequests++;
        ctx.drops.dropped['rejected-by-cloudwatch'] += batch.datums.length;
        failures.push(
          new Error(
            `CloudWatch refused a request of ${batch.datums.length} datums (${describeError(err)}) and the ` +
              'budget of requests to isolate the bad datums is spent; they were dropped',
          ),
        );
        return;
      }
      budget -= 2;
      counters.isolationRequests += 2;
      // Front of the queue: finish isolating before starting on other batches.
      queue.unshift(...splitBatch(batch, ctx.envelopeBytes));
    }
  };

  const worker = async (): Promise<void> => {
    for (let batch = queue.shift(); batch; batch = queue.shift()) {
      if (ctx.abortSignal?.aborted) {
        counters.failedRequests++;
        failures.push(new Error('CloudWatchMetricExporter: export timed out before this request was sent'));
        continue;
      }
      await sendOne(batch);
    }
  };

  const workers = Array.from({ length: Math.max(1, Math.min(ctx.concurrency, queue.length)) }, worker);
  await Promise.all(workers);
  // A split can refill the queue after other workers left; the loop in the splitting worker drains it.
  return failures;
}
