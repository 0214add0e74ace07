import type { Entity, MetricDatum } from '@aws-sdk/client-cloudwatch';
import { cbor } from '@smithy/core/cbor';
import { expect } from 'chai';
import { CborPacker } from '../../src/pack/CborPacker';
import { packDatums } from '../../src/pack/packDatums';
import { cborBatchDatums } from '../../src/pack/cbor/cborBatchDatums';
import { TranslatedDatum, toPlainDatum } from '../../src/translate/TranslatedDatum';
import { sdkCborBody } from './captureSdkBody';
import { defaultOutput, resolveOptions } from '../../src/config/resolveOptions';

const NS = 'N';
const pack = (datums: MetricDatum[], maxBytes = 1_000_000, entity?: Entity) => {
  const p = new CborPacker(NS, { maxDatums: 1000, maxBytes }, undefined, false, entity);
  for (const d of datums) p.add(d);
  p.finish();
  return p;
};
function firstDiff(a: Uint8Array, b: Uint8Array): string {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++)
    if (a[i] !== b[i])
      return `at ${i}: ours ${Buffer.from(a.subarray(i, i + 10)).toString('hex')} sdk ${Buffer.from(b.subarray(i, i + 10)).toString('hex')}`;
  return a.length === b.length ? 'equal' : `lengths ${a.length} vs ${b.length}`;
}
const t = new Date(1795424209123);

const cases: Array<[string, MetricDatum]> = [
  ['-0', { MetricName: 'm', Value: -0 }],
  ['2^53-1', { MetricName: 'm', Value: 2 ** 53 - 1 }],
  ['2^53', { MetricName: 'm', Value: 2 ** 53 }],
  ['-(2^53-1)', { MetricName: 'm', Value: -(2 ** 53 - 1) }],
  ['-2^53', { MetricName: 'm', Value: -(2 ** 53) }],
  ['2^64', { MetricName: 'm', Value: 2 ** 64 }],
  ['1e300', { MetricName: 'm', Value: 1e300 }],
  ['-1e-300', { MetricName: 'm', Value: -1e-300 }],
  ['5e-324', { MetricName: 'm', Value: 5e-324 }],
  ['2^32', { MetricName: 'm', Value: 2 ** 32 }],
  ['-2^32-1', { MetricName: 'm', Value: -(2 ** 32) - 1 }],
  ['NaN', { MetricName: 'm', Value: NaN }],
  ['Infinity', { MetricName: 'm', Value: Infinity }],
  ['ts whole second', { MetricName: 'm', Value: 1, Timestamp: new Date(1795424209000) }],
  ['ts ms', { MetricName: 'm', Value: 1, Timestamp: t }],
  ['ts pre-1970', { MetricName: 'm', Value: 1, Timestamp: new Date(-1500) }],
  ['non-ascii name', { MetricName: 'naïve 用户 😀', Value: 1, Unit: 'Count' }],
  ['long non-ascii name', { MetricName: 'é'.repeat(100), Value: 1 }],
  ['lone surrogate name', { MetricName: 'a\ud800b', Value: 1 }],
  ['lone low surrogate long', { MetricName: 'x'.repeat(70) + '\udc00', Value: 1 }],
  ['non-ascii unit', { MetricName: 'm', Value: 1, Unit: 'Bytés' as never }],
  [
    'dims odd',
    {
      MetricName: 'm',
      Value: 1,
      Dimensions: [
        { Name: 'q"uote', Value: 'back\\slash' },
        { Name: 'ctl', Value: 'a\u0000\u0001\n\t\u007f' },
        { Name: 'emoji', Value: '😀🙃' },
        { Name: 'lone', Value: '\ud83d' },
        { Name: 'empty', Value: '' },
      ],
    },
  ],
  [
    '30 dims',
    {
      MetricName: 'm',
      Value: 1,
      Dimensions: Array.from({ length: 30 }, (_, i) => ({ Name: `k${i}`, Value: 'v'.repeat(i * 9) })),
    },
  ],
  [
    '150 values',
    {
      MetricName: 'm',
      Values: Array.from({ length: 150 }, (_, i) => (i % 2 ? -i * 1.5 : 2 ** 60 + i)),
      Counts: Array.from({ length: 150 }, (_, i) => i + 1),
      StatisticValues: { SampleCount: 150, Sum: 1e308, Minimum: -1e308, Maximum: 1e308 },
    },
  ],
  ['storage res', { MetricName: 'm', Value: 1, StorageResolution: 1 }],
  ['empty datum', {} as MetricDatum],
];

describe('CBOR bodies against the SDK, case by case', () => {
  for (const [name, d] of cases) {
    it(`byte-equal: ${name}`, async () => {
      const [ours] = pack([d]).batches;
      const theirs = await sdkCborBody(NS, [d]);
      expect(firstDiff(ours!.body, theirs), name).to.equal('equal');
    });
  }
  for (const [name, d] of cases) {
    it(`decode-equal: ${name}`, async () => {
      const [ours] = pack([d]).batches;
      const theirs = await sdkCborBody(NS, [d]);
      expect(cbor.deserialize(ours!.body)).to.deep.equal(cbor.deserialize(theirs));
    });
  }
  it('translated dims with raw lone surrogate / non-ascii in JSON fast path', async () => {
    const json = JSON.stringify([
      { Name: 'a', Value: 'é😀' },
      { Name: 'b', Value: 'x' },
    ]).replace('x', '\ud800');
    const d = new TranslatedDatum('m', json, t, 'Count', undefined, 1);
    const [ours] = pack([d]).batches;
    const theirs = await sdkCborBody(NS, [toPlainDatum(d)]);
    expect(firstDiff(ours!.body, theirs)).to.equal('equal');
  });
  it('translated dims, 24..30 via fast path', async () => {
    for (const n of [23, 24, 25, 30]) {
      const json = JSON.stringify(Array.from({ length: n }, (_, i) => ({ Name: `k${i}`, Value: 'v'.repeat(70) })));
      const d = new TranslatedDatum('m', json, t, 'Count', undefined, 1);
      const [ours] = pack([d]).batches;
      const theirs = await sdkCborBody(NS, [toPlainDatum(d)]);
      expect(firstDiff(ours!.body, theirs), String(n)).to.equal('equal');
    }
  });
  it('entity with odd attributes', async () => {
    const entity: Entity = {
      KeyAttributes: { Type: 'Service', Name: '😀\ud800"\\', Environment: 'x'.repeat(300) },
      Attributes: {},
    };
    const d = { MetricName: 'm', Value: 1 };
    const [ours] = pack([d], 1_000_000, entity).batches;
    const theirs = await sdkCborBody(NS, [d], entity);
    expect(cbor.deserialize(ours!.body)).to.deep.equal(cbor.deserialize(theirs));
    expect(firstDiff(ours!.body, theirs)).to.equal('equal');
  });

  describe('byte limit', () => {
    // datum sized so that one body is exactly `limit` bytes
    function datumOfBody(target: number): MetricDatum {
      let len = 10;
      for (;;) {
        const d = { MetricName: 'x'.repeat(len), Value: 1 };
        const p = new CborPacker(NS, { maxDatums: 1000, maxBytes: 10_000_000 }, undefined, false);
        p.add(d);
        const b = p.finish()[0]!;
        if (b.bytes === target) return d;
        if (b.bytes > target) {
          len -= 1;
          continue;
        }
        len += Math.max(1, Math.floor((target - b.bytes) / 2));
      }
    }
    it('a lone datum whose body is exactly maxBytes is sent, not dropped as oversized', () => {
      const limit = 70_000;
      const d = datumOfBody(limit);
      const p = pack([d], limit);
      expect(p.oversized, 'oversized').to.have.length(0);
      expect(p.batches.map((b) => b.bytes)).to.deep.equal([limit]);
    });
    it('JSON packer on the same: body of exactly maxBytes', () => {
      const d = { MetricName: 'x'.repeat(100), Value: 1 };
      const j = packDatums(NS, [d], { maxDatums: 1000, maxBytes: 1e6 }).batches[0]!;
      const d2 = { MetricName: 'x'.repeat(100 + 70_000 - j.bytes), Value: 1 };
      const j2 = packDatums(NS, [d2], { maxDatums: 1000, maxBytes: 70_000 });
      expect(j2.oversized).to.have.length(0);
      expect(j2.batches[0]!.bytes).to.equal(70_000);
    });
    it('two datums filling exactly maxBytes go in one request', () => {
      const limit = 70_000;
      const a = { MetricName: 'a', Value: 1 };
      const one = pack([a]).batches[0]!.bytes; // head+a+tail
      const two = pack([a, a]).batches[0]!.bytes;
      const per = two - one;
      // b such that [a, b] is exactly limit bytes
      const b = datumOfBody(limit - per);
      const bodyAB = pack([a, b], 10_000_000).batches[0]!.bytes;
      expect(bodyAB).to.equal(limit);
      const p = pack([a, b], limit);
      expect(p.batches.map((x) => x.count)).to.deep.equal([2]);
    });
    it('never exceeds maxBytes; random sizes', () => {
      for (let limit = 65_536; limit < 65_536 + 40; limit++) {
        const datums = Array.from({ length: 3000 }, (_, i) => ({
          MetricName: 'm'.repeat(1 + ((i * 7919) % 200)),
          Value: i * 1.5,
        }));
        const p = pack(datums, limit);
        for (const b of p.batches) {
          expect(b.bytes).to.be.at.most(limit);
          expect(b.body.length).to.equal(b.bytes);
        }
        expect(p.batches.flatMap((b) => cborBatchDatums(b)).length + p.oversized.length).to.equal(3000);
      }
    });
  });

  describe('option', () => {
    for (const bad of ['CBOR', '', 0, 'json ', {}]) {
      it(`refuses putMetricDataProtocol ${JSON.stringify(bad)}`, () => {
        expect(() => resolveOptions({ namespace: 'N', putMetricDataProtocol: bad as never })).to.throw(RangeError);
      });
    }
    it('in Lambda, putMetricDataProtocol (a PutMetricData-only option) keeps PutMetricData as entity/clientConfig do', () => {
      const env = { AWS_LAMBDA_FUNCTION_NAME: 'f', AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x' };
      expect(defaultOutput({ namespace: 'N', clientConfig: {} }, env)).to.equal('putMetricData');
      expect(defaultOutput({ namespace: 'N', putMetricDataProtocol: 'cbor' }, env)).to.equal('putMetricData');
    });
  });
});
