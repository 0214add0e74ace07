import { expect } from 'chai';
import { Readable } from 'node:stream';
import { readStatistics, useLocalCloudWatch } from '../src';

describe('EmfExtractor (CloudWatch Logs’ extraction, on loopback)', function () {
  this.timeout(30_000);
  const local = useLocalCloudWatch();

  const doc = (value: number, extra = '') =>
    JSON.stringify({
      _aws: {
        Timestamp: Date.now() - 1000,
        CloudWatchMetrics: [
          { Namespace: 'Extracted', Dimensions: [['route']], Metrics: [{ Name: 'hits', Unit: 'Count' }] },
        ],
      },
      route: '/a',
      hits: value,
    }) + extra;

  it('reads lines however a stream cuts them, stores valid documents, counts refused ones, leaves other output', async () => {
    const extractor = local().emfExtractor();
    const text = `starting\n${doc(2)}\n${doc(3)}\n{"_aws":{"Timestamp":"soon"}}\nnot json {\n${doc(5)}`;
    // Cut into pieces of 7 characters: lines arrive in parts, as from a pipe.
    const pieces = text.match(/[\s\S]{1,7}/g)!;
    await extractor.readFrom(Readable.from(pieces));
    await extractor.close();
    expect(extractor.documents).to.equal(3);
    expect(extractor.datums).to.equal(3);
    expect(extractor.logLines).to.equal(2);
    expect(extractor.refused).to.have.length(1);
    expect(extractor.refused[0]!.problems.join('; ')).to.match(/Timestamp must be an integer/);
    expect(local().puts, 'the extractor’s requests are not a client’s').to.deep.equal([]);
    expect(local().extractedPuts.every((p) => p.status === 200)).to.equal(true);
    const client = local().client();
    const stored = await readStatistics(client, {
      namespace: 'Extracted',
      metricName: 'hits',
      dimensions: { route: '/a' },
    });
    client.destroy();
    expect(stored.sum).to.equal(10);
    expect(stored.sampleCount).to.equal(3);
  });
});
