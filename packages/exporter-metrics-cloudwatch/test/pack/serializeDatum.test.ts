import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { expect } from 'chai';
import { envelope, serializeDatum } from '../../src/pack/serializeDatum';
import { ValueType } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import { CumulativeToDelta } from '../../src/translate/CumulativeToDelta';
import { DropReporter } from '../../src/stats/DropReporter';
import { translateResourceMetrics } from '../../src/translate/translateResourceMetrics';
import { rng } from '../helpers';
import { sdkBody } from './captureSdkBody';

/** Random datums covering every member, odd numbers and non-ASCII names. */
function randomDatums(n: number, seed: number): MetricDatum[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const numbers = [0, -0, 1, -1.5, 1e-7, 123456789.123, 2 ** 360, -(2 ** 360), 5e-324, 1e21, 0.1 + 0.2];
  const out: MetricDatum[] = [];
  for (let i = 0; i < n; i++) {
    const d = {} as MetricDatum;
    // Members are added in a scrambled order: the SDK writes them in model order whatever the input order.
    const members = ['Unit', 'Value', 'Dimensions', 'MetricName', 'Timestamp', 'StorageResolution'].sort(
      () => r() - 0.5,
    );
    const histogram = r() < 0.4;
    for (const m of members) {
      if (m === 'MetricName')
        d.MetricName = pick(['latency', 'naïve "quoted" \\ name', '用户', 'a\u2028b', 'x'.repeat(255)]);
      if (m === 'Dimensions' && r() < 0.8) {
        d.Dimensions = Array.from({ length: Math.floor(r() * 5) }, (_, k) => ({
          Name: `k${k}`,
          Value: pick(['v', '/a/b?c=d', 'x y', '\\u7528']),
        }));
      }
      if (m === 'Timestamp' && r() < 0.9) d.Timestamp = new Date(1795424209000 + Math.floor(r() * 1e6));
      if (m === 'Value' && !histogram) d.Value = pick(numbers);
      if (m === 'Unit' && r() < 0.7) d.Unit = pick(['Count', 'Bytes/Second', 'None']);
      if (m === 'StorageResolution' && r() < 0.3) d.StorageResolution = 1;
    }
    if (histogram) {
      const k = 1 + Math.floor(r() * 150);
      d.Counts = Array.from({ length: k }, () => 1 + Math.floor(r() * 1000));
      d.StatisticValues = { Maximum: pick(numbers), SampleCount: 3, Minimum: pick(numbers), Sum: pick(numbers) };
      // An incomplete set (CloudWatch refuses it, but serializing it must still match).
      if (r() < 0.1) delete d.StatisticValues.Minimum;
      d.Values = Array.from({ length: k }, () => pick(numbers) * r());
    }
    out.push(d);
  }
  return out;
}

describe('serializeDatum', () => {
  for (const seed of [1, 2, 3]) {
    it(`writes byte for byte what the AWS SDK writes (random datums, seed ${seed})`, async () => {
      const datums = randomDatums(300, seed);
      const { head, tail } = envelope('My/Namespace "x"');
      const ours = head + datums.map(serializeDatum).join(',') + tail;
      const theirs = await sdkBody('My/Namespace "x"', datums);
      expect(ours).to.equal(theirs);
      expect(Buffer.byteLength(ours)).to.equal(Buffer.byteLength(theirs));
    });
  }
});

describe('the envelope of a request with an entity', () => {
  const entities = [
    { KeyAttributes: { Type: 'Service', Name: 'checkout', Environment: 'eks:prod/shop' } },
    {
      KeyAttributes: { Type: 'Service', Name: 'café "naïve" \\ 用户', Environment: 'generic:default' },
      Attributes: { PlatformType: 'Generic', 'K8s.Namespace': 'ns', Host: 'h-1' },
    },
  ];
  for (const [i, entity] of entities.entries()) {
    it(`writes byte for byte what the AWS SDK writes (entity ${i + 1})`, async () => {
      const datums = randomDatums(50, 7 + i);
      const { head, tail } = envelope('NS', entity);
      expect(head + datums.map(serializeDatum).join(',') + tail).to.equal(await sdkBody('NS', datums, entity));
    });
  }
});

describe('serializeDatum of translated datums', () => {
  it('writes byte for byte what the AWS SDK writes, with the dimensions translation already wrote', async () => {
    const now = Date.now();
    const attributeSets = [
      {},
      { route: '/api/orders/{id}', method: 'GET', code: 200 },
      { quote: 'say "hi"', backslash: 'C:\\temp', unicode: 'Zürich 用户', ctl: 'a\tb', ok: true, list: ['x', 2] },
      { long: 'v'.repeat(1500), ['n'.repeat(300)]: 1 },
    ];
    const metric = (name: string, type: DataPointType, value: (i: number) => unknown) =>
      ({
        descriptor: { name, unit: 'ms', description: '', valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.DELTA,
        dataPointType: type,
        isMonotonic: true,
        dataPoints: attributeSets.map((attributes, i) => ({
          startTime: millisToHrTime(now - 60_000),
          endTime: millisToHrTime(now),
          attributes,
          value: value(i),
        })),
      }) as MetricData;
    const datums = translateResourceMetrics(
      {
        resource: resourceFromAttributes({ 'service.name': 'checkout "eu"' }),
        scopeMetrics: [
          {
            scope: { name: 's' },
            metrics: [
              metric('latency "p"', DataPointType.SUM, (i) => i * 1.25 - 1),
              metric('größe', DataPointType.HISTOGRAM, (i) => ({
                count: 4 + i,
                sum: 50.25 + 5 * i, // reachable: 0.5 + 30 + (1 + i) samples in (1, 10] + one in (10, 30]
                min: 0.5,
                max: 30,
                buckets: { boundaries: [1, 10, 100], counts: [1, 1 + i, 2, 0] },
              })),
            ],
          },
        ],
      },
      {
        storageResolution: 1,
        resourceDimensions: ['service.name'],
        deltas: new CumulativeToDelta(60_000),
        drops: new DropReporter(),
        now,
      },
    );
    expect(datums).to.have.length(2 * attributeSets.length);
    const { head, tail } = envelope('NS');
    expect(head + datums.map(serializeDatum).join(',') + tail).to.equal(await sdkBody('NS', datums));
  });
});
