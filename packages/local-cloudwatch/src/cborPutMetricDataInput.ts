import { CborDecodeError, CborFloat, CborTimestamp, describe, type CborValue } from './decodeCbor';

/*
 * The PutMetricData input model (CloudWatch's Smithy model, the members the API reference lists), walked over a
 * decoded CBOR body. What it checks is the protocol's part: each member is of its modelled type, nothing else is
 * there. What CloudWatch checks of the values (lengths, ranges, units, NaN) is left to validatePutMetricData, which
 * gets the same AWS JSON 1.0 input shape a JSON request would have given it: timestamps as epoch seconds, doubles
 * and integers as numbers.
 */

type Shape =
  | 'string'
  | 'double'
  | 'integer'
  | 'boolean'
  | 'timestamp'
  | { list: Shape }
  | { map: Shape }
  | { structure: Record<string, Shape> };

const doubles: { list: Shape } = { list: 'double' };
const stringMap: { map: Shape } = { map: 'string' };
const metricDatum: Shape = {
  structure: {
    MetricName: 'string',
    Dimensions: { list: { structure: { Name: 'string', Value: 'string' } } },
    Timestamp: 'timestamp',
    Value: 'double',
    StatisticValues: { structure: { SampleCount: 'double', Sum: 'double', Minimum: 'double', Maximum: 'double' } },
    Values: doubles,
    Counts: doubles,
    Unit: 'string',
    StorageResolution: 'integer',
  },
};
const metricData: Shape = { list: metricDatum };

/** The PutMetricData input structure. */
const PUT_METRIC_DATA_INPUT: Shape = {
  structure: {
    Namespace: 'string',
    MetricData: metricData,
    EntityMetricData: {
      list: {
        structure: {
          Entity: { structure: { KeyAttributes: stringMap, Attributes: stringMap } },
          MetricData: metricData,
        },
      },
    },
    StrictEntityValidation: 'boolean',
  },
};

/**
 * A decoded CBOR PutMetricData body as the AWS JSON 1.0 input it stands for (what JSON.parse would give of the same
 * request sent as JSON). Throws CborDecodeError, naming the member, for an unknown member, a member of the wrong
 * type (a byte string or a float where text or an integer is modelled, a timestamp not sent as tag 1, …) or a null
 * list element or map value (CloudWatch's lists and maps are not sparse). A null structure member counts as absent.
 */
export function putMetricDataInputOf(body: CborValue): Record<string, unknown> {
  return walk(body, PUT_METRIC_DATA_INPUT, 'the input') as Record<string, unknown>;
}

function wrong(at: string, expected: string, value: CborValue): CborDecodeError {
  return new CborDecodeError(`${at} must be ${expected}, not ${describe(value)}.`);
}

function walk(value: CborValue, shape: Shape, at: string): unknown {
  switch (shape) {
    case 'string':
      if (typeof value !== 'string') throw wrong(at, 'a text string', value);
      return value;
    case 'double':
      // Any integer width or float width stands for a double; NaN and the infinities pass, for the rules to judge.
      if (typeof value === 'number') return value;
      if (value instanceof CborFloat) return value.value;
      throw wrong(at, 'a number', value);
    case 'integer':
      if (typeof value !== 'number') throw wrong(at, 'an integer', value);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw wrong(at, 'a boolean', value);
      return value;
    case 'timestamp':
      if (!(value instanceof CborTimestamp)) throw wrong(at, 'a timestamp (tag 1)', value);
      return value.epochSeconds;
  }
  if ('list' in shape) {
    if (!Array.isArray(value)) throw wrong(at, 'an array', value);
    return value.map((item, i) => {
      if (item === null) throw new CborDecodeError(`${at}[${i}] is null: the list is not sparse.`);
      return walk(item, shape.list, `${at}[${i}]`);
    });
  }
  if (!(value instanceof Map)) throw wrong(at, 'a map', value);
  const out: Record<string, unknown> = {};
  if ('map' in shape) {
    for (const [key, item] of value) {
      if (item === null) throw new CborDecodeError(`${at}["${key}"] is null: the map is not sparse.`);
      // Defined, not assigned: a key "__proto__" is an entry, as JSON.parse makes it, not the object's prototype.
      Object.defineProperty(out, key, {
        value: walk(item, shape.map, `${at}["${key}"]`),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  for (const [key, item] of value) {
    const member = Object.hasOwn(shape.structure, key) ? shape.structure[key] : undefined;
    const memberAt = at === 'the input' ? key : `${at}.${key}`;
    if (member === undefined) throw new CborDecodeError(`${memberAt} is not a member of ${structureName(at)}.`);
    if (item !== null) out[key] = walk(item, member, memberAt);
  }
  return out;
}

function structureName(at: string): string {
  return at === 'the input' ? 'the PutMetricData input' : at;
}
