import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type {
  AggregationOption,
  AggregationTemporality,
  InstrumentType,
  PushMetricExporter,
  ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { MAX_DATUMS_PER_REQUEST } from './limits.js';
import { resolveOptions, type CloudWatchMetricExporterOptions, type ResolvedOptions } from './options.js';
import { CumulativeToDelta } from './translate/CumulativeToDelta.js';
import { DropReporter } from './translate/DropReporter.js';
import { translateResourceMetrics } from './translate/translateResourceMetrics.js';

/**
 * An OpenTelemetry push exporter that writes metrics to Amazon CloudWatch with PutMetricData.
 * Use it with a `PeriodicExportingMetricReader`; it states its preferred temporality and aggregation.
 */
export class CloudWatchMetricExporter implements PushMetricExporter {
  private readonly options: ResolvedOptions;
  private readonly client: CloudWatchClient;
  private readonly ownsClient: boolean;
  private readonly deltas: CumulativeToDelta;
  private readonly drops = new DropReporter();
  private readonly inFlight = new Set<Promise<void>>();
  private shutdownPromise: Promise<void> | undefined;

  /** @throws Error naming the option when an option breaks a CloudWatch rule (e.g. an `AWS/` namespace). */
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
    const done = this.exportAsync(metrics).then(
      () => resultCallback({ code: ExportResultCode.SUCCESS }),
      (error: unknown) => {
        diag.error('CloudWatchMetricExporter: export failed', error);
        resultCallback({
          code: ExportResultCode.FAILED,
          error: error instanceof Error ? error : new Error(String(error)),
        });
      },
    );
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  private async exportAsync(metrics: ResourceMetrics): Promise<void> {
    const now = Date.now();
    const datums = translateResourceMetrics(metrics, {
      storageResolution: this.options.storageResolution,
      resourceDimensions: this.options.resourceDimensions,
      deltas: this.deltas,
      drops: this.drops,
      now,
    });
    this.deltas.endExport(now);
    for (let i = 0; i < datums.length; i += MAX_DATUMS_PER_REQUEST) {
      await this.client.send(
        new PutMetricDataCommand({
          Namespace: this.options.namespace,
          MetricData: datums.slice(i, i + MAX_DATUMS_PER_REQUEST),
        }),
      );
    }
  }

  /** Waits for every export in flight. */
  async forceFlush(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  /** Flushes, then releases the client the exporter created (never one you passed in). Idempotent. */
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
