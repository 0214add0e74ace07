import type { InstrumentationScope } from '@opentelemetry/core';
import type { MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { applyRule, type RuleJob } from '../rules/applyRule.js';
import type { MetricRuleMatcher } from '../rules/metricRules.js';
import { toResourceDimensions } from '../translate/toDimensions.js';
import type { TranslatedDatum } from '../translate/TranslatedDatum.js';
import { scopeKeyOf, translateMetric, type TranslateContext } from '../translate/translateResourceMetrics.js';
import { describeThrown } from '../util/describeThrown.js';
import { yieldToEventLoop } from '../util/yieldToEventLoop.js';

/** Points translated between two looks at the clock. */
const SLICE_POINTS = 200;
/** Longest stretch of translation and packing before the event loop gets a turn. */
const SLICE_MS = 3;

/** What one export's walk needs besides the data. */
export interface ExportWalk {
  ctx: TranslateContext;
  rules: MetricRuleMatcher;
  /** Takes each datum as it is made (packing, which sends full requests at once). */
  add: (datum: TranslatedDatum) => void;
  /** When given, takes each metric as its rule publishes it, instead of its datums (see DeliveryRun.addMetric). */
  addMetric?: (scope: InstrumentationScope, metric: MetricData) => void;
  /** When the export must be over (epoch ms). */
  deadline: number;
}

/**
 * Takes every metric of an export through the rooms in order — its metric rule (drop, roll-ups into dimension sets,
 * storage resolution), then translation, then `add` (the delivery) — a slice of points at a time, giving the event
 * loop a turn every few milliseconds. Never throws: a scope or metric whose structure cannot be read costs only its
 * own points, and past the deadline the points not yet translated are dropped (counted as `export-timeout`) so that the export still ends on time.
 *
 * @returns the number of points `drop` rules left out
 */
export async function walkExport(metrics: ResourceMetrics, job: ExportWalk): Promise<number> {
  const { ctx, rules, add, addMetric, deadline } = job;
  const drops = ctx.drops;
  let resourceDimensions: ReturnType<typeof toResourceDimensions> = [];
  try {
    resourceDimensions = toResourceDimensions(ctx.resourceDimensions, metrics.resource.attributes);
  } catch (err) {
    drops.warnOnce('', 'resource', `the resource could not be read: ${describeThrown(err)}`);
  }
  const datums: TranslatedDatum[] = [];
  let sliceStart = performance.now();
  let late = false;
  let droppedByRule = 0;
  const ruleJob: RuleJob = { now: ctx.now, drops, late: () => Date.now() >= deadline, slicePoints: SLICE_POINTS };
  const scopes = readList<ResourceMetrics['scopeMetrics'][number]>(
    () => metrics.scopeMetrics,
    (err) => drops.warnOnce('', 'scopes', `the scopes could not be read: ${describeThrown(err)}`),
  );
  for (const sm of scopes) {
    let scopeKey: string;
    let list: MetricData[];
    try {
      scopeKey = scopeKeyOf(sm.scope);
      list = Array.from<MetricData>(sm.metrics ?? []);
    } catch (err) {
      drops.warnOnce('', 'scope', `a scope could not be read: ${describeThrown(err)}`);
      continue;
    }
    for (const listed of list) {
      const name = metricName(listed);
      let ruled = applyRule(listed, name, rules.match(name), ruleJob);
      if (ruled instanceof Promise) ruled = await ruled;
      if (ruled === undefined) {
        droppedByRule += pointCount(listed);
        continue;
      }
      const { metric } = ruled;
      if (addMetric) {
        addMetric(sm.scope, metric);
        continue;
      }
      const c = ruled.storageResolution ? { ...ctx, storageResolution: ruled.storageResolution } : ctx;
      const points = pointCount(metric);
      for (let i = 0; i < points || i === 0; i += SLICE_POINTS) {
        if (late || Date.now() >= deadline) {
          late = true;
          const left = points - i;
          if (left > 0) {
            drops.drop(metricName(metric), 'export-timeout', 'the export ran out of time before reaching it', left);
          }
          break;
        }
        const part =
          points <= SLICE_POINTS
            ? metric
            : ({ ...metric, dataPoints: metric.dataPoints.slice(i, i + SLICE_POINTS) } as MetricData);
        datums.length = 0;
        translateMetric(part, scopeKey, resourceDimensions, c, datums);
        for (const d of datums) add(d);
        if (performance.now() - sliceStart > SLICE_MS) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
    }
  }
  return droppedByRule;
}

/** The items of a list the SDK (or a caller) gives, or none if it cannot be read: `onError` is told why. */
function readList<T>(get: () => Iterable<T> | undefined, onError: (err: unknown) => void): T[] {
  try {
    const list = get();
    return list === undefined || list === null ? [] : Array.from(list);
  } catch (err) {
    onError(err);
    return [];
  }
}

/** How many points a metric has; 0 if that cannot be read (translation then reports what it can). */
function pointCount(metric: MetricData): number {
  try {
    const n = metric.dataPoints.length;
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

function metricName(metric: MetricData): string {
  try {
    return String(metric.descriptor.name);
  } catch {
    return '';
  }
}
