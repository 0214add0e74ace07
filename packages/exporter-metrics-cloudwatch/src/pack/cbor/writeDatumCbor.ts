import type { Dimension, MetricDatum, StatisticSet } from '@aws-sdk/client-cloudwatch';
import { TranslatedDatum } from '../../translate/TranslatedDatum.js';
import { CborWriter, encodedText, MAJOR_ARRAY, MAJOR_MAP, MAJOR_TAG, MAJOR_TEXT, writeHead } from './CborWriter.js';

/*
 * A MetricDatum as the AWS SDK's Smithy RPC v2 CBOR codec writes it: a map of its present members, timestamps as
 * tag 1 around epoch seconds. A test decodes our bodies and the SDK's for the same input and holds them equal.
 * Written by hand for the reason serializeDatum is: the generic codec walks a schema for every member of every
 * datum; here the keys are bytes written once, and a histogram's Values go in as one run of 64-bit floats, with
 * no number ever formatted as text.
 */

const KEY = {
  MetricName: encodedText('MetricName'),
  Dimensions: encodedText('Dimensions'),
  Name: encodedText('Name'),
  Value: encodedText('Value'),
  Timestamp: encodedText('Timestamp'),
  StatisticValues: encodedText('StatisticValues'),
  SampleCount: encodedText('SampleCount'),
  Sum: encodedText('Sum'),
  Minimum: encodedText('Minimum'),
  Maximum: encodedText('Maximum'),
  Values: encodedText('Values'),
  Counts: encodedText('Counts'),
  Unit: encodedText('Unit'),
  StorageResolution: encodedText('StorageResolution'),
  Namespace: encodedText('Namespace'),
  MetricData: encodedText('MetricData'),
  EntityMetricData: encodedText('EntityMetricData'),
  Entity: encodedText('Entity'),
  KeyAttributes: encodedText('KeyAttributes'),
  Attributes: encodedText('Attributes'),
  StrictEntityValidation: encodedText('StrictEntityValidation'),
};
export { KEY as CBOR_KEYS };

/** Remembers the bytes made from the last key: datums in a row share their metric name and unit. */
function lastOf(make: (key: string) => Buffer): (key: string) => Buffer {
  let lastKey: string | undefined;
  let last: Buffer = Buffer.alloc(0);
  return (key) => {
    if (key !== lastKey) {
      lastKey = key;
      last = make(key);
    }
    return last;
  };
}
const nameText = lastOf(encodedText);

/** Appends one datum. */
export function writeDatumCbor(w: CborWriter, d: MetricDatum): void {
  if (d instanceof TranslatedDatum && writeTranslated(w, d)) return;
  const st = d.StatisticValues;
  // A translated datum that did not take the road above: its dimensions (from their getter) are always there.
  const translated = d instanceof TranslatedDatum;
  const members =
    +(d.MetricName !== undefined) +
    +(translated || d.Dimensions !== undefined) +
    +(d.Timestamp !== undefined) +
    +(d.Value !== undefined) +
    +(st !== undefined) +
    +(d.Values !== undefined) +
    +(d.Counts !== undefined) +
    +(d.Unit !== undefined) +
    +(d.StorageResolution !== undefined);
  w.head(MAJOR_MAP, members);
  if (d.MetricName !== undefined) {
    w.raw(KEY.MetricName);
    w.raw(nameText(d.MetricName));
  }
  if (translated) {
    // Dimensions JSON of a shape the fast path does not take (see dimensionsFromJson): parsed.
    w.raw(KEY.Dimensions);
    writeDimensions(w, (d as TranslatedDatum).Dimensions);
  } else if (d.Dimensions !== undefined) {
    w.raw(KEY.Dimensions);
    writeDimensions(w, d.Dimensions);
  }
  if (d.Timestamp !== undefined) {
    w.raw(KEY.Timestamp);
    w.head(MAJOR_TAG, 1);
    w.number(d.Timestamp.getTime() / 1000);
  }
  writeMembersAfterTimestamp(w, d, d.Unit === undefined ? undefined : unitPart(d.Unit));
}

/** The members after Timestamp, in model order; `unit` is the Unit member's bytes, key included. */
function writeMembersAfterTimestamp(w: CborWriter, d: MetricDatum, unit: Buffer | undefined): void {
  if (d.Value !== undefined) {
    w.raw(KEY.Value);
    w.number(d.Value);
  }
  if (d.StatisticValues !== undefined) {
    w.raw(KEY.StatisticValues);
    writeStatistics(w, d.StatisticValues);
  }
  if (d.Values !== undefined) {
    w.raw(KEY.Values);
    w.numbers(d.Values);
  }
  if (d.Counts !== undefined) {
    w.raw(KEY.Counts);
    w.numbers(d.Counts);
  }
  if (unit !== undefined) w.raw(unit);
  if (d.StorageResolution !== undefined) {
    w.raw(KEY.StorageResolution);
    w.number(d.StorageResolution);
  }
}

function writeStatistics(w: CborWriter, st: StatisticSet): void {
  const { SampleCount, Sum, Minimum, Maximum } = st;
  w.head(
    MAJOR_MAP,
    +(SampleCount !== undefined) + +(Sum !== undefined) + +(Minimum !== undefined) + +(Maximum !== undefined),
  );
  if (SampleCount !== undefined) {
    w.raw(KEY.SampleCount);
    w.number(SampleCount);
  }
  if (Sum !== undefined) {
    w.raw(KEY.Sum);
    w.number(Sum);
  }
  if (Minimum !== undefined) {
    w.raw(KEY.Minimum);
    w.number(Minimum);
  }
  if (Maximum !== undefined) {
    w.raw(KEY.Maximum);
    w.number(Maximum);
  }
}

function writeDimensions(w: CborWriter, dims: readonly Dimension[]): void {
  w.head(MAJOR_ARRAY, dims.length);
  for (const { Name, Value } of dims) {
    w.head(MAJOR_MAP, +(Name !== undefined) + +(Value !== undefined));
    if (Name !== undefined) {
      w.raw(KEY.Name);
      w.text(Name);
    }
    if (Value !== undefined) {
      w.raw(KEY.Value);
      w.text(Value);
    }
  }
}

/*
 * A translated datum, the common case, written with room made once and no call per member: the parts datums in a
 * row share (name, timestamp, unit: each with its key) are bytes made once, and the dimensions are transcoded from
 * the JSON translation wrote (see dimensionsFromJson). False, with nothing written, when that JSON is not of the
 * expected shape.
 */
const namePart = lastOf((name) => Buffer.concat([KEY.MetricName, encodedText(name)]));
const unitPart = lastOf((unit) => Buffer.concat([KEY.Unit, encodedText(unit)]));
let lastTime = NaN;
let lastTimePart: Buffer = Buffer.alloc(0);
function timePart(ms: number): Buffer {
  if (ms !== lastTime) {
    const w = new CborWriter(32);
    w.raw(KEY.Timestamp);
    w.head(MAJOR_TAG, 1);
    w.number(ms / 1000);
    lastTime = ms;
    lastTimePart = Buffer.from(w.buffer.subarray(0, w.at));
  }
  return lastTimePart;
}

function writeTranslated(w: CborWriter, d: TranslatedDatum): boolean {
  const st = d.StatisticValues;
  const values = d.Values;
  const counts = d.Counts;
  const name = namePart(d.MetricName);
  const time = timePart(d.Timestamp.getTime());
  const unit = unitPart(d.Unit);
  const json = d.dimensionsJson;
  const dims = d.dimensionsCbor;
  const numbers = (values?.length ?? 0) + (counts?.length ?? 0);
  // At most: the dimensions' CBOR, or no more than their JSON (see dimensionsFromJson); a number 9 bytes, a key 18.
  w.ensure(160 + name.length + (dims ?? json).length + time.length + unit.length + 9 * numbers);
  const buf = w.buffer;
  const start = w.at;
  let at = start;
  buf[at++] =
    (MAJOR_MAP << 5) |
    (4 +
      +(d.Value !== undefined) +
      +(st !== undefined) +
      +(values !== undefined) +
      +(counts !== undefined) +
      +(d.StorageResolution !== undefined));
  at = copy(buf, at, name);
  at = copy(buf, at, KEY.Dimensions);
  // Translation wrote them as CBOR when it knew the delivery wanted it; else they are made from the JSON.
  if (dims !== undefined) at += buf.write(dims, at, 'latin1');
  else at = dimensionsFromJson(buf, at, json);
  if (at < 0) return false;
  at = copy(buf, at, time);
  w.at = at;
  writeMembersAfterTimestamp(w, d, unit);
  return true;
}

function copy(buf: Buffer, at: number, bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) buf[at + i] = bytes[i]!;
  return at + bytes.length;
}

/*
 * Translation hands dimensions over as the JSON list it wrote, `[{"Name":"…","Value":"…"},…]`, every name and value
 * ASCII. That JSON is copied into the body as it is (one native copy), then rewritten in place, left to right, as
 * CBOR: without a backslash no string holds a quote, so each name and value ends at the next quote, and the JSON
 * between them is fixed. The CBOR never outgrows the JSON it has read (`{"Name":"` is 9 characters, a map head, the
 * key and a text head at most 9 bytes; `","Value":"` 11 against at most 9), so writing never overtakes reading.
 * Answers where the list ends, or -1 for anything else (an escape, another shape, a character past ASCII), with
 * the bytes from `start` on to be written again.
 */
const FIRST_NAME = Buffer.from('[{"Name":"', 'latin1');
const TO_VALUE = Buffer.from('","Value":"', 'latin1');
const TO_NAME = Buffer.from('"},{"Name":"', 'latin1');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const NAME_KEY = KEY.Name;
const VALUE_KEY = KEY.Value;

function dimensionsFromJson(buf: Buffer, start: number, json: string): number {
  const end = start + json.length;
  if (buf.write(json, start, 'latin1') !== json.length) return -1;
  if (json.length === 2 && buf[start] === 0x5b && buf[start + 1] === CLOSE_BRACKET) {
    buf[start] = MAJOR_ARRAY << 5;
    return start + 1;
  }
  if (!bytesAt(buf, start, FIRST_NAME)) return -1;
  // The list's head takes one byte below 24 dimensions; past that (rare) it is widened at the end.
  let w = start + 1;
  let r = start + FIRST_NAME.length;
  let n = 0;
  for (;;) {
    buf[w++] = (MAJOR_MAP << 5) | 2;
    w = copy(buf, w, NAME_KEY);
    w = textInPlace(buf, w, r, end);
    if (w < 0) return -1;
    r = closedAt;
    if (!bytesAt(buf, r, TO_VALUE)) return -1;
    r += TO_VALUE.length;
    w = copy(buf, w, VALUE_KEY);
    w = textInPlace(buf, w, r, end);
    if (w < 0) return -1;
    r = closedAt;
    n++;
    if (bytesAt(buf, r, TO_NAME)) {
      r += TO_NAME.length;
      continue;
    }
    if (r + 3 !== end || buf[r] !== QUOTE || buf[r + 1] !== CLOSE_BRACE || buf[r + 2] !== CLOSE_BRACKET) return -1;
    if (n < 24) {
      buf[start] = (MAJOR_ARRAY << 5) | n;
      return w;
    }
    buf.copyWithin(start + 2, start + 1, w);
    buf[start] = (MAJOR_ARRAY << 5) | 24;
    buf[start + 1] = n;
    return w + 1;
  }
}

/** Where the last string textInPlace rewrote was closed (its quote). */
let closedAt = 0;

/**
 * The JSON string's characters from `r` to its closing quote, rewritten at `w` as a CBOR text string; answers where
 * it ends (and sets closedAt), or -1 for an escape, a byte past ASCII or no closing quote.
 */
function textInPlace(buf: Buffer, w: number, r: number, end: number): number {
  let close = r;
  while (close < end && buf[close] !== QUOTE) close++;
  if (close >= end) return -1;
  closedAt = close;
  w = writeHead(buf, w, MAJOR_TEXT, close - r);
  for (let i = r; i < close; i++) {
    const b = buf[i]!;
    if (b > 0x7f || b === BACKSLASH) return -1;
    buf[w++] = b;
  }
  return w;
}

function bytesAt(buf: Buffer, at: number, bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (buf[at + i] !== bytes[i]) return false;
  return true;
}
