import { expect } from 'chai';
import { checkEntities, validatePutMetricData } from '../src/validatePutMetricData';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const nowS = NOW / 1000;
const ok = { MetricName: 'm', Value: 1, Timestamp: nowS };
const dims = (n: number) => Array.from({ length: n }, (_, i) => ({ Name: `d${i}`, Value: 'v' }));
const histogram = (extra: object = {}) => ({
  MetricName: 'h',
  Timestamp: nowS,
  Values: [1, 2, 10],
  Counts: [1, 2, 1],
  StatisticValues: { SampleCount: 4, Sum: 15, Minimum: 1, Maximum: 10 },
  ...extra,
});
const req = (...datums: object[]) => ({ Namespace: 'Svc', MetricData: datums });
const run = (input: unknown, bytes = 100, strictDistributions = true) =>
  validatePutMetricData(input, bytes, { now: NOW, strictDistributions });

describe('validatePutMetricData', () => {
  const good: Array<[string, unknown]> = [
    ['a plain value', req(ok)],
    ['30 dimensions', req({ ...ok, Dimensions: dims(30) })],
    ['a consistent histogram', req(histogram())],
    ['Values without Counts', req({ MetricName: 'v', Values: [1, 2, 3] })],
    [
      'StatisticValues alone',
      req({ MetricName: 's', StatisticValues: { SampleCount: 2, Sum: 3, Minimum: 1, Maximum: 2 } }),
    ],
    ['1000 datums', req(...Array.from({ length: 1000 }, () => ok))],
    ['150 values', req({ MetricName: 'v', Values: Array.from({ length: 150 }, (_, i) => i) })],
    ['every edge of the value range', req({ ...ok, Value: 2 ** 360 }, { ...ok, Value: -(2 ** 360) })],
    ['a timestamp 13 days old', req({ ...ok, Timestamp: nowS - 13 * 86400 })],
    ['a timestamp 1 hour ahead', req({ ...ok, Timestamp: nowS + 3600 })],
    ['a unit from the list', req({ ...ok, Unit: 'Bytes/Second' })],
    ['high resolution', req({ ...ok, StorageResolution: 1 })],
    ['a 1024-character dimension value', req({ ...ok, Dimensions: [{ Name: 'd', Value: 'x'.repeat(1024) }] })],
  ];
  for (const [name, input] of good) {
    it(`accepts ${name}`, () => {
      expect(run(input)).to.equal(undefined);
    });
  }

  const bad: Array<[string, unknown, string, number?]> = [
    ['a body over 1 MB', req(ok), 'RequestEntityTooLarge', 1_000_001],
    ['1001 datums', req(...Array.from({ length: 1001 }, () => ok)), 'InvalidParameterValue'],
    ['no datums', req(), 'MissingParameter'],
    ['3 EntityMetricData entries', { Namespace: 'S', EntityMetricData: [{}, {}, {}] }, 'InvalidParameterValue'],
    ['a reserved namespace', { Namespace: 'AWS/EC2', MetricData: [ok] }, 'InvalidParameterValue'],
    ['a namespace starting with a colon', { Namespace: ':x', MetricData: [ok] }, 'InvalidParameterValue'],
    ['a non-ASCII namespace', { Namespace: 'Sérvice', MetricData: [ok] }, 'InvalidParameterValue'],
    ['a 256-character namespace', { Namespace: 'n'.repeat(256), MetricData: [ok] }, 'InvalidParameterValue'],
    ['a missing namespace', { MetricData: [ok] }, 'MissingParameter'],
    ['an empty metric name', req({ ...ok, MetricName: '' }), 'InvalidParameterValue'],
    ['a whitespace metric name', req({ ...ok, MetricName: '   ' }), 'InvalidParameterValue'],
    ['a 256-character metric name', req({ ...ok, MetricName: 'm'.repeat(256) }), 'InvalidParameterValue'],
    ['31 dimensions', req({ ...ok, Dimensions: dims(31) }), 'InvalidParameterValue'],
    ['an empty dimension value', req({ ...ok, Dimensions: [{ Name: 'd', Value: '' }] }), 'InvalidParameterValue'],
    ['a whitespace dimension value', req({ ...ok, Dimensions: [{ Name: 'd', Value: ' ' }] }), 'InvalidParameterValue'],
    ['a non-ASCII dimension value', req({ ...ok, Dimensions: [{ Name: 'd', Value: 'ü' }] }), 'InvalidParameterValue'],
    [
      'a control character in a dimension name',
      req({ ...ok, Dimensions: [{ Name: 'a\nb', Value: 'v' }] }),
      'InvalidParameterValue',
    ],
    [
      'a dimension name starting with a colon',
      req({ ...ok, Dimensions: [{ Name: ':a', Value: 'v' }] }),
      'InvalidParameterValue',
    ],
    [
      'a 1025-character dimension value',
      req({ ...ok, Dimensions: [{ Name: 'd', Value: 'x'.repeat(1025) }] }),
      'InvalidParameterValue',
    ],
    [
      'a duplicate dimension name',
      req({
        ...ok,
        Dimensions: [
          { Name: 'd', Value: 'a' },
          { Name: 'd', Value: 'b' },
        ],
      }),
      'InvalidParameterValue',
    ],
    ['NaN (as the SDK serializes it)', req({ ...ok, Value: 'NaN' }), 'InvalidParameterValue'],
    ['Infinity', req({ ...ok, Value: 'Infinity' }), 'InvalidParameterValue'],
    ['a value over 2^360', req({ ...ok, Value: 2 ** 361 }), 'InvalidParameterValue'],
    ['a timestamp 15 days old', req({ ...ok, Timestamp: nowS - 15 * 86400 }), 'InvalidParameterValue'],
    ['a timestamp 3 hours ahead', req({ ...ok, Timestamp: nowS + 3 * 3600 }), 'InvalidParameterValue'],
    ['an unknown unit', req({ ...ok, Unit: 'Nanoseconds' }), 'InvalidParameterValue'],
    ['storage resolution 5', req({ ...ok, StorageResolution: 5 }), 'InvalidParameterValue'],
    ['Value with Values', req({ ...ok, Values: [1] }), 'InvalidParameterCombination'],
    [
      'Value with StatisticValues',
      req({ ...ok, StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } }),
      'InvalidParameterCombination',
    ],
    ['no value at all', req({ MetricName: 'm' }), 'MissingParameter'],
    ['151 values', req({ MetricName: 'v', Values: Array.from({ length: 151 }, (_, i) => i) }), 'InvalidParameterValue'],
    ['Counts longer than Values', req(histogram({ Counts: [1, 2, 1, 1] })), 'InvalidParameterValue'],
    ['a negative count', req(histogram({ Counts: [1, -2, 5] })), 'InvalidParameterValue'],
    ['an infinite value in Values', req(histogram({ Values: [1, 'Infinity', 10] })), 'InvalidParameterValue'],
    [
      'StatisticValues without Maximum',
      req({ MetricName: 's', StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1 } }),
      'MissingParameter',
    ],
    [
      'Minimum above Maximum',
      req({ MetricName: 's', StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 2, Maximum: 1 } }),
      'InvalidParameterValue',
    ],
    [
      'a zero SampleCount',
      req({ MetricName: 's', StatisticValues: { SampleCount: 0, Sum: 0, Minimum: 0, Maximum: 0 } }),
      'InvalidParameterValue',
    ],
    ['sum(Counts) different from SampleCount', req(histogram({ Counts: [1, 2, 2] })), 'InvalidParameterValue'],
    [
      'a Sum that disagrees with Values/Counts',
      req(histogram({ StatisticValues: { SampleCount: 4, Sum: 16, Minimum: 1, Maximum: 10 } })),
      'InvalidParameterValue',
    ],
    [
      'a Maximum that disagrees with Values/Counts',
      req(histogram({ StatisticValues: { SampleCount: 4, Sum: 15, Minimum: 1, Maximum: 11 } })),
      'InvalidParameterValue',
    ],
  ];
  for (const [name, input, code, bytes] of bad) {
    it(`refuses ${name} with ${code}`, () => {
      const v = run(input, bytes);
      expect(v, 'a violation').to.not.equal(undefined);
      expect(v!.code).to.equal(code);
      expect(v!.status).to.equal(code === 'RequestEntityTooLarge' ? 413 : 400);
    });
  }

  it('names the offending datum and field in its message, as CloudWatch does', () => {
    const v = run(req(ok, { ...ok, Value: 'NaN' }));
    expect(v!.message).to.contain('MetricData.member.2.Value');
  });

  it('lets a disagreeing Sum through when strict distributions are off (CloudWatch itself stores it)', () => {
    const input = req(histogram({ StatisticValues: { SampleCount: 4, Sum: 16, Minimum: 1, Maximum: 10 } }));
    expect(run(input, 100, false)).to.equal(undefined);
    expect(run(req(histogram({ Counts: [1, 2, 2] })), 100, false)?.code).to.equal('InvalidParameterValue');
  });
});

describe('checkEntities (EntityMetricData, as CloudWatch judges it)', () => {
  const service = { Type: 'Service', Name: 'checkout', Environment: 'eks:prod/shop' };
  const withEntity = (Entity: unknown, strict = false) => ({
    Namespace: 'Svc',
    EntityMetricData: [{ Entity, MetricData: [ok] }],
    StrictEntityValidation: strict,
  });
  const cases: Array<[string, unknown, string | undefined]> = [
    ['a service entity', { KeyAttributes: service, Attributes: { PlatformType: 'AWS::EKS' } }, undefined],
    [
      'a resource entity',
      { KeyAttributes: { Type: 'AWS::Resource', ResourceType: 'AWS::DynamoDB::Table', Identifier: 't' } },
      undefined,
    ],
    ['no entity', undefined, 'InvalidEntity'],
    ['one key attribute', { KeyAttributes: { Type: 'Service' } }, 'InvalidKeyAttributes'],
    [
      'five key attributes',
      { KeyAttributes: { ...service, ResourceType: 'x', Identifier: 'y' } },
      'InvalidKeyAttributes',
    ],
    ['an unknown key attribute', { KeyAttributes: { ...service, Owner: 'me' } }, 'InvalidKeyAttributes'],
    ['an empty key attribute value', { KeyAttributes: { ...service, Name: '' } }, 'InvalidKeyAttributes'],
    [
      'eleven attributes',
      { KeyAttributes: service, Attributes: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, 'v'])) },
      'InvalidAttributes',
    ],
    ['an unknown type', { KeyAttributes: { ...service, Type: 'Thing' } }, 'InvalidTypeValue'],
    [
      'a service without its environment',
      { KeyAttributes: { Type: 'Service', Name: 'checkout' } },
      'MissingRequiredFields',
    ],
  ];
  for (const [name, entity, failure] of cases) {
    it(`${failure ?? 'accepts'}: ${name}`, () => {
      expect(checkEntities(withEntity(entity))?.failure).to.equal(failure);
      // Its datums are fine either way: only the entity is judged here.
      expect(run(withEntity(entity))).to.equal(undefined);
    });
  }

  it('requires StrictEntityValidation with EntityMetricData, and counts both lists against 1,000 datums', () => {
    expect(
      run({ Namespace: 'Svc', EntityMetricData: [{ Entity: { KeyAttributes: service }, MetricData: [ok] }] }),
    ).to.include({
      code: 'MissingParameter',
    });
    const many = (n: number) => Array.from({ length: n }, () => ok);
    const input = (plain: number, entity: number) => ({
      Namespace: 'Svc',
      MetricData: many(plain),
      EntityMetricData: [{ Entity: { KeyAttributes: service }, MetricData: many(entity) }],
      StrictEntityValidation: false,
    });
    expect(run(input(500, 500))).to.equal(undefined);
    expect(run(input(500, 501))?.message).to.match(/1000/);
  });
});
