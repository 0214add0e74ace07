import { MAX_DIMENSIONS } from '../limits.js';
import { toDimensionName } from '../points/dimensionText.js';

/** How the metrics whose names match are published (see docs/cost-control.md). */
export interface MetricRule {
  /** Instrument names: exact, or globs where `*` matches any run of characters. */
  names: string[];
  /** Publish nothing for matching metrics. */
  drop?: boolean;
  /**
   * Publish each point once per set, with only those attribute keys as dimensions (resourceDimensions are added to
   * every set); points that fall into the same series of a set are merged exactly first. `[]` is a set with no
   * attributes. A point lacking a key of a set is left out of that set. Default: one set of all attributes.
   */
  dimensionSets?: string[][];
  /** Per-metric storage resolution, overriding the exporter's. */
  storageResolution?: 1 | 60;
}

const globToRegExp = (glob: string): RegExp =>
  new RegExp(
    `^${glob
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

/** Checks rules once, at construction: every error names the rule (by index and first name) and the problem. */
export function validateMetricRules(rules: unknown, resourceDimensions: readonly string[]): MetricRule[] {
  if (rules === undefined) return [];
  if (!Array.isArray(rules)) throw new TypeError('CloudWatchMetricExporter: metricRules must be an array');
  return rules.map((rule: MetricRule, i) => {
    const label = `metricRules[${i}]${Array.isArray(rule?.names) && rule.names[0] ? ` ("${rule.names[0]}")` : ''}`;
    const fail = (problem: string): never => {
      throw new RangeError(`CloudWatchMetricExporter: ${label}: ${problem}`);
    };
    if (rule === null || typeof rule !== 'object') fail('must be an object');
    if (!Array.isArray(rule.names) || rule.names.length === 0) fail('names must be a non-empty array');
    if (rule.names.some((n) => typeof n !== 'string' || n === '')) fail('every name must be a non-empty string');
    if (rule.drop !== undefined && typeof rule.drop !== 'boolean') fail('drop must be a boolean');
    if (rule.storageResolution !== undefined && rule.storageResolution !== 1 && rule.storageResolution !== 60) {
      fail('storageResolution must be 1 or 60');
    }
    if (rule.dimensionSets !== undefined) {
      if (!Array.isArray(rule.dimensionSets) || rule.dimensionSets.length === 0) {
        fail('dimensionSets must be a non-empty array of arrays of attribute keys');
      }
      const seen = new Set<string>();
      const resourceNames = new Set(resourceDimensions.map((k) => toDimensionName(k)));
      for (const set of rule.dimensionSets) {
        if (!Array.isArray(set) || set.some((k) => typeof k !== 'string' || k === '')) {
          fail('every dimension set must be an array of non-empty attribute keys');
        }
        // Compared as the dimension names CloudWatch will see: keys that fold to one name make one series.
        const names = set.map((k) => toDimensionName(k));
        if (names.some((n) => n === undefined))
          fail(`the set [${set.join(', ')}] has a key that makes no dimension name`);
        if (new Set(names).size !== names.length) fail(`the set [${set.join(', ')}] names one dimension twice`);
        const clash = set.find((_, i) => resourceNames.has(names[i]));
        if (clash !== undefined) {
          fail(`"${clash}" is a resource dimension, added to every set already: its series would be counted twice`);
        }
        const keys = [...new Set(names as string[])].sort();
        const total = new Set([...resourceDimensions, ...keys]).size;
        if (total > MAX_DIMENSIONS) {
          fail(`the set [${set.join(', ')}] has ${total} dimensions with the resource dimensions (at most 30)`);
        }
        const id = JSON.stringify(keys);
        if (seen.has(id)) fail(`the set [${set.join(', ')}] is given twice`);
        seen.add(id);
      }
    }
    return rule;
  });
}

/** Finds the first rule matching a metric name, remembering the answer per name (names are few, points many). */
export class MetricRuleMatcher {
  private readonly matchers: Array<{ rule: MetricRule; test: (name: string) => boolean }>;
  private readonly cache = new Map<string, MetricRule | null>();

  constructor(rules: readonly MetricRule[]) {
    this.matchers = rules.map((rule) => {
      const exact = new Set(rule.names.filter((n) => !n.includes('*')));
      const globs = rule.names.filter((n) => n.includes('*')).map(globToRegExp);
      return { rule, test: (name: string) => exact.has(name) || globs.some((g) => g.test(name)) };
    });
  }

  /** The rule for a metric name, or undefined when none matches. */
  match(name: string): MetricRule | undefined {
    if (this.matchers.length === 0) return undefined;
    let rule = this.cache.get(name);
    if (rule === undefined) {
      rule = this.matchers.find((m) => m.test(name))?.rule ?? null;
      // Names come from instruments, which a program creates a bounded number of; still, never grow without end.
      if (this.cache.size < 10_000) this.cache.set(name, rule);
    }
    return rule ?? undefined;
  }
}
