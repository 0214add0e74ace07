import type { Dimension } from '@aws-sdk/client-cloudwatch';
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { MAX_DIMENSION_NAME_LENGTH, MAX_DIMENSION_VALUE_LENGTH, MAX_DIMENSIONS } from '../limits.js';
import { shorten, toAscii } from './toAscii.js';

/** Dimensions for one data point, and whether some had to be left out to stay within 30. */
export interface DimensionsResult {
  dimensions: Dimension[];
  truncated: boolean;
}

function valueToString(v: AttributeValue): string {
  return typeof v === 'string' ? v : Array.isArray(v) ? JSON.stringify(v) : String(v);
}

// Attribute keys are few and repeat on every point: their dimension names are worth remembering.
const NAME_CACHE_LIMIT = 4096;
const nameCache = new Map<string, string | undefined>();

/** A dimension name CloudWatch accepts, or undefined when nothing printable is left. */
export function toDimensionName(key: string): string | undefined {
  if (nameCache.has(key)) return nameCache.get(key);
  const name = dimensionName(key);
  if (nameCache.size < NAME_CACHE_LIMIT) nameCache.set(key, name);
  return name;
}

function dimensionName(key: string): string | undefined {
  let name = toAscii(key);
  if (!/\S/.test(name)) return undefined;
  if (name.startsWith(':')) name = `_${name}`;
  return shorten(name, MAX_DIMENSION_NAME_LENGTH);
}

/** A dimension value CloudWatch accepts, or undefined when it is empty or only whitespace. */
export function toDimensionValue(value: AttributeValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = toAscii(valueToString(value));
  if (!/\S/.test(s)) return undefined;
  return shorten(s, MAX_DIMENSION_VALUE_LENGTH);
}

/**
 * Builds CloudWatch dimensions from the chosen resource dimensions (first, in the configured order) and the data
 * point attributes (then, by sorted key). Empty values are dropped, long ones shortened, non-ASCII made ASCII;
 * past 30 the rest is left out (reported through `truncated`). A problem with a dimension never loses the point.
 */
export function toDimensions(
  resourceDimensions: readonly Dimension[],
  attributes: Attributes,
  max: number = MAX_DIMENSIONS,
): DimensionsResult {
  const dimensions: Dimension[] = resourceDimensions.length > 0 ? resourceDimensions.slice(0, max) : [];
  let truncated = resourceDimensions.length > max;
  const keys = Object.keys(attributes);
  if (keys.length > 1) keys.sort();
  for (const key of keys) {
    const value = toDimensionValue(attributes[key]);
    if (value === undefined) continue;
    const name = toDimensionName(key);
    // At most 30 names: a scan is cheaper than a Set.
    if (name === undefined || dimensions.some((d) => d.Name === name)) continue;
    if (dimensions.length >= max) {
      truncated = true;
      break;
    }
    dimensions.push({ Name: name, Value: value });
  }
  return { dimensions, truncated };
}

/** The resource's chosen attributes as dimensions, computed once per export. */
export function toResourceDimensions(keys: readonly string[], attributes: Attributes): Dimension[] {
  const out: Dimension[] = [];
  const seen = new Set<string>();
  for (const key of keys) {
    const value = toDimensionValue(attributes[key]);
    const name = toDimensionName(key);
    if (value === undefined || name === undefined || seen.has(name)) continue;
    seen.add(name);
    out.push({ Name: name, Value: value });
  }
  return out;
}
