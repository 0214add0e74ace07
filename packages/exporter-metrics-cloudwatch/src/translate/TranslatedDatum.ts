import type { Dimension, MetricDatum, StandardUnit, StatisticSet } from '@aws-sdk/client-cloudwatch';
import { dimensionsFromCbor } from './toDimensions.js';

/**
 * A MetricDatum as translation makes it. Its dimensions exist only as the JSON translation wrote
 * (`dimensionsJson`), which packing copies into the request body as is: building a Dimension object per attribute
 * of every point, only for serialization to walk them again, cost over a microsecond per point (allocation and
 * garbage collection). `Dimensions` is there for anyone else who reads the datum (the SDK's own serializers, for
 * instance), parsed on first use.
 *
 * Every member is set in the constructor, in one order, so all datums share one shape; absent members are
 * undefined, which the SDK and JSON.stringify both leave out.
 */
export class TranslatedDatum implements MetricDatum {
  MetricName: string;
  Timestamp: Date;
  Value: number | undefined;
  StatisticValues: StatisticSet | undefined;
  Values: number[] | undefined;
  Counts: number[] | undefined;
  Unit: StandardUnit;
  StorageResolution: number | undefined;
  /** Empty when the dimensions were written as CBOR (`dimensionsCbor`) instead. */
  readonly dimensionsJson: string;
  /**
   * The same dimensions as a CBOR list, one character per byte (all ASCII but the heads), when the delivery writes
   * CBOR: copied into the body as it is, like the JSON (see writeDatumCbor).
   */
  readonly dimensionsCbor: string | undefined;
  private parsedDimensions: Dimension[] | undefined;

  constructor(
    name: string,
    dimensionsJson: string,
    timestamp: Date,
    unit: StandardUnit,
    storageResolution: number | undefined,
    value: number | undefined,
    distribution?: { statistics: StatisticSet; values: number[]; counts: number[] },
    dimensionsCbor?: string,
  ) {
    this.MetricName = name;
    this.Timestamp = timestamp;
    this.Value = value;
    this.StatisticValues = distribution?.statistics;
    this.Values = distribution?.values;
    this.Counts = distribution?.counts;
    this.Unit = unit;
    this.StorageResolution = storageResolution;
    this.dimensionsJson = dimensionsJson;
    this.dimensionsCbor = dimensionsCbor;
    this.parsedDimensions = undefined;
  }

  get Dimensions(): Dimension[] {
    return (this.parsedDimensions ??=
      this.dimensionsCbor === undefined
        ? (JSON.parse(this.dimensionsJson) as Dimension[])
        : dimensionsFromCbor(this.dimensionsCbor));
  }
}

const MEMBERS = [
  'MetricName',
  'Dimensions',
  'Timestamp',
  'Value',
  'StatisticValues',
  'Values',
  'Counts',
  'Unit',
  'StorageResolution',
] as const satisfies ReadonlyArray<keyof MetricDatum>;

/**
 * The datum as a plain MetricDatum, its members own properties and absent ones left out: for code that copies
 * objects member by member (a spread would lose `Dimensions`), and for comparing datums.
 */
export function toPlainDatum(d: MetricDatum): MetricDatum {
  const plain: Record<string, unknown> = {};
  for (const m of MEMBERS) if (d[m] !== undefined) plain[m] = d[m];
  return plain as unknown as MetricDatum;
}
