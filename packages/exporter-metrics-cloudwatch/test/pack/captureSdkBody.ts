import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';

/** Runs the SDK's real serializer (no network, no compression) and returns the body it would send. */
export async function sdkBody(namespace: string, datums: MetricDatum[]): Promise<string> {
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
  await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: datums })).catch(() => undefined);
  client.destroy();
  return body;
}
