import { DEFAULT_DIMENSION_CACHE_CHARS } from '../defaults.js';

/** A dimension name and the start of its JSON object, `{"Name":…,"Value":`. */
export interface NameEntry {
  name: string;
  head: string;
  /** The name's part of a series' identity hash (see SeriesCounter). */
  hash: number;
  /**
   * The start of its CBOR map, `{"Name": …, "Value":` (one character per byte), made on first need; null when the
   * name is not ASCII (CBOR is then transcoded from the JSON).
   */
  cborHead?: string | null;
  /** Whether the name differs from its key, so that it may collide with another key's name. */
  changed: boolean;
  /**
   * Whole `{"Name":…,"Value":…}` objects by attribute value; null while the entry is not kept by a cache, and once
   * its key has shown too many values.
   */
  fragments: Map<string | number | boolean | bigint, Fragment> | null;
  /** What the fragments count against the cache's bound. */
  fragmentChars: number;
}

/** One dimension as JSON, `{"Name":…,"Value":…}`, and its part of a series' identity hash. */
export interface Fragment {
  text: string;
  hash: number;
  /** The same dimension as CBOR (see NameEntry.cborHead), when made; null when it cannot be (not ASCII). */
  cbor?: string | null;
}

// Attribute keys are few and short: a long one is a mistake (a value used as a key) and is not worth the memory.
const MAX_KEY_LENGTH = 256;
// Most attributes take a few values over and over (routes, methods, status codes): their dimension objects are
// remembered whole, as flat strings, which spares the escaping test and most of the string building. A key that
// shows more distinct values than FRAGMENTS_PER_NAME (an id, say) stops being remembered, and long values never
// are.
const FRAGMENTS_PER_NAME = 64;
const FRAGMENT_VALUE_LENGTH = 64;
// What a Map entry and a string header cost besides the characters, roughly, in bytes: counted per entry so that
// a flood of tiny keys is bounded as well as a few long ones.
const ENTRY_OVERHEAD = 48;

/**
 * Dimension names by attribute key, and each name's most frequent `{"Name":…,"Value":…}` fragments, bounded by the
 * characters they hold (and a fixed cost per entry) rather than by their number: keys of any length cannot make
 * it grow past `maxChars`. Once full it keeps what it has and stops remembering — translation stays correct, only
 * slower for what was not kept. One per exporter, so that its memory goes with the exporter.
 */
export class DimensionCache {
  /** By attribute key; null for a key that makes no dimension name. Read on the hot path: use {@link addName}. */
  readonly names = new Map<string, NameEntry | null>();
  private counted = 0;

  constructor(readonly maxChars = DEFAULT_DIMENSION_CACHE_CHARS) {}

  /** Characters (plus the per-entry cost) held: never more than `maxChars`. */
  get chars(): number {
    return this.counted;
  }

  /** Keeps a key's entry if the key is short and there is room; a kept entry gets a map for its fragments. */
  addName(key: string, entry: NameEntry | null): void {
    if (key.length > MAX_KEY_LENGTH) return;
    const cost = ENTRY_OVERHEAD + key.length + (entry === null ? 0 : entry.name.length + entry.head.length);
    if (this.counted + cost > this.maxChars) return;
    this.counted += cost;
    if (entry !== null) entry.fragments = new Map();
    this.names.set(key, entry);
  }

  /**
   * Gives a kept fragment the CBOR made for it after it was kept (by a cache shared with a JSON exporter), if there
   * is room: its characters count like the rest.
   */
  addFragmentCbor(entry: NameEntry, fragment: Fragment, cbor: string | null): void {
    const cost = cbor?.length ?? 0;
    if (this.counted + cost > this.maxChars || entry.fragments === null) return;
    fragment.cbor = cbor;
    entry.fragmentChars += cost;
    this.counted += cost;
  }

  /** Keeps the fragment a short primitive value made, unless its key has shown too many values. */
  addFragment(entry: NameEntry, raw: unknown, fragment: string, hash: number, cbor?: string | null): void {
    const fragments = entry.fragments;
    if (fragments === null) return;
    // Objects are never keys: two equal arrays are two keys, and a mutated one would answer a stale fragment.
    const type = typeof raw;
    if (type !== 'string' && type !== 'number' && type !== 'boolean' && type !== 'bigint') return;
    const key = raw as string | number | boolean | bigint;
    const keyChars = type === 'string' ? (key as string).length : 0;
    if (keyChars > FRAGMENT_VALUE_LENGTH) return;
    if (fragments.size >= FRAGMENTS_PER_NAME) {
      this.counted -= entry.fragmentChars;
      entry.fragmentChars = 0;
      entry.fragments = null;
      return;
    }
    const cost = ENTRY_OVERHEAD + fragment.length + keyChars + (cbor?.length ?? 0);
    if (this.counted + cost > this.maxChars) return;
    fragment.charCodeAt(0); // flattened once here rather than in every request that copies it
    cbor?.charCodeAt(0);
    fragments.set(key, { text: fragment, hash, cbor });
    entry.fragmentChars += cost;
    this.counted += cost;
  }
}
