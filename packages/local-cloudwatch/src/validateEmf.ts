/*
 * The referee for Embedded Metric Format: the rules of the EMF specification (CloudWatch user guide,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)
 * checked as strictly as CloudWatch Logs extracts, and stricter where the specification says what a producer MUST
 * NOT do (members it does not define). As with PutMetricData, the numbers are written here on purpose instead of
 * being imported from the exporter.
 */
import { CLOUDWATCH_UNITS, MAX_ABS_VALUE, MAX_FUTURE_MS, MAX_PAST_MS } from './validatePutMetricData';

/** A log event's bound in Lambda (CloudWatch Logs takes 1 MB elsewhere): a longer line is not one event. */
export const MAX_EMF_EVENT_BYTES = 256 * 1024;
export const MAX_EMF_METRICS = 100;
export const MAX_EMF_VALUES = 100;
export const MAX_EMF_DIMENSIONS = 30;

/** A datum as PutMetricData takes it, extracted from a document. */
export interface ExtractedDatum {
  MetricName: string;
  Dimensions: Array<{ Name: string; Value: string }>;
  Timestamp: Date;
  Value?: number;
  Values?: number[];
  Counts?: number[];
  StatisticValues?: { SampleCount: number; Sum: number; Minimum: number; Maximum: number };
  Unit?: string;
  StorageResolution?: number;
}

/** What one log line is: ordinary output (not EMF), a refused document and why, or the metrics it gives. */
export type EmfLine =
  { kind: 'log' } | { kind: 'refused'; problems: string[] } | { kind: 'metrics'; directives: ExtractedDirective[] };

export interface ExtractedDirective {
  namespace: string;
  datums: ExtractedDatum[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Reads one log line as CloudWatch Logs would. A line that is not a JSON object with an `_aws` member is ordinary
 * output. Lambda's own prefix (time, request id, level, separated by tabs) may come before the document.
 */
export function readEmfLine(line: string, now: number): EmfLine {
  const start = line.indexOf('{');
  if (start < 0) return { kind: 'log' };
  if (start > 0 && !/^[^{]*\t$/.test(line.slice(0, start))) return { kind: 'log' };
  const text = line.slice(start);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // A line that means to be EMF but is not JSON: CloudWatch counts it as a parsing error.
    return text.includes('"_aws"')
      ? { kind: 'refused', problems: ['the line is not one JSON document'] }
      : { kind: 'log' };
  }
  if (!isObject(doc) || !('_aws' in doc)) return { kind: 'log' };
  const problems: string[] = [];
  // JSON.parse keeps the last of two members of one name: a document with both is read here as CloudWatch may not.
  const duplicate = duplicateMember(text);
  if (duplicate !== undefined) problems.push(`the document has the member ${JSON.stringify(duplicate)} twice`);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_EMF_EVENT_BYTES) problems.push(`the document is ${bytes} bytes, over ${MAX_EMF_EVENT_BYTES}`);
  const directives = checkDocument(doc, now, problems);
  return problems.length > 0 ? { kind: 'refused', problems } : { kind: 'metrics', directives };
}

function checkDocument(doc: Record<string, unknown>, now: number, problems: string[]): ExtractedDirective[] {
  const aws = doc['_aws'];
  if (!isObject(aws)) {
    problems.push('_aws must be an object');
    return [];
  }
  for (const key of Object.keys(aws)) {
    if (key !== 'Timestamp' && key !== 'CloudWatchMetrics')
      problems.push(`_aws has a member the specification does not define: ${key}`);
  }
  const t = aws['Timestamp'];
  if (!Number.isInteger(t)) problems.push('_aws.Timestamp must be an integer: milliseconds since the epoch');
  else if ((t as number) < now - MAX_PAST_MS || (t as number) > now + MAX_FUTURE_MS) {
    problems.push(`_aws.Timestamp ${t} is outside CloudWatch's window (2 weeks back, 2 hours ahead)`);
  }
  const list = aws['CloudWatchMetrics'];
  if (!Array.isArray(list) || list.length === 0) {
    problems.push('_aws.CloudWatchMetrics must be a non-empty array of directives');
    return [];
  }
  return list.map((directive, i) => checkDirective(doc, directive, `CloudWatchMetrics[${i}]`, t as number, problems));
}

function checkDirective(
  doc: Record<string, unknown>,
  directive: unknown,
  at: string,
  timestamp: number,
  problems: string[],
): ExtractedDirective {
  const out: ExtractedDirective = { namespace: '', datums: [] };
  if (!isObject(directive)) {
    problems.push(`${at} must be an object`);
    return out;
  }
  for (const key of Object.keys(directive)) {
    if (key !== 'Namespace' && key !== 'Dimensions' && key !== 'Metrics') {
      problems.push(`${at} has a member the specification does not define: ${key}`);
    }
  }
  const ns = directive['Namespace'];
  if (typeof ns !== 'string' || ns.length < 1 || ns.length > 255 || /[^\x20-\x7e]/.test(ns) || ns.startsWith('AWS/')) {
    problems.push(`${at}.Namespace must be 1–255 printable ASCII characters, not starting with AWS/`);
  } else out.namespace = ns;
  const sets = directive['Dimensions'];
  const dimensionSets: Array<Array<{ Name: string; Value: string }>> = [];
  if (!Array.isArray(sets) || sets.length === 0) {
    problems.push(`${at}.Dimensions must be a non-empty array of dimension sets (a set may be empty)`);
  }
  if (Array.isArray(sets)) {
    sets.forEach((set: unknown, s) => {
      if (!Array.isArray(set) || set.some((k) => typeof k !== 'string')) {
        problems.push(`${at}.Dimensions[${s}] must be an array of member names`);
        return;
      }
      if (set.length > MAX_EMF_DIMENSIONS)
        problems.push(`${at}.Dimensions[${s}] has ${set.length} keys, over ${MAX_EMF_DIMENSIONS}`);
      if (new Set(set).size !== set.length) problems.push(`${at}.Dimensions[${s}] names a key twice`);
      const dims: Array<{ Name: string; Value: string }> = [];
      for (const key of set as string[]) {
        const value = doc[key];
        if (key.length < 1 || key.length > 255)
          problems.push(`${at}: dimension name "${key}" must be 1–255 characters`);
        if (typeof value !== 'string')
          problems.push(`${at}: dimension "${key}" must be a string member of the document`);
        else if (value.length < 1 || value.length > 1024 || !/\S/.test(value)) {
          problems.push(`${at}: dimension "${key}" must have a value of 1–1024 characters, not only spaces`);
        } else dims.push({ Name: key, Value: value });
      }
      dimensionSets.push(dims);
    });
  }
  const metrics = directive['Metrics'];
  if (!Array.isArray(metrics) || metrics.length === 0 || metrics.length > MAX_EMF_METRICS) {
    problems.push(`${at}.Metrics must be an array of 1–${MAX_EMF_METRICS} metric definitions`);
    return out;
  }
  const names = new Set<string>();
  metrics.forEach((definition: unknown, m) => {
    const where = `${at}.Metrics[${m}]`;
    if (!isObject(definition)) {
      problems.push(`${where} must be an object`);
      return;
    }
    for (const key of Object.keys(definition)) {
      if (key !== 'Name' && key !== 'Unit' && key !== 'StorageResolution') {
        problems.push(`${where} has a member the specification does not define: ${key}`);
      }
    }
    const name = definition['Name'];
    if (typeof name !== 'string' || name.length < 1 || name.length > 255) {
      problems.push(`${where}.Name must be a string of 1–255 characters`);
      return;
    }
    if (names.has(name)) problems.push(`${where}: metric "${name}" is defined twice`);
    names.add(name);
    const unit = definition['Unit'];
    if (unit !== undefined && (typeof unit !== 'string' || !CLOUDWATCH_UNITS.has(unit))) {
      problems.push(`${where}.Unit ${JSON.stringify(unit)} is not a CloudWatch unit`);
    }
    const resolution = definition['StorageResolution'];
    if (resolution !== undefined && resolution !== 1 && resolution !== 60) {
      problems.push(`${where}.StorageResolution must be 1 or 60`);
    }
    const value = readValue(doc[name], `metric "${name}"`, problems);
    if (value === undefined) return;
    for (const dims of dimensionSets) {
      const datum: ExtractedDatum = { MetricName: name, Dimensions: dims, Timestamp: new Date(timestamp), ...value };
      if (typeof unit === 'string') datum.Unit = unit;
      if (resolution === 1) datum.StorageResolution = 1;
      out.datums.push(datum);
    }
  });
  return out;
}

type Value = Pick<ExtractedDatum, 'Value' | 'Values' | 'Counts' | 'StatisticValues'>;

/** A metric member: a number, an array of up to 100 numbers, or a distribution object. */
function readValue(v: unknown, what: string, problems: string[]): Value | undefined {
  const storable = (x: unknown) => isNumber(x) && Math.abs(x) <= MAX_ABS_VALUE;
  if (typeof v === 'number') {
    if (!storable(v)) problems.push(`${what} has a value outside [-2^360, 2^360]`);
    return { Value: v };
  }
  if (Array.isArray(v)) {
    if (v.length < 1 || v.length > MAX_EMF_VALUES || !v.every(storable)) {
      problems.push(`${what} must be 1–${MAX_EMF_VALUES} numbers within [-2^360, 2^360]`);
      return undefined;
    }
    return { Values: v as number[] };
  }
  if (isObject(v)) {
    const { Values: values, Counts: counts, Sum: sum, Count: count, Min: min, Max: max, ...extra } = v;
    const before = problems.length;
    if (Object.keys(extra).length > 0)
      problems.push(`${what} has members a distribution does not have: ${Object.keys(extra).join(', ')}`);
    if (!Array.isArray(values) || values.length < 1 || values.length > MAX_EMF_VALUES || !values.every(storable)) {
      problems.push(`${what}: Values must be 1–${MAX_EMF_VALUES} numbers within [-2^360, 2^360]`);
    }
    if (
      !Array.isArray(counts) ||
      counts.length !== (values as unknown[])?.length ||
      !counts.every((c) => isNumber(c) && c >= 0)
    ) {
      problems.push(`${what}: Counts must be as many numbers ≥ 0 as Values`);
    }
    if (![sum, count, min, max].every(storable)) problems.push(`${what}: Sum, Count, Min and Max must be numbers`);
    if (problems.length > before) return undefined;
    const vs = values as number[];
    const cs = counts as number[];
    const total = cs.reduce((a, b) => a + b, 0);
    // CloudWatch takes the sample count from the counts; a Count that disagrees would be silently ignored.
    if (total !== count) problems.push(`${what}: Count ${count} is not the sum of Counts (${total})`);
    if (vs.some((x) => x < (min as number) || x > (max as number)))
      problems.push(`${what}: a value lies outside [Min, Max]`);
    if (problems.length > before) return undefined;
    return {
      Values: vs,
      Counts: cs,
      StatisticValues: { SampleCount: total, Sum: sum as number, Minimum: min as number, Maximum: max as number },
    };
  }
  problems.push(`${what} must be a number, an array of numbers or a distribution, and a member of the document`);
  return undefined;
}

/**
 * The first member name that appears twice in one object of a JSON text (which JSON.parse accepts, keeping the
 * last), or undefined. The text is valid JSON: only strings, nesting and the colon after a key need following.
 */
export function duplicateMember(text: string): string | undefined {
  const objects: Array<Set<string> | undefined> = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{') objects.push(new Set());
    else if (ch === '[') objects.push(undefined);
    else if (ch === '}' || ch === ']') objects.pop();
    else if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const keys = objects[objects.length - 1];
      let k = j + 1;
      while (text[k] === ' ' || text[k] === '\n' || text[k] === '\r' || text[k] === '\t') k++;
      if (keys !== undefined && text[k] === ':') {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
      }
      i = j;
    }
  }
  return undefined;
}
