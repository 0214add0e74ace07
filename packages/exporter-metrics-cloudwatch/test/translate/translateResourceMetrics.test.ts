import { diag, DiagLogLevel, ValueType, type Attributes, type DiagLogger } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { expect } from 'chai';
import { CumulativeToDelta } from '../../src/translate/CumulativeToDelta';
import { DropReporter, type DropReason } from '../../src/stats/DropReporter';
import { toPlainDatum, type TranslatedDatum } from '../../src/translate/TranslatedDatum';
import { translateResourceMetrics, type TranslateContext } from '../../src/translate/translateResourceMetrics';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

function point<T>(value: T, attributes: Attributes = {}, endMs = NOW - 1000, startMs = NOW - 61_000) {
  return { startTime: millisToHrTime(startMs), endTime: millisToHrTime(endMs), attributes, value };
}
const descriptor = (name: string, unit = '') => ({ name, unit, description: '', valueType: ValueType.DOUBLE });

function rm(metrics: MetricData[], resource: Attributes = { 'service.name': 'svc' }): ResourceMetrics {
  return { resource: resourceFromAttributes(resource), scopeMetrics: [{ scope: { name: 'test' }, metrics }] };
}
function gauge(name: string, values: Array<number | [number, Attributes, number?]>, unit = ''): MetricData {
  return {
    descriptor: descriptor(name, unit),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints: values.map((v) => (Array.isArray(v) ? point(v[0], v[1], v[2]) : point(v))),
  };
}
function sum(
  name: string,
  value: number,
  monotonic: boolean,
  temporality: AggregationTemporality,
  startMs?: number,
  endMs?: number,
): MetricData {
  return {
    descriptor: descriptor(name),
    aggregationTemporality: temporality,
    dataPointType: DataPointType.SUM,
    isMonotonic: monotonic,
    dataPoints: [point(value, {}, endMs, startMs)],
  };
}

function context(extra: Partial<TranslateContext> = {}): TranslateContext {
  return {
    storageResolution: 60,
    resourceDimensions: [],
    deltas: new CumulativeToDelta(60_000),
    drops: new DropReporter(),
    now: NOW,
    ...extra,
  };
}

describe('translateResourceMetrics', () => {
  let warnings: string[] = [];
  beforeEach(() => {
    warnings = [];
    const logger: DiagLogger = {
      error: () => undefined,
      warn: (...args: unknown[]) => void warnings.push(args.join(' ')),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    };
    diag.setLogger(logger, DiagLogLevel.WARN);
  });
  afterEach(() => diag.disable());

  it('maps a gauge to Value with its unit, timestamp and dimensions', () => {
    const [d] = translateResourceMetrics(
      rm([gauge('cpu', [[0.5, { core: 1 }]], '1')]),
      context({ resourceDimensions: ['service.name'] }),
    );
    expect(toPlainDatum(d!)).to.deep.equal({
      MetricName: 'cpu',
      Dimensions: [
        { Name: 'service.name', Value: 'svc' },
        { Name: 'core', Value: '1' },
      ],
      Timestamp: new Date(NOW - 1000),
      Unit: 'None',
      Value: 0.5,
    });
    // The dimensions, already in the JSON the SDK would write for them.
    expect(d!.dimensionsJson).to.equal('[{"Name":"service.name","Value":"svc"},{"Name":"core","Value":"1"}]');
  });

  it('scales values into the CloudWatch unit (ns → Microseconds)', () => {
    const [d] = translateResourceMetrics(rm([gauge('gc', [1500], 'ns')]), context());
    expect([d!.Unit, d!.Value]).to.deep.equal(['Microseconds', 1.5]);
  });

  const sums: Array<[string, boolean, AggregationTemporality, number | undefined]> = [
    ['a delta counter is its delta', true, AggregationTemporality.DELTA, 7],
    ['a cumulative counter on the first export is its whole value', true, AggregationTemporality.CUMULATIVE, 7],
    ['an up-down counter is its level', false, AggregationTemporality.CUMULATIVE, 7],
    ['a delta up-down counter is its change', false, AggregationTemporality.DELTA, 7],
  ];
  for (const [name, monotonic, temporality, expected] of sums) {
    it(`maps sums: ${name}`, () => {
      const out = translateResourceMetrics(rm([sum('s', 7, monotonic, temporality)]), context());
      expect(out.map((d) => d.Value)).to.deep.equal([expected]);
    });
  }

  it('adds StorageResolution 1 only for high resolution', () => {
    expect(toPlainDatum(translateResourceMetrics(rm([gauge('g', [1])]), context())[0]!)).to.not.have.property(
      'StorageResolution',
    );
    expect(
      translateResourceMetrics(rm([gauge('g', [1])]), context({ storageResolution: 1 }))[0]!.StorageResolution,
    ).to.equal(1);
  });

  const bad: Array<[string, number, string]> = [
    ['NaN', NaN, 'non-finite-value'],
    ['+Infinity', Infinity, 'non-finite-value'],
    ['-Infinity', -Infinity, 'non-finite-value'],
    ['2^361', 2 ** 361, 'value-out-of-range'],
    ['-2^361', -(2 ** 361), 'value-out-of-range'],
  ];
  for (const [name, value, reason] of bad) {
    it(`drops a ${name} point (${reason}) and keeps its neighbours`, () => {
      const ctx = context();
      const out = translateResourceMetrics(
        rm([
          gauge('g', [
            [1, { k: 'a' }],
            [value, { k: 'b' }],
            [2, { k: 'c' }],
          ]),
        ]),
        ctx,
      );
      expect(out.map((d) => d.Value)).to.deep.equal([1, 2]);
      expect(ctx.drops.dropped[reason as 'non-finite-value']).to.equal(1);
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.contain('"g"');
    });
  }

  it('keeps the boundary values ±2^360', () => {
    const out = translateResourceMetrics(rm([gauge('g', [2 ** 360, -(2 ** 360)])]), context());
    expect(out).to.have.length(2);
  });

  it('warns once per metric and reason, however many points are dropped', () => {
    const ctx = context();
    translateResourceMetrics(rm([gauge('g', [NaN, NaN, NaN]), gauge('h', [NaN])]), ctx);
    translateResourceMetrics(rm([gauge('g', [NaN])]), ctx);
    expect(ctx.drops.dropped['non-finite-value']).to.equal(5);
    expect(warnings).to.have.length(2);
  });

  const times: Array<[string, number, boolean]> = [
    ['now', NOW, true],
    ['13 days ago', NOW - 13 * 86400_000, true],
    ['15 days ago', NOW - 15 * 86400_000, false],
    ['one hour ahead', NOW + 3600_000, true],
    ['three hours ahead', NOW + 3 * 3600_000, false],
  ];
  for (const [name, t, kept] of times) {
    it(`${kept ? 'keeps' : 'drops'} a point timestamped ${name}`, () => {
      const ctx = context();
      const out = translateResourceMetrics(rm([gauge('g', [[1, {}, t]])]), ctx);
      expect(out).to.have.length(kept ? 1 : 0);
      expect(ctx.drops.dropped['timestamp-out-of-range']).to.equal(kept ? 0 : 1);
    });
  }

  it('shortens a metric name over 255 characters and drops an empty one', () => {
    const ctx = context();
    const out = translateResourceMetrics(rm([gauge('m'.repeat(300), [1]), gauge('  ', [1, 2])]), ctx);
    expect(out.map((d) => d.MetricName!.length)).to.deep.equal([255]);
    expect(ctx.drops.dropped['invalid-metric-name']).to.equal(2);
  });

  it('keeps a point with 40 attributes, with 30 dimensions, and warns once', () => {
    const attrs: Attributes = {};
    for (let i = 0; i < 40; i++) attrs[`a${i}`] = 'v';
    const out = translateResourceMetrics(
      rm([
        gauge('wide', [
          [1, attrs],
          [2, attrs],
        ]),
      ]),
      context(),
    );
    expect(out.map((d) => d.Dimensions!.length)).to.deep.equal([30, 30]);
    expect(warnings.filter((w) => w.includes('30 dimensions'))).to.have.length(1);
  });

  it('maps an explicit histogram to Values/Counts and StatisticValues that agree', () => {
    const h: MetricData = {
      descriptor: descriptor('size', 'By'),
      aggregationTemporality: AggregationTemporality.DELTA,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: [
        point({ buckets: { boundaries: [10, 100], counts: [1, 2, 1] }, count: 4, sum: 230, min: 5, max: 150 }),
      ],
    };
    const [d] = translateResourceMetrics(rm([h]), context());
    expect(d!.Values).to.deep.equal([5, 37.5, 150]);
    expect(d!.Counts).to.deep.equal([1, 2, 1]);
    expect(d!.StatisticValues).to.deep.equal({ SampleCount: 4, Sum: 230, Minimum: 5, Maximum: 150 });
    expect(d!.Unit).to.equal('Bytes');
  });

  it('skips empty histograms, silently, even with the SDK’s min +∞ and max −∞', () => {
    const empty = (extra: object) =>
      point({
        count: 0,
        sum: 0,
        scale: 20,
        zeroCount: 0,
        positive: { offset: 0, bucketCounts: [] },
        negative: { offset: 0, bucketCounts: [] },
        ...extra,
      });
    const h: MetricData = {
      descriptor: descriptor('size'),
      aggregationTemporality: AggregationTemporality.DELTA,
      dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
      dataPoints: [empty({}), empty({ min: Infinity, max: -Infinity })],
    };
    const ctx = context();
    expect(translateResourceMetrics(rm([h]), ctx)).to.deep.equal([]);
    expect(
      Object.values(ctx.drops.dropped).every((n) => n === 0),
      'nothing counted as dropped',
    ).to.equal(true);
  });

  it('splits an exponential histogram with more than 150 buckets into self-consistent datums', () => {
    const bucketCounts = Array.from({ length: 200 }, () => 1);
    // A consistent sum: each bucket's single sample sits at its middle.
    const bound = (k: number) => 2 ** (k / 64);
    const total = bucketCounts.reduce((a, _, k) => a + (bound(k) + bound(k + 1)) / 2, 0);
    const h: MetricData = {
      descriptor: descriptor('lat', 'ms'),
      aggregationTemporality: AggregationTemporality.DELTA,
      dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
      dataPoints: [
        point({
          count: 200,
          sum: total,
          scale: 6,
          zeroCount: 0,
          positive: { offset: 0, bucketCounts },
          negative: { offset: 0, bucketCounts: [] },
          min: bound(0.5),
          max: bound(199.5),
        }),
      ],
    };
    const out = translateResourceMetrics(rm([h]), context());
    expect(out.length).to.equal(2);
    expect(out.reduce((a, d) => a + d.StatisticValues!.SampleCount!, 0)).to.equal(200);
    expect(out.reduce((a, d) => a + d.StatisticValues!.Sum!, 0)).to.be.closeTo(total, 1e-9);
    for (const d of out) expect(d.Values!.length).to.be.at.most(150);
  });

  it('drops a histogram whose sum is not finite', () => {
    const ctx = context();
    const h: MetricData = {
      descriptor: descriptor('h'),
      aggregationTemporality: AggregationTemporality.DELTA,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: [
        point({ buckets: { boundaries: [1], counts: [1, 1] }, count: 2, sum: Infinity, min: 0, max: Infinity }),
      ],
    };
    expect(translateResourceMetrics(rm([h]), ctx)).to.deep.equal([]);
    expect(ctx.drops.dropped['non-finite-value']).to.equal(1);
  });

  it('never keeps a non-finite cumulative value as the baseline of the next delta', () => {
    const ctx = context();
    const start = NOW - 120_000;
    const out: Array<number | undefined> = [];
    [10, Infinity, 15].forEach((v, i) => {
      const c = { ...ctx, now: NOW + i * 60_000 };
      const [d] = translateResourceMetrics(
        rm([sum('c', v, true, AggregationTemporality.CUMULATIVE, start, NOW + i * 60_000 - 1)]),
        c,
      );
      out.push(d?.Value);
      ctx.deltas.endExport(c.now);
    });
    // Had Infinity become the baseline, 15 would have been a reset (published whole) or a non-finite delta.
    expect(out).to.deep.equal([10, undefined, 5]);
    expect(ctx.drops.dropped['non-finite-value']).to.equal(1);
  });

  it('converts a cumulative counter to deltas across exports', () => {
    const ctx = context();
    const start = NOW - 120_000;
    const values = [10, 15, 15, 3];
    const starts = [start, start, start, NOW - 5000]; // the last one restarted
    const out: Array<number | undefined> = [];
    values.forEach((v, i) => {
      const c = { ...ctx, now: NOW + i * 60_000 };
      const [d] = translateResourceMetrics(
        rm([sum('c', v, true, AggregationTemporality.CUMULATIVE, starts[i], NOW + i * 60_000 - 1)]),
        c,
      );
      out.push(d?.Value);
      ctx.deltas.endExport(c.now);
    });
    expect(out).to.deep.equal([10, 5, 0, 3]);
  });

  it('past the cumulative-state cap, loses only the streams beyond it: 101,000 streams, 4 exports, ≥ 99 % landed', () => {
    const ctx = context({ deltas: new CumulativeToDelta(3600_000) });
    const STREAMS = 101_000;
    const start = NOW - 3600_000; // every stream existed before the exporter's first export
    let recorded = 0;
    let published = 0;
    for (let e = 0; e < 4; e++) {
      const now = NOW + e * 60_000;
      // Cumulative value e+1 per stream: each export adds 1 to every stream (the first export publishes it whole).
      const metric: MetricData = {
        descriptor: descriptor('requests'),
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: Array.from({ length: STREAMS }, (_, i) => point(e + 1, { stream: i }, now - 1000, start)),
      };
      recorded += STREAMS;
      for (const d of translateResourceMetrics(rm([metric]), { ...ctx, now })) published += d.Value!;
      ctx.deltas.endExport(now);
    }
    expect(published / recorded).to.be.at.least(0.99);
    expect(recorded - published, 'lost: the 1,000 streams beyond the cap, at exports 2–4').to.equal(3 * 1000);
    expect(ctx.drops.dropped['cumulative-state-full']).to.equal(3 * 1000);
  });

  describe('poisoned points', () => {
    // Each poisoned point sits between two good ones, and carries a value no warning may repeat.
    const SECRET = 'SECRET-VALUE';
    type Point = ReturnType<typeof point<unknown>>;
    const three = (good: unknown, bad: Partial<Point>, good2: unknown = good): Point[] => [
      point(good, { k: 'good1' }),
      { ...point(good, { k: 'poison', note: SECRET }), ...bad },
      point(good2, { k: 'good2' }),
    ];
    const metricOf = (type: DataPointType, points: Point[], temporality = AggregationTemporality.DELTA) =>
      ({
        descriptor: descriptor('m'),
        aggregationTemporality: temporality,
        dataPointType: type,
        isMonotonic: true,
        dataPoints: points,
      }) as MetricData;
    const explicit = (extra: object = {}) => ({
      buckets: { boundaries: [10, 100], counts: [1, 2, 1] },
      count: 4,
      sum: 230,
      min: 5,
      max: 150,
      ...extra,
    });
    const exponential = (extra: object = {}) => ({
      count: 3,
      sum: 6.5, // 0 + one sample in (2, 2.83] + 4
      scale: 1,
      zeroCount: 1,
      positive: { offset: 2, bucketCounts: [1, 1] },
      negative: { offset: 0, bucketCounts: [] },
      min: 0,
      max: 4,
      ...extra,
    });
    const throwingAttributes = (): Attributes => {
      const attrs: Attributes = { k: 'poison', note: SECRET };
      Object.defineProperty(attrs, 'boom', {
        enumerable: true,
        get: () => {
          throw new Error('attribute getter failed');
        },
      });
      return attrs;
    };
    const G = DataPointType.GAUGE;
    const H = DataPointType.HISTOGRAM;
    const E = DataPointType.EXPONENTIAL_HISTOGRAM;
    const cases: Array<[string, () => MetricData, DropReason]> = [
      ['a NaN end time', () => metricOf(G, three(1, { endTime: [NaN, NaN] })), 'timestamp-out-of-range'],
      [
        'an end time of 1e20 ms',
        () => metricOf(G, three(1, { endTime: millisToHrTime(1e20) })),
        'timestamp-out-of-range',
      ],
      ['no end time', () => metricOf(G, three(1, { endTime: undefined as never })), 'malformed-point'],
      [
        'an attribute that throws when read',
        () => metricOf(G, three(1, { attributes: throwingAttributes() })),
        'malformed-point',
      ],
      [
        'an attribute that throws, on a cumulative counter',
        () =>
          metricOf(
            DataPointType.SUM,
            three(1, { attributes: throwingAttributes() }),
            AggregationTemporality.CUMULATIVE,
          ),
        'malformed-point',
      ],
      ['a value that is not a histogram', () => metricOf(H, three(explicit(), { value: null })), 'malformed-point'],
      [
        'a negative bucket count',
        () =>
          metricOf(
            H,
            three(explicit(), { value: explicit({ buckets: { boundaries: [10, 100], counts: [3, 2, -1] } }) }),
          ),
        'invalid-histogram',
      ],
      [
        'bucket counts that do not add up to the count',
        () => metricOf(H, three(explicit(), { value: explicit({ count: 5 }) })),
        'invalid-histogram',
      ],
      [
        'one bucket count too few',
        () =>
          metricOf(H, three(explicit(), { value: explicit({ buckets: { boundaries: [10, 100], counts: [2, 2] } }) })),
        'invalid-histogram',
      ],
      [
        'a min above the max',
        () => metricOf(H, three(explicit(), { value: explicit({ min: 200, max: 150 }) })),
        'invalid-histogram',
      ],
      [
        'unsorted boundaries',
        () =>
          metricOf(
            H,
            three(explicit(), { value: explicit({ buckets: { boundaries: [100, 10], counts: [1, 2, 1] } }) }),
          ),
        'invalid-histogram',
      ],
      ['a NaN sum', () => metricOf(H, three(explicit(), { value: explicit({ sum: NaN }) })), 'invalid-histogram'],
      [
        'an exponential scale of 21',
        () => metricOf(E, three(exponential(), { value: exponential({ scale: 21 }) })),
        'invalid-histogram',
      ],
      [
        'an exponential scale of 1.5',
        () => metricOf(E, three(exponential(), { value: exponential({ scale: 1.5 }) })),
        'invalid-histogram',
      ],
      [
        'exponential counts that do not add up to the count',
        () => metricOf(E, three(exponential(), { value: exponential({ zeroCount: 2 }) })),
        'invalid-histogram',
      ],
      [
        'a fractional exponential offset',
        () =>
          metricOf(
            E,
            three(exponential(), { value: exponential({ positive: { offset: 0.5, bucketCounts: [1, 1] } }) }),
          ),
        'invalid-histogram',
      ],
    ];
    const label = (d: TranslatedDatum) =>
      `${d.Dimensions!.find((x) => x.Name === 'k')!.Value}=${d.Value ?? d.StatisticValues!.SampleCount}`;
    const totalDropped = (ctx: TranslateContext) => Object.values(ctx.drops.dropped).reduce((a, b) => a + b, 0);

    for (const [name, make, reason] of cases) {
      it(`drops a point with ${name} (${reason}), alone, and says so once without its attributes`, () => {
        const ctx = context();
        const m = make();
        const good = m.dataPoints[0]!.value as number | { count: number };
        const kept = typeof good === 'number' ? good : good.count;
        const out = translateResourceMetrics(rm([m, gauge('after', [[9, { k: 'next' }]])]), ctx);
        expect(out.map(label)).to.deep.equal([`good1=${kept}`, `good2=${kept}`, 'next=9']);
        expect(ctx.drops.dropped[reason]).to.equal(1);
        expect(totalDropped(ctx)).to.equal(1);
        expect(warnings).to.have.length(1);
        expect(warnings[0]).to.contain('"m"');
        expect(warnings[0]).to.not.contain(SECRET);
      });
    }

    /** Runs exports of the same metric at one-minute intervals; answers each export's datums. */
    function exportsOf(ctx: TranslateContext, metrics: Array<() => MetricData>): TranslatedDatum[][] {
      return metrics.map((make, i) => {
        const c = { ...ctx, now: NOW + i * 60_000 };
        const out = translateResourceMetrics(rm([make()]), c);
        ctx.deltas.endExport(c.now);
        return out;
      });
    }
    const cumulativeSum = (i: number, points: Array<[number, Attributes]>): MetricData =>
      metricOf(
        DataPointType.SUM,
        points.map(([v, a]) => point(v, a, NOW + i * 60_000 - 1, NOW - 120_000)),
        AggregationTemporality.CUMULATIVE,
      );
    const dimension = (d: TranslatedDatum, name: string) => d.Dimensions!.find((x) => x.Name === name)?.Value;

    it('keeps a BigInt attribute on a cumulative counter, as its digits, with correct deltas', () => {
      const ctx = context();
      const attrs = { k: 'big', big: 123n } as unknown as Attributes;
      const [first, second] = exportsOf(ctx, [
        () =>
          cumulativeSum(0, [
            [10, { k: 'good1' }],
            [10, attrs],
            [10, { k: 'good2' }],
          ]),
        () =>
          cumulativeSum(1, [
            [15, { k: 'good1' }],
            [17, attrs],
            [19, { k: 'good2' }],
          ]),
      ]);
      expect(first!.map(label)).to.deep.equal(['good1=10', 'big=10', 'good2=10']);
      expect(second!.map(label)).to.deep.equal(['good1=5', 'big=7', 'good2=9']);
      expect(dimension(second![1]!, 'big')).to.equal('123');
      expect(totalDropped(ctx)).to.equal(0);
    });

    it('keeps a circular attribute, marking the cycle, with correct deltas', () => {
      const ctx = context();
      const loop: Record<string, unknown> = { name: 'loop' };
      loop.self = loop;
      const attrs = { k: 'circ', c: loop } as unknown as Attributes;
      const [first, second] = exportsOf(ctx, [
        () =>
          cumulativeSum(0, [
            [10, { k: 'good1' }],
            [10, attrs],
          ]),
        () =>
          cumulativeSum(1, [
            [15, { k: 'good1' }],
            [13, attrs],
          ]),
      ]);
      expect(first!.map(label)).to.deep.equal(['good1=10', 'circ=10']);
      expect(second!.map(label)).to.deep.equal(['good1=5', 'circ=3']);
      expect(dimension(second![1]!, 'c')).to.equal('{"name":"loop","self":"[Circular]"}');
      expect(totalDropped(ctx)).to.equal(0);
    });

    it('keeps two distinct object attributes as two series, each with its JSON', () => {
      const ctx = context();
      const one = { k: 'o1', o: { a: 1 } } as unknown as Attributes;
      const two = { k: 'o2', o: { a: 2 } } as unknown as Attributes;
      const [first, second] = exportsOf(ctx, [
        () =>
          cumulativeSum(0, [
            [10, one],
            [100, two],
          ]),
        () =>
          cumulativeSum(1, [
            [15, one],
            [130, two],
          ]),
      ]);
      expect(first!.map(label)).to.deep.equal(['o1=10', 'o2=100']);
      expect(second!.map(label)).to.deep.equal(['o1=5', 'o2=30']);
      expect(second!.map((d) => dimension(d, 'o'))).to.deep.equal(['{"a":1}', '{"a":2}']);
    });

    it('never keeps an invalid cumulative histogram as the baseline of the next delta', () => {
      const ctx = context();
      const at = (i: number, value: unknown): MetricData =>
        metricOf(H, [point(value, { k: 'h' }, NOW + i * 60_000 - 1, NOW - 120_000)], AggregationTemporality.CUMULATIVE);
      const cumulative = (counts: number[]) => ({
        buckets: { boundaries: [10, 100], counts },
        count: counts.reduce((a, b) => a + b, 0),
        sum: counts[0]! * 5 + counts[1]! * 50 + counts[2]! * 500,
        min: 5,
        max: 500,
      });
      const [first, second, third] = exportsOf(ctx, [
        () => at(0, cumulative([1, 1, 0])),
        () => at(1, { ...cumulative([50, 50, 50]), count: 99 }),
        () => at(2, cumulative([2, 1, 1])),
      ]);
      expect(first!.map(label)).to.deep.equal(['h=2']);
      expect(second).to.deep.equal([]);
      // Had the invalid point been kept, its count 99 would make this one a reset, published whole (4).
      expect(third!.map(label)).to.deep.equal(['h=2']);
      expect(ctx.drops.dropped['invalid-histogram']).to.equal(1);
    });

    it('drops, and counts, the points of cumulative streams beyond the state it may keep', () => {
      const ctx = context({ deltas: new CumulativeToDelta(60_000, 2) });
      const points = (i: number): Array<[number, Attributes]> => [
        [10 * (i + 1), { k: 'a' }],
        [20 * (i + 1), { k: 'b' }],
        [30 * (i + 1), { k: 'c' }],
      ];
      const [first, second, third] = exportsOf(
        ctx,
        [0, 1, 2].map((i) => () => cumulativeSum(i, points(i))),
      );
      expect(first!.map(label)).to.deep.equal(['a=10', 'b=20', 'c=30']);
      expect(second!.map(label)).to.deep.equal(['a=10', 'b=20']);
      expect(third!.map(label)).to.deep.equal(['a=10', 'b=20']);
      expect(ctx.drops.dropped['cumulative-state-full']).to.equal(2);
      expect(warnings.filter((w) => w.includes('cumulative state'))).to.have.length(1);
    });

    it('drops every point of a metric that cannot be read, and translates the next one', () => {
      const ctx = context();
      const broken = { ...gauge('broken', [1, 2, 3]), descriptor: null } as unknown as MetricData;
      const out = translateResourceMetrics(rm([broken, gauge('fine', [4])]), ctx);
      expect(out.map((d) => [d.MetricName, d.Value])).to.deep.equal([['fine', 4]]);
      expect(ctx.drops.dropped['malformed-point']).to.equal(3);
      expect(warnings).to.have.length(1);
    });
  });
});
