import { ValueType, type Attributes } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { expect } from 'chai';
import { CumulativeToDelta } from '../../src/translate/CumulativeToDelta';
import { DimensionCache } from '../../src/translate/DimensionCache';
import { DropReporter } from '../../src/stats/DropReporter';
import { hashString, SeriesCounter, SeriesSketch } from '../../src/stats/SeriesCounter';
import { toDimensionsJson } from '../../src/translate/toDimensions';
import { translateResourceMetrics } from '../../src/translate/translateResourceMetrics';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

/** One export of a delta counter (and a gauge of the same attributes) with series `from` to `to - 1`. */
function exportOf(from: number, to: number, attributes: (i: number) => Attributes): ResourceMetrics {
  const points = Array.from({ length: to - from }, (_, k) => ({
    startTime: millisToHrTime(NOW - 60_000),
    endTime: millisToHrTime(NOW - 1000),
    attributes: attributes(from + k),
    value: 1,
  }));
  const descriptor = (name: string) => ({ name, unit: '', description: '', valueType: ValueType.DOUBLE });
  return {
    resource: resourceFromAttributes({ 'service.name': 'svc' }),
    scopeMetrics: [
      {
        scope: { name: 'test' },
        metrics: [
          {
            descriptor: descriptor('requests'),
            aggregationTemporality: AggregationTemporality.DELTA,
            dataPointType: DataPointType.SUM,
            isMonotonic: true,
            dataPoints: points,
          },
          {
            descriptor: descriptor('in_flight'),
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.GAUGE,
            dataPoints: points,
          },
        ],
      },
    ],
  };
}

const customer = (i: number): Attributes => ({ route: `/r${i % 7}`, 'customer.id': `c-${i}`, code: 200 + (i % 3) });

describe('SeriesCounter (series since start, estimated)', () => {
  function translateAll(exports: Array<[number, number]>, attributes = customer, cache = new DimensionCache()) {
    const sketch = new SeriesSketch();
    const lastCounts: number[] = [];
    for (const [from, to] of exports) {
      const counter = new SeriesCounter(sketch);
      translateResourceMetrics(exportOf(from, to, attributes), {
        storageResolution: 60,
        resourceDimensions: ['service.name'],
        deltas: new CumulativeToDelta(60_000),
        drops: new DropReporter(),
        now: NOW,
        dimensionCache: cache,
        series: counter,
      });
      lastCounts.push(counter.count);
    }
    return { estimate: sketch.estimate(), lastCounts };
  }

  const within = (estimate: number, exact: number, tolerance: number) =>
    expect(Math.abs(estimate - exact) / exact, `${estimate} for ${exact}`).to.be.at.most(tolerance);

  it('counts each export exactly and estimates the distinct series since start (two metrics per attribute set)', () => {
    // Series 0–999, then 500–1,499, then 0–999 again: 1,500 attribute sets, two metrics each.
    const { estimate, lastCounts } = translateAll([
      [0, 1000],
      [500, 1500],
      [0, 1000],
    ]);
    expect(lastCounts).to.deep.equal([2000, 2000, 2000]);
    within(estimate, 3000, 0.02);
  });

  for (const series of [10, 100, 5_000, 50_000, 200_000]) {
    it(`estimates ${series.toLocaleString('en')} series within 5 % (3 standard errors), however often they repeat`, () => {
      const raw = new SeriesSketch();
      const counter = new SeriesCounter(raw);
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < series; i++) counter.add(hashString(`metric\u0000[{"Name":"id","Value":"${i}"}]`));
      }
      expect(counter.count).to.equal(3 * series);
      within(raw.estimate(), series, series <= 100 ? 0 : 0.05);
    });
  }

  it('gives a series one identity whether its dimensions came from the cache or not', () => {
    const attributes = (i: number): Attributes => ({ route: `/r${i % 7}`, code: 200 + (i % 3), n: i % 11 });
    const hashes = (cache: DimensionCache) =>
      Array.from({ length: 231 }, (_, i) => toDimensionsJson([], attributes(i), 30, cache).hash);
    const cached = new DimensionCache();
    hashes(cached); // the second pass reads every fragment from the cache
    expect(hashes(cached)).to.deep.equal(hashes(new DimensionCache(0)));
    // And a number and its text are one dimension value, so one series.
    expect(toDimensionsJson([], { code: 200 }, 30, cached).hash).to.equal(
      toDimensionsJson([], { code: '200' }, 30, new DimensionCache(0)).hash,
    );
    expect(new Set(hashes(cached)).size).to.equal(7 * 3 * 11);
  });

  it('tells series apart by dimension names, values, order of keys, and resource dimensions', () => {
    const cache = new DimensionCache();
    const h = (attrs: Attributes, resource = [] as Array<{ Name: string; Value: string }>) =>
      toDimensionsJson(resource, attrs, 30, cache).hash;
    const all = [
      h({}),
      h({ a: 'x' }),
      h({ b: 'x' }),
      h({ a: 'y' }),
      h({ a: 'x', b: 'y' }),
      h({ a: 'y', b: 'x' }),
      h({ a: 'xy' }),
      h({ a: 'x' }, [{ Name: 'service.name', Value: 's' }]),
    ];
    expect(new Set(all).size).to.equal(all.length);
    expect(h({ b: 'y', a: 'x' })).to.equal(h({ a: 'x', b: 'y' }));
  });

  it('keeps counting a key past the cache’s 64 values per key with the identities it had', () => {
    const cache = new DimensionCache();
    const first = Array.from({ length: 64 }, (_, i) => toDimensionsJson([], { id: `v${i}` }, 30, cache).hash);
    for (let i = 64; i < 200; i++) toDimensionsJson([], { id: `v${i}` }, 30, cache); // the key's fragments go
    expect(cache.names.get('id')!.fragments).to.equal(null);
    expect(Array.from({ length: 64 }, (_, i) => toDimensionsJson([], { id: `v${i}` }, 30, cache).hash)).to.deep.equal(
      first,
    );
  });
});
