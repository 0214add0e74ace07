import { CloudWatchClient, type Entity, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { DeliveryResult, DeliveryRun, DeliveryRunOptions } from '../deliver/Delivery.js';
import { MAX_DATUMS_PER_REQUEST, MAX_VALUES_PER_DATUM } from '../limits.js';
import type { ResolvedOptions } from '../options.js';
import type { PackLimits } from '../pack/Batch.js';
import { Packer } from '../pack/Packer.js';
import type { DropReporter } from '../stats/DropReporter.js';
import { AwsJson1_0Protocol, AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import type { Batch } from '../pack/Batch.js';
import { CborPacker } from '../pack/CborPacker.js';
import { compressCborOurselves, speaksCbor, speaksJson10 } from './putMetricDataCommand.js';
import { PutMetricDataTransport } from './PutMetricDataTransport.js';
import { clientFor, RequestDelivery, type ClientPathOptions } from './RequestDelivery.js';

/** What the PutMetricData path needs of the exporter's options. */
export type PutMetricDataOptions = ClientPathOptions & Pick<ResolvedOptions, 'namespace' | 'putMetricDataProtocol'>;

/**
 * Delivery through PutMetricData: datums packed into the fewest requests CloudWatch's limits allow, and sent as
 * every request path sends (see RequestDelivery) through the AWS SDK's client.
 */
export class PutMetricDataDelivery extends RequestDelivery {
  readonly maxValuesPerDatum = MAX_VALUES_PER_DATUM;
  private readonly limits: PackLimits;
  private readonly namespace: string;
  private readonly client: CloudWatchClient;
  private readonly transport: PutMetricDataTransport;

  constructor(
    options: PutMetricDataOptions,
    private readonly drops: DropReporter,
    onEntityFailure: (failure: string, entity: Entity | undefined) => void,
    onEnvelopeRefused?: (error: Error) => void,
  ) {
    const cbor = options.putMetricDataProtocol === 'cbor' && options.client === undefined;
    const { client, release } = clientFor(
      cbor ? { ...options, clientConfig: { ...options.clientConfig, protocol: AwsSmithyRpcV2CborProtocol } } : options,
    );
    if (cbor) {
      // Compressed by the exporter at a level of its own (see compressCborOurselves), as the client's resolved
      // configuration says: its settings, else the environment's or the profile's, range-checked by the SDK.
      const resolved = client.config;
      compressCborOurselves(client, {
        disabled: resolved.disableRequestCompression,
        minBytes: resolved.requestMinCompressionSizeBytes,
      });
      // The SDK's compression middleware reads this on every request: it now leaves the body to ours.
      resolved.disableRequestCompression = async () => true;
    }
    const limits = { maxDatums: MAX_DATUMS_PER_REQUEST, maxBytes: options.maxRequestBytes };
    // Made only if CloudWatch (or whatever answers in its place) turns CBOR down.
    let jsonClient: CloudWatchClient | undefined;
    // A client of the exporter's own that speaks CBOR falls back to one that speaks JSON, made from the same
    // configuration. A client of the user's is left as it is: its endpoint and credentials are not ours to copy,
    // and a refusal of CBOR fails its requests like any other error.
    const fallback =
      options.client === undefined && speaksCbor(client)
        ? {
            limits,
            jsonClient: () =>
              (jsonClient ??= new CloudWatchClient({ ...options.clientConfig, protocol: AwsJson1_0Protocol })),
            onOversized: (d: MetricDatum) =>
              drops.drop(
                d.MetricName ?? '',
                'rejected-by-cloudwatch',
                'the datum alone is larger than maxRequestBytes as JSON (after a fallback from CBOR)',
              ),
          }
        : undefined;
    const transport = new PutMetricDataTransport(client, options.namespace, onEntityFailure, fallback);
    super(
      options,
      transport,
      drops,
      () => {
        release();
        jsonClient?.destroy();
      },
      onEnvelopeRefused,
    );
    this.client = client;
    this.transport = transport;
    this.namespace = options.namespace;
    this.limits = limits;
  }

  begin({ deadline, createdAt, entity }: DeliveryRunOptions): DeliveryRun {
    const { sender, finish } = this.startSending(deadline, createdAt);
    const onBatch = (batch: Batch) => sender.push(batch);
    // A CBOR body once the endpoint turned CBOR down would only be converted: from then on, JSON is packed.
    const cbor = speaksCbor(this.client) && !this.transport.cborRefused;
    const packer = cbor
      ? new CborPacker(this.namespace, this.limits, onBatch, false, entity)
      : new Packer(
          this.namespace,
          this.limits,
          onBatch,
          // A JSON 1.0 client is sent the prepared body alone; any other needs the datums to serialize them itself.
          !speaksJson10(this.client) && !speaksCbor(this.client),
          entity,
        );
    return {
      add: (datum) => packer.add(datum),
      writesCbor: cbor,
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
}
