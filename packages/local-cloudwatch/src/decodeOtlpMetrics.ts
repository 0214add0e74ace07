import { otlpMessages } from './otlpSchema';
import type {
  OtlpAttributes,
  OtlpBuckets,
  OtlpExemplar,
  OtlpExponentialHistogramPoint,
  OtlpHistogramPoint,
  OtlpMetric,
  OtlpMetricsRequest,
  OtlpNumberPoint,
  OtlpResourceMetrics,
  OtlpScopeMetrics,
  OtlpSummaryPoint,
  OtlpTemporality,
  OtlpValue,
} from './OtlpMetricsRequest';

/*
 * Both encodings of OTLP/HTTP to one plain shape (see OtlpMetricsRequest.ts). Protobuf is decoded by protobufjs
 * with the schema of otlpSchema.ts and turned into an object of the OTLP/JSON kind (64-bit integers as strings,
 * enums as numbers, bytes as base64); both then go through one strict reader, which refuses a field of the wrong
 * type, as a real endpoint's decoder does. OTLP/JSON as the OTLP specification has it: lowerCamelCase keys only
 * (others are unknown fields, ignored), 64-bit integers as numbers or decimal strings, enums as numbers or names,
 * trace and span ids as hex, other bytes as base64, null for an unset field.
 */

/** The request body cannot be read as an ExportMetricsServiceRequest. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}

export type OtlpFormat = 'protobuf' | 'json';

/** Decodes an ExportMetricsServiceRequest body (Content-Encoding already undone). Throws OtlpDecodeError. */
export function decodeOtlpMetrics(body: Uint8Array, format: OtlpFormat): OtlpMetricsRequest {
  let tree: unknown;
  if (format === 'protobuf') {
    const type = otlpMessages.ExportMetricsServiceRequest;
    try {
      tree = type.toObject(type.decode(body), { longs: String, bytes: String });
    } catch (err) {
      throw new OtlpDecodeError(`The body is not a protobuf ExportMetricsServiceRequest: ${(err as Error).message}`);
    }
  } else {
    try {
      tree = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    } catch (err) {
      throw new OtlpDecodeError(`The body is not JSON: ${(err as Error).message}`);
    }
  }
  return new Reader(format === 'json' ? 'hex' : 'base64').request(tree);
}

const UINT64_MAX = 2n ** 64n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const TEMPORALITIES = [
  'AGGREGATION_TEMPORALITY_UNSPECIFIED',
  'AGGREGATION_TEMPORALITY_DELTA',
  'AGGREGATION_TEMPORALITY_CUMULATIVE',
];
const DATA_KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;
const ANY_VALUE_KINDS = [
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'arrayValue',
  'kvlistValue',
  'bytesValue',
] as const;

type Fields = Record<string, unknown>;

/** The strict reader: each method reads one message or field at `path`, or throws OtlpDecodeError naming it. */
class Reader {
  /** How exemplar trace and span ids are written: hex in OTLP/JSON, base64 in protobufjs' objects. */
  constructor(private readonly ids: 'hex' | 'base64') {}

  request(tree: unknown): OtlpMetricsRequest {
    const fields = this.message(tree, 'the request') ?? {};
    return {
      resourceMetrics: this.list(fields['resourceMetrics'], 'resourceMetrics', (v, at) => this.resourceMetrics(v, at)),
    };
  }

  private resourceMetrics(value: unknown, path: string): OtlpResourceMetrics {
    const fields = this.message(value, path) ?? {};
    const resource = this.message(fields['resource'], `${path}.resource`) ?? {};
    return {
      resource: {
        attributes: this.attributes(resource['attributes'], `${path}.resource.attributes`),
        droppedAttributesCount: this.uint(
          resource['droppedAttributesCount'],
          `${path}.resource.droppedAttributesCount`,
          32,
        ),
      },
      schemaUrl: this.string(fields['schemaUrl'], `${path}.schemaUrl`),
      scopeMetrics: this.list(fields['scopeMetrics'], `${path}.scopeMetrics`, (v, at) => this.scopeMetrics(v, at)),
    };
  }

  private scopeMetrics(value: unknown, path: string): OtlpScopeMetrics {
    const fields = this.message(value, path) ?? {};
    const scope = this.message(fields['scope'], `${path}.scope`) ?? {};
    return {
      scope: {
        name: this.string(scope['name'], `${path}.scope.name`),
        version: this.string(scope['version'], `${path}.scope.version`),
        attributes: this.attributes(scope['attributes'], `${path}.scope.attributes`),
        droppedAttributesCount: this.uint(scope['droppedAttributesCount'], `${path}.scope.droppedAttributesCount`, 32),
      },
      schemaUrl: this.string(fields['schemaUrl'], `${path}.schemaUrl`),
      metrics: this.list(fields['metrics'], `${path}.metrics`, (v, at) => this.metric(v, at)),
    };
  }

  private metric(value: unknown, path: string): OtlpMetric {
    const fields = this.message(value, path) ?? {};
    const base = {
      name: this.string(fields['name'], `${path}.name`),
      description: this.string(fields['description'], `${path}.description`),
      unit: this.string(fields['unit'], `${path}.unit`),
    };
    const kinds = DATA_KINDS.filter((k) => fields[k] !== undefined && fields[k] !== null);
    if (kinds.length !== 1) {
      throw new OtlpDecodeError(
        kinds.length === 0
          ? `${path}: metric "${base.name}" has no data (gauge, sum, histogram, exponentialHistogram or summary)`
          : `${path}: metric "${base.name}" sets more than one of ${kinds.join(', ')}`,
      );
    }
    const type = kinds[0]!;
    const at = `${path}.${type}`;
    const data = this.message(fields[type], at) ?? {};
    const points = <T>(read: (v: unknown, p: string) => T): T[] =>
      this.list(data['dataPoints'], `${at}.dataPoints`, read);
    const temporality = () => this.temporality(data['aggregationTemporality'], `${at}.aggregationTemporality`);
    switch (type) {
      case 'gauge':
        return { ...base, type, points: points((v, p) => this.numberPoint(v, p)) };
      case 'sum':
        return {
          ...base,
          type,
          temporality: temporality(),
          monotonic: this.bool(data['isMonotonic'], `${at}.isMonotonic`),
          points: points((v, p) => this.numberPoint(v, p)),
        };
      case 'histogram':
        return { ...base, type, temporality: temporality(), points: points((v, p) => this.histogramPoint(v, p)) };
      case 'exponentialHistogram':
        return {
          ...base,
          type,
          temporality: temporality(),
          points: points((v, p) => this.exponentialPoint(v, p)),
        };
      case 'summary':
        return { ...base, type, points: points((v, p) => this.summaryPoint(v, p)) };
    }
  }

  private pointBase(fields: Fields, path: string, attributesKey = 'attributes') {
    return {
      attributes: this.attributes(fields[attributesKey], `${path}.${attributesKey}`),
      startTimeUnixNano: this.nanos(fields['startTimeUnixNano'], `${path}.startTimeUnixNano`),
      timeUnixNano: this.nanos(fields['timeUnixNano'], `${path}.timeUnixNano`),
      flags: this.uint(fields['flags'], `${path}.flags`, 32),
    };
  }

  private numberPoint(value: unknown, path: string): OtlpNumberPoint {
    const fields = this.message(value, path) ?? {};
    const point: OtlpNumberPoint = { ...this.pointBase(fields, path), exemplars: this.exemplars(fields, path) };
    Object.assign(point, this.numberValue(fields, path));
    return point;
  }

  /** The `value` oneof of a NumberDataPoint or an Exemplar. */
  private numberValue(fields: Fields, path: string): { value: number; valueType: 'double' | 'int' } | undefined {
    const hasDouble = fields['asDouble'] !== undefined && fields['asDouble'] !== null;
    const hasInt = fields['asInt'] !== undefined && fields['asInt'] !== null;
    if (hasDouble && hasInt) throw new OtlpDecodeError(`${path}: both asDouble and asInt are set`);
    if (hasDouble) return { value: this.double(fields['asDouble'], `${path}.asDouble`), valueType: 'double' };
    if (hasInt) return { value: this.int(fields['asInt'], `${path}.asInt`), valueType: 'int' };
    return undefined;
  }

  private histogramPoint(value: unknown, path: string): OtlpHistogramPoint {
    const fields = this.message(value, path) ?? {};
    return {
      ...this.pointBase(fields, path),
      count: this.uint(fields['count'], `${path}.count`, 64),
      ...this.optionalDoubles(fields, path, ['sum', 'min', 'max']),
      bucketCounts: this.list(fields['bucketCounts'], `${path}.bucketCounts`, (v, p) => this.uint(v, p, 64)),
      explicitBounds: this.list(fields['explicitBounds'], `${path}.explicitBounds`, (v, p) => this.double(v, p)),
      exemplars: this.exemplars(fields, path),
    };
  }

  private exponentialPoint(value: unknown, path: string): OtlpExponentialHistogramPoint {
    const fields = this.message(value, path) ?? {};
    return {
      ...this.pointBase(fields, path),
      count: this.uint(fields['count'], `${path}.count`, 64),
      ...this.optionalDoubles(fields, path, ['sum', 'min', 'max']),
      scale: this.int(fields['scale'], `${path}.scale`, 32),
      zeroCount: this.uint(fields['zeroCount'], `${path}.zeroCount`, 64),
      zeroThreshold: this.double(fields['zeroThreshold'], `${path}.zeroThreshold`),
      positive: this.buckets(fields['positive'], `${path}.positive`),
      negative: this.buckets(fields['negative'], `${path}.negative`),
      exemplars: this.exemplars(fields, path),
    };
  }

  private buckets(value: unknown, path: string): OtlpBuckets {
    const fields = this.message(value, path) ?? {};
    return {
      offset: this.int(fields['offset'], `${path}.offset`, 32),
      bucketCounts: this.list(fields['bucketCounts'], `${path}.bucketCounts`, (v, p) => this.uint(v, p, 64)),
    };
  }

  private summaryPoint(value: unknown, path: string): OtlpSummaryPoint {
    const fields = this.message(value, path) ?? {};
    return {
      ...this.pointBase(fields, path),
      count: this.uint(fields['count'], `${path}.count`, 64),
      sum: this.double(fields['sum'], `${path}.sum`),
      quantileValues: this.list(fields['quantileValues'], `${path}.quantileValues`, (v, p) => {
        const q = this.message(v, p) ?? {};
        return { quantile: this.double(q['quantile'], `${p}.quantile`), value: this.double(q['value'], `${p}.value`) };
      }),
    };
  }

  private exemplars(fields: Fields, path: string): OtlpExemplar[] {
    return this.list(fields['exemplars'], `${path}.exemplars`, (v, p) => {
      const e = this.message(v, p) ?? {};
      const exemplar: OtlpExemplar = {
        filteredAttributes: this.attributes(e['filteredAttributes'], `${p}.filteredAttributes`),
        timeUnixNano: this.nanos(e['timeUnixNano'], `${p}.timeUnixNano`),
        spanId: this.id(e['spanId'], `${p}.spanId`),
        traceId: this.id(e['traceId'], `${p}.traceId`),
      };
      const number = this.numberValue(e, p);
      if (number) exemplar.value = number.value;
      return exemplar;
    });
  }

  private optionalDoubles<K extends string>(fields: Fields, path: string, keys: K[]): Partial<Record<K, number>> {
    const out: Partial<Record<K, number>> = {};
    for (const key of keys) {
      const v = fields[key];
      if (v !== undefined && v !== null) out[key] = this.double(v, `${path}.${key}`);
    }
    return out;
  }

  private attributes(value: unknown, path: string): OtlpAttributes {
    const out: OtlpAttributes = {};
    this.list(value, path, (item, at) => {
      const kv = this.message(item, at) ?? {};
      const key = this.string(kv['key'], `${at}.key`);
      if (Object.prototype.hasOwnProperty.call(out, key)) {
        throw new OtlpDecodeError(`${path}: the attribute key "${key}" is repeated`);
      }
      out[key] = this.anyValue(kv['value'], `${at}.value`);
    });
    return out;
  }

  private anyValue(value: unknown, path: string): OtlpValue {
    const fields = this.message(value, path);
    if (!fields) return null;
    const kinds = ANY_VALUE_KINDS.filter((k) => fields[k] !== undefined && fields[k] !== null);
    if (kinds.length === 0) return null;
    if (kinds.length > 1) throw new OtlpDecodeError(`${path}: more than one of ${kinds.join(', ')}`);
    const kind = kinds[0]!;
    const v = fields[kind];
    const at = `${path}.${kind}`;
    switch (kind) {
      case 'stringValue':
        return this.string(v, at);
      case 'boolValue':
        return this.bool(v, at);
      case 'intValue':
        return this.int(v, at);
      case 'doubleValue':
        return this.double(v, at);
      case 'bytesValue':
        return this.base64(v, at);
      case 'arrayValue': {
        const list = this.message(v, at) ?? {};
        return this.list(list['values'], `${at}.values`, (item, p) => this.anyValue(item, p));
      }
      case 'kvlistValue': {
        const list = this.message(v, at) ?? {};
        return this.attributes(list['values'], `${at}.values`);
      }
    }
  }

  // Scalars and containers. Unset (undefined) and null read as the proto3 default.

  private message(value: unknown, path: string): Fields | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw this.wrong(path, 'an object', value);
    return value as Fields;
  }

  private list<T>(value: unknown, path: string, read: (item: unknown, path: string) => T): T[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw this.wrong(path, 'an array', value);
    return value.map((item, i) => read(item, `${path}[${i}]`));
  }

  private string(value: unknown, path: string): string {
    if (value === undefined || value === null) return '';
    if (typeof value !== 'string') throw this.wrong(path, 'a string', value);
    return value;
  }

  private bool(value: unknown, path: string): boolean {
    if (value === undefined || value === null) return false;
    if (typeof value !== 'boolean') throw this.wrong(path, 'a boolean', value);
    return value;
  }

  /** An integer of the given width as a bigint: a number without fraction, or a decimal string. */
  private integer(value: unknown, path: string, min: bigint, max: bigint): bigint {
    let n: bigint | undefined;
    if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value);
    else if (typeof value === 'string' && /^-?\d+$/.test(value)) n = BigInt(value);
    if (n === undefined) throw this.wrong(path, 'an integer (a number or a decimal string)', value);
    if (n < min || n > max) throw new OtlpDecodeError(`${path}: ${n} is out of range [${min}, ${max}]`);
    return n;
  }

  private uint(value: unknown, path: string, bits: 32 | 64): number {
    if (value === undefined || value === null) return 0;
    return Number(this.integer(value, path, 0n, bits === 64 ? UINT64_MAX : 2n ** 32n - 1n));
  }

  private int(value: unknown, path: string, bits: 32 | 64 = 64): number {
    if (value === undefined || value === null) return 0;
    return Number(
      this.integer(value, path, bits === 64 ? INT64_MIN : -(2n ** 31n), bits === 64 ? INT64_MAX : 2n ** 31n - 1n),
    );
  }

  /** A fixed64 timestamp, as a canonical decimal string. */
  private nanos(value: unknown, path: string): string {
    if (value === undefined || value === null) return '0';
    return this.integer(value, path, 0n, UINT64_MAX).toString();
  }

  private double(value: unknown, path: string): number {
    if (value === undefined || value === null) return 0;
    if (typeof value === 'number') return value;
    if (value === 'NaN') return NaN;
    if (value === 'Infinity') return Infinity;
    if (value === '-Infinity') return -Infinity;
    // proto3 JSON also allows a number written as a string.
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
    throw this.wrong(path, 'a number', value);
  }

  private temporality(value: unknown, path: string): OtlpTemporality | undefined {
    if (value === undefined || value === null) return undefined;
    let n: number;
    if (typeof value === 'string' && TEMPORALITIES.includes(value)) n = TEMPORALITIES.indexOf(value);
    else if (typeof value === 'number' && Number.isInteger(value)) n = value;
    else throw this.wrong(path, `an AggregationTemporality (0-2 or ${TEMPORALITIES.join(', ')})`, value);
    if (n === 1) return 'delta';
    if (n === 2) return 'cumulative';
    if (n === 0) return undefined;
    throw new OtlpDecodeError(`${path}: ${n} is not an AggregationTemporality`);
  }

  private base64(value: unknown, path: string): Uint8Array {
    if (value === undefined || value === null) return new Uint8Array(0);
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) throw this.wrong(path, 'base64', value);
    return new Uint8Array(Buffer.from(value, 'base64'));
  }

  /** A trace or span id, as lower-case hex. */
  private id(value: unknown, path: string): string {
    if (this.ids === 'base64') return Buffer.from(this.base64(value, path)).toString('hex');
    if (value === undefined || value === null) return '';
    if (typeof value !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(value)) throw this.wrong(path, 'a hex id', value);
    return value.toLowerCase();
  }

  private wrong(path: string, expected: string, value: unknown): OtlpDecodeError {
    const shown = JSON.stringify(value)?.slice(0, 40) ?? String(value);
    return new OtlpDecodeError(`${path}: expected ${expected}, got ${shown}`);
  }
}
