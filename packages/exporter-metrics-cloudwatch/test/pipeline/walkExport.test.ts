/*
 * One export's translation loop on its own, without moto: metric rules (drop, roll-ups, resolution), the deadline,
 * unreadable scopes and resources, and turns given to the event loop.
 */
import { ValueType, type Attributes } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { expect } from 'chai';
import { captureDiag } from '../helpers';
import { MetricRuleMatcher, type MetricRule } from '../../src/rules/metricRules';
import { DropReporter } from '../../src/stats/DropReporter';
import { CumulativeToDelta } from '../../src/translate/CumulativeToDelta';
import { toPlainDatum } from '../../src/translate/TranslatedDatum';
import { walkExport } from '../../src/pipeline/walkExport';

const NOW = Date.now();
const point = (value: number, attributes: Attributes = {}) => ({
  startTime: millisToHrTime(NOW - 61_000),
  endTime: millisToHrTime(NOW - 1000),
  attributes,
  value,
});
function counter(name: string, points: Array<[number, Attributes]>): MetricData {
  return {
    descriptor: { name, unit: '', description: '', valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.DELTA,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: points.map(([v, a]) => point(v, a)),
  };
}
const rm = (metrics: MetricData[], resource: Resource = resourceFromAttributes({ 'service.name': 'svc' })) =>
  ({ resource, scopeMetrics: [{ scope: { name: 'test' }, metrics }] }) as ResourceMetrics;

/** Translates `metrics` as an export would; answers the datums, the drops and what drop rules left out. */
async function translate(
  metrics: ResourceMetrics,
  { rules = [] as MetricRule[], deadline = Date.now() + 60_000, resourceDimensions = [] as string[] } = {},
) {
  const drops = new DropReporter();
  const datums: MetricDatum[] = [];
  const droppedByRule = await walkExport(metrics, {
    ctx: { storageResolution: 60, resourceDimensions, deltas: new CumulativeToDelta(60_000), drops, now: NOW },
    rules: new MetricRuleMatcher(rules),
    add: (d) => datums.push(toPlainDatum(d)),
    deadline,
  });
  return { datums, drops: drops.dropped, droppedByRule };
}
const dims = (d: MetricDatum) => (d.Dimensions ?? []).map((x) => `${x.Name}=${x.Value}`).join(',');

describe('walkExport', () => {
  const warnings = captureDiag();

  const requests = counter('requests', [
    [1, { route: '/a', method: 'GET' }],
    [2, { route: '/a', method: 'POST' }],
    [4, { route: '/b', method: 'GET' }],
  ]);

  it('publishes every point with its attributes when no rule matches', async () => {
    const { datums, droppedByRule } = await translate(rm([requests]));
    expect(datums.map((d) => [dims(d), d.Value])).to.deep.equal([
      ['method=GET,route=/a', 1],
      ['method=POST,route=/a', 2],
      ['method=GET,route=/b', 4],
    ]);
    expect(droppedByRule).to.equal(0);
  });

  it('drop rules leave a metric out and count its points', async () => {
    const other = counter('other', [[7, {}]]);
    const { datums, droppedByRule } = await translate(rm([requests, other]), {
      rules: [{ names: ['req*'], drop: true }],
    });
    expect(datums.map((d) => d.MetricName)).to.deep.equal(['other']);
    expect(droppedByRule).to.equal(3);
  });

  it('roll-ups publish each dimension set once, sums added exactly', async () => {
    const { datums } = await translate(rm([requests]), {
      rules: [{ names: ['requests'], dimensionSets: [['route'], []] }],
    });
    expect(datums.map((d) => [dims(d), d.Value]).sort()).to.deep.equal([
      ['', 7],
      ['route=/a', 3],
      ['route=/b', 4],
    ]);
  });

  it('a rule’s storage resolution applies to its metric alone', async () => {
    const other = counter('other', [[7, {}]]);
    const { datums } = await translate(rm([requests, other]), {
      rules: [{ names: ['other'], storageResolution: 1 }],
    });
    expect(datums.map((d) => [d.MetricName, d.StorageResolution])).to.deep.equal([
      ['requests', undefined],
      ['requests', undefined],
      ['requests', undefined],
      ['other', 1],
    ]);
  });

  it('past the deadline, translates nothing more and counts what it did not reach as export-timeout', async () => {
    const { datums, drops } = await translate(rm([requests]), { deadline: Date.now() - 1 });
    expect(datums).to.deep.equal([]);
    expect(drops['export-timeout']).to.equal(3);
  });

  it('a scope that cannot be read costs only its own points, with one warning', async () => {
    const bad = {
      scope: { name: 'bad' },
      get metrics(): MetricData[] {
        throw new Error('unreadable');
      },
    };
    const metrics = rm([requests]);
    const broken = { ...metrics, scopeMetrics: [bad, ...metrics.scopeMetrics] } as ResourceMetrics;
    const { datums } = await translate(broken);
    expect(datums).to.have.length(3);
    expect(warnings.filter((w) => w.includes('a scope could not be read: Error: unreadable'))).to.have.length(1);
  });

  it('a resource that cannot be read leaves the resource dimensions out, not the points', async () => {
    const resource = {
      get attributes(): Attributes {
        throw new Error('no attributes');
      },
    } as unknown as Resource;
    const { datums } = await translate(rm([requests], resource), { resourceDimensions: ['service.name'] });
    expect(datums.map(dims)).to.deep.equal(['method=GET,route=/a', 'method=POST,route=/a', 'method=GET,route=/b']);
    expect(warnings.some((w) => w.includes('the resource could not be read: Error: no attributes'))).to.equal(true);
  });

  it('gives the event loop turns during a large export', async () => {
    const many = counter(
      'many',
      Array.from({ length: 50_000 }, (_, i): [number, Attributes] => [i, { id: String(i) }]),
    );
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    try {
      const { datums } = await translate(rm([many]));
      expect(datums).to.have.length(50_000);
    } finally {
      clearInterval(ticker);
    }
    expect(turns, 'timers ran while it translated').to.be.above(0);
  });
});
