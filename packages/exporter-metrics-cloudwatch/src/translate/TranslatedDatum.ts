import type { MetricDatum } from '@aws-sdk/client-cloudwatch';

/**
 * Where translation leaves a datum's dimensions already written as JSON. A symbol key: the SDK and
 * JSON.stringify never see it, so the datum stays a plain MetricDatum for everyone else.
 */
export const DIMENSIONS_JSON: unique symbol = Symbol('otel-cloudwatch.dimensionsJson');

/** A MetricDatum as translation makes it: packing serializes it without walking its dimensions again. */
export interface TranslatedDatum extends MetricDatum {
  [DIMENSIONS_JSON]?: string;
}
