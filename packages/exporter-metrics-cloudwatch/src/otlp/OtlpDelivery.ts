import type { InstrumentationScope } from '@opentelemetry/core';
import type { DataPoint, MetricData } from '@opentelemetry/sdk-metrics';
import type { DeliveryResult, DeliveryRun, DeliveryRunOptions } from '../deliver/Delivery.js';
import { MAX_VALUES_PER_DATUM } from '../limits.js';
import type { ResolvedOptions } from '../options.js';
import { clientFor, RequestDelivery, type ClientPathOptions } from '../send/RequestDelivery.js';
import type { DropReporter } from '../stats/DropReporter.js';
import { combineHash, hashString, type SeriesCounter } from '../stats/SeriesCounter.js';
import { describeThrown } from '../util/describeThrown.js';
import { report } from '../util/report.js';
import { yieldToEventLoop } from '../util/yieldToEventLoop.js';
import { metricsSerializer } from './metricsSerializer.js';
import { otlpPointProblem } from './otlpPointProblem.js';
import { otlpBatches, otlpChunks, type ScopeMetricList } from './otlpRequests.js';
import { OtlpTransport } from './OtlpTransport.js';

/** What the OTLP path needs of the exporter's options. */
export type OtlpOptions = ClientPathOptions & Pick<ResolvedOptions, 'otlpEndpoint'>;

/**
 * Delivery to CloudWatch's OTLP endpoint: each export's metrics, after their rules and untranslated, become
 * OTLP/HTTP protobuf requests of at most 1,000 points and `maxRequestBytes`, sent as every request path sends (see
 * RequestDelivery: retries, pacing, the retry buffer, one deadline), signed in-process (see OtlpTransport). A point
 * the endpoint would refuse is left out first (counted, with a warning), so that it costs only itself: the endpoint
 * refuses a whole request for one point out of its time window.
 */
export class OtlpDelivery extends RequestDelivery {
  /** Translation is not used on this path; a datum's limit stays PutMetricData's should anything ask. */
  readonly maxValuesPerDatum = MAX_VALUES_PER_DATUM;
  private readonly maxBytes: number;

  constructor(
    options: OtlpOptions,
    private readonly drops: DropReporter,
  ) {
    const { client, release } = clientFor(options);
    const onRejected = (points: number, why: string) => {
      drops.dropped['rejected-by-cloudwatch'] += points;
      drops.warnOnce(
        '',
        'otlp-partial-success',
        `CloudWatch's OTLP endpoint rejected ${points} data point(s) of a request it took` +
          `${why ? ` (${why})` : ''}; counted in getStats().dropped['rejected-by-cloudwatch']`,
      );
    };
    super(
      options,
      new OtlpTransport(client, options.otlpEndpoint, onRejected),
      drops,
      release,
      undefined,
      // A PromQL store may refuse a cumulative point older than one it holds: what was kept goes first.
      true,
    );
    this.maxBytes = options.maxRequestBytes;
  }

  begin({ deadline, createdAt, resource, series }: DeliveryRunOptions): DeliveryRun {
    const scopes: ScopeMetricList[] = [];
    let last: ScopeMetricList | undefined;
    // The SDK's scopes carry no attributes: a point's labels are its own and its resource's.
    const inherited = labelCount(() => resource.attributes);
    return {
      add: () => {
        throw new Error('CloudWatchMetricExporter: the OTLP path takes metrics, not datums');
      },
      addMetric: (scope: InstrumentationScope, metric: MetricData) => {
        const kept = this.storable(metric, inherited, createdAt, series);
        if (kept === undefined) return;
        if (last === undefined || last.scope !== scope) scopes.push((last = { scope, metrics: [] }));
        last.metrics.push(kept);
      },
      finish: async (): Promise<DeliveryResult> => {
        // Serialized at the end, a request's worth at a time between turns of the event loop: OTLP repeats the
        // resource and scope in every request, so each is one serialization of up to 1,000 points.
        const { sender, finish, signal } = this.startSending(deadline, createdAt);
        let failure: { error: unknown } | undefined;
        try {
          const serializer = await metricsSerializer();
          const chunks = otlpChunks(scopes);
          for (let i = 0; i < chunks.length; i++) {
            // The deadline, or a sooner one a flush or shutdown brought (see hurry).
            if (Date.now() >= deadline || signal.aborted) {
              const left = chunks
                .slice(i)
                .reduce((n, c) => n + c.reduce((m, u) => m + u.metric.dataPoints.length, 0), 0);
              this.drops.drop('', 'export-timeout', 'the export ran out of time before serializing it', left);
              break;
            }
            const batches = otlpBatches(serializer, resource, chunks[i]!, this.maxBytes, (unit, err) =>
              this.drops.drop(
                nameOf(unit.metric),
                'malformed-point',
                `its data could not be serialized as OTLP (${describeThrown(err)})`,
                unit.metric.dataPoints.length,
              ),
            );
            for (const batch of batches) sender.push(batch);
            if (i + 1 < chunks.length) await yieldToEventLoop();
          }
        } catch (error) {
          failure = { error };
          report('error', 'an export could not be serialized as OTLP', error);
        }
        const result = this.result(await finish());
        if (failure) throw failure.error;
        return result;
      },
    };
  }

  /**
   * The metric with only the points the endpoint takes (undefined when none is left), each counted as a series.
   * A point that cannot be read is dropped as malformed.
   */
  private storable(
    metric: MetricData,
    inherited: number,
    now: number,
    series: SeriesCounter | undefined,
  ): MetricData | undefined {
    const name = nameOf(metric);
    let points: ReadonlyArray<DataPoint<unknown>>;
    try {
      points = metric.dataPoints as ReadonlyArray<DataPoint<unknown>>;
      if (name === '') {
        this.drops.drop('', 'invalid-metric-name', 'a metric without a name', points.length);
        return undefined;
      }
    } catch (err) {
      this.drops.warnOnce(name, 'unreadable', `metric "${name}" could not be read: ${describeThrown(err)}`);
      return undefined;
    }
    const nameHash = hashString(name);
    let kept: Array<DataPoint<unknown>> | undefined;
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      let problem;
      try {
        problem = otlpPointProblem(metric.dataPointType, p, inherited, now);
        if (problem === undefined) series?.add(combineHash(nameHash, hashString(JSON.stringify(p.attributes))));
      } catch (err) {
        problem = { reason: 'malformed-point' as const, why: `it could not be read (${describeThrown(err)})` };
      }
      if (problem !== undefined) {
        this.drops.drop(name, problem.reason, problem.why);
        kept ??= points.slice(0, i);
      } else if (kept !== undefined) {
        kept.push(p);
      }
    }
    if (kept === undefined) return points.length > 0 ? metric : undefined;
    return kept.length > 0 ? ({ ...metric, dataPoints: kept } as MetricData) : undefined;
  }
}

function nameOf(metric: MetricData): string {
  try {
    const name = metric.descriptor.name;
    return typeof name === 'string' ? name : '';
  } catch {
    return '';
  }
}

function labelCount(attributes: () => object | undefined): number {
  try {
    return Object.keys(attributes() ?? {}).length;
  } catch {
    return 0;
  }
}
