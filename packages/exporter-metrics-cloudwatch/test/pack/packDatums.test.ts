import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { expect } from 'chai';
import { batchBody, firstMetricName, splitBatch, type Batch } from '../../src/pack/Batch';
import { Packer } from '../../src/pack/Packer';
import { packDatums } from '../../src/pack/packDatums';
import { serializeDatum } from '../../src/pack/serializeDatum';
import { TranslatedDatum } from '../../src/translate/TranslatedDatum';
import { sdkBody } from './captureSdkBody';

const NS = 'PackTest';
const counter = (i: number): MetricDatum => ({
  MetricName: 'calls',
  Dimensions: [{ Name: 'customer', Value: `c${i}` }],
  Timestamp: new Date(1795424209000 + i),
  Value: i,
  Unit: 'Count',
});
const histogram = (i: number, values: number): MetricDatum => ({
  MetricName: 'latency',
  Dimensions: [{ Name: 'route', Value: `/r/${i}` }],
  Timestamp: new Date(1795424209000),
  StatisticValues: { SampleCount: values, Sum: values * 1.5, Minimum: 1, Maximum: 2 },
  Values: Array.from({ length: values }, (_, k) => 1 + k / values),
  Counts: Array.from({ length: values }, () => 1),
  Unit: 'Milliseconds',
});

/** Each datum's JSON is where `starts` says, and parses back to that datum's name and value. */
function expectStarts(b: Batch): void {
  expect(b.starts).to.have.length(b.count);
  b.starts.forEach((start, i) => {
    const end = i + 1 < b.count ? b.starts[i + 1]! - 1 : b.body.length - 2;
    const datum = JSON.parse(b.body.subarray(start, end).toString('utf8')) as MetricDatum;
    expect([datum.MetricName, datum.Value]).to.deep.equal([b.datums![i]!.MetricName, b.datums![i]!.Value]);
  });
}

describe('packDatums', () => {
  const counts: Array<[number, number[]]> = [
    [0, []],
    [1, [1]],
    [1000, [1000]],
    [1001, [1000, 1]],
    [2500, [1000, 1000, 500]],
  ];
  for (const [n, sizes] of counts) {
    it(`packs ${n} small datums into ${sizes.length} request(s) of ${sizes.join('+') || 'nothing'}`, () => {
      const { batches } = packDatums(
        NS,
        Array.from({ length: n }, (_, i) => counter(i)),
        { maxDatums: 1000, maxBytes: 1_000_000 },
      );
      expect(batches.map((b) => b.datums!.length)).to.deep.equal(sizes);
    });
  }

  it('counts every request body to the byte, as the SDK writes it', async () => {
    const datums = [
      ...Array.from({ length: 30 }, (_, i) => counter(i)),
      ...Array.from({ length: 5 }, (_, i) => histogram(i, 150)),
    ];
    const { batches } = packDatums(NS, datums, { maxDatums: 1000, maxBytes: 5_000 });
    expect(batches.length).to.be.above(1);
    for (const b of batches) {
      const body = await sdkBody(NS, b.datums!);
      expect(Buffer.byteLength(body)).to.equal(b.bytes);
      expect(batchBody(b)).to.equal(body);
    }
  });

  it('serializes small datums a whole request at a time, with the same bytes and exact sizes', async () => {
    const datums = Array.from({ length: 2300 }, (_, i) => counter(i));
    const { batches } = packDatums(NS, datums, { maxDatums: 1000, maxBytes: 1_000_000 });
    expect(batches.map((b) => b.count)).to.deep.equal([1000, 1000, 300]);
    for (const b of batches) {
      expectStarts(b);
      const body = await sdkBody(NS, b.datums!);
      expect(batchBody(b)).to.equal(body);
      expect(b.bytes).to.equal(Buffer.byteLength(body));
    }
  });

  it('switches to measuring each datum when whole requests turn out too large, and stays greedy', () => {
    const datums = Array.from({ length: 1500 }, (_, i) => histogram(i, 150));
    const maxBytes = 1_000_000;
    const { batches } = packDatums(NS, datums, { maxDatums: 1000, maxBytes });
    expect(batches.every((b) => b.bytes <= maxBytes)).to.equal(true);
    let next = 0;
    for (const b of batches) {
      expectStarts(b);
      expect(b.bytes).to.equal(Buffer.byteLength(batchBody(b)));
      next += b.datums!.length;
      if (next < datums.length)
        expect(b.bytes + 1 + Buffer.byteLength(serializeDatum(datums[next]!))).to.be.above(maxBytes);
    }
    expect(next).to.equal(1500);
  });

  it('packs right up to the limit: a body of exactly maxBytes goes, one byte more does not', () => {
    const datums = Array.from({ length: 10 }, (_, i) => counter(i));
    const exact = packDatums(NS, datums, { maxDatums: 1000, maxBytes: Number.MAX_SAFE_INTEGER }).batches[0]!.bytes;
    expect(packDatums(NS, datums, { maxDatums: 1000, maxBytes: exact }).batches).to.have.length(1);
    const tighter = packDatums(NS, datums, { maxDatums: 1000, maxBytes: exact - 1 }).batches;
    expect(tighter.map((b) => b.datums!.length)).to.deep.equal([9, 1]);
    expect(tighter.every((b) => b.bytes <= exact - 1)).to.equal(true);
  });

  it('is greedy: each request but the last could not take the next datum', () => {
    const datums = Array.from({ length: 400 }, (_, i) => histogram(i, 20 + (i % 130)));
    const maxBytes = 100_000;
    const { batches } = packDatums(NS, datums, { maxDatums: 1000, maxBytes });
    let next = 0;
    for (const b of batches) {
      expect(b.bytes).to.be.at.most(maxBytes);
      next += b.datums!.length;
      if (next < datums.length)
        expect(b.bytes + 1 + Buffer.byteLength(serializeDatum(datums[next]!))).to.be.above(maxBytes);
    }
    expect(next).to.equal(400);
    // Deterministic.
    expect(packDatums(NS, datums, { maxDatums: 1000, maxBytes }).batches.map((b) => b.bytes)).to.deep.equal(
      batches.map((b) => b.bytes),
    );
  });

  it('sets aside a datum too large for any request instead of sending it', () => {
    const packer = packDatums(NS, [counter(1), histogram(2, 150), counter(3)], { maxDatums: 1000, maxBytes: 1000 });
    expect(packer.oversized.map((d) => d.MetricName)).to.deep.equal(['latency']);
    expect(packer.batches.flatMap((b) => b.datums!.map((d) => d.Value))).to.deep.equal([1, 3]);
  });

  it('splits a batch into halves with exact bodies and sizes, whichever way it was packed', async () => {
    const bulk = packDatums(
      NS,
      Array.from({ length: 7 }, (_, i) => counter(i)),
      { maxDatums: 1000, maxBytes: 1e6 },
    );
    const measured = packDatums(
      NS,
      Array.from({ length: 5 }, (_, i) => histogram(i, 150)),
      {
        maxDatums: 1000,
        maxBytes: 1e6,
      },
    );
    expect(measured.batches[0]!.starts).to.have.length(5);
    for (const [batch, sizes] of [
      [bulk.batches[0]!, [4, 3]],
      [measured.batches[0]!, [3, 2]],
    ] as const) {
      const halves = splitBatch(batch);
      expect(halves.map((h) => h.datums!.length)).to.deep.equal(sizes);
      for (const half of halves) {
        expect(batchBody(half)).to.equal(await sdkBody(NS, half.datums!));
        expect(half.bytes).to.equal(Buffer.byteLength(batchBody(half)));
      }
      // Halves of halves, down to single datums, stay exact too.
      const [quarter] = splitBatch(halves[0]);
      expect(batchBody(quarter)).to.equal(await sdkBody(NS, quarter.datums!));
    }
  });

  it('keeps no datums when asked not to, and can still name the first one from the body', () => {
    const kept: Batch[] = [];
    const packer = new Packer(NS, { maxDatums: 3, maxBytes: 1_000_000 }, (b) => kept.push(b), false);
    for (let i = 0; i < 4; i++) packer.add({ ...counter(i), MetricName: `größe ${i}` });
    packer.finish();
    expect(kept.map((b) => [b.count, b.datums])).to.deep.equal([
      [3, undefined],
      [1, undefined],
    ]);
    expect(kept.map(firstMetricName)).to.deep.equal(['größe 0', 'größe 3']);
    expect(splitBatch(kept[0]!).map(firstMetricName)).to.deep.equal(['größe 0', 'größe 2']);
    // Wide datums, packed one by one, make the same requests whether or not they are kept.
    const wide = Array.from({ length: 9 }, (_, i) => histogram(i, 150));
    const limits = { maxDatums: 1000, maxBytes: 8_000 };
    const withDatums = packDatums(NS, wide, limits).batches;
    const without: Batch[] = [];
    const lean = new Packer(NS, limits, (b) => without.push(b), false);
    for (const d of wide) lean.add(d);
    lean.finish();
    expect(without.map((b) => [b.count, b.datums])).to.deep.equal(withDatums.map((b) => [b.count, undefined]));
    expect(without.map(batchBody)).to.deep.equal(withDatums.map(batchBody));
    expect(withDatums.length).to.be.above(1);
  });

  it('measures translated datums with non-ASCII names in UTF-8 bytes, not characters', async () => {
    const time = new Date(1795424209000);
    const wide = (name: string, i: number) =>
      new TranslatedDatum(name, `[{"Name":"i","Value":"${i}"}]`, time, 'Milliseconds', undefined, undefined, {
        statistics: { SampleCount: 150, Sum: 150 * i, Minimum: i, Maximum: i + 149 },
        values: Array.from({ length: 150 }, (_, k) => i + k),
        counts: Array.from({ length: 150 }, () => 1),
      });
    // Three-byte characters: counting characters would let requests grow past the limit.
    const datums = Array.from({ length: 60 }, (_, i) => wide(i < 30 ? 'latency' : '延迟'.repeat(40), i));
    const maxBytes = 20_000;
    const { batches } = packDatums(NS, datums, { maxDatums: 1000, maxBytes });
    let next = 0;
    for (const b of batches) {
      expect(b.bytes).to.be.at.most(maxBytes);
      expect(batchBody(b)).to.equal(await sdkBody(NS, b.datums!));
      next += b.count;
      if (next < datums.length)
        expect(b.bytes + 1 + Buffer.byteLength(serializeDatum(datums[next]!))).to.be.above(maxBytes);
    }
    expect(next).to.equal(60);
  });
});

describe('packDatums with an entity', () => {
  const entity = {
    KeyAttributes: { Type: 'Service', Name: 'checkout', Environment: 'eks:prod/shop' },
    Attributes: { PlatformType: 'AWS::EKS', 'EKS.Cluster': 'prod', 'K8s.Namespace': 'shop', Host: 'naïve-host' },
  };

  for (const [label, datums, maxBytes] of [
    [
      '2,500 counters: 1,000 datums a request, EntityMetricData and MetricData counted together',
      Array.from({ length: 2500 }, (_, i) => counter(i)),
      1_000_000,
    ],
    [
      'wide histograms under a tight byte limit: the envelope counts against it',
      Array.from({ length: 40 }, (_, i) => histogram(i, 150)),
      20_000,
    ],
    [
      'counters under a byte limit that binds before the count',
      Array.from({ length: 3000 }, (_, i) => counter(i)),
      40_000,
    ],
  ] as const) {
    it(`${label}: exact bodies, as the SDK writes them`, async () => {
      const { batches } = packDatums(NS, datums, { maxDatums: 1000, maxBytes }, entity);
      expect(batches.length).to.be.above(1);
      let total = 0;
      for (const b of batches) {
        expect(b.count).to.be.at.most(1000);
        expect(b.bytes).to.equal(b.body.length).and.to.be.at.most(maxBytes);
        const request = JSON.parse(batchBody(b)) as {
          MetricData?: unknown;
          EntityMetricData: Array<{ Entity: unknown; MetricData: MetricDatum[] }>;
          StrictEntityValidation: boolean;
        };
        expect(request.MetricData).to.equal(undefined);
        expect(request.EntityMetricData).to.have.length(1);
        expect(request.EntityMetricData[0]!.Entity).to.deep.equal(entity);
        expect(request.EntityMetricData[0]!.MetricData).to.have.length(b.count);
        expect(request.StrictEntityValidation).to.equal(false);
        total += b.count;
      }
      expect(total).to.equal(datums.length);
      expect(batchBody(batches[0]!)).to.equal(await sdkBody(NS, batches[0]!.datums!, entity));
      // A full request would not have taken one datum more.
      const first = batches[0]!;
      const next = datums[first.count]!;
      expect(first.count === 1000 || first.bytes + 1 + Buffer.byteLength(serializeDatum(next)) > maxBytes).to.equal(
        true,
      );
    });
  }

  it('cuts a refused request into halves that keep the entity, and names its first datum', async () => {
    const { batches } = packDatums(
      NS,
      Array.from({ length: 5 }, (_, i) => counter(i)),
      { maxDatums: 1000, maxBytes: 1e6 },
      entity,
    );
    const [a, b] = splitBatch(batches[0]!);
    for (const half of [a, b]) {
      expect(batchBody(half)).to.equal(await sdkBody(NS, half.datums!, entity));
      expect(half.bytes).to.equal(half.body.length);
    }
    expect([a, b].map(firstMetricName)).to.deep.equal(['calls', 'calls']);
    const [single] = splitBatch(splitBatch(a)[0]);
    expect(firstMetricName({ ...single, datums: undefined })).to.equal('calls');
  });
});
