import type { TranslatedDatum } from '../translate/TranslatedDatum.js';

/** What one EMF document may hold. */
export interface EmfLimits {
  /** Metric definitions in its one directive (EMF allows 100). */
  maxMetrics: number;
  /** Its size in bytes, the newline that ends its line included (a log event's bound). */
  maxBytes: number;
}

/** One document being filled: the metrics of a group, each name at most once. */
interface OpenDocument {
  names: Set<string>;
  definitions: string[];
  members: string[];
  bytes: number;
}

const ASCII = /^[\x20-\x7e]*$/;
const byteLength = (s: string): number => (ASCII.test(s) ? s.length : Buffer.byteLength(s));

/**
 * The EMF documents for datums that share a timestamp and dimensions: one directive each (the namespace, the one
 * dimension set, up to `maxMetrics` metric definitions), dimensions and metric values as members at the top level,
 * as the specification asks. A name appears once per document: a second datum of a name (a histogram split in
 * parts, two instruments of one name) goes to the next document. Never breaks a limit: `onDrop` hears of a datum
 * no document can carry — a metric named like one of its dimensions, or `_aws` (both would be the same member).
 *
 * @returns the documents, one JSON text each, without newlines
 */
export function emfDocuments(
  namespace: string,
  timestamp: number,
  dimensionsJson: string,
  datums: readonly TranslatedDatum[],
  limits: EmfLimits,
  onDrop: (datum: TranslatedDatum, why: string) => void,
): string[] {
  const dimensions = JSON.parse(dimensionsJson) as Array<{ Name: string; Value: string }>;
  const keys = new Set(dimensions.map((d) => d.Name));
  const head =
    `{"_aws":{"Timestamp":${timestamp},"CloudWatchMetrics":[{"Namespace":${JSON.stringify(namespace)},` +
    `"Dimensions":[${JSON.stringify([...keys])}],"Metrics":[`;
  let dimensionMembers = '';
  for (const d of dimensions) dimensionMembers += `,${JSON.stringify(d.Name)}:${JSON.stringify(d.Value)}`;
  // head + definitions + `]}]}` + dimension members + metric members + `}` + the newline
  const base = byteLength(head) + 4 + byteLength(dimensionMembers) + 2;
  const open: OpenDocument[] = [];
  for (const datum of datums) {
    const name = datum.MetricName;
    if (keys.has(name) || name === '_aws') {
      onDrop(
        datum,
        `EMF cannot carry a metric named like ${name === '_aws' ? 'its metadata' : 'one of its dimensions'}`,
      );
      continue;
    }
    const quoted = JSON.stringify(name);
    let definition = `{"Name":${quoted}`;
    if (datum.Unit !== 'None') definition += `,"Unit":"${datum.Unit}"`;
    if (datum.StorageResolution === 1) definition += ',"StorageResolution":1';
    definition += '}';
    const member = `${quoted}:${valueJson(datum)}`;
    // Two commas at most: one before the definition, one before the member.
    const size = byteLength(definition) + byteLength(member) + 2;
    if (base + size > limits.maxBytes) {
      onDrop(datum, `its EMF document would exceed ${limits.maxBytes} bytes`);
      continue;
    }
    let doc = open.find(
      (o) => !o.names.has(name) && o.definitions.length < limits.maxMetrics && o.bytes + size <= limits.maxBytes,
    );
    if (doc === undefined) {
      doc = { names: new Set(), definitions: [], members: [], bytes: base };
      open.push(doc);
    }
    doc.names.add(name);
    doc.definitions.push(definition);
    doc.members.push(member);
    doc.bytes += size;
  }
  return open.map((o) => `${head}${o.definitions.join(',')}]}]}${dimensionMembers},${o.members.join(',')}}`);
}

/**
 * A datum's value as its member: a number, or, for a distribution, its exact values and counts with its statistics
 * (`Values`, `Counts`, `Sum`, `Count`, `Min`, `Max`), the object the CloudWatch agent and the Collector write.
 */
function valueJson(d: TranslatedDatum): string {
  if (d.Value !== undefined) return String(d.Value);
  const s = d.StatisticValues!;
  return (
    `{"Values":[${d.Values!.join(',')}],"Counts":[${d.Counts!.join(',')}],` +
    `"Sum":${s.Sum},"Count":${s.SampleCount},"Min":${s.Minimum},"Max":${s.Maximum}}`
  );
}
