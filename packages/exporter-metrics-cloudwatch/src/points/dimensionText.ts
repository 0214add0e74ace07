import type { AttributeValue } from '@opentelemetry/api';
import { MAX_DIMENSION_NAME_LENGTH, MAX_DIMENSION_VALUE_LENGTH } from '../limits.js';
import { safeJsonStringify } from '../util/safeJsonStringify.js';
import { shorten, toAscii } from './toAscii.js';

/** A dimension name CloudWatch accepts, or undefined when nothing printable is left. */
export function toDimensionName(key: string): string | undefined {
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
 * Strings as they are; arrays (and objects, which some callers pass despite the type) as JSON, so that different
 * ones stay different dimension values, with BigInts as their digits and cycles marked; anything else as text.
 */
function valueToString(v: AttributeValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return safeJsonStringify(v);
  return String(v);
}
