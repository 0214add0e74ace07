/* eslint-disable @typescript-eslint/no-explicit-any -- EMF documents are JSON read back, probed member by member */
import { expect } from 'chai';
import { readEmfLine } from '../src/validateEmf';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
type Doc = Record<string, any>;
const valid = (): Doc => ({
  _aws: {
    Timestamp: NOW - 1000,
    CloudWatchMetrics: [
      {
        Namespace: 'Shop',
        Dimensions: [['service', 'route'], ['service']],
        Metrics: [
          { Name: 'orders', Unit: 'Count' },
          { Name: 'latency', Unit: 'Milliseconds', StorageResolution: 1 },
        ],
      },
    ],
  },
  service: 'checkout',
  route: '/a',
  orders: 3,
  latency: { Values: [1, 2, 40], Counts: [3, 1, 2], Sum: 87, Count: 6, Min: 1, Max: 40 },
  requestId: 'not a metric: other members are allowed',
});
const read = (doc: Doc | string) => readEmfLine(typeof doc === 'string' ? doc : JSON.stringify(doc), NOW);
const problemsOf = (doc: Doc | string) => {
  const r = read(doc);
  return r.kind === 'refused' ? r.problems : [];
};

describe('readEmfLine (the EMF referee)', () => {
  it('extracts every metric of a valid document once per dimension set', () => {
    const r = read(valid());
    expect(r.kind).to.equal('metrics');
    if (r.kind !== 'metrics') return;
    const [directive] = r.directives;
    expect(directive!.namespace).to.equal('Shop');
    expect(directive!.datums.map((d) => `${d.MetricName} ${d.Dimensions.map((x) => x.Name).join('+')}`)).to.deep.equal([
      'orders service+route',
      'orders service',
      'latency service+route',
      'latency service',
    ]);
    expect(directive!.datums[2]).to.deep.include({
      Values: [1, 2, 40],
      Counts: [3, 1, 2],
      StatisticValues: { SampleCount: 6, Sum: 87, Minimum: 1, Maximum: 40 },
      Unit: 'Milliseconds',
      StorageResolution: 1,
    });
    expect(directive!.datums[0]!.Timestamp.getTime()).to.equal(NOW - 1000);
  });

  it('takes the document after Lambda’s tab-separated prefix, and leaves ordinary output alone', () => {
    expect(read(`2026-12-03T12:00:00.000Z\tabc-123\tINFO\t${JSON.stringify(valid())}`).kind).to.equal('metrics');
    expect(read('hello world').kind).to.equal('log');
    expect(read('{"level":"info","msg":"a JSON log line, not EMF"}').kind).to.equal('log');
    expect(read(`some text then ${JSON.stringify(valid())}`).kind).to.equal('log');
  });

  const cases: Array<[string, (d: Doc) => Doc | string, RegExp]> = [
    ['a document cut in two', (d) => JSON.stringify(d).slice(0, 120), /not one JSON document/],
    ['an _aws that is not an object', (d) => ({ ...d, _aws: [] }), /_aws must be an object/],
    [
      'a member _aws does not define',
      (d) => ({ ...d, _aws: { ...d['_aws'], LogGroupName: 'x' } }),
      /does not define: LogGroupName/,
    ],
    [
      'a timestamp in seconds',
      (d) => ({ ...d, _aws: { ...d['_aws'], Timestamp: 1.5 } }),
      /Timestamp must be an integer/,
    ],
    [
      'a timestamp three weeks old',
      (d) => ({ ...d, _aws: { ...d['_aws'], Timestamp: NOW - 21 * 86_400_000 } }),
      /outside CloudWatch's window/,
    ],
    [
      'no directives',
      (d) => ({ ...d, _aws: { ...d['_aws'], CloudWatchMetrics: [] } }),
      /non-empty array of directives/,
    ],
    ['a reserved namespace', (d) => directive(d, { Namespace: 'AWS/Lambda' }), /Namespace must be/],
    [
      'a directive member the specification does not define',
      (d) => directive(d, { Extra: 1 }),
      /does not define: Extra/,
    ],
    ['31 dimensions in a set', (d) => wideDimensions(d, 31), /31 keys, over 30/],
    ['a dimension that is not a string', (d) => ({ ...d, route: 404 }), /dimension "route" must be a string/],
    [
      'a dimension missing from the document',
      (d) => ({ ...d, route: undefined }),
      /dimension "route" must be a string/,
    ],
    ['a blank dimension value', (d) => ({ ...d, route: '  ' }), /1–1024 characters/],
    ['101 metrics', (d) => manyMetrics(d, 101), /1–100 metric definitions/],
    [
      'a metric defined twice',
      (d) => directive(d, { Metrics: [{ Name: 'orders' }, { Name: 'orders' }] }),
      /defined twice/,
    ],
    [
      'a unit CloudWatch does not know',
      (d) => directive(d, { Metrics: [{ Name: 'orders', Unit: 'Requests' }] }),
      /not a CloudWatch unit/,
    ],
    [
      'a storage resolution of 30',
      (d) => directive(d, { Metrics: [{ Name: 'orders', StorageResolution: 30 }] }),
      /1 or 60/,
    ],
    ['a metric whose member is a string', (d) => ({ ...d, orders: '3' }), /must be a number/],
    ['a metric missing from the document', (d) => ({ ...d, orders: undefined }), /must be a number/],
    ['101 values', (d) => ({ ...d, orders: Array.from({ length: 101 }, (_, i) => i) }), /1–100 numbers/],
    ['a value past 2^360', (d) => ({ ...d, orders: 2 ** 361 }), /outside \[-2\^360, 2\^360\]/],
    ['101 distribution values', (d) => ({ ...d, latency: dist(101) }), /Values must be 1–100/],
    [
      'counts that do not match the values',
      (d) => ({ ...d, latency: { ...d['latency'], Counts: [1, 2] } }),
      /as many numbers/,
    ],
    [
      'a Count that is not the sum of Counts',
      (d) => ({ ...d, latency: { ...d['latency'], Count: 7 } }),
      /not the sum of Counts/,
    ],
    ['a value outside [Min, Max]', (d) => ({ ...d, latency: { ...d['latency'], Max: 30 } }), /outside \[Min, Max\]/],
    [
      'a member twice (JSON.parse would keep the last)',
      (d) => JSON.stringify(d).replace('"orders":3', '"orders":3,"orders":4'),
      /member "orders" twice/,
    ],
    [
      'a second _aws after a junk one',
      (d) => JSON.stringify(d).replace('{"_aws"', '{"_aws":"junk","_aws"'),
      /member "_aws" twice/,
    ],
    ['no dimension set at all', (d) => directive(d, { Dimensions: [] }), /non-empty array of dimension sets/],
    ['a document over 256 KiB', (d) => ({ ...d, padding: 'x'.repeat(262_144) }), /over 262144/],
  ];
  for (const [name, change, problem] of cases) {
    it(`refuses ${name}`, () => {
      const problems = problemsOf(change(valid()));
      expect(problems.join('; ')).to.match(problem);
    });
  }

  function directive(d: Doc, extra: Doc): Doc {
    return { ...d, _aws: { ...d['_aws'], CloudWatchMetrics: [{ ...d['_aws'].CloudWatchMetrics[0], ...extra }] } };
  }
  function wideDimensions(d: Doc, n: number): Doc {
    const keys = Array.from({ length: n }, (_, i) => `k${i}`);
    const out = directive(d, { Dimensions: [keys] });
    for (const k of keys) out[k] = 'v';
    return out;
  }
  function manyMetrics(d: Doc, n: number): Doc {
    const out = directive(d, { Metrics: Array.from({ length: n }, (_, i) => ({ Name: `m${i}` })) });
    for (let i = 0; i < n; i++) out[`m${i}`] = i;
    return out;
  }
  function dist(n: number): Doc {
    const values = Array.from({ length: n }, (_, i) => i + 1);
    return { Values: values, Counts: values.map(() => 1), Sum: (n * (n + 1)) / 2, Count: n, Min: 1, Max: n };
  }
});
