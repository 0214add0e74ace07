/* eslint-disable @typescript-eslint/no-explicit-any -- EMF documents are JSON read back, probed member by member */
import { expect } from 'chai';
import { emfDocuments, type EmfLimits } from '../../src/emf/EmfDocuments';
import { TranslatedDatum } from '../../src/translate/TranslatedDatum';

const T = Date.UTC(2026, 11, 3, 12, 0, 0);
const DIMS = JSON.stringify([
  { Name: 'service.name', Value: 'checkout' },
  { Name: 'route', Value: '/a' },
]);
const LIMITS: EmfLimits = { maxMetrics: 100, maxBytes: 64 * 1024 - 1 };
const scalar = (name: string, value: number, unit = 'None', resolution?: number) =>
  new TranslatedDatum(name, DIMS, new Date(T), unit as never, resolution, value);
const distribution = (name: string, values: number[], counts: number[]) =>
  new TranslatedDatum(name, DIMS, new Date(T), 'Milliseconds', undefined, undefined, {
    statistics: {
      SampleCount: counts.reduce((a, b) => a + b, 0),
      Sum: values.reduce((a, v, i) => a + v * counts[i]!, 0),
      Minimum: values[0]!,
      Maximum: values[values.length - 1]!,
    },
    values,
    counts,
  });

function documents(datums: TranslatedDatum[], limits = LIMITS, dims = DIMS) {
  const drops: string[] = [];
  const docs = emfDocuments('Shop', T, dims, datums, limits, (d, why) => drops.push(`${d.MetricName}: ${why}`));
  return { docs: docs.map((d) => JSON.parse(d) as Record<string, any>), raw: docs, drops };
}

describe('emfDocuments', () => {
  it('writes one directive, the dimensions and metrics as top-level members, as the specification shows', () => {
    const { docs, drops } = documents([scalar('orders', 3, 'Count'), scalar('temperature', 21.5, 'None', 1)]);
    expect(drops).to.deep.equal([]);
    expect(docs).to.deep.equal([
      {
        _aws: {
          Timestamp: T,
          CloudWatchMetrics: [
            {
              Namespace: 'Shop',
              Dimensions: [['service.name', 'route']],
              Metrics: [
                { Name: 'orders', Unit: 'Count' },
                { Name: 'temperature', StorageResolution: 1 },
              ],
            },
          ],
        },
        'service.name': 'checkout',
        route: '/a',
        orders: 3,
        temperature: 21.5,
      },
    ]);
  });

  it('writes a distribution as its values and counts with exact statistics', () => {
    const { docs } = documents([distribution('latency', [1, 2.5, 40], [3, 1, 2])]);
    expect(docs[0]!['latency']).to.deep.equal({
      Values: [1, 2.5, 40],
      Counts: [3, 1, 2],
      Sum: 85.5,
      Count: 6,
      Min: 1,
      Max: 40,
    });
  });

  it('an empty dimension set for a metric without dimensions', () => {
    const { docs } = documents([scalar('up', 1)], LIMITS, '[]');
    expect(docs[0]!['_aws'].CloudWatchMetrics[0].Dimensions).to.deep.equal([[]]);
  });

  it('at most maxMetrics metrics a document', () => {
    const { docs } = documents(Array.from({ length: 250 }, (_, i) => scalar(`m${i}`, i)));
    expect(docs.map((d) => d['_aws'].CloudWatchMetrics[0].Metrics.length)).to.deep.equal([100, 100, 50]);
    expect(docs[2]!['m249']).to.equal(249);
  });

  it('a name at most once a document: a second datum of a name goes to the next', () => {
    const { docs } = documents([scalar('a', 1), scalar('b', 2), scalar('a', 3), scalar('a', 4)]);
    expect(docs.map((d) => [d['a'], d['b']])).to.deep.equal([
      [1, 2],
      [3, undefined],
      [4, undefined],
    ]);
  });

  it('at most maxBytes a document, newline included', () => {
    const limits = { maxMetrics: 100, maxBytes: 1000 };
    const wide = Array.from({ length: 10 }, (_, i) =>
      distribution(`h${i}`, [1.123456789, 22.123456789, 333.123456789], [1, 2, 3]),
    );
    const { raw } = documents(wide, limits);
    expect(raw.length).to.be.greaterThan(1);
    for (const doc of raw) expect(Buffer.byteLength(`${doc}\n`)).to.be.at.most(1000);
    expect(raw.reduce((n, d) => n + (JSON.parse(d)['_aws'].CloudWatchMetrics[0].Metrics.length as number), 0)).to.equal(
      10,
    );
  });

  it('counts non-ASCII metric names in bytes', () => {
    const limits = { maxMetrics: 100, maxBytes: 600 };
    const { raw } = documents(
      Array.from({ length: 12 }, (_, i) => scalar(`température-€-${i}`, i)),
      limits,
    );
    for (const doc of raw) expect(Buffer.byteLength(`${doc}\n`)).to.be.at.most(600);
  });

  it('drops, and says why, a metric named like one of its dimensions or like the metadata', () => {
    const { docs, drops } = documents([scalar('route', 1), scalar('_aws', 2), scalar('ok', 3)]);
    expect(drops).to.deep.equal([
      'route: EMF cannot carry a metric named like one of its dimensions',
      '_aws: EMF cannot carry a metric named like its metadata',
    ]);
    expect(docs).to.have.length(1);
    expect(docs[0]!['ok']).to.equal(3);
    expect(docs[0]!['route']).to.equal('/a');
  });

  it('drops, and says why, every datum whose dimensions include _aws (it would replace the metadata)', () => {
    const dims = JSON.stringify([{ Name: '_aws', Value: 'x' }]);
    const { docs, drops } = documents([scalar('a', 1), scalar('b', 2)], LIMITS, dims);
    expect(docs).to.deep.equal([]);
    expect(drops).to.deep.equal([
      'a: EMF cannot carry a dimension named _aws (the metadata member)',
      'b: EMF cannot carry a dimension named _aws (the metadata member)',
    ]);
  });

  it('drops a datum no document could hold', () => {
    const { docs, drops } = documents([scalar('x'.repeat(300), 1)], { maxMetrics: 100, maxBytes: 400 });
    expect(docs).to.deep.equal([]);
    expect(drops[0]).to.match(/would exceed 400 bytes/);
  });
});
