import type { Dimension, MetricDatum, StatisticSet } from '@aws-sdk/client-cloudwatch';
import { TranslatedDatum } from '../../translate/TranslatedDatum.js';
import { lastOf } from '../../util/lastOf.js';
import { copyBytes, CborWriter, encodedText, MAJOR_ARRAY, MAJOR_MAP, MAJOR_TAG } from './CborWriter.js';

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
    w.raw(namePart(d.MetricName));
  }
  if (translated) {
    // Dimensions translation did not write as CBOR (names or values past ASCII, or a JSON delivery's datum).
    w.raw(KEY.Dimensions);
    writeDimensions(w, (d as TranslatedDatum).Dimensions);
  } else if (d.Dimensions !== undefined) {
    w.raw(KEY.Dimensions);
    writeDimensions(w, d.Dimensions);
  }
  if (d.Timestamp !== undefined) w.raw(timePart(d.Timestamp.getTime()));
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
 * row share (name, timestamp, unit: each with its key) are bytes made once, and the dimensions are copied as
 * translation wrote them in CBOR. False, with nothing written, when it did not (see writeDatumCbor).
 */
const namePart = lastOf((name: string) => Buffer.concat([KEY.MetricName, encodedText(name)]));
const unitPart = lastOf((unit: string) => Buffer.concat([KEY.Unit, encodedText(unit)]));
const timePart = lastOf((ms: number) => {
  const w = new CborWriter(32);
  w.raw(KEY.Timestamp);
  w.head(MAJOR_TAG, 1);
  w.number(ms / 1000);
  return Buffer.from(w.buffer.subarray(0, w.at));
});

function writeTranslated(w: CborWriter, d: TranslatedDatum): boolean {
  const st = d.StatisticValues;
  const values = d.Values;
  const counts = d.Counts;
  const name = namePart(d.MetricName);
  const time = timePart(d.Timestamp.getTime());
  const unit = unitPart(d.Unit);
  const dims = d.dimensionsCbor;
  if (dims === undefined) return false;
  const numbers = (values?.length ?? 0) + (counts?.length ?? 0);
  // At most: a number takes 9 bytes, a key and a head 18.
  w.ensure(160 + name.length + dims.length + time.length + unit.length + 9 * numbers);
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
  at = copyBytes(buf, at, name);
  at = copyBytes(buf, at, KEY.Dimensions);
  at += buf.write(dims, at, 'latin1');
  at = copyBytes(buf, at, time);
  w.at = at;
  writeMembersAfterTimestamp(w, d, unit);
  return true;
}
