import type { Dimension } from '@aws-sdk/client-cloudwatch';
import type { Attributes } from '@opentelemetry/api';
import { MAX_DIMENSION_VALUE_LENGTH, MAX_DIMENSIONS } from '../limits.js';
import { DimensionCache, type Fragment, type NameEntry } from './DimensionCache.js';
import { combineHash, hashString } from '../stats/SeriesCounter.js';
import { toDimensionName, toDimensionValue } from '../points/dimensionText.js';

/** One data point's dimensions as the JSON CloudWatch receives, and whether some were left out to stay within 30. */
export interface DimensionsJson {
  /** `JSON.stringify` of the Dimension list, in order. */
  json: string;
  truncated: boolean;
  /** The dimensions' part of a series' identity: equal for equal dimension lists (see SeriesCounter). */
  hash: number;
}

/** Dimensions for one data point, as objects (see {@link toDimensions}). */
export interface DimensionsResult extends DimensionsJson {
  dimensions: Dimension[];
}

/** The cache translation uses unless it is given its own (tests, benchmarks, the resource's dimensions). */
export const defaultDimensionCache = new DimensionCache();

function nameEntry(key: string, cache: DimensionCache): NameEntry | null {
  let entry = cache.names.get(key);
  if (entry === undefined) {
    const name = toDimensionName(key);
    entry =
      name === undefined
        ? null
        : {
            name,
            head: `{"Name":${JSON.stringify(name)},"Value":`,
            hash: hashString(name),
            changed: name !== key,
            fragments: null,
            fragmentChars: 0,
          };
    cache.addName(key, entry);
  }
  return entry;
}

// Printable ASCII but `"` and `\`, with something other than spaces: such a string is its own dimension value,
// and quoting it is all JSON needs. One test for the common case instead of three (ASCII, blank, escapes).
const PLAIN_VALUE = /^ *[\x21\x23-\x5b\x5d-\x7e][\x20\x21\x23-\x5b\x5d-\x7e]*$/;

// The resource dimensions are the same for every point of an export: their JSON is made once.
let lastResource: readonly Dimension[] | undefined;
let lastResourceJson = '';
let lastResourceHash = 0;

function resourceJson(resourceDimensions: readonly Dimension[]): string {
  if (resourceDimensions !== lastResource) {
    lastResource = resourceDimensions;
    const json = JSON.stringify(resourceDimensions);
    lastResourceJson = json.slice(1, -1);
    lastResourceHash = hashString(lastResourceJson);
  }
  return lastResourceJson;
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
  cache: DimensionCache = defaultDimensionCache,
): DimensionsResult {
  const result = toDimensionsJson(resourceDimensions, attributes, max, cache);
  return { dimensions: JSON.parse(result.json) as Dimension[], ...result };
}

// The names taken so far for the point being translated (translation is synchronous: one list serves all).
const taken: string[] = [];

/**
 * {@link toDimensions} as JSON only: what translation needs. No Dimension objects are made — they were most of
 * the memory an export allocated, and a datum parses its JSON back into them only if someone asks (see
 * {@link TranslatedDatum}).
 */
export function toDimensionsJson(
  resourceDimensions: readonly Dimension[],
  attributes: Attributes,
  max: number = MAX_DIMENSIONS,
  cache: DimensionCache = defaultDimensionCache,
): DimensionsJson {
  return dimensionsInto(resourceDimensions, attributes, max, cache, { json: '', truncated: false, hash: 0 });
}

/**
 * {@link toDimensionsJson} written into `into` and returned: translation gives each metric one such object, and
 * allocates nothing per point besides the JSON.
 */
export function dimensionsInto(
  resourceDimensions: readonly Dimension[],
  attributes: Attributes,
  max: number,
  cache: DimensionCache,
  into: DimensionsJson,
): DimensionsJson {
  let json: string;
  let hash = 0;
  let count = Math.min(resourceDimensions.length, max);
  let truncated = resourceDimensions.length > max;
  if (count === 0) json = '[';
  else if (!truncated) {
    json = `[${resourceJson(resourceDimensions)}`;
    hash = lastResourceHash;
  } else {
    json = `[${JSON.stringify(resourceDimensions.slice(0, max)).slice(1, -1)}`;
    hash = hashString(json);
  }
  for (let i = 0; i < count; i++) taken[i] = resourceDimensions[i]!.Name!;
  // Names can only repeat when one of them was changed (made ASCII, escaped, shortened) or came with the resource.
  let mayRepeat = count > 0;
  const keys = sortedKeys(attributes);
  for (const key of keys) {
    const entry = nameEntry(key, cache);
    if (entry === null) continue;
    const raw = attributes[key];
    const kept: Fragment | undefined = entry.fragments?.get(raw as string);
    let fragment: string;
    let fragmentHash: number;
    if (kept !== undefined) {
      fragment = kept.text;
      fragmentHash = kept.hash;
    } else {
      let quoted: string;
      if (typeof raw === 'string' && raw.length <= MAX_DIMENSION_VALUE_LENGTH && PLAIN_VALUE.test(raw)) {
        quoted = `"${raw}"`;
      } else if (typeof raw === 'number' || typeof raw === 'boolean' || typeof raw === 'bigint') {
        // Their text is digits, signs, '.', 'e', or a word: nothing to escape.
        quoted = `"${raw}"`;
      } else {
        const value = toDimensionValue(raw);
        if (value === undefined) continue;
        quoted = JSON.stringify(value);
      }
      // Only the value is hashed here: the name's hash was made once, with its entry.
      fragment = `${entry.head}${quoted}}`;
      fragmentHash = combineHash(entry.hash, hashString(quoted));
      cache.addFragment(entry, raw, fragment, fragmentHash);
    }
    // At most 30 names: a scan is cheaper than a Set.
    if ((mayRepeat || entry.changed) && isTaken(entry.name, count)) continue;
    if (count >= max) {
      truncated = true;
      break;
    }
    if (entry.changed) mayRepeat = true;
    json += count === 0 ? fragment : `,${fragment}`;
    hash = combineHash(hash, fragmentHash);
    taken[count++] = entry.name;
  }
  json += ']';
  // Reading a character makes V8 copy the tree of small strings `+=` built into one flat string, while they are
  // still fresh in the cache; joining thousands of such trees into a request body later costs more than this.
  json.charCodeAt(0);
  into.json = json;
  into.truncated = truncated;
  into.hash = hash;
  return into;
}

function isTaken(name: string, count: number): boolean {
  for (let i = 0; i < count; i++) if (taken[i] === name) return true;
  return false;
}

/** The keys in code-unit order; points carry a handful, where an insertion sort beats Array.prototype.sort. */
function sortedKeys(attributes: Attributes): string[] {
  const keys = Object.keys(attributes);
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
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
