import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type {
  AggregationOption,
  AggregationTemporality,
  InstrumentType,
  MetricData,
  PushMetricExporter,
  ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { newCounters, type ExporterStats, type StatsCounters } from './ExporterStats.js';
import { MAX_DATUMS_PER_REQUEST } from './limits.js';
import {
  ISOLATION_BUDGET,
  resolveOptions,
  type CloudWatchMetricExporterOptions,
  type ResolvedOptions,
} from './options.js';
import { Packer } from './pack/packDatums.js';
import { BatchSender } from './send/BatchSender.js';
import { speaksJson10 } from './send/putMetricDataCommand.js';
import { CumulativeToDelta } from './translate/CumulativeToDelta.js';
import { DropReporter } from './translate/DropReporter.js';
import { toResourceDimensions } from './translate/toDimensions.js';
import type { TranslatedDatum } from './translate/TranslatedDatum.js';
import { scopeKeyOf, translateMetric, type TranslateContext } from './translate/translateResourceMetrics.js';

/** Points translated between two looks at the clock. */
const SLICE_POINTS = 200;
/** Longest stretch of translation and packing before the event loop gets a turn. */
const SLICE_MS = 3;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * An OpenTelemetry push exporter that writes metrics to Amazon CloudWatch with PutMetricData.
 * Use it with a `PeriodicExportingMetricReader`; it states its preferred temporality and aggregation.
 *
 * Each export translates the points into CloudWatch datums (dropping, with a diag warning, only points
 * CloudWatch would refuse), packs them into the fewest requests CloudWatch's limits allow, and sends them
 * through the AWS SDK, which compresses, signs and retries.
 */
export class CloudWatchMetricExporter implements PushMetricExporter {
  private readonly options: ResolvedOptions;
  private readonly client: CloudWatchClient;
  private readonly ownsClient: boolean;
  private readonly deltas: CumulativeToDelta;
  private readonly drops = new DropReporter();
  private readonly counters: StatsCounters = newCounters();
  private readonly inFlight = new Set<Promise<void>>();
  private shutdownPromise: Promise<void> | undefined;

  /** @throws Error naming the option when an option breaks a rule (e.g. a namespace under `AWS/`). */
  constructor(options: CloudWatchMetricExporterOptions) {
    this.options = resolveOptions(options);
    this.ownsClient = this.options.client === undefined;
    this.client = this.options.client ?? new CloudWatchClient(this.options.clientConfig);
    this.deltas = new CumulativeToDelta(this.options.deltaStateTtlMillis);
  }

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
          diag.error(`CloudWatchMetricExporter: export failed: ${error.message}`);
          return { code: ExportResultCode.FAILED, error };
        },
      )
      .then((result) => {
        // A callback that throws must not become an unhandled rejection in the host process.
        try {
          resultCallback(result);
        } catch (err) {
          diag.error('CloudWatchMetricExporter: the export result callback threw', err);
        }
      });
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
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
    };
    const resourceDimensions = toResourceDimensions(this.options.resourceDimensions, metrics.resource.attributes);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.options.timeoutMillis);
    timer.unref?.();
    const before = { ...this.counters };
    // Requests go out as soon as they are full, so compression and signing overlap with translating the rest.
    const sender = new BatchSender({
      client: this.client,
      namespace,
      concurrency: this.options.concurrency,
      isolationBudget: ISOLATION_BUDGET,
      abortSignal: abort.signal,
      counters: this.counters,
      drops: this.drops,
    });
    const packer = new Packer(
      namespace,
      { maxDatums: MAX_DATUMS_PER_REQUEST, maxBytes: this.options.maxRequestBytes },
      (batch) => sender.push(batch),
      // A JSON 1.0 client is sent the prepared body alone; any other needs the datums to serialize them itself.
      !speaksJson10(this.client),
    );
    let failures: Error[];
    try {
      const datums: TranslatedDatum[] = [];
      let sliceStart = performance.now();
      for (const sm of metrics.scopeMetrics) {
        const scopeKey = scopeKeyOf(sm.scope);
        for (const metric of sm.metrics) {
          const points = metric.dataPoints.length;
          for (let i = 0; i < points; i += SLICE_POINTS) {
            const part =
              points <= SLICE_POINTS
                ? metric
                : ({ ...metric, dataPoints: metric.dataPoints.slice(i, i + SLICE_POINTS) } as MetricData);
            datums.length = 0;
            translateMetric(part, scopeKey, resourceDimensions, ctx, datums);
            for (const d of datums) packer.add(d);
            if (performance.now() - sliceStart > SLICE_MS) {
              await yieldToEventLoop();
              sliceStart = performance.now();
            }
          }
        }
      }
      this.deltas.endExport(started);
      packer.finish();
      for (const d of packer.oversized) {
        this.drops.drop(d.MetricName ?? '', 'rejected-by-cloudwatch', 'the datum alone is larger than maxRequestBytes');
      }
    } finally {
      // Even if translation threw, what was queued is sent (or fails) before the export ends.
      failures = await sender.close();
      clearTimeout(timer);
    }
    const c = this.counters;
    diag.debug(
      `CloudWatchMetricExporter: ${c.datumsExported - before.datumsExported} datums in ` +
        `${c.requests - before.requests} requests (${c.retries - before.retries} retries), ` +
        `${c.uncompressedBytes - before.uncompressedBytes} bytes → ${c.wireBytes - before.wireBytes} on the wire, ` +
        `${failures.length} failed, ${Date.now() - started} ms`,
    );
    if (failures.length > 0) {
      const first = failures[0]!;
      throw new Error(
        `${failures.length} of ${c.requests - before.requests} PutMetricData requests failed: ${first.message}`,
        { cause: first },
      );
    }
  }

  /** A snapshot of what the exporter has done since it was created. Cheap; safe to call at any time. */
  getStats(): ExporterStats {
    return { ...this.counters, dropped: { ...this.drops.dropped }, deltaStreams: this.deltas.size };
  }

  /** Waits for every export in flight. */
  async forceFlush(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  /**
   * Waits for exports in flight, then releases the client the exporter created (never one you passed in).
   * Later exports answer FAILED. Idempotent.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      await this.forceFlush();
      if (this.ownsClient) this.client.destroy();
    })();
    return this.shutdownPromise;
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return this.options.temporalitySelector(instrumentType);
  }

  selectAggregation(instrumentType: InstrumentType): AggregationOption {
    return this.options.aggregationSelector(instrumentType);
  }
}
