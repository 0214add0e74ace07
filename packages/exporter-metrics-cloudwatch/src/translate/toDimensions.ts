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
  /**
   * The same list as CBOR, one character per byte, when asked for and every name and value is ASCII (as translation
   * makes them); else undefined. When it is set, `json` is empty: it is not written (see dimensionsFromCbor).
   */
  cbor: string | undefined;
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
            cborHead: undefined,
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

let lastResourceCbor: string | null = null;

function resourceJson(resourceDimensions: readonly Dimension[]): string {
  if (resourceDimensions !== lastResource) {
    lastResource = resourceDimensions;
    const json = JSON.stringify(resourceDimensions);
    lastResourceJson = json.slice(1, -1);
    lastResourceHash = hashString(lastResourceJson);
    lastResourceCbor = dimensionListCbor(resourceDimensions);
  }
  return lastResourceJson;
}

/*
 * CBOR as strings of one character per byte: a dimension is the map `{"Name": name, "Value": value}`. Translation
 * makes names and values ASCII, so their characters are their bytes; anything else gets null, and the datum's CBOR
 * is then transcoded from its JSON.
 */
const NOT_ASCII = /[\u0080-\uffff]/;

/** The head of a CBOR text string of `n` bytes. */
function textHead(n: number): string {
  if (n < 24) return String.fromCharCode(0x60 | n);
  if (n < 0x100) return `\x78${String.fromCharCode(n)}`;
  return `\x79${String.fromCharCode(n >> 8, n & 0xff)}`;
}

/** The head of a CBOR list of `n` items (at most 30 dimensions). */
function listHead(n: number): string {
  return n < 24 ? String.fromCharCode(0x80 | n) : `\x98${String.fromCharCode(n)}`;
}

/** `{"Name": name, "Value":` in CBOR, or null if the name is not ASCII. */
function cborHeadOf(name: string): string | null {
  return !NOT_ASCII.test(name) ? `\xa2\x64Name${textHead(name.length)}${name}\x65Value` : null;
}

function cborValue(head: string | null, value: string): string | null {
  return head === null || NOT_ASCII.test(value) ? null : head + textHead(value.length) + value;
}

/**
 * The dimensions a CBOR list of {@link dimensionsInto} holds, for the rare reader of a datum's dimensions as
 * objects (its JSON is not written when its CBOR is).
 */
export function dimensionsFromCbor(cbor: string): Dimension[] {
  let at = 0;
  const length = (): number => {
    const b = cbor.charCodeAt(at++) & 0x1f;
    if (b < 24) return b;
    if (b === 24) return cbor.charCodeAt(at++);
    const n = (cbor.charCodeAt(at) << 8) | cbor.charCodeAt(at + 1);
    at += 2;
    return n;
  };
  const text = (): string => {
    const n = length();
    at += n;
    return cbor.slice(at - n, at);
  };
  const count = length();
  const out: Dimension[] = [];
  for (let i = 0; i < count; i++) {
    at++; // the map's head: two entries
    text(); // "Name"
    const Name = text();
    text(); // "Value"
    out.push({ Name, Value: text() });
  }
  return out;
}

/** Dimensions as the CBOR items of a list (without its head), or null if one is not ASCII. */
function dimensionListCbor(dimensions: readonly Dimension[]): string | null {
  let out = '';
  for (const d of dimensions) {
    const item = cborValue(cborHeadOf(d.Name ?? ''), d.Value ?? '');
    if (item === null) return null;
    out += item;
  }
  return out;
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
  cbor = false,
): DimensionsJson {
  const into: DimensionsJson = { json: '', cbor: undefined, truncated: false, hash: 0 };
  return dimensionsInto(resourceDimensions, attributes, max, cache, into, cbor);
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
  /** Write the CBOR list too (see DimensionsJson.cbor). */
  cbor = false,
): DimensionsJson {
  let json: string;
  let hash = 0;
  let count = Math.min(resourceDimensions.length, max);
  let truncated = resourceDimensions.length > max;
  // The CBOR list's items; null once one cannot be written (then the list is not).
  let items: string | null = '';
  if (count === 0) json = '[';
  else if (!truncated) {
    json = `[${resourceJson(resourceDimensions)}`;
    hash = lastResourceHash;
    if (cbor) items = lastResourceCbor;
  } else {
    json = `[${JSON.stringify(resourceDimensions.slice(0, max)).slice(1, -1)}`;
    hash = hashString(json);
    if (cbor) items = dimensionListCbor(resourceDimensions.slice(0, max));
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
    let fragmentCbor: string | null | undefined;
    if (kept !== undefined) {
      fragment = kept.text;
      fragmentHash = kept.hash;
      if (cbor) {
        // Kept before CBOR was asked for (a cache shared with a JSON exporter): made from its JSON, once.
        fragmentCbor = kept.cbor;
        if (fragmentCbor === undefined) {
          fragmentCbor = cborValue(cborHeadOf(entry.name), (JSON.parse(kept.text) as Dimension).Value ?? '');
          cache.addFragmentCbor(entry, kept, fragmentCbor);
        }
      }
    } else {
      let quoted: string;
      let text: string;
      if (typeof raw === 'string' && raw.length <= MAX_DIMENSION_VALUE_LENGTH && PLAIN_VALUE.test(raw)) {
        quoted = `"${raw}"`;
        text = raw;
      } else if (typeof raw === 'number' || typeof raw === 'boolean' || typeof raw === 'bigint') {
        // Their text is digits, signs, '.', 'e', or a word: nothing to escape.
        text = `${raw}`;
        quoted = `"${text}"`;
      } else {
        const value = toDimensionValue(raw);
        if (value === undefined) continue;
        quoted = JSON.stringify(value);
        text = value;
      }
      // Only the value is hashed here: the name's hash was made once, with its entry.
      fragment = `${entry.head}${quoted}}`;
      fragmentHash = combineHash(entry.hash, hashString(quoted));
      if (cbor) {
        if (entry.cborHead === undefined) entry.cborHead = cborHeadOf(entry.name);
        fragmentCbor = cborValue(entry.cborHead, text);
      }
      cache.addFragment(entry, raw, fragment, fragmentHash, fragmentCbor);
    }
    // At most 30 names: a scan is cheaper than a Set.
    if ((mayRepeat || entry.changed) && isTaken(entry.name, count)) continue;
    if (count >= max) {
      truncated = true;
      break;
    }
    if (entry.changed) mayRepeat = true;
    // With CBOR asked for, the JSON is not written: nothing reads it (see TranslatedDatum.dimensionsJson).
    if (!cbor) json += count === 0 ? fragment : `,${fragment}`;
    else if (items !== null) items = fragmentCbor == null ? null : items + fragmentCbor;
    hash = combineHash(hash, fragmentHash);
    taken[count++] = entry.name;
  }
  if (cbor) {
    // A name or value past ASCII (translation makes none): written again, as JSON.
    if (items === null) return dimensionsInto(resourceDimensions, attributes, max, cache, into, false);
    const list = listHead(count) + items;
    list.charCodeAt(0);
    into.cbor = list;
    into.json = '';
    into.truncated = truncated;
    into.hash = hash;
    return into;
  }
  json += ']';
  // Reading a character makes V8 copy the tree of small strings `+=` built into one flat string, while they are
  // still fresh in the cache; joining thousands of such trees into a request body later costs more than this.
  json.charCodeAt(0);
  into.json = json;
  into.cbor = undefined;
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
