import type { TranslatedDatum } from '../translate/TranslatedDatum.js';

/** What one EMF document may hold. */
export interface EmfLimits {
  /** Metric definitions in its one directive (EMF allows 100). */
  maxMetrics: number;
  /** Its size in bytes, the newline that ends its line included (a log event's bound). */
  maxBytes: number;
}

/** What every document of one dimension list shares, made once per list (see {@link EmfDimensionCache}). */
interface DimensionParts {
  keys: ReadonlySet<string>;
  /** `"Dimensions":[[…]]`, the one dimension set: every key. */
  set: string;
  /** `,"key":"value"` for each dimension: the members, ready to follow the directive. */
  members: string;
  /** Their UTF-8 size (dimensions are ASCII once translated; not so when a caller's datums are not translation's). */
  bytes: number;
}

/** One document being filled: the metrics of a group, each name at most once. */
interface OpenDocument {
  names: Set<string>;
  definitions: string;
  members: string;
  count: number;
  bytes: number;
}

const ASCII = /^[\x20-\x7e]*$/;
const byteLength = (s: string): number => (ASCII.test(s) ? s.length : Buffer.byteLength(s));

/**
 * The parts documents make of dimension lists, kept across exports: an exporter publishes the same series export
 * after export, and reading a list's JSON back into members cost more than all the rest of a counter's document.
 * Bounded: past `maxEntries` it starts again empty.
 */
export class EmfDimensionCache {
  private readonly parts = new Map<string, DimensionParts>();
  constructor(private readonly maxEntries = 50_000) {}

  of(dimensionsJson: string): DimensionParts {
    let p = this.parts.get(dimensionsJson);
    if (p === undefined) {
      const dimensions = JSON.parse(dimensionsJson) as Array<{ Name: string; Value: string }>;
      const keys = new Set(dimensions.map((d) => d.Name));
      let members = '';
      for (const d of dimensions) members += `,${JSON.stringify(d.Name)}:${JSON.stringify(d.Value)}`;
      const set = `"Dimensions":[${JSON.stringify([...keys])}]`;
      p = { keys, set, members, bytes: byteLength(set) + byteLength(members) };
      if (this.parts.size >= this.maxEntries) this.parts.clear();
      this.parts.set(dimensionsJson, p);
    }
    return p;
  }
}

const sharedCache = new EmfDimensionCache();

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
  cache: EmfDimensionCache = sharedCache,
): string[] {
  const dims = cache.of(dimensionsJson);
  if (dims.keys.has('_aws')) {
    // The metadata's own member: a dimension of that name would replace it, and CloudWatch would read nothing.
    for (const datum of datums) onDrop(datum, 'EMF cannot carry a dimension named _aws (the metadata member)');
    return [];
  }
  const head = `{"_aws":{"Timestamp":${timestamp},"CloudWatchMetrics":[{"Namespace":${JSON.stringify(namespace)},`;
  // head + dimension set + `,"Metrics":[` + definitions + `]}]}` + dimension members + `,` + metric members + `}\n`
  const base = byteLength(head) + dims.bytes + 12 + 4 + 1 + 2;
  const open: OpenDocument[] = [];
  let lastName: string | undefined;
  let quoted = '';
  let nameExtraBytes = 0;
  for (const datum of datums) {
    const name = datum.MetricName;
    if (dims.keys.has(name) || name === '_aws') {
      onDrop(
        datum,
        `EMF cannot carry a metric named like ${name === '_aws' ? 'its metadata' : 'one of its dimensions'}`,
      );
      continue;
    }
    if (name !== lastName) {
      lastName = name;
      quoted = JSON.stringify(name);
      nameExtraBytes = byteLength(quoted) - quoted.length;
    }
    let definition = `{"Name":${quoted}`;
    if (datum.Unit !== 'None') definition += `,"Unit":"${datum.Unit}"`;
    if (datum.StorageResolution === 1) definition += ',"StorageResolution":1';
    definition += '}';
    const member = `${quoted}:${valueJson(datum)}`;
    // Everything but the name is ASCII (units, numbers); two commas at most, one before each part.
    const size = definition.length + member.length + 2 * nameExtraBytes + 2;
    if (base + size > limits.maxBytes) {
      onDrop(datum, `its EMF document would exceed ${limits.maxBytes} bytes`);
      continue;
    }
    let doc = open.length > 0 ? open[open.length - 1] : undefined;
    if (doc === undefined || !fits(doc, name, size, limits)) {
      doc = open.find((o) => fits(o, name, size, limits));
      if (doc === undefined) {
        doc = { names: new Set(), definitions: '', members: '', count: 0, bytes: base };
        open.push(doc);
      }
    }
    doc.names.add(name);
    if (doc.count > 0) {
      doc.definitions += ',';
      doc.members += ',';
    }
    doc.definitions += definition;
    doc.members += member;
    doc.count++;
    doc.bytes += size;
  }
  const documents: string[] = [];
  for (const o of open)
    documents.push(`${head}${dims.set},"Metrics":[${o.definitions}]}]}${dims.members},${o.members}}`);
  return documents;
}

const fits = (o: OpenDocument, name: string, size: number, limits: EmfLimits): boolean =>
  !o.names.has(name) && o.count < limits.maxMetrics && o.bytes + size <= limits.maxBytes;

/**
 * A datum's value as its member: a number, or, for a distribution, its exact values and counts with its statistics
 * (`Values`, `Counts`, `Sum`, `Count`, `Min`, `Max`), the object the CloudWatch agent and the Collector write.
 */
function valueJson(d: TranslatedDatum): string {
  if (d.Value !== undefined) return String(d.Value);
  const s = d.StatisticValues!;
  // JSON.stringify writes the arrays several times faster than join does (translation's arrays are not all doubles).
  return (
    `{"Values":${JSON.stringify(d.Values)},"Counts":${JSON.stringify(d.Counts)},` +
    `"Sum":${s.Sum},"Count":${s.SampleCount},"Min":${s.Minimum},"Max":${s.Maximum}}`
  );
}
