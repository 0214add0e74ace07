import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type {
  AggregationOption,
  AggregationTemporality,
  InstrumentType,
  PushMetricExporter,
  ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { addCounters, newCounters, type ExporterStats, type StatsCounters } from './stats/ExporterStats.js';
import { MAX_DATUMS_PER_REQUEST } from './limits.js';
import { ISOLATION_BUDGET } from './defaults.js';
import { resolveOptions, type CloudWatchMetricExporterOptions, type ResolvedOptions } from './options.js';
import { Packer } from './pack/packDatums.js';
import { BatchSender, type SendOutcome } from './send/BatchSender.js';
import { count, describeOutcome } from './send/describeOutcome.js';
import { describeError } from './send/isInvalidRequestError.js';
import { RequestSlots } from './send/RequestSlots.js';
import { RetryBuffer, type DiscardReason, type PendingRequest } from './send/RetryBuffer.js';
import { ServiceHealth } from './send/ServiceHealth.js';
import { speaksJson10 } from './send/putMetricDataCommand.js';
import { CumulativeToDelta } from './translate/CumulativeToDelta.js';
import { DimensionCache } from './translate/DimensionCache.js';
import { MetricRuleMatcher } from './rules/metricRules.js';
import { DropReporter } from './stats/DropReporter.js';
import { EntityOfResource } from './entity/EntityOfResource.js';
import { maxEntityBytes } from './entity/resourceEntity.js';
import { translateExport } from './translate/translateExport.js';
import { SeriesCounter, SeriesSketch } from './stats/SeriesCounter.js';
import type { TranslateContext } from './translate/translateResourceMetrics.js';
import { report } from './util/report.js';
import { scopedDeadline, untilDeadline } from './util/deadlineScope.js';

/**
 * An OpenTelemetry push exporter that writes metrics to Amazon CloudWatch with PutMetricData.
 * Use it with a `PeriodicExportingMetricReader`; it states its preferred temporality and aggregation.
 *
 * Each export translates the points into CloudWatch datums (dropping, with a diag warning, only points
 * CloudWatch would refuse), packs them into the fewest requests CloudWatch's limits allow, and sends them
 * through the AWS SDK, which compresses and signs them; retries are the exporter's own (its client makes one
 * attempt a call), so that they stay within the export's deadline.
 */
export class CloudWatchMetricExporter implements PushMetricExporter {
  private readonly options: Omit<ResolvedOptions, 'clientConfig'>;
  private readonly client: CloudWatchClient;
  private readonly ownsClient: boolean;
  private readonly deltas: CumulativeToDelta;
  private readonly drops = new DropReporter();
  /** Dimension names and values seen before; the exporter's own, so it goes when the exporter does. */
  private readonly dimensionCache = new DimensionCache();
  private readonly counters: StatsCounters = newCounters();
  /** The counters of exports still running; `getStats()` adds them in. */
  private readonly running = new Set<StatsCounters>();
  private readonly discarded: Record<DiscardReason, number> = {
    overflow: 0,
    expired: 0,
    shutdown: 0,
    'unknown-outcome': 0,
    fatal: 0,
  };
  private readonly buffer: RetryBuffer;
  private readonly slots: RequestSlots;
  private readonly health = new ServiceHealth();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly rules: MetricRuleMatcher;
  private readonly entities: EntityOfResource | undefined;
  private seriesLastExport = 0;
  /** The distinct series since start, estimated; each export counts its own with a SeriesCounter adding to it. */
  private readonly seriesSinceStart = new SeriesSketch();
  private droppedByRule = 0;
  private seriesWarned = false;
  /** Whether the current run of discards was reported; a warning goes out once per run. */
  private discardReported = false;
  private shutdownPromise: Promise<void> | undefined;

  /** @throws Error naming the option when an option breaks a rule (e.g. a namespace under `AWS/`). */
  constructor(options: CloudWatchMetricExporterOptions) {
    // The client configuration (credentials, maybe) is not kept: nothing here needs it after this.
    const { clientConfig, ...resolved } = resolveOptions(options);
    this.options = resolved;
    this.ownsClient = resolved.client === undefined;
    this.client = resolved.client ?? new CloudWatchClient(clientConfig);
    this.deltas = new CumulativeToDelta(resolved.deltaStateTtlMillis);
    this.rules = new MetricRuleMatcher(resolved.metricRules);
    this.entities = resolved.entity && new EntityOfResource(resolved.entity, maxEntityBytes(resolved.maxRequestBytes));
    this.slots = new RequestSlots(resolved.concurrency);
    this.buffer = new RetryBuffer(resolved.retryBuffer, (reason, request) => this.onDiscard(reason, request));
  }

  /**
   * Translates, packs and sends one collection; `resultCallback` is called once, within `timeoutMillis`. Called by
   * the reader: applications do not call it.
   */
  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    if (this.shutdownPromise) {
      setImmediate(resultCallback, {
        code: ExportResultCode.FAILED,
        error: new Error('CloudWatchMetricExporter is shut down'),
      });
      return;
    }
    this.counters.exports++;
    const done = this.exportAsync(metrics)
      .then(
        (): ExportResult => ({ code: ExportResultCode.SUCCESS }),
        (err: unknown): ExportResult => {
          this.counters.failedExports++;
          const error = err instanceof Error ? err : new Error(String(err));
          report('error', `CloudWatchMetricExporter: export failed: ${error.message}`);
          return { code: ExportResultCode.FAILED, error };
        },
      )
      .then((result) => {
        // A callback that throws must not become an unhandled rejection in the host process.
        try {
          resultCallback(result);
        } catch (err) {
          report('error', 'CloudWatchMetricExporter: the export result callback threw', err);
        }
      });
    this.track(done);
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async exportAsync(metrics: ResourceMetrics): Promise<void> {
    const started = Date.now();
    const { namespace } = this.options;
    const ctx: TranslateContext = {
      storageResolution: this.options.storageResolution,
      resourceDimensions: this.options.resourceDimensions,
      deltas: this.deltas,
      drops: this.drops,
      now: started,
      dimensionCache: this.dimensionCache,
      series: new SeriesCounter(this.seriesSinceStart),
    };
    // A flush that must end sooner (a Lambda invocation's, see wrapLambdaHandler) bounds the export too.
    const deadline = scopedDeadline(started + this.options.timeoutMillis);
    const entity = this.entities?.of(metrics.resource);
    // Requests go out as soon as they are full, so compression and signing overlap with translating the rest.
    const { sender, counters, finish } = this.startSending(deadline, started);
    const packer = new Packer(
      namespace,
      { maxDatums: MAX_DATUMS_PER_REQUEST, maxBytes: this.options.maxRequestBytes },
      (batch) => sender.push(batch),
      // A JSON 1.0 client is sent the prepared body alone; any other needs the datums to serialize them itself.
      !speaksJson10(this.client),
      entity,
    );
    let outcome: SendOutcome;
    try {
      this.droppedByRule += await translateExport(metrics, {
        ctx,
        rules: this.rules,
        add: (d) => packer.add(d),
        deadline,
      });
      this.deltas.endExport(started);
      packer.finish();
      for (const d of packer.oversized) {
        this.drops.drop(d.MetricName ?? '', 'rejected-by-cloudwatch', 'the datum alone is larger than maxRequestBytes');
      }
    } finally {
      // Whatever happened, what was queued is sent (or kept) before the export ends.
      outcome = await finish();
    }
    const series = ctx.series!.count;
    this.seriesLastExport = series;
    const threshold = this.options.seriesWarningThreshold;
    if (threshold !== undefined && series > threshold && !this.seriesWarned) {
      this.seriesWarned = true;
      report(
        'warn',
        `CloudWatchMetricExporter: an export published ${series} series, more than seriesWarningThreshold ` +
          `(${threshold}); each is a custom metric CloudWatch bills (reported once; see getStats().seriesLastExport)`,
      );
    }
    report(
      'debug',
      `CloudWatchMetricExporter: ${series} series (${this.seriesSinceStart.estimate()} since start, estimated), ` +
        `${counters.datumsExported} datums in ${counters.requests} requests ` +
        `(${counters.retries} retries, ${counters.resentRequests} from the retry buffer), ` +
        `${counters.uncompressedBytes} bytes → ${counters.wireBytes} on the wire, ` +
        `${outcome.kept} kept for later, ${this.buffer.requests} in the retry buffer, ${Date.now() - started} ms`,
    );
    const problem = describeOutcome(outcome, counters, this.buffer);
    if (problem) throw problem;
  }

  /**
   * A sender for work that must end by `deadline`, with its own counters (added to the exporter's when it ends)
   * and its deadline timer. `finish` closes it and returns how its requests ended.
   */
  private startSending(
    deadline: number,
    createdAt: number,
  ): { sender: BatchSender; counters: StatsCounters; finish: () => Promise<SendOutcome> } {
    const abort = new AbortController();
    // Unreferenced: the requests themselves keep the process alive while they run, and nothing else should.
    const timer = setTimeout(() => abort.abort(), Math.max(0, deadline - Date.now()));
    timer.unref?.();
    const counters = newCounters();
    this.running.add(counters);
    const sender = new BatchSender({
      client: this.client,
      namespace: this.options.namespace,
      slots: this.slots,
      concurrency: this.options.concurrency,
      health: this.health,
      buffer: this.buffer,
      retry: this.options.retry,
      resendUnknownOutcome: this.options.resendUnknownOutcome,
      isolationBudget: ISOLATION_BUDGET,
      deadline,
      abortSignal: abort.signal,
      createdAt,
      counters,
      drops: this.drops,
      onEntityFailure: (failure, entity) => this.entities?.failed(failure, entity),
      discard: (reason, request) => this.onDiscard(reason, request),
    });
    sender.start();
    const finish = async (): Promise<SendOutcome> => {
      try {
        return await sender.close();
      } finally {
        clearTimeout(timer);
        this.running.delete(counters);
        addCounters(this.counters, counters);
        // A run of discards ends when the buffer has emptied: the next discard is news again.
        if (this.buffer.requests === 0) this.discardReported = false;
      }
    };
    return { sender, counters, finish };
  }

  private onDiscard(reason: DiscardReason, request: PendingRequest): void {
    this.discarded[reason] += request.batch.count;
    if (this.discardReported) return;
    this.discardReported = true;
    report(
      'warn',
      `CloudWatchMetricExporter: gave up ${count(request.batch.count, 'datum')} kept for a later attempt (${reason}); ` +
        'further losses are counted in getStats().discarded and reported again once the retry buffer has emptied',
    );
  }

  /**
   * Sends what the retry buffer holds, until it is empty or `deadline`; not while CloudWatch is known down.
   * Tracked like an export, so that `shutdown()` waits for it.
   */
  private drain(deadline: number): Promise<void> {
    if (this.buffer.requests === 0 || this.health.down) return Promise.resolve();
    const drained = this.startSending(deadline, Date.now())
      .finish()
      .then((outcome) => {
        if (outcome.kept > 0) {
          report(
            'warn',
            `CloudWatchMetricExporter: ${count(this.buffer.requests, 'request')} still in the retry buffer ` +
              `(${outcome.lastError ? describeError(outcome.lastError) : 'deadline'})`,
          );
        }
      });
    this.track(drained);
    return drained;
  }

  /** A snapshot of what the exporter has done since it was created. Cheap; safe to call at any time. */
  getStats(): ExporterStats {
    const counters = { ...this.counters };
    for (const running of this.running) addCounters(counters, running);
    return {
      ...counters,
      dropped: { ...this.drops.dropped },
      discarded: { ...this.discarded },
      retryBuffer: { requests: this.buffer.requests, bytes: this.buffer.bytes },
      deltaStreams: this.deltas.size,
      seriesLastExport: this.seriesLastExport,
      seriesSinceStart: this.seriesSinceStart.estimate(),
      droppedByRule: this.droppedByRule,
    };
  }

  /**
   * Waits for every export in flight, then sends what the retry buffer holds, all within `timeoutMillis` (it
   * sends nothing more while the last attempt to reach CloudWatch failed).
   */
  async forceFlush(): Promise<void> {
    const deadline = scopedDeadline(Date.now() + this.options.timeoutMillis);
    // An export started elsewhere ends by its own deadline; a flush that must end sooner does not wait past its own.
    await untilDeadline(Promise.all([...this.inFlight]), deadline);
    await this.drain(deadline);
  }

  /**
   * Within `timeoutMillis`: waits for exports in flight, sends what the retry buffer holds as far as the time
   * allows (nothing, if the last attempt to reach CloudWatch failed), gives up the rest (counted as `shutdown` in
   * `getStats().discarded`), then releases the client the exporter created (never one you passed in). Later
   * exports answer FAILED. Idempotent.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      const deadline = scopedDeadline(Date.now() + this.options.timeoutMillis);
      // Exports started before now end by their own deadlines, which are no later than this one (unless this one
      // was brought forward: it is not waited past).
      await untilDeadline(Promise.all([...this.inFlight]), deadline);
      await this.drain(deadline);
      // A flush started before shutdown may still be sending: it ends by its own deadline, no later than ours.
      await untilDeadline(Promise.all([...this.inFlight]), deadline);
      this.buffer.close('shutdown');
      if (this.ownsClient) this.client.destroy();
    })();
    return this.shutdownPromise;
  }

  /** What `util.inspect` and `console.log` show: the settings that matter, never the client or its credentials. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `CloudWatchMetricExporter { namespace: ${JSON.stringify(this.options.namespace)} }`;
  }

  /** What `JSON.stringify` shows: see the inspect method. */
  toJSON(): { namespace: string } {
    return { namespace: this.options.namespace };
  }

  /** The temporality the reader collects each instrument kind with (option `temporalitySelector`). */
  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return this.options.temporalitySelector(instrumentType);
  }

  /** The aggregation the reader uses for each instrument kind (option `aggregationSelector`). */
  selectAggregation(instrumentType: InstrumentType): AggregationOption {
    return this.options.aggregationSelector(instrumentType);
  }
}
