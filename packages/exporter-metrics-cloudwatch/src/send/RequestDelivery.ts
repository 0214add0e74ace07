import { CloudWatchClient, type CloudWatchClientConfig } from '@aws-sdk/client-cloudwatch';
import { setMaxListeners } from 'node:events';
import type { Delivery, DeliveryResult, DeliveryRun, DeliveryRunOptions, DeliveryStats } from '../deliver/Delivery.js';
import { ISOLATION_BUDGET } from '../defaults.js';
import type { ResolvedOptions } from '../options.js';
import type { DropReporter } from '../stats/DropReporter.js';
import { addCounters, newCounters, type StatsCounters } from '../stats/ExporterStats.js';
import { report } from '../util/report.js';
import { BatchSender, type SenderDeps, type SendOutcome } from './BatchSender.js';
import { count, describeOutcome } from './describeOutcome.js';
import { describeError } from './isInvalidRequestError.js';
import { RequestSlots } from './RequestSlots.js';
import type { RequestTransport } from './RequestTransport.js';
import { newDiscards, RetryBuffer, type DiscardReason, type PendingRequest } from './RetryBuffer.js';
import { SendRate } from './SendRate.js';
import { ServiceHealth } from './ServiceHealth.js';

/** What a path that sends requests needs of the exporter's options. */
export type RequestOptions = Pick<ResolvedOptions, 'concurrency' | 'retry' | 'retryBuffer' | 'resendUnknownOutcome'>;

/** What a path that sends requests through a CloudWatch client needs: the sending, the client, the size limit. */
export type ClientPathOptions = RequestOptions &
  Pick<ResolvedOptions, 'client' | 'maxRequestBytes'> & { clientConfig: CloudWatchClientConfig };

/**
 * The client a path sends with: the one given (never destroyed), or one made from `clientConfig` (its configuration,
 * credentials maybe, not kept), destroyed by `release`.
 */
export function clientFor(options: ClientPathOptions): { client: CloudWatchClient; release: () => void } {
  if (options.client !== undefined) return { client: options.client, release: () => {} };
  const client = new CloudWatchClient(options.clientConfig);
  return { client, release: () => client.destroy() };
}

/**
 * Delivery by requests to a CloudWatch endpoint, whatever their format: `concurrency` requests in flight across
 * every run, the exporter's own retries within each run's deadline, pacing after throttling, and what did not land
 * for a transient reason kept in the retry buffer for later runs. A path (PutMetricData, the OTLP endpoint) brings
 * its transport and how a run turns what it is given into requests.
 */
export abstract class RequestDelivery implements Delivery {
  abstract readonly maxValuesPerDatum: number;
  protected readonly health = new ServiceHealth();
  protected readonly buffer: RetryBuffer;
  private readonly totals: StatsCounters = newCounters();
  /** Brings the deadline of each run still sending forward (see hurry). */
  private readonly hurries = new Set<(deadline: number) => void>();
  /** The counters of runs still going; `stats()` adds them in. */
  private readonly running = new Set<StatsCounters>();
  private readonly discarded: Record<DiscardReason, number> = newDiscards();
  /** Whether the current run of discards was reported; a warning goes out once per run. */
  private discardReported = false;
  /** What every run's sender shares. */
  protected readonly senderDeps: SenderDeps;

  constructor(
    options: RequestOptions,
    transport: RequestTransport,
    drops: DropReporter,
    /** Releases what the path holds (a client it made) once the delivery is closed. */
    private readonly release: () => void,
    onEnvelopeRefused?: (error: Error) => void,
    /** See SenderDeps.inOrder. */
    inOrder = false,
  ) {
    this.buffer = new RetryBuffer(options.retryBuffer, (reason, request) => this.onDiscard(reason, request));
    this.senderDeps = {
      transport,
      slots: new RequestSlots(options.concurrency),
      concurrency: options.concurrency,
      health: this.health,
      rate: new SendRate(),
      inOrder,
      buffer: this.buffer,
      retry: options.retry,
      resendUnknownOutcome: options.resendUnknownOutcome,
      isolationBudget: ISOLATION_BUDGET,
      drops,
      onEnvelopeRefused,
      discard: (reason, request) => this.onDiscard(reason, request),
    };
  }

  abstract begin(run: DeliveryRunOptions): DeliveryRun;

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
    this.release();
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

  protected result({ outcome, counters }: { outcome: SendOutcome; counters: StatsCounters }): DeliveryResult {
    const { requestName, unit } = this.senderDeps.transport;
    return {
      problem: describeOutcome(outcome, counters, this.buffer, { requestName, unit }),
      counters,
      kept: outcome.kept,
    };
  }

  /**
   * A sender for work that must end by `deadline`, with its own counters (added to the totals when it ends) and
   * its deadline timer. `finish` closes it and answers how its requests ended.
   */
  protected startSending(
    deadline: number,
    createdAt: number,
  ): {
    sender: BatchSender;
    finish: () => Promise<{ outcome: SendOutcome; counters: StatsCounters }>;
    signal: AbortSignal;
  } {
    const abort = new AbortController();
    // Each request in flight listens to it, with the HTTP handler's own listener and the hurries': no warning for
    // what is by design.
    setMaxListeners(0, abort.signal);
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
    return { sender, finish, signal: abort.signal };
  }

  private onDiscard(reason: DiscardReason, request: PendingRequest): void {
    this.discarded[reason] += request.batch.count;
    if (this.discardReported) return;
    this.discardReported = true;
    const what = count(request.batch.count, this.senderDeps.transport.unit);
    report(
      'warn',
      (reason === 'fatal' ? `gave up ${what}: refused for good` : `gave up ${what} kept for a later attempt`) +
        ` (${reason}); further losses are counted in getStats().discarded and reported again once the retry ` +
        'buffer has emptied',
    );
  }
}
