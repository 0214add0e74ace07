import type { DataPoint, MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { describeThrown } from '../util/describeThrown.js';
import { canRollUp, RollUp } from '../rules/mergePoints.js';
import type { MetricRuleMatcher } from '../rules/metricRules.js';
import { toResourceDimensions } from './toDimensions.js';
import type { TranslatedDatum } from './TranslatedDatum.js';
import { scopeKeyOf, translateMetric, type TranslateContext } from './translateResourceMetrics.js';

/** Points translated between two looks at the clock. */
const SLICE_POINTS = 200;
/** Longest stretch of translation and packing before the event loop gets a turn. */
const SLICE_MS = 3;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What one export's translation needs besides the data. */
export interface ExportTranslation {
  ctx: TranslateContext;
  rules: MetricRuleMatcher;
  /** Takes each datum as it is made (packing, which sends full requests at once). */
  add: (datum: TranslatedDatum) => void;
  /** When the export must be over (epoch ms). */
  deadline: number;
}

/**
 * Translates every point of an export, a slice at a time, giving the event loop a turn every few milliseconds, and
 * applies the metric rules (drop, roll-ups into dimension sets, storage resolution). Never throws: a scope or
 * metric whose structure cannot be read costs only its own points, and past the deadline the points not yet
 * translated are dropped (counted as `export-timeout`) so that the export still ends on time.
 *
 * @returns the number of points `drop` rules left out
 */
export async function translateExport(metrics: ResourceMetrics, job: ExportTranslation): Promise<number> {
  const { ctx, rules, add, deadline } = job;
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
      const rule = rules.match(metricName(listed));
      if (rule?.drop) {
        droppedByRule += pointCount(listed);
        continue;
      }
      const metric = rule?.dimensionSets
        ? await rolledUp(listed, rule.dimensionSets, ctx, () => Date.now() >= deadline)
        : listed;
      const c = rule?.storageResolution ? { ...ctx, storageResolution: rule.storageResolution } : ctx;
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

/**
 * A metric rolled up into its rule's dimension sets, a slice of points at a time between event-loop turns, or as it
 * is when it cannot be (said once per metric). `late` answers whether the export's deadline has passed.
 */
async function rolledUp(
  metric: MetricData,
  sets: string[][],
  ctx: TranslateContext,
  late: () => boolean,
): Promise<MetricData> {
  const name = metricName(metric);
  let why = 'it is cumulative: its dimensionSets need delta temporality (the default for counters and histograms)';
  try {
    if (canRollUp(metric)) {
      const r = new RollUp(metric, sets, ctx.now);
      const points = metric.dataPoints as ReadonlyArray<DataPoint<unknown>>;
      let i = 0;
      for (; i < points.length && !late(); i += SLICE_POINTS) {
        r.add(points.length <= SLICE_POINTS ? points : points.slice(i, i + SLICE_POINTS));
        if (points.length > SLICE_POINTS) await yieldToEventLoop();
      }
      if (i < points.length) {
        ctx.drops.drop(name, 'export-timeout', 'the export ran out of time before reaching it', points.length - i);
      }
      return r.result();
    }
  } catch (err) {
    why = `its points could not be read (${describeThrown(err)})`;
  }
  ctx.drops.warnOnce(
    name,
    'roll-up',
    `metric "${name}" was not rolled up into its dimensionSets: ${why}; ` + 'published with all its attributes',
  );
  return metric;
}

/** The items of a list in the input, or none if it cannot be read as one (the input is the user's to get wrong). */
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
