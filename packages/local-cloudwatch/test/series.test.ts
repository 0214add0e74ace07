import { expect } from 'chai';
import type { StoredPut } from '../src';
import { parseCommandLine, UsageError } from '../src/cli';
import {
  buildReport,
  collectStored,
  datumTime,
  fmt,
  foldListed,
  formatJson,
  formatTable,
  percentile,
  seriesId,
  seriesKey,
  type Window,
} from '../src/series';
import { readWindow } from '../src/readCommand';

const ALL: Window = { start: 0, end: 8e15 };
const put = (input: unknown, region = 'us-east-1', receivedAt = 1_000_000): StoredPut => ({
  receivedAt,
  region,
  input,
});

describe('series (pure read-back logic)', () => {
  it('folds ListMetrics to one entry per series, dimensions in any order', () => {
    const dims = [
      { Name: 'route', Value: '/a' },
      { Name: 'method', Value: 'GET' },
    ];
    const listed = foldListed('us-east-1', [
      ...Array.from({ length: 100 }, () => ({ Namespace: 'N', MetricName: 'lat', Dimensions: [] })),
      { Namespace: 'N', MetricName: 'lat', Dimensions: dims },
      { Namespace: 'N', MetricName: 'lat', Dimensions: [...dims].reverse() },
      { Namespace: 'N', MetricName: 'lat', Dimensions: [{ Name: 'route', Value: '/b' }] },
      { Namespace: 'M', MetricName: 'lat' },
    ]);
    expect(listed.map((id) => `${id.namespace}/${id.metricName}/${id.dimensions.join(';')}`)).to.deep.equal([
      'N/lat/',
      'N/lat/method,GET;route,/a',
      'N/lat/route,/b',
      'M/lat/',
    ]);
  });

  it('computes nearest-rank percentiles of a weighted distribution', () => {
    const d = new Map([
      [1000, 1],
      [10, 50],
      [20, 30],
      [30, 10],
      [40, 9],
    ]);
    expect([0.5, 0.9, 0.99, 1].map((q) => percentile(d, q))).to.deep.equal([10, 30, 40, 1000]);
    // 1..10 once each: the ⌈q·N⌉-th smallest (no interpolation: p50 is 5, not 5.5).
    const ten = new Map(Array.from({ length: 10 }, (_, i) => [i + 1, 1]));
    expect([0.5, 0.9, 0.99].map((q) => percentile(ten, q))).to.deep.equal([5, 9, 10]);
    expect(percentile(new Map([[3, 0]]), 0.5)).to.equal(undefined);
    expect(percentile(new Map(), 0.5)).to.equal(undefined);
  });

  it('combines Value, Values/Counts, StatisticValues and entity datums per exact series', () => {
    const stored = [
      put({
        Namespace: 'N',
        MetricData: [
          { MetricName: 'lat', Values: [10, 20, 1000], Counts: [40, 30, 1], Unit: 'Milliseconds' },
          { MetricName: 'lat', Value: 7, Dimensions: [{ Name: 'route', Value: '/a' }], Unit: 'Milliseconds' },
          { MetricName: 'orders', StatisticValues: { SampleCount: 4, Sum: 10, Minimum: 1, Maximum: 4 } },
        ],
      }),
      put({
        Namespace: 'N',
        EntityMetricData: [
          {
            Entity: { KeyAttributes: {} },
            MetricData: [
              {
                MetricName: 'lat',
                Values: [10, 30, 40],
                Counts: [10, 10, 9],
                StatisticValues: { SampleCount: 29, Sum: 760, Minimum: 10, Maximum: 40 },
                Unit: 'Milliseconds',
              },
            ],
          },
        ],
      }),
    ];
    const collected = collectStored(stored, ALL);
    const listed = [...collected.inWindow.values()].map((s) => s.id);
    const { rows, notes } = buildReport(listed, collected);
    expect(notes).to.deep.equal([]);
    expect(formatTable(rows, 'us-east-1')).to.equal(
      [
        'Namespace  Metric  Dimensions  Unit          Count   Sum  Min   Max  p50  p90  p99',
        'N          lat     (none)      Milliseconds    100  2760   10  1000   10   30   40',
        'N          lat     route=/a    Milliseconds      1     7    7     7    7    7    7',
        'N          orders  (none)      None              4    10    1     4    —    —    —',
      ].join('\n'),
    );
    expect(formatJson(rows).split('\n')[2]).to.equal(
      '{"region":"us-east-1","namespace":"N","metricName":"orders","dimensions":{},"unit":"None",' +
        '"count":4,"sum":10,"min":1,"max":4,"p50":null,"p90":null,"p99":null}',
    );
  });

  it('keeps only datums in the window, and tells "outside the window" from "never stored"', () => {
    const now = 10_000_000_000;
    const stored = [
      put({ Namespace: 'N', MetricData: [{ MetricName: 'old', Value: 1, Timestamp: (now - 3600_000) / 1000 }] }),
      put({ Namespace: 'N', MetricData: [{ MetricName: 'new', Value: 2, Timestamp: now / 1000 }] }),
    ];
    const collected = collectStored(stored, readWindow(now, 10));
    expect([...collected.inWindow.values()].map((s) => s.id.metricName)).to.deep.equal(['new']);
    const listed = ['old', 'new', 'ghost'].map((m) => seriesId('us-east-1', 'N', m));
    const { rows, notes } = buildReport(listed, collected, new Map(), 'us-east-1');
    expect(rows.map((r) => [r.metricName, r.count])).to.deep.equal([
      ['ghost', undefined],
      ['new', 1],
    ]);
    expect(notes).to.deep.equal(['N/ghost: listed by moto, but the front door recorded no datum for it.']);
  });

  it("notes a series moto does not list and totals that differ from moto's", () => {
    const stored = [
      put({ Namespace: 'N', MetricData: [{ MetricName: 'm', Values: [3], Counts: [0.5] }] }, 'eu-west-1'),
    ];
    const collected = collectStored(stored, ALL);
    const key = JSON.stringify(['eu-west-1', 'N', 'm']);
    const { rows, notes } = buildReport([], collected, new Map([[key, { count: 0, sum: 0 }]]), 'us-east-1');
    expect(rows.map((r) => [r.region, r.count, r.sum, r.p50])).to.deep.equal([['eu-west-1', 0.5, 1.5, 3]]);
    expect(notes).to.deep.equal([
      'eu-west-1 N/m: accepted (count 0.5), but moto lists no such series ' +
        '(moto stores each value int(Count) times: fractional and zero Counts are lost).',
      'eu-west-1 N/m: moto holds count 0, sum 0 over all its series; the accepted datums add up to count 0.5, ' +
        'sum 1.5 (the rows show the accepted datums).',
    ]);
    expect(formatTable(rows, 'us-east-1').split('\n')[0]).to.match(/^Region {5}Namespace/);
  });

  it('filters by namespace and metric name, and reads timestamps as CloudWatch does', () => {
    const stored = [
      put({ Namespace: 'A', MetricData: [{ MetricName: 'x', Value: 1 }] }),
      put({
        Namespace: 'B',
        MetricData: [
          { MetricName: 'x', Value: 1 },
          { MetricName: 'y', Value: 1 },
        ],
      }),
    ];
    const { inWindow } = collectStored(stored, ALL, { namespace: 'B', metricName: 'x' });
    expect([...inWindow.keys()]).to.deep.equal([seriesKey(seriesId('us-east-1', 'B', 'x'))]);
    expect(datumTime(1700000000.5, 0)).to.equal(1700000000500);
    expect(datumTime('2024-01-01T00:00:00Z', 0)).to.equal(Date.UTC(2024, 0, 1));
    expect(datumTime(undefined, 42)).to.equal(42);
    expect([fmt(0.1 + 0.2), fmt(2760), fmt(undefined), fmt(Infinity)]).to.deep.equal(['0.3', '2760', '—', '—']);
  });
});

describe('local-cloudwatch command line', () => {
  it('parses the serve and read commands', () => {
    expect(parseCommandLine([])).to.deep.equal({ command: 'serve', port: undefined });
    expect(parseCommandLine(['--port', '4566'])).to.deep.equal({ command: 'serve', port: 4566 });
    expect(parseCommandLine(['--help'])).to.deep.equal({ command: 'help' });
    expect(parseCommandLine(['read', '-h'])).to.deep.equal({ command: 'help' });
    expect(
      parseCommandLine(['read', '--namespace', 'NS', '--metric', 'm', '--minutes', '5', '--json'], {
        AWS_ENDPOINT_URL_CLOUDWATCH: 'http://127.0.0.1:4566',
      }),
    ).to.deep.equal({
      command: 'read',
      options: { endpoint: 'http://127.0.0.1:4566', namespace: 'NS', metricName: 'm', minutes: 5 },
      json: true,
    });
    expect(parseCommandLine(['read', '--endpoint', 'http://127.0.0.1:1'], {})).to.deep.equal({
      command: 'read',
      options: { endpoint: 'http://127.0.0.1:1' },
      json: false,
    });
  });

  it('refuses bad arguments with one message', () => {
    const error = (argv: string[]) => {
      try {
        parseCommandLine(argv, {});
      } catch (err) {
        expect(err).to.be.instanceOf(UsageError);
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(error(['--port', '0'])).to.equal("--port must be a port number from 1 to 65535, not '0'");
    expect(error(['--port', '4566x'])).to.equal("--port must be a port number from 1 to 65535, not '4566x'");
    expect(error(['--host', '0.0.0.0'])).to.equal("Unknown option '--host'");
    expect(error(['--json'])).to.equal("Unknown option '--json'");
    expect(error(['reed'])).to.equal("unknown command 'reed'");
    expect(error(['read'])).to.equal('read needs --endpoint URL, or AWS_ENDPOINT_URL_CLOUDWATCH set');
    expect(error(['read', '--endpoint', 'x', '--minutes', '5'])).to.match(/^--endpoint must be an http URL/);
    expect(error(['read', '--endpoint', 'http://h', '--minutes', '0'])).to.equal(
      "--minutes must be a positive number, not '0'",
    );
  });
});
