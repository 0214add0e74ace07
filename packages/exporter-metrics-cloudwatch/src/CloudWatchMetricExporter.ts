import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type {
  AggregationOption,
  AggregationTemporality,
  InstrumentType,
  PushMetricExporter,
  ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { resolveOptions } from './config/resolveOptions.js';
import type { CloudWatchMetricExporterOptions, ResolvedOptions } from './options.js';
import { ExportPipeline } from './pipeline/ExportPipeline.js';
import { registerPipeline } from './pipeline/pipelineOf.js';
import type { ExporterStats } from './stats/ExporterStats.js';
import { scopedDeadline, untilDeadline } from './util/deadlineScope.js';
import { toError } from './util/describeThrown.js';
import { report } from './util/report.js';

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
  private readonly pipeline: ExportPipeline;
  private readonly inFlight = new Set<Promise<void>>();
  private exports = 0;
  private failedExports = 0;
  private shutdownPromise: Promise<void> | undefined;

  /** @throws Error naming the option when an option breaks a rule (e.g. a namespace under `AWS/`). */
  constructor(options: CloudWatchMetricExporterOptions) {
    const resolved = resolveOptions(options);
    // The client configuration (credentials, maybe) is not kept here: only the delivery's client has it.
    const { clientConfig: _, ...kept } = resolved;
    this.options = kept;
    this.pipeline = new ExportPipeline(resolved);
    registerPipeline(this, this.pipeline);
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
    this.exports++;
    const done = this.pipeline
      .run(metrics)
      .then(
        (): ExportResult => ({ code: ExportResultCode.SUCCESS }),
        (err: unknown): ExportResult => {
          this.failedExports++;
          const error = toError(err);
          report('error', `export failed: ${error.message}`);
          return { code: ExportResultCode.FAILED, error };
        },
      )
      .then((result) => {
        // A callback that throws must not become an unhandled rejection in the host process.
        try {
          resultCallback(result);
        } catch (err) {
          report('error', 'the export result callback threw', err);
        }
      });
    this.track(done);
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** A snapshot of what the exporter has done since it was created. Cheap; safe to call at any time. */
  getStats(): ExporterStats {
    return { exports: this.exports, failedExports: this.failedExports, ...this.pipeline.stats() };
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

  /** Sends what the retry buffer holds, tracked like an export so that `shutdown()` waits for it. */
  private drain(deadline: number): Promise<void> {
    const drained = this.pipeline.drain(deadline);
    this.track(drained);
    return drained;
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
      this.pipeline.close();
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
