import { CloudWatchClient, type CloudWatchClientConfig } from '@aws-sdk/client-cloudwatch';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import type { DeliveryResult, DeliveryRun, DeliveryRunOptions } from '../deliver/Delivery.js';
import { MAX_VALUES_PER_DATUM } from '../limits.js';
import type { ResolvedOptions } from '../options.js';
import { RequestDelivery } from '../send/RequestDelivery.js';
import type { DropReporter } from '../stats/DropReporter.js';
import { report } from '../util/report.js';
import { metricsSerializer } from './metricsSerializer.js';
import { otlpRequests, type ScopeMetricList } from './otlpRequests.js';
import { OtlpTransport } from './OtlpTransport.js';

/** What the OTLP path needs of the exporter's options. */
export type OtlpOptions = Pick<
  ResolvedOptions,
  'client' | 'otlpEndpoint' | 'concurrency' | 'maxRequestBytes' | 'retry' | 'retryBuffer' | 'resendUnknownOutcome'
> & { clientConfig: CloudWatchClientConfig };

/**
 * Delivery to CloudWatch's OTLP endpoint: each export's metrics, after their rules and untranslated, become
 * OTLP/HTTP protobuf requests of at most `maxRequestBytes`, sent as every request path sends (see RequestDelivery:
 * retries, pacing, the retry buffer, one deadline), signed in-process (see OtlpTransport).
 */
export class OtlpDelivery extends RequestDelivery {
  /** Translation is not used on this path; a datum's limit stays PutMetricData's should anything ask. */
  readonly maxValuesPerDatum = MAX_VALUES_PER_DATUM;
  private readonly maxBytes: number;

  constructor(options: OtlpOptions, drops: DropReporter) {
    const client = options.client ?? new CloudWatchClient(options.clientConfig);
    const ownsClient = options.client === undefined;
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
      () => {
        if (ownsClient) client.destroy();
      },
      undefined,
      // A PromQL store may refuse a cumulative point older than one it holds: what was kept goes first.
      true,
    );
    this.maxBytes = options.maxRequestBytes;
  }

  begin({ deadline, createdAt, resource }: DeliveryRunOptions): DeliveryRun {
    const scopes: ScopeMetricList[] = [];
    let last: ScopeMetricList | undefined;
    return {
      add: () => {
        throw new Error('CloudWatchMetricExporter: the OTLP path takes metrics, not datums');
      },
      addMetric: (scope: InstrumentationScope, metric: MetricData) => {
        if (last === undefined || last.scope !== scope) scopes.push((last = { scope, metrics: [] }));
        last.metrics.push(metric);
      },
      finish: async (): Promise<DeliveryResult> => {
        // Serialized at the end, as one request when it fits: OTLP repeats the resource and scope in every request.
        const { sender, finish } = this.startSending(deadline, createdAt);
        let failure: { error: unknown } | undefined;
        try {
          const serializer = await metricsSerializer();
          for (const batch of otlpRequests(serializer, resource, scopes, this.maxBytes)) sender.push(batch);
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
}
