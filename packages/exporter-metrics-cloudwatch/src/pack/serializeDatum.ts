import type { MetricDatum } from '@aws-sdk/client-cloudwatch';

/*
 * The exact JSON the AWS SDK writes for a MetricDatum in an AWS JSON 1.0 PutMetricData body: members in the
 * service model's order, timestamps as epoch seconds (`String(ms / 1000)`), numbers as JSON.stringify writes
 * them. Packing measures request sizes with it, so the size limit is checked against the real body, not an
 * estimate; a test compares it byte for byte with the SDK's own output. Translation never produces NaN or
 * infinities (the SDK would write them as strings, JSON.stringify as null).
 */

/**
 * Serializes one datum exactly as the SDK's JSON 1.0 codec does. V8's JSON.stringify writes an object's keys in
 * insertion order and omits undefined members, so a fresh object in model order gives the SDK's bytes; it is
 * also faster than building the string by hand, and its result is a flat string that joins cheaply.
 */
export function serializeDatum(d: MetricDatum): string {
  return JSON.stringify(wireObject(d));
}

/** The datum as a plain object in the SDK's wire shape: JSON.stringify of it (or of a list of them) is exact. */
export function wireObject(d: MetricDatum): object {
  const st = d.StatisticValues;
  return {
    MetricName: d.MetricName,
    Dimensions: d.Dimensions,
    Timestamp: d.Timestamp === undefined ? undefined : d.Timestamp.getTime() / 1000,
    Value: d.Value,
    StatisticValues:
      st === undefined
        ? undefined
        : { SampleCount: st.SampleCount, Sum: st.Sum, Minimum: st.Minimum, Maximum: st.Maximum },
    Values: d.Values,
    Counts: d.Counts,
    Unit: d.Unit,
    StorageResolution: d.StorageResolution,
  };
}

/** The body around the datums: `{"Namespace":…,"MetricData":[` + datums joined by `,` + `]}`. */
export function envelope(namespace: string): { head: string; tail: string } {
  return { head: `{"Namespace":${JSON.stringify(namespace)},"MetricData":[`, tail: ']}' };
}

/** The whole body of a request in one JSON.stringify call: the same bytes as the envelope around joined datums. */
export function serializeBody(namespace: string, datums: readonly MetricDatum[]): string {
  return `{"Namespace":${JSON.stringify(namespace)},"MetricData":${JSON.stringify(datums.map(wireObject))}}`;
}
