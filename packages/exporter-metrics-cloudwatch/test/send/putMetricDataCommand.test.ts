import { CloudWatchClient, type PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { expect } from 'chai';
import { newCounters } from '../../src/stats/ExporterStats';
import { batchBody } from '../../src/pack/Batch';
import { packDatums } from '../../src/pack/packDatums';
import { putMetricDataCommand, speaksJson10 } from '../../src/send/putMetricDataCommand';
import { TranslatedDatum } from '../../src/translate/TranslatedDatum';

/** A request body's bytes. The SDK's JSON bodies are Uint8Arrays with string methods: `Buffer.from(body)` would read
 *  them as text (and the SDK warns when it does). */
const bytes = (body: string | Uint8Array): Buffer =>
  typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);

const NS = 'CommandTest';
const batch = () =>
  packDatums(
    NS,
    Array.from({ length: 50 }, (_, i) => ({
      MetricName: 'm',
      Dimensions: [{ Name: 'k', Value: `v${i}` }],
      Timestamp: new Date(1795424209000),
      Value: i,
    })),
    { maxDatums: 1000, maxBytes: 1_000_000 },
  ).batches[0]!;

/** A real client whose network captures the request the SDK would send. */
function capturingClient(sent: Array<{ body: string; headers: Record<string, string> }>) {
  return new CloudWatchClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'A', secretAccessKey: 'S' },
    disableRequestCompression: true,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { body: string | Uint8Array; headers: Record<string, string> }) => {
        const body = typeof request.body === 'string' ? request.body : bytes(request.body).toString('utf8');
        sent.push({ body, headers: request.headers });
        throw new Error('captured');
      },
    },
  });
}

describe('putMetricDataCommand', () => {
  it('sends the prepared body, with its own content-length, through a JSON 1.0 client', async () => {
    const sent: Array<{ body: string; headers: Record<string, string> }> = [];
    const client = capturingClient(sent);
    expect(speaksJson10(client)).to.equal(true);
    const b = batch();
    const counters = newCounters();
    const command = putMetricDataCommand(client, NS, b, counters);
    expect(command.input.MetricData).to.deep.equal([]);
    await client.send(command).catch(() => undefined);
    client.destroy();
    expect(sent[0]!.body).to.equal(batchBody(b));
    expect(sent[0]!.headers['content-length']).to.equal(String(b.bytes));
    expect([counters.uncompressedBytes, counters.wireBytes]).to.deep.equal([b.bytes, b.bytes]);
  });

  it('lets the SDK serialize the datums when the client speaks another protocol', () => {
    const b = batch();
    const other = {
      config: { protocol: { getShapeId: () => 'smithy.protocols#rpcv2Cbor' } },
    } as unknown as CloudWatchClient;
    expect(speaksJson10(other)).to.equal(false);
    const command: PutMetricDataCommand = putMetricDataCommand(other, NS, b, newCounters());
    expect(command.input.MetricData).to.have.length(50);
    // Such a client needs the datums: a batch packed without them is a bug, said loudly rather than sent empty.
    expect(() => putMetricDataCommand(other, NS, { ...b, datums: undefined }, newCounters())).to.throw(/datums/);
  });

  it('hands another protocol the entity too, as EntityMetricData with validation not strict', () => {
    const other = {
      config: { protocol: { getShapeId: () => 'smithy.protocols#rpcv2Cbor' } },
    } as unknown as CloudWatchClient;
    const entity = { KeyAttributes: { Type: 'Service', Name: 'a', Environment: 'generic:default' } };
    const time = new Date(1795424209000);
    const datum = new TranslatedDatum('m', '[]', time, 'Count', undefined, 3);
    const b = packDatums(NS, [datum], { maxDatums: 1000, maxBytes: 1_000_000 }, entity).batches[0]!;
    const { input } = putMetricDataCommand(other, NS, b, newCounters());
    expect(input.MetricData).to.equal(undefined);
    expect(input.StrictEntityValidation).to.equal(false);
    expect(input.EntityMetricData!.map((e) => [e.Entity, e.MetricData!.length])).to.deep.equal([[entity, 1]]);
  });

  it('hands another protocol plain datums, dimensions included, for the ones translation made', () => {
    const other = {
      config: { protocol: { getShapeId: () => 'smithy.protocols#rpcv2Cbor' } },
    } as unknown as CloudWatchClient;
    const time = new Date(1795424209000);
    const translated = new TranslatedDatum('m', '[{"Name":"k","Value":"v"}]', time, 'Count', undefined, 3);
    const b = packDatums(NS, [translated], { maxDatums: 1000, maxBytes: 1_000_000 }).batches[0]!;
    const [sent] = putMetricDataCommand(other, NS, b, newCounters()).input.MetricData!;
    // Own properties only, so that code copying the datum member by member (a spread) keeps its dimensions.
    expect({ ...sent }).to.deep.equal({
      MetricName: 'm',
      Dimensions: [{ Name: 'k', Value: 'v' }],
      Timestamp: time,
      Value: 3,
      Unit: 'Count',
    });
  });
});
