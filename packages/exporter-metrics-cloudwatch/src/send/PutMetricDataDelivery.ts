import { CloudWatchClient, type CloudWatchClientConfig, type Entity } from '@aws-sdk/client-cloudwatch';
import type { Delivery, DeliveryResult, DeliveryRun, DeliveryRunOptions, DeliveryStats } from '../deliver/Delivery.js';
import { ISOLATION_BUDGET } from '../defaults.js';
import { MAX_DATUMS_PER_REQUEST, MAX_VALUES_PER_DATUM } from '../limits.js';
import type { ResolvedOptions } from '../options.js';
import type { PackLimits } from '../pack/Batch.js';
import { Packer } from '../pack/Packer.js';
import type { DropReporter } from '../stats/DropReporter.js';
import { addCounters, newCounters, type StatsCounters } from '../stats/ExporterStats.js';
import { report } from '../util/report.js';
import { BatchSender, type SenderDeps, type SendOutcome } from './BatchSender.js';
import { count, describeOutcome } from './describeOutcome.js';
import { describeError } from './isInvalidRequestError.js';
import { speaksJson10 } from './putMetricDataCommand.js';
import { RequestSlots } from './RequestSlots.js';
import { newDiscards, RetryBuffer, type DiscardReason, type PendingRequest } from './RetryBuffer.js';
import { SendRate } from './SendRate.js';
import { ServiceHealth } from './ServiceHealth.js';

/** What the PutMetricData path needs of the exporter's options. */
export type PutMetricDataOptions = Pick<
  ResolvedOptions,
  'namespace' | 'client' | 'concurrency' | 'maxRequestBytes' | 'retry' | 'retryBuffer' | 'resendUnknownOutcome'
> & { clientConfig: CloudWatchClientConfig };

/**
 * Delivery through PutMetricData: datums packed into the fewest requests CloudWatch's limits allow, sent through
 * the AWS SDK with the exporter's own retries, `concurrency` requests in flight across every run, and what did not
 * land for a transient reason kept in the retry buffer for later runs.
 */
export class PutMetricDataDelivery implements Delivery {
  readonly maxValuesPerDatum = MAX_VALUES_PER_DATUM;
  private readonly client: CloudWatchClient;
  private readonly ownsClient: boolean;
  private readonly health = new ServiceHealth();
  private readonly buffer: RetryBuffer;
  private readonly totals: StatsCounters = newCounters();
  /** Brings the deadline of each run still sending forward (see hurry). */
  private readonly hurries = new Set<(deadline: number) => void>();
  /** The counters of runs still going; `stats()` adds them in. */
  private readonly running = new Set<StatsCounters>();
  private readonly discarded: Record<DiscardReason, number> = newDiscards();
  /** Whether the current run of discards was reported; a warning goes out once per run. */
  private discardReported = false;

  private readonly limits: PackLimits;
  /** What every run's sender shares. */
  private readonly senderDeps: SenderDeps;

  constructor(
    options: PutMetricDataOptions,
    private readonly drops: DropReporter,
    onEntityFailure: (failure: string, entity: Entity | undefined) => void,
    onEnvelopeRefused?: (error: Error) => void,
  ) {
    // The client configuration (credentials, maybe) is not kept: nothing needs it once the client is made.
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? new CloudWatchClient(options.clientConfig);
    this.limits = { maxDatums: MAX_DATUMS_PER_REQUEST, maxBytes: options.maxRequestBytes };
    this.buffer = new RetryBuffer(options.retryBuffer, (reason, request) => this.onDiscard(reason, request));
    this.senderDeps = {
      client: this.client,
      namespace: options.namespace,
      slots: new RequestSlots(options.concurrency),
      concurrency: options.concurrency,
      health: this.health,
      rate: new SendRate(),
      buffer: this.buffer,
      retry: options.retry,
      resendUnknownOutcome: options.resendUnknownOutcome,
      isolationBudget: ISOLATION_BUDGET,
      drops,
      onEntityFailure,
      onEnvelopeRefused,
      discard: (reason, request) => this.onDiscard(reason, request),
    };
  }

  begin({ deadline, createdAt, entity }: DeliveryRunOptions): DeliveryRun {
    const { sender, finish } = this.startSending(deadline, createdAt);
    const packer = new Packer(
      this.senderDeps.namespace,
      this.limits,
      (batch) => sender.push(batch),
      // A JSON 1.0 client is sent the prepared body alone; any other needs the datums to serialize them itself.
      !speaksJson10(this.client),
      entity,
    );
    return {
      add: (datum) => packer.add(datum),
      finish: async (): Promise<DeliveryResult> => {
        let failure: { error: unknown } | undefined;
        try {
          packer.finish();
          for (const d of packer.oversized) {
            this.drops.drop(
              d.MetricName ?? '',
              'rejected-by-cloudwatch',
              'the datum alone is larger than maxRequestBytes',
            );
          }
        } catch (error) {
          failure = { error };
        }
        // Whatever happened, what was queued is sent (or kept) before the run ends.
        const result = this.result(await finish());
        if (failure) throw failure.error;
        return result;
      },
    };
  }

  drain(deadline: number): Promise<void> {
    if (this.buffer.requests === 0 || this.health.down) return Promise.resolve();
    return this.startSending(deadline, Date.now())
      .finish()
      .then(({ outcome }) => {
        if (outcome.kept > 0) {
          report(
            'warn',
            `${count(this.buffer.requests, 'request')} still in the retry buffer ` +
              `(${outcome.lastError ? describeError(outcome.lastError) : 'deadline'})`,
          );
        }
      });
  }

  hurry(deadline: number): void {
    for (const hurry of this.hurries) hurry(deadline);
  }

  close(): void {
    this.buffer.close('shutdown');
    if (this.ownsClient) this.client.destroy();
  }

  stats(): DeliveryStats {
    const counters = { ...this.totals };
    for (const running of this.running) addCounters(counters, running);
    return {
      counters,
      discarded: { ...this.discarded },
      retryBuffer: { requests: this.buffer.requests, bytes: this.buffer.bytes },
    };
  }

  private result({ outcome, counters }: { outcome: SendOutcome; counters: StatsCounters }): DeliveryResult {
    return { problem: describeOutcome(outcome, counters, this.buffer), counters, kept: outcome.kept };
  }

  /**
   * A sender for work that must end by `deadline`, with its own counters (added to the totals when it ends) and
   * its deadline timer. `finish` closes it and answers how its requests ended.
   */
  private startSending(deadline: number, createdAt: number) {
    const abort = new AbortController();
    // Unreferenced: the requests themselves keep the process alive while they run, and nothing else should.
    const timer = setTimeout(() => abort.abort(), Math.max(0, deadline - Date.now()));
    timer.unref?.();
    const counters = newCounters();
    this.running.add(counters);
    const hurry = (by: number) => {
      if (by >= deadline) return;
      const sooner = setTimeout(() => abort.abort(), Math.max(0, by - Date.now()));
      sooner.unref?.();
      abort.signal.addEventListener('abort', () => clearTimeout(sooner), { once: true });
    };
    this.hurries.add(hurry);
    const sender = new BatchSender(this.senderDeps, { deadline, abortSignal: abort.signal, createdAt, counters });
    sender.start();
    const finish = async (): Promise<{ outcome: SendOutcome; counters: StatsCounters }> => {
      try {
        return { outcome: await sender.close(), counters };
      } finally {
        clearTimeout(timer);
        this.hurries.delete(hurry);
        this.running.delete(counters);
        addCounters(this.totals, counters);
        // A run of discards ends when the buffer has emptied: the next discard is news again.
        if (this.buffer.requests === 0) this.discardReported = false;
      }
    };
    return { sender, finish };
  }

  private onDiscard(reason: DiscardReason, request: PendingRequest): void {
    this.discarded[reason] += request.batch.count;
    if (this.discardReported) return;
    this.discardReported = true;
    report(
      'warn',
      `gave up ${count(request.batch.count, 'datum')} kept for a later attempt (${reason}); ` +
        'further losses are counted in getStats().discarded and reported again once the retry buffer has emptied',
    );
  }
}
