import { AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { CloudWatchClient, PutMetricDataCommand, type Entity, type MetricDatum } from '@aws-sdk/client-cloudwatch';

/**
 * Runs the SDK's real serializer (no network, no compression) and returns the body it would send; with an entity,
 * the datums go in one EntityMetricData item, validation not strict, as the exporter sends them.
 */
export async function sdkBody(namespace: string, datums: MetricDatum[], entity?: Entity): Promise<string> {
  return new TextDecoder().decode(await sdkBodyBytes(namespace, datums, entity));
}

/** The body the SDK's own Smithy RPC v2 CBOR protocol writes for the same request (see sdkBody). */
export function sdkCborBody(namespace: string, datums: MetricDatum[], entity?: Entity): Promise<Uint8Array> {
  return sdkBodyBytes(namespace, datums, entity, AwsSmithyRpcV2CborProtocol);
}

async function sdkBodyBytes(
  namespace: string,
  datums: MetricDatum[],
  entity?: Entity,
  protocol?: typeof AwsSmithyRpcV2CborProtocol,
): Promise<Uint8Array> {
  let body: Uint8Array = new Uint8Array();
  const client = new CloudWatchClient({
    ...(protocol ? { protocol } : {}),
    region: 'us-east-1',
    credentials: { accessKeyId: 'A', secretAccessKey: 'S' },
    disableRequestCompression: true,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { body: Uint8Array | string }) => {
        body = typeof request.body === 'string' ? new TextEncoder().encode(request.body) : request.body;
        throw new Error('captured');
      },
    },
  });
  const input =
    entity === undefined
      ? { Namespace: namespace, MetricData: datums }
      : {
          Namespace: namespace,
          EntityMetricData: [{ Entity: entity, MetricData: datums }],
          StrictEntityValidation: false,
        };
  await client.send(new PutMetricDataCommand(input)).catch(() => undefined);
  client.destroy();
  return body;
}
