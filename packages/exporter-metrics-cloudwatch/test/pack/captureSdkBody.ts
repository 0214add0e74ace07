import { CloudWatchClient, PutMetricDataCommand, type Entity, type MetricDatum } from '@aws-sdk/client-cloudwatch';

/**
 * Runs the SDK's real serializer (no network, no compression) and returns the body it would send; with an entity,
 * the datums go in one EntityMetricData item, validation not strict, as the exporter sends them.
 */
export async function sdkBody(namespace: string, datums: MetricDatum[], entity?: Entity): Promise<string> {
  let body = '';
  const client = new CloudWatchClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'A', secretAccessKey: 'S' },
    disableRequestCompression: true,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { body: Uint8Array | string }) => {
        body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
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
