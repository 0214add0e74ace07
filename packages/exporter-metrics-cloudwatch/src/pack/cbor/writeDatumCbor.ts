import type { Dimension, MetricDatum, StatisticSet } from '@aws-sdk/client-cloudwatch';
import { TranslatedDatum } from '../../translate/TranslatedDatum.js';
import { CborWriter, encodedText, MAJOR_ARRAY, MAJOR_MAP, MAJOR_TAG } from './CborWriter.js';

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
const unitText = lastOf(encodedText);

/** Appends one datum. */
export function writeDatumCbor(w: CborWriter, d: MetricDatum): void {
  const st = d.StatisticValues;
  // A translated datum's Dimensions are read from its JSON (see writeDimensionsJson): the getter would parse it.
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
    w.raw(KEY.Dimensions);
    writeDimensionsJson(w, (d as TranslatedDatum).dimensionsJson);
  } else if (d.Dimensions !== undefined) {
    w.raw(KEY.Dimensions);
    writeDimensions(w, d.Dimensions);
  }
  if (d.Timestamp !== undefined) {
    w.raw(KEY.Timestamp);
    w.head(MAJOR_TAG, 1);
    w.number(d.Timestamp.getTime() / 1000);
  }
  if (d.Value !== undefined) {
    w.raw(KEY.Value);
    w.number(d.Value);
  }
  if (st !== undefined) {
    w.raw(KEY.StatisticValues);
    writeStatistics(w, st);
  }
  if (d.Values !== undefined) {
    w.raw(KEY.Values);
    w.numbers(d.Values);
  }
  if (d.Counts !== undefined) {
    w.raw(KEY.Counts);
    w.numbers(d.Counts);
  }
  if (d.Unit !== undefined) {
    w.raw(KEY.Unit);
    w.raw(unitText(d.Unit));
  }
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
 * Translation hands dimensions over as the JSON list it wrote, `[{"Name":"…","Value":"…"},…]`. Without a backslash
 * in it no string holds a quote, so each name and value ends at the next quote and the text between them is
 * fixed: the next one starts a known number of characters on. One pass, two quote searches a dimension. Anything
 * else (an escape, another shape) is parsed.
 */
const FIRST_NAME = '[{"Name":"';
const TO_VALUE = '","Value":"';
const TO_NAME = '"},{"Name":"';
const END = '"}]';

function writeDimensionsJson(w: CborWriter, json: string): void {
  if (json === '[]') return w.head(MAJOR_ARRAY, 0);
  if (json.indexOf('\\') >= 0 || !json.startsWith(FIRST_NAME)) {
    return writeDimensions(w, JSON.parse(json) as Dimension[]);
  }
  // The list's head takes one byte below 24 dimensions; past that (rare) it is widened at the end.
  w.ensure(1);
  const headAt = w.at++;
  let n = 0;
  let at = FIRST_NAME.length;
  for (;;) {
    const nameEnd = json.indexOf('"', at);
    const value = nameEnd + TO_VALUE.length;
    const valueEnd = json.indexOf('"', value);
    if (nameEnd < 0 || valueEnd < 0 || !json.startsWith(TO_VALUE, nameEnd)) break;
    w.head(MAJOR_MAP, 2);
    w.raw(KEY.Name);
    w.textOf(json, at, nameEnd);
    w.raw(KEY.Value);
    w.textOf(json, value, valueEnd);
    n++;
    if (json.startsWith(TO_NAME, valueEnd)) {
      at = valueEnd + TO_NAME.length;
      continue;
    }
    if (valueEnd + END.length === json.length && json.startsWith(END, valueEnd)) {
      if (n < 24) w.buffer[headAt] = (MAJOR_ARRAY << 5) | n;
      else {
        w.ensure(1);
        w.buffer.copyWithin(headAt + 2, headAt + 1, w.at);
        w.at++;
        w.buffer[headAt] = (MAJOR_ARRAY << 5) | 24;
        w.buffer[headAt + 1] = n;
      }
      return;
    }
    break;
  }
  // Not the shape expected: start over from the parsed list.
  w.at = headAt;
  writeDimensions(w, JSON.parse(json) as Dimension[]);
}
