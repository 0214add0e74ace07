import type { MetricDatum } from '@aws-sdk/client-cloudwatch';

/*
 * The exact JSON the AWS SDK writes for a MetricDatum in an AWS JSON 1.0 PutMetricData body: members in the
 * service model's order, timestamps as epoch seconds (`String(ms / 1000)`), number lists as JSON.stringify
 * writes them. Packing measures request sizes with it, so the size limit is checked against the real body, not
 * an estimate; a test compares it byte for byte with the SDK's own output.
 */

const q = JSON.stringify;

function num(v: number): string {
  // Non-finite numbers never get this far (translation drops them); written as the SDK would, just in case.
  return Number.isFinite(v) ? String(v) : `"${String(v)}"`;
}

/** Serializes one datum exactly as the SDK's JSON 1.0 codec does. */
export function serializeDatum(d: MetricDatum): string {
  let s = '{';
  let sep = '';
  if (d.MetricName !== undefined) {
    s += `"MetricName":${q(d.MetricName)}`;
    sep = ',';
  }
  if (d.Dimensions !== undefined) {
    s += `${sep}"Dimensions":[`;
    for (let i = 0; i < d.Dimensions.length; i++) {
      const dim = d.Dimensions[i]!;
      s += `${i ? ',' : ''}{"Name":${q(dim.Name)},"Value":${q(dim.Value)}}`;
    }
    s += ']';
    sep = ',';
  }
  if (d.Timestamp !== undefined) {
    s += `${sep}"Timestamp":${String(d.Timestamp.getTime() / 1000)}`;
    sep = ',';
  }
  if (d.Value !== undefined) {
    s += `${sep}"Value":${num(d.Value)}`;
    sep = ',';
  }
  const st = d.StatisticValues;
  if (st !== undefined) {
    s +=
      `${sep}"StatisticValues":{"SampleCount":${num(st.SampleCount!)},"Sum":${num(st.Sum!)},` +
      `"Minimum":${num(st.Minimum!)},"Maximum":${num(st.Maximum!)}}`;
    sep = ',';
  }
  if (d.Values !== undefined) {
    s += `${sep}"Values":${q(d.Values)}`;
    sep = ',';
  }
  if (d.Counts !== undefined) {
    s += `${sep}"Counts":${q(d.Counts)}`;
    sep = ',';
  }
  if (d.Unit !== undefined) {
    s += `${sep}"Unit":${q(d.Unit)}`;
    sep = ',';
  }
  if (d.StorageResolution !== undefined) s += `${sep}"StorageResolution":${num(d.StorageResolution)}`;
  return s + '}';
}

/** The body around the datums: `{"Namespace":…,"MetricData":[` + datums joined by `,` + `]}`. */
export function envelope(namespace: string): { head: string; tail: string } {
  return { head: `{"Namespace":${q(namespace)},"MetricData":[`, tail: ']}' };
}
