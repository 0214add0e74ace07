import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Delivery } from '../deliver/Delivery.js';
import { EmfDelivery } from '../emf/EmfDelivery.js';
import { noteEmfExporter } from '../emf/emfInUse.js';
import { EntityOfResource } from '../entity/EntityOfResource.js';
import { maxEntityBytes } from '../entity/resourceEntity.js';
import type { ResolvedOptions } from '../options.js';
import { OtlpDelivery } from '../otlp/OtlpDelivery.js';
import { MetricRuleMatcher } from '../rules/metricRules.js';
import { PutMetricDataDelivery } from '../send/PutMetricDataDelivery.js';
import { DropReporter } from '../stats/DropReporter.js';
import type { ExporterStats } from '../stats/ExporterStats.js';
import { SeriesCounter, SeriesSketch } from '../stats/SeriesCounter.js';
import { CumulativeToDelta } from '../translate/CumulativeToDelta.js';
import { DimensionCache } from '../translate/DimensionCache.js';
import { walkExport } from './walkExport.js';
import { scopedDeadline } from '../util/deadlineScope.js';
import { describeThrown } from '../util/describeThrown.js';
import { report } from '../util/report.js';

/**
 * The export pipeline, built once per exporter: translation (with its state across exports: deltas, dimension
 * cache, series), metric rules and entities, then a {@link Delivery} — the seam where CloudWatch paths differ.
 * `run` takes one export through it, in order.
 */
export class ExportPipeline {
  private readonly deltas: CumulativeToDelta;
  private readonly drops = new DropReporter();
  /** Dimension names and values seen before; the exporter's own, so it goes when the exporter does. */
  private readonly dimensionCache = new DimensionCache();
  private readonly rules: MetricRuleMatcher;
  private readonly entities: EntityOfResource | undefined;
  private readonly delivery: Delivery;
  /** The distinct series since start, estimated; each export counts its own with a SeriesCounter adding to it. */
  private readonly seriesSinceStart = new SeriesSketch();
  private seriesLastExport = 0;
  private droppedByRule = 0;
  private seriesWarned = false;
  /** Set once CloudWatch refused requests for carrying an entity: the endpoint has no entities. */
  private entitiesOff = false;

  private readonly options: Omit<ResolvedOptions, 'clientConfig'>;

  constructor(resolved: ResolvedOptions) {
    const { clientConfig: _, ...options } = resolved;
    this.options = options;
    this.deltas = new CumulativeToDelta(options.deltaStateTtlMillis);
    this.rules = new MetricRuleMatcher(options.metricRules);
    // EMF carries no entity: CloudWatch Logs relates the metrics to where the log group's events come from.
    this.entities =
      options.output === 'putMetricData' && options.entity
        ? new EntityOfResource(options.entity, maxEntityBytes(options.maxRequestBytes))
        : undefined;
    if (options.output === 'emf') noteEmfExporter();
    this.delivery =
      options.output === 'emf'
        ? new EmfDelivery(options.namespace, options.emfStream, this.drops)
        : options.output === 'otlp'
          ? new OtlpDelivery(resolved, this.drops)
          : new PutMetricDataDelivery(
              resolved,
              this.drops,
              (failure, entity) => this.entities?.failed(failure, entity),
              (error) => this.entitiesRefused(error),
            );
  }

  /** Takes one export from translation to delivery, within the exporter's timeout; throws why it failed. */
  async run(metrics: ResourceMetrics): Promise<void> {
    const started = Date.now();
    // A flush that must end sooner (a Lambda invocation's, see wrapLambdaHandler) bounds the export too.
    const deadline = scopedDeadline(started + this.options.timeoutMillis);
    const series = new SeriesCounter(this.seriesSinceStart);
    // Datums are handed over as they are made, so that delivery overlaps translating the rest.
    const delivering = this.delivery.begin({
      deadline,
      createdAt: started,
      entity: this.entitiesOff ? undefined : this.entities?.of(metrics.resource),
      resource: metrics.resource,
      series,
    });
    let result;
    try {
      this.droppedByRule += await walkExport(metrics, {
        ctx: {
          storageResolution: this.options.storageResolution,
          resourceDimensions: this.options.resourceDimensions,
          deltas: this.deltas,
          drops: this.drops,
          now: started,
          dimensionCache: this.dimensionCache,
          series,
          maxValuesPerDatum: this.delivery.maxValuesPerDatum,
          writesCbor: delivering.writesCbor,
        },
        rules: this.rules,
        // The delivery's own function: no extra call per datum.
        add: delivering.add,
        addMetric: delivering.addMetric,
        deadline,
      });
      this.deltas.endExport(started);
    } finally {
      result = await delivering.finish();
    }
    this.seriesLastExport = series.count;
    this.warnOfSeries(series.count);
    const c = result.counters;
    const unit = this.options.output === 'otlp' ? 'points' : 'datums';
    const delivered =
      this.options.output === 'emf'
        ? `${c.datumsExported} datums in ${c.emfDocuments} EMF documents (${c.emfBytes} bytes)`
        : `${c.datumsExported} ${unit} in ${c.requests} requests (${c.retries} retries, ` +
          `${c.resentRequests} from the retry buffer), ${c.uncompressedBytes} bytes → ${c.wireBytes} on the wire, ` +
          `${result.kept} kept for later, ${this.delivery.stats().retryBuffer.requests} in the retry buffer`;
    report(
      'debug',
      `${series.count} series (${this.seriesSinceStart.estimate()} since start, estimated), ${delivered}, ` +
        `${Date.now() - started} ms`,
    );
    if (result.problem) throw result.problem;
  }

  /** Sends what was kept for later, until `deadline`. */
  drain(deadline: number): Promise<void> {
    return this.delivery.drain(deadline);
  }

  /** Makes the exports in flight end by `deadline` (a shutdown or flush is coming); see Delivery.hurry. */
  hurry(deadline: number): void {
    this.delivery.hurry(deadline);
  }

  /** Gives up what is still kept and releases the delivery's resources. */
  close(): void {
    this.delivery.close();
  }

  /** Everything but the export counts the exporter keeps itself. */
  stats(): Omit<ExporterStats, 'exports' | 'failedExports'> {
    const { counters, discarded, retryBuffer } = this.delivery.stats();
    const { exports: _e, failedExports: _f, ...delivered } = counters;
    return {
      ...delivered,
      dropped: { ...this.drops.dropped },
      discarded,
      retryBuffer,
      deltaStreams: this.deltas.size,
      seriesLastExport: this.seriesLastExport,
      seriesSinceStart: this.seriesSinceStart.estimate(),
      droppedByRule: this.droppedByRule,
    };
  }

  private entitiesRefused(error: Error): void {
    if (this.entitiesOff) return;
    this.entitiesOff = true;
    report(
      'warn',
      `CloudWatch refused requests for carrying an entity (${describeThrown(error)}): they were sent again without ` +
        'it, and this exporter sends no entity from now on (getStats().entityFallbacks)',
    );
  }

  private warnOfSeries(series: number): void {
    const threshold = this.options.seriesWarningThreshold;
    if (threshold === undefined || series <= threshold || this.seriesWarned) return;
    this.seriesWarned = true;
    report(
      'warn',
      `an export published ${series} series, more than seriesWarningThreshold ` +
        `(${threshold}); each is a custom metric CloudWatch bills (reported once; see getStats().seriesLastExport)`,
    );
  }
}
