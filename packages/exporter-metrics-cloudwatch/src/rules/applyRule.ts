import type { DataPoint, MetricData } from '@opentelemetry/sdk-metrics';
import type { DropReporter } from '../stats/DropReporter.js';
import { describeThrown } from '../util/describeThrown.js';
import { yieldToEventLoop } from '../util/yieldToEventLoop.js';
import { canRollUp, RollUp } from './mergePoints.js';
import type { MetricRule } from './metricRules.js';

/** A metric as its rule publishes it: its points (rolled up, if the rule says so) and its storage resolution. */
export interface RuledMetric {
  metric: MetricData;
  /** The rule's storage resolution; undefined for the exporter's. */
  storageResolution: 1 | 60 | undefined;
}

/** What applying a rule needs besides the metric. */
export interface RuleJob {
  /** Wall clock of the export (epoch ms): roll-ups merge only the points CloudWatch can store at this time. */
  now: number;
  drops: DropReporter;
  /** Whether the export's deadline has passed. */
  late: () => boolean;
  /** Points merged between two turns of the event loop. */
  slicePoints: number;
}

/**
 * Applies the rule that matched a metric (none: the metric as it is): undefined when the rule drops it, else the
 * metric rolled up into the rule's dimension sets (a promise: a slice of points at a time between event-loop turns),
 * with the rule's storage resolution. Never throws: a metric that cannot be rolled up is published with all its attributes
 * (said once per metric); points the deadline leaves unmerged are dropped as `export-timeout`.
 */
export function applyRule(
  metric: MetricData,
  name: string,
  rule: MetricRule | undefined,
  job: RuleJob,
): RuledMetric | undefined | Promise<RuledMetric> {
  if (rule === undefined) return { metric, storageResolution: undefined };
  if (rule.drop) return undefined;
  const { dimensionSets, storageResolution } = rule;
  // Only a roll-up waits (it gives the event loop turns); every other metric goes on in the same turn.
  if (dimensionSets === undefined) return { metric, storageResolution };
  return rolledUp(metric, name, dimensionSets, job).then((m) => ({ metric: m, storageResolution }));
}

async function rolledUp(metric: MetricData, name: string, sets: string[][], job: RuleJob): Promise<MetricData> {
  let why = 'it is cumulative: its dimensionSets need delta temporality (the default for counters and histograms)';
  try {
    if (canRollUp(metric)) {
      const r = new RollUp(metric, sets, job.now);
      const points = metric.dataPoints as ReadonlyArray<DataPoint<unknown>>;
      const slice = job.slicePoints;
      let i = 0;
      for (; i < points.length && !job.late(); i += slice) {
        r.add(points.length <= slice ? points : points.slice(i, i + slice));
        if (points.length > slice) await yieldToEventLoop();
      }
      if (i < points.length) {
        job.drops.drop(name, 'export-timeout', 'the export ran out of time before reaching it', points.length - i);
      }
      return r.result();
    }
  } catch (err) {
    why = `its points could not be read (${describeThrown(err)})`;
  }
  job.drops.warnOnce(
    name,
    'roll-up',
    `metric "${name}" was not rolled up into its dimensionSets: ${why}; published with all its attributes`,
  );
  return metric;
}
