import type { Entity, MetricDatum, StatisticSet } from '@aws-sdk/client-cloudwatch';
import { TranslatedDatum } from '../translate/TranslatedDatum.js';
import { lastOf } from '../util/lastOf.js';
import type { CborFrame } from './cbor/cborEnvelope.js';

/*
 * The exact JSON the AWS SDK writes for a MetricDatum in an AWS JSON 1.0 PutMetricData body: members in the
 * service model's order, timestamps as epoch seconds (`String(ms / 1000)`), numbers as JSON.stringify writes
 * them. Packing measures request sizes with it, so the size limit is checked against the real body, not an
 * estimate; a test compares it byte for byte with the SDK's own output. Translation never produces NaN or
 * infinities (the SDK would write them as strings, JSON.stringify as null).
 */

/**
 * Serializes one datum exactly as the SDK's JSON 1.0 codec does. Written by hand, member by member in model
 * order, because JSON.stringify walked every dimension object again and was most of an export's time: the
 * dimensions come pre-serialized from translation (see {@link TranslatedDatum}), the parts datums share (name,
 * timestamp, unit) are written once and reused, and the result has few pieces for the final join to copy.
 */
export function serializeDatum(d: MetricDatum): string {
  let s: string;
  // (A datum translated for CBOR has no JSON of its dimensions: rare here, they are then written from objects.)
  if (d instanceof TranslatedDatum) {
    s = nameAndDimensions(d.MetricName) + (d.dimensionsJson || JSON.stringify(d.Dimensions));
  }
  // A datum without a name (never one of translation's) takes the plain road.
  else if (d.MetricName === undefined) return JSON.stringify(wireObject(d));
  else if (d.Dimensions === undefined) s = nameOnly(d.MetricName);
  else s = nameAndDimensions(d.MetricName) + JSON.stringify(d.Dimensions);
  if (d.Timestamp !== undefined) s += timestampMember(d.Timestamp.getTime());
  if (d.Value !== undefined) s += `,"Value":${numberJson(d.Value)}`;
  const st = d.StatisticValues;
  if (st !== undefined) s += statisticValuesMember(st);
  if (d.Values !== undefined) s += `,"Values":${JSON.stringify(d.Values)}`;
  if (d.Counts !== undefined) s += `,"Counts":${JSON.stringify(d.Counts)}`;
  if (d.Unit !== undefined) s += unitMember(d.Unit);
  if (d.StorageResolution !== undefined) s += `,"StorageResolution":${numberJson(d.StorageResolution)}`;
  return `${s}}`;
}

/** What JSON.stringify writes for a number, without its general machinery. */
function numberJson(v: number): string {
  return Number.isFinite(v) ? `${v}` : 'null';
}

const nameOnly = lastOf((name: string) => `{"MetricName":${JSON.stringify(name)}`);
const nameAndDimensions = lastOf((name: string) => `{"MetricName":${JSON.stringify(name)},"Dimensions":`);
const timestampMember = lastOf((ms: number) => `,"Timestamp":${numberJson(ms / 1000)}`);
const unitMember = lastOf((unit: string) => `,"Unit":${JSON.stringify(unit)}`);

/** `,"StatisticValues":{…}` as JSON.stringify writes it, members in model order, absent ones left out. */
function statisticValuesMember(st: StatisticSet): string {
  if (st.SampleCount === undefined || st.Sum === undefined || st.Minimum === undefined || st.Maximum === undefined) {
    return `,"StatisticValues":${JSON.stringify(statisticValues(st))}`;
  }
  const { SampleCount, Sum, Minimum, Maximum } = st;
  return `,"StatisticValues":{"SampleCount":${numberJson(SampleCount)},"Sum":${numberJson(Sum)},"Minimum":${numberJson(Minimum)},"Maximum":${numberJson(Maximum)}}`;
}

/** The datum as a plain object in the SDK's wire shape: JSON.stringify of it is exact. */
function wireObject(d: MetricDatum): object {
  return {
    MetricName: d.MetricName,
    Dimensions: d.Dimensions,
    Timestamp: d.Timestamp === undefined ? undefined : d.Timestamp.getTime() / 1000,
    Value: d.Value,
    StatisticValues: d.StatisticValues === undefined ? undefined : statisticValues(d.StatisticValues),
    Values: d.Values,
    Counts: d.Counts,
    Unit: d.Unit,
    StorageResolution: d.StorageResolution,
  };
}

/** StatisticValues in model order (JSON.stringify keeps insertion order and omits undefined members). */
function statisticValues(st: StatisticSet): object {
  return { SampleCount: st.SampleCount, Sum: st.Sum, Minimum: st.Minimum, Maximum: st.Maximum };
}

/** What surrounds the datums of a request body: the request's members but its datums. */
export interface Envelope {
  head: string;
  tail: string;
  /** The entity every datum of the request belongs to, if any. */
  entity?: Entity;
  /**
   * The same request without its optional members (the entity): what to send to an endpoint that refuses a
   * request for carrying them. Absent when there are none.
   */
  plain?: Envelope;
  /**
   * Set when the body is CBOR (Smithy RPC v2 CBOR): what surrounds its datums, which follow one another with no
   * separator. `head` and `tail` are then empty.
   */
  cbor?: CborFrame;
}

/**
 * The body around the datums: `{"Namespace":…,"MetricData":[` + datums joined by `,` + `]}`; with an entity,
 * `{"Namespace":…,"EntityMetricData":[{"Entity":…,"MetricData":[` + datums + `]}],"StrictEntityValidation":false}`
 * (members in model order, as the SDK writes them). Validation is never strict: an entity CloudWatch does not take
 * must not cost the datums (see docs/entities.md).
 */
export function envelope(namespace: string, entity?: Entity): Envelope {
  const ns = JSON.stringify(namespace);
  if (entity === undefined) return { head: `{"Namespace":${ns},"MetricData":[`, tail: ']}' };
  const json = JSON.stringify({ KeyAttributes: entity.KeyAttributes, Attributes: entity.Attributes });
  return {
    head: `{"Namespace":${ns},"EntityMetricData":[{"Entity":${json},"MetricData":[`,
    tail: ']}],"StrictEntityValidation":false}',
    entity,
    plain: envelope(namespace),
  };
}
