/*
 * The referee's rule book: every PutMetricData rule of the CloudWatch API reference (PutMetricData, MetricDatum,
 * Dimension, StatisticSet, Entity: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/), checked the
 * way CloudWatch answers it. The numbers are written here again on purpose, instead of being imported from the exporter:
 * a referee that shares the code it judges would agree with every mistake.
 */

/** A refusal, shaped like CloudWatch's: HTTP status, error code and message. */
export interface Violation {
  status: number;
  code: string;
  message: string;
}

export const MAX_BODY_BYTES = 1_000_000;
export const MAX_DATUMS = 1000;
export const MAX_ENTITY_METRIC_DATA = 2;
export const MAX_VALUES = 150;
export const MAX_DIMENSIONS = 30;
export const MAX_ABS_VALUE = 2 ** 360;
export const MAX_PAST_MS = 14 * 24 * 3600 * 1000;
export const MAX_FUTURE_MS = 2 * 3600 * 1000;

export const CLOUDWATCH_UNITS: ReadonlySet<string> = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

/** Options for the checks that go beyond what CloudWatch itself refuses. */
export interface ValidationOptions {
  /** The clock the timestamp window is measured from (epoch ms). */
  now: number;
  /**
   * Also require StatisticValues to agree with Values/Counts (Sum, Minimum, Maximum, not only SampleCount).
   * CloudWatch stores a disagreeing pair without complaint, but then its statistics and percentiles tell two
   * different stories; our exporter promises they agree, so the test referee holds it to that by default.
   */
  strictDistributions: boolean;
}

const invalid = (message: string): Violation => ({ status: 400, code: 'InvalidParameterValue', message });
const missing = (parameter: string): Violation => ({
  status: 400,
  code: 'MissingParameter',
  message: `The parameter ${parameter} is required.`,
});
const combination = (message: string): Violation => ({
  status: 400,
  code: 'InvalidParameterCombination',
  message,
});

const CONTROL_OR_NON_ASCII = /[^\x20-\x7e]/;
const NON_WHITESPACE = /\S/;

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function checkNumber(v: unknown, parameter: string): Violation | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > MAX_ABS_VALUE) {
    return invalid(`The value ${String(v)} for parameter ${parameter} is invalid.`);
  }
  return undefined;
}

function checkAsciiName(v: unknown, parameter: string, maxLength: number): Violation | undefined {
  if (v === undefined || v === null) return missing(parameter);
  if (typeof v !== 'string' || v.length < 1 || v.length > maxLength) {
    return invalid(`The value for parameter ${parameter} must be between 1 and ${maxLength} characters long.`);
  }
  if (CONTROL_OR_NON_ASCII.test(v)) {
    return invalid(`The value for parameter ${parameter} contains non-ASCII or control characters.`);
  }
  if (!NON_WHITESPACE.test(v)) {
    return invalid(`The value for parameter ${parameter} must contain at least one non-whitespace character.`);
  }
  return undefined;
}

/** Checks one PutMetricData input (already decoded from JSON). Returns the first violation, or undefined. */
export function validatePutMetricData(
  input: unknown,
  bodyBytes: number,
  options: ValidationOptions,
): Violation | undefined {
  if (bodyBytes > MAX_BODY_BYTES) {
    return {
      status: 413,
      code: 'RequestEntityTooLarge',
      message: `Request size ${bodyBytes} exceeded ${MAX_BODY_BYTES} bytes`,
    };
  }
  if (!isRecord(input)) return invalid('The request body is not a JSON object.');

  const ns = input['Namespace'];
  const nsViolation = checkAsciiName(ns, 'Namespace', 255);
  if (nsViolation) return nsViolation;
  if ((ns as string).startsWith(':')) return invalid('The parameter Namespace must not start with ":".');
  if ((ns as string).startsWith('AWS/')) {
    return invalid('The value AWS/ for parameter Namespace is invalid: it is reserved for AWS services.');
  }

  const metricData = input['MetricData'] ?? [];
  const entityMetricData = input['EntityMetricData'] ?? [];
  if (!Array.isArray(metricData)) return invalid('The parameter MetricData must be a list.');
  if (!Array.isArray(entityMetricData)) return invalid('The parameter EntityMetricData must be a list.');
  if (entityMetricData.length > MAX_ENTITY_METRIC_DATA) {
    return invalid(`The collection EntityMetricData must not have a size greater than ${MAX_ENTITY_METRIC_DATA}.`);
  }
  const entityDatums: unknown[] = [];
  for (const e of entityMetricData) {
    if (isRecord(e) && Array.isArray(e['MetricData'])) entityDatums.push(...(e['MetricData'] as unknown[]));
  }
  if (entityMetricData.length > 0 && typeof input['StrictEntityValidation'] !== 'boolean') {
    // The API reference: StrictEntityValidation "is required when EntityMetricData is included".
    return missing('StrictEntityValidation');
  }
  const total = metricData.length + entityDatums.length;
  if (total === 0) return missing('MetricData');
  if (total > MAX_DATUMS) {
    return invalid(`The collection MetricData must not have a size greater than ${MAX_DATUMS}.`);
  }
  for (let i = 0; i < metricData.length; i++) {
    const v = validateDatum(metricData[i], `MetricData.member.${i + 1}`, options);
    if (v) return v;
  }
  for (let i = 0; i < entityDatums.length; i++) {
    const v = validateDatum(entityDatums[i], `EntityMetricData.MetricData.member.${i + 1}`, options);
    if (v) return v;
  }
  return undefined;
}

function validateDatum(d: unknown, at: string, options: ValidationOptions): Violation | undefined {
  if (!isRecord(d)) return invalid(`The parameter ${at} must be a structure.`);

  const name = d['MetricName'];
  if (name === undefined) return missing(`${at}.MetricName`);
  if (typeof name !== 'string' || name.length < 1 || name.length > 255 || !NON_WHITESPACE.test(name)) {
    return invalid(`The value for parameter ${at}.MetricName must be 1 to 255 characters with one non-whitespace.`);
  }

  const dims = d['Dimensions'] ?? [];
  if (!Array.isArray(dims)) return invalid(`The parameter ${at}.Dimensions must be a list.`);
  if (dims.length > MAX_DIMENSIONS) {
    return invalid(`The collection ${at}.Dimensions must not have a size greater than ${MAX_DIMENSIONS}.`);
  }
  const seen = new Set<string>();
  for (let j = 0; j < dims.length; j++) {
    const dim = dims[j];
    const dAt = `${at}.Dimensions.member.${j + 1}`;
    if (!isRecord(dim)) return invalid(`The parameter ${dAt} must be a structure.`);
    const dn = checkAsciiName(dim['Name'], `${dAt}.Name`, 255);
    if (dn) return dn;
    if ((dim['Name'] as string).startsWith(':')) return invalid(`The parameter ${dAt}.Name must not start with ":".`);
    const dv = checkAsciiName(dim['Value'], `${dAt}.Value`, 1024);
    if (dv) return dv;
    if (seen.has(dim['Name'] as string)) {
      return invalid(`The dimension name ${String(dim['Name'])} appears more than once in ${at}.Dimensions.`);
    }
    seen.add(dim['Name'] as string);
  }

  const ts = d['Timestamp'];
  if (ts !== undefined) {
    const ms = typeof ts === 'number' ? ts * 1000 : typeof ts === 'string' ? Date.parse(ts) : NaN;
    if (!Number.isFinite(ms)) return invalid(`The value for parameter ${at}.Timestamp is invalid.`);
    if (ms < options.now - MAX_PAST_MS || ms > options.now + MAX_FUTURE_MS) {
      return invalid(
        `The parameter ${at}.Timestamp must specify a time no more than two weeks in the past ` +
          'or two hours in the future.',
      );
    }
  }

  const sr = d['StorageResolution'];
  if (sr !== undefined && sr !== 1 && sr !== 60) {
    return invalid(`The value ${String(sr)} for parameter ${at}.StorageResolution is invalid.`);
  }
  const unit = d['Unit'];
  if (unit !== undefined && (typeof unit !== 'string' || !CLOUDWATCH_UNITS.has(unit))) {
    return invalid(`The value ${String(unit)} for parameter ${at}.Unit is invalid.`);
  }

  const hasValue = d['Value'] !== undefined;
  const values = d['Values'];
  const counts = d['Counts'];
  const stats = d['StatisticValues'];
  if (hasValue && (values !== undefined || stats !== undefined)) {
    return combination(`The parameters ${at}.Value and ${at}.Values or ${at}.StatisticValues are mutually exclusive.`);
  }
  if (!hasValue && values === undefined && stats === undefined) {
    return missing(`${at}.Value`);
  }
  if (hasValue) return checkNumber(d['Value'], `${at}.Value`);

  if (counts !== undefined && values === undefined) {
    return combination(`The parameter ${at}.Counts requires ${at}.Values.`);
  }
  let countSum = 0;
  let vSum = 0;
  let vMin = Infinity;
  let vMax = -Infinity;
  if (values !== undefined) {
    if (!Array.isArray(values)) return invalid(`The parameter ${at}.Values must be a list.`);
    if (values.length > MAX_VALUES) {
      return invalid(`The collection ${at}.Values must not have a size greater than ${MAX_VALUES}.`);
    }
    if (counts !== undefined) {
      if (!Array.isArray(counts)) return invalid(`The parameter ${at}.Counts must be a list.`);
      if (counts.length !== values.length) {
        return invalid(`The parameters ${at}.Values and ${at}.Counts must be arrays of the same length.`);
      }
    }
    for (let k = 0; k < values.length; k++) {
      const bad = checkNumber(values[k], `${at}.Values.member.${k + 1}`);
      if (bad) return bad;
      const c = counts === undefined ? 1 : (counts as unknown[])[k];
      const badCount = checkNumber(c, `${at}.Counts.member.${k + 1}`);
      if (badCount) return badCount;
      if ((c as number) < 0)
        return invalid(`The value ${String(c)} for parameter ${at}.Counts.member.${k + 1} is invalid.`);
      const v = values[k] as number;
      countSum += c as number;
      vSum += v * (c as number);
      if ((c as number) > 0) {
        if (v < vMin) vMin = v;
        if (v > vMax) vMax = v;
      }
    }
  }

  if (stats !== undefined) {
    if (!isRecord(stats)) return invalid(`The parameter ${at}.StatisticValues must be a structure.`);
    for (const f of ['SampleCount', 'Sum', 'Minimum', 'Maximum']) {
      if (stats[f] === undefined) return missing(`${at}.StatisticValues.${f}`);
      const bad = checkNumber(stats[f], `${at}.StatisticValues.${f}`);
      if (bad) return bad;
    }
    const sc = stats['SampleCount'] as number;
    const min = stats['Minimum'] as number;
    const max = stats['Maximum'] as number;
    const sum = stats['Sum'] as number;
    if (sc <= 0) return invalid(`The value ${sc} for parameter ${at}.StatisticValues.SampleCount is invalid.`);
    if (min > max) {
      return invalid(`The parameter ${at}.StatisticValues.Minimum must not be greater than its Maximum.`);
    }
    if (values !== undefined) {
      if (!nearlyEqual(countSum, sc)) {
        return invalid(`The sum of ${at}.Counts (${countSum}) must equal ${at}.StatisticValues.SampleCount (${sc}).`);
      }
      if (options.strictDistributions) {
        if (!nearlyEqual(vMin, min) || !nearlyEqual(vMax, max) || !nearlyEqual(vSum, sum)) {
          return invalid(
            `The ${at}.StatisticValues (Sum ${sum}, Minimum ${min}, Maximum ${max}) disagree with its ` +
              `Values/Counts (Sum ${vSum}, Minimum ${vMin}, Maximum ${vMax}).`,
          );
        }
      }
    }
  }
  return undefined;
}

function nearlyEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** An entity CloudWatch does not take: the `X-Amzn-Failure-Message` value it answers, and why. */
export interface EntityProblem {
  failure:
    | 'InvalidEntity'
    | 'InvalidKeyAttributes'
    | 'InvalidAttributes'
    | 'InvalidTypeValue'
    | 'MissingRequiredFields'
    | 'EntitySizeTooLarge';
  message: string;
}

export const ENTITY_KEY_ATTRIBUTES: ReadonlySet<string> = new Set([
  'Type',
  'ResourceType',
  'Identifier',
  'Name',
  'Environment',
]);
/** Types and the key attributes each needs besides Type (CloudWatch User Guide, related telemetry). */
export const ENTITY_TYPES: ReadonlyMap<string, readonly string[]> = new Map([
  ['Service', ['Name', 'Environment']],
  ['AWS::Service', ['Name']],
  ['Resource', ['ResourceType', 'Identifier']],
  ['AWS::Resource', ['ResourceType', 'Identifier']],
]);

function checkStringMap(map: unknown, min: number, max: number, maxKey: number, maxValue: number): string | undefined {
  if (!isRecord(map)) return 'is not a map';
  const entries = Object.entries(map);
  if (entries.length < min || entries.length > max) return `has ${entries.length} entries (${min}–${max} allowed)`;
  for (const [k, v] of entries) {
    if (k.length < 1 || k.length > maxKey) return `has a key of ${k.length} characters (1–${maxKey} allowed)`;
    if (typeof v !== 'string' || v.length < 1 || v.length > maxValue) {
      return `has a value for ${k} that is not a string of 1–${maxValue} characters`;
    }
  }
  return undefined;
}

/**
 * Checks the entities of a PutMetricData input (its datums are checked by validatePutMetricData). CloudWatch
 * refuses the request over such a problem when StrictEntityValidation is true; when false it stores the datums
 * without the entity and says what was wrong in `X-Amzn-Failure-Message`.
 */
export function checkEntities(input: Record<string, unknown>): EntityProblem | undefined {
  const items = input['EntityMetricData'];
  if (!Array.isArray(items)) return undefined;
  for (let i = 0; i < items.length; i++) {
    const at = `EntityMetricData.member.${i + 1}.Entity`;
    const item = items[i] as unknown;
    const entity = isRecord(item) ? item['Entity'] : undefined;
    if (!isRecord(entity)) return { failure: 'InvalidEntity', message: `${at} is missing or not an object` };
    const keys = entity['KeyAttributes'];
    const keyProblem = checkStringMap(keys, 2, 4, 32, 2048);
    if (keyProblem) return { failure: 'InvalidKeyAttributes', message: `${at}.KeyAttributes ${keyProblem}` };
    const keyMap = keys as Record<string, string>;
    const unknown = Object.keys(keyMap).find((k) => !ENTITY_KEY_ATTRIBUTES.has(k));
    if (unknown !== undefined) {
      return { failure: 'InvalidKeyAttributes', message: `${at}.KeyAttributes has an unknown key "${unknown}"` };
    }
    if (entity['Attributes'] !== undefined) {
      const attributeProblem = checkStringMap(entity['Attributes'], 0, 10, 256, 2048);
      if (attributeProblem) return { failure: 'InvalidAttributes', message: `${at}.Attributes ${attributeProblem}` };
    }
    const type = keyMap['Type'];
    const needs = type === undefined ? undefined : ENTITY_TYPES.get(type);
    if (needs === undefined) {
      return { failure: 'InvalidTypeValue', message: `${at}.KeyAttributes has Type ${JSON.stringify(type)}` };
    }
    const missingKey = needs.find((k) => keyMap[k] === undefined);
    if (missingKey !== undefined) {
      return { failure: 'MissingRequiredFields', message: `${at}: a ${type} entity needs ${missingKey}` };
    }
  }
  return undefined;
}
