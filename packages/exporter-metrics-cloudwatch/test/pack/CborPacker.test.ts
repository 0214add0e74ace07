import type { Entity, MetricDatum } from '@aws-sdk/client-cloudwatch';
import { cbor } from '@smithy/core/cbor';
import { expect } from 'chai';
import { sliceCborBatch, splitBatch, withoutOptionalMembers, firstMetricName } from '../../src/pack/Batch';
import { cborBatchDatums } from '../../src/pack/cbor/cborBatchDatums';
import { CborPacker } from '../../src/pack/CborPacker';
import { packDatums } from '../../src/pack/packDatums';
import { toPlainDatum, TranslatedDatum } from '../../src/translate/TranslatedDatum';
import { ValueType, type Attributes } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import { DropReporter } from '../../src/stats/DropReporter';
import { CumulativeToDelta } from '../../src/translate/CumulativeToDelta';
import { DimensionCache } from '../../src/translate/DimensionCache';
import { translateResourceMetrics } from '../../src/translate/translateResourceMetrics';
import { serializeDatum } from '../../src/pack/serializeDatum';
import { sdkCborBody } from './captureSdkBody';
import { randomDatums } from './randomDatums';
import { translatedDatums } from './translatedDatums';

const pack = (datums: MetricDatum[], limits = { maxDatums: 1000, maxBytes: 1_000_000 }, entity?: Entity) => {
  const packer = new CborPacker('My/Namespace "x"', limits, undefined, false, entity);
  for (const d of datums) packer.add(d);
  packer.finish();
  return packer;
};

/** What a CBOR body says, decoded by the AWS SDK's own CBOR decoder. */
const decoded = (body: Uint8Array): unknown => cbor.deserialize(body);

const entities: Entity[] = [
  { KeyAttributes: { Type: 'Service', Name: 'checkout', Environment: 'eks:prod/shop' } },
  {
    KeyAttributes: { Type: 'Service', Name: 'café "naïve" \\ 用户', Environment: 'generic:default' },
    Attributes: { PlatformType: 'Generic', 'K8s.Namespace': 'ns', Host: 'h-1' },
  },
];

describe('CborPacker', () => {
  for (const seed of [1, 2, 3]) {
    it(`writes bodies that decode equal to what the AWS SDK's CBOR protocol writes (random datums, seed ${seed})`, async () => {
      const datums = randomDatums(300, seed);
      const [batch] = pack(datums).batches;
      expect(decoded(batch!.body)).to.deep.equal(decoded(await sdkCborBody('My/Namespace "x"', datums)));
    });
  }

  for (const [i, entity] of entities.entries()) {
    it(`writes the entity's envelope as the SDK does (entity ${i + 1})`, async () => {
      const datums = randomDatums(50, 7 + i);
      const [batch] = pack(datums, undefined, entity).batches;
      expect(decoded(batch!.body)).to.deep.equal(decoded(await sdkCborBody('My/Namespace "x"', datums, entity)));
    });
  }

  it('writes translated datums (dimensions from their JSON, escapes included) as the SDK does', async () => {
    const datums = translatedDatums();
    const [batch] = pack(datums).batches;
    const theirs = await sdkCborBody('My/Namespace "x"', datums.map(toPlainDatum));
    expect(decoded(batch!.body)).to.deep.equal(decoded(theirs));
  });

  it('writes the CBOR dimensions translation made as the SDK does, kept fragments and resource dimensions included', async () => {
    for (let round = 0; round < 2; round++) {
      const datums = translatedDatums(true);
      expect(datums.every((d) => (d as TranslatedDatum).dimensionsCbor !== undefined)).to.equal(true);
      const [batch] = pack(datums).batches;
      const theirs = await sdkCborBody('My/Namespace "x"', datums.map(toPlainDatum));
      expect(decoded(batch!.body)).to.deep.equal(decoded(theirs));
    }
  });

  it('writes translation-made CBOR dimensions of every length (long values, 30 dimensions, resource first)', async () => {
    const now = Date.now();
    const attributes = [
      { a: 'x'.repeat(23), b: 'y'.repeat(24), c: 'z'.repeat(255), d: 'w'.repeat(256), e: 'v'.repeat(1024) },
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${String(i).padStart(2, '0')}`, `v${i}`])),
      { ['n'.repeat(30)]: 1, ok: true, big: 12345678901234567890n, ctl: 'a\tb', uni: 'Zürich 用户' },
    ];
    const datums = translateResourceMetrics(
      {
        resource: resourceFromAttributes({ 'service.name': 'checkout', 'host.name': 'h'.repeat(40) }),
        scopeMetrics: [
          {
            scope: { name: 's' },
            metrics: [
              {
                descriptor: { name: 'm', unit: '1', description: '', valueType: ValueType.DOUBLE },
                aggregationTemporality: AggregationTemporality.DELTA,
                dataPointType: DataPointType.GAUGE,
                dataPoints: attributes.map((a, i) => ({
                  startTime: millisToHrTime(now - 1000),
                  endTime: millisToHrTime(now),
                  attributes: a as Attributes, // a bigint among them: what users' code may hand the SDK anyway
                  value: i,
                })),
              },
            ],
          },
        ],
      },
      {
        storageResolution: 60,
        resourceDimensions: ['service.name', 'host.name'],
        deltas: new CumulativeToDelta(60_000),
        drops: new DropReporter(),
        now,
        writesCbor: true,
        dimensionCache: new DimensionCache(),
      },
    );
    expect(datums).to.have.length(3);
    const cbor = datums.map((d) => (d as TranslatedDatum).dimensionsCbor);
    expect(cbor.every((c) => c !== undefined)).to.equal(true);
    const [batch] = pack(datums).batches;
    const theirs = await sdkCborBody('My/Namespace "x"', datums.map(toPlainDatum));
    expect(decoded(batch!.body)).to.deep.equal(decoded(theirs));
    expect(
      (decoded(batch!.body) as { MetricData: Array<{ Dimensions: unknown[] }> }).MetricData[1]!.Dimensions,
    ).to.have.length(30);
  });

  it('leaves out the JSON of dimensions written as CBOR, and still answers them as objects and as JSON', () => {
    const now = Date.now();
    const cbor = translatedDatums(true, now) as TranslatedDatum[];
    const json = translatedDatums(false, now) as TranslatedDatum[];
    expect(cbor.map((d) => d.dimensionsJson)).to.deep.equal(cbor.map(() => ''));
    expect(cbor.map((d) => d.Dimensions)).to.deep.equal(json.map((d) => d.Dimensions));
    expect(cbor.map(serializeDatum)).to.deep.equal(json.map(serializeDatum));
  });

  it('writes dimension lists of every length and shape as the SDK does (24 and more, spaced, escaped)', async () => {
    const dims = (n: number) => Array.from({ length: n }, (_, i) => ({ Name: `k${i}`, Value: `v "${i}" ü` }));
    const t = new Date(1795424209123);
    const datums = [
      ...[0, 1, 23, 24, 30].map((n) => new TranslatedDatum('m', JSON.stringify(dims(n)), t, 'Count', undefined, n)),
      ...[0, 1, 23, 24, 30].map(
        (n) =>
          new TranslatedDatum(
            'm',
            JSON.stringify(dims(n).map((d) => ({ Name: d.Name, Value: `v${n}` }))),
            t,
            'Count',
            undefined,
            n,
          ),
      ),
      new TranslatedDatum('m', '[ {"Name": "a", "Value": "b"} ]', t, 'Count', undefined, 1),
      new TranslatedDatum('m', '[{"Value":"b","Name":"a"}]', t, 'Count', undefined, 2),
      new TranslatedDatum(
        'm',
        '[{"Name":"a","Value":"b"},{"Name":"c","Value":"d"}, {"Name":"e","Value":"f"}]',
        t,
        'None',
        undefined,
        3,
      ),
    ];
    const [batch] = pack(datums).batches;
    const theirs = await sdkCborBody('My/Namespace "x"', datums.map(toPlainDatum));
    expect(decoded(batch!.body)).to.deep.equal(decoded(theirs));
  });

  it('closes a request at 1,000 datums and at the byte limit, and the bodies are as large as they say', () => {
    const datums = randomDatums(2500, 4);
    const byCount = pack(datums).batches;
    expect(byCount.map((b) => b.count)).to.deep.equal([1000, 1000, 500]);
    const bySize = pack(datums, { maxDatums: 1000, maxBytes: 50_000 });
    expect(bySize.oversized).to.deep.equal([]);
    for (const b of bySize.batches) {
      expect(b.bytes).to.equal(b.body.length).and.to.be.at.most(50_000);
      expect(b.starts).to.have.length(b.count);
    }
    // Greedy: no request could have taken the next request's first datum.
    const firstSizes = bySize.batches.slice(1).map((b) => (b.count > 1 ? b.starts[1]! : b.body.length) - b.starts[0]!);
    bySize.batches.slice(0, -1).forEach((b, i) => expect(b.bytes + firstSizes[i]!).to.be.above(50_000 - 3));
    const all = bySize.batches.flatMap((b) => cborBatchDatums(b));
    expect(all).to.have.length(2500);
    expect(all.map((d) => d.MetricName)).to.deep.equal(datums.map((d) => d.MetricName));
  });

  it('counts a datum larger than a whole request as oversized, and packs the rest', () => {
    const big: MetricDatum = { MetricName: 'big', Values: Array.from({ length: 150 }, (_, i) => i + 0.5) };
    const packer = pack([{ MetricName: 'a', Value: 1 }, big, { MetricName: 'b', Value: 2 }], {
      maxDatums: 1000,
      maxBytes: 1000,
    });
    expect(packer.oversized).to.deep.equal([big]);
    expect(packer.batches.flatMap((b) => cborBatchDatums(b)).map((d) => d.MetricName)).to.deep.equal(['a', 'b']);
  });

  it('cuts a body in halves and slices that decode to the datums they hold', async () => {
    const datums = randomDatums(101, 5);
    for (const entity of [undefined, entities[1]]) {
      const [batch] = pack(datums, undefined, entity).batches;
      const [a, b] = splitBatch(batch!);
      expect([a.count, b.count]).to.deep.equal([51, 50]);
      expect(decoded(a.body)).to.deep.equal(
        decoded(await sdkCborBody('My/Namespace "x"', datums.slice(0, 51), entity)),
      );
      expect(decoded(b.body)).to.deep.equal(decoded(await sdkCborBody('My/Namespace "x"', datums.slice(51), entity)));
      const [c, d] = splitBatch(b);
      expect(cborBatchDatums(d).map((x) => x.MetricName)).to.deep.equal(datums.slice(76).map((x) => x.MetricName));
      expect(firstMetricName(d)).to.equal(datums[76]!.MetricName);
      expect(c.count + d.count).to.equal(50);
      expect(sliceCborBatch(batch!, 100, 101).count).to.equal(1);
    }
  });

  it('drops the entity from a body without touching its datums', async () => {
    const datums = randomDatums(20, 6);
    const [batch] = pack(datums, undefined, entities[0]).batches;
    const plain = withoutOptionalMembers(batch!)!;
    expect(plain.envelope.entity).to.equal(undefined);
    expect(decoded(plain.body)).to.deep.equal(decoded(await sdkCborBody('My/Namespace "x"', datums)));
    expect(withoutOptionalMembers(plain)).to.equal(undefined);
  });

  it('reads its datums back as the JSON path would send them (timestamps to the millisecond)', () => {
    const datums = randomDatums(200, 8);
    const json = packDatums('N', cborBatchDatums(pack(datums).batches[0]!), { maxDatums: 1000, maxBytes: 1e6 });
    const direct = packDatums('N', datums, { maxDatums: 1000, maxBytes: 1e6 });
    expect(json.batches[0]!.body.toString()).to.equal(direct.batches[0]!.body.toString());
  });

  it('is smaller than the JSON body for histograms', () => {
    const datums = translatedDatums();
    const c = pack(datums).batches[0]!;
    const j = packDatums('My/Namespace "x"', datums, { maxDatums: 1000, maxBytes: 1e6 }).batches[0]!;
    expect(c.bytes).to.be.below(j.bytes);
  });
});
