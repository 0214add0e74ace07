import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { ValueType } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import { DropReporter } from '../../src/stats/DropReporter';
import { CumulativeToDelta } from '../../src/translate/CumulativeToDelta';
import { DimensionCache } from '../../src/translate/DimensionCache';
import { translateResourceMetrics } from '../../src/translate/translateResourceMetrics';

/**
 * Datums as translation makes them (dimensions as the JSON it wrote), from attributes that need escaping, non-ASCII
 * names and values, and a histogram: 4 attribute sets, a sum and a histogram each.
 */
export function translatedDatums(writesCbor = false, now = Date.now()): MetricDatum[] {
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
  return translateResourceMetrics(
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
      writesCbor,
      dimensionCache: new DimensionCache(),
    },
  );
}
