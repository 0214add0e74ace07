import {
  AggregationTemporality,
  AggregationType,
  InstrumentType,
  type AggregationOption,
} from '@opentelemetry/sdk-metrics';
import { DEFAULT_EXPONENTIAL_MAX_SIZE } from './defaults.js';

/**
 * DELTA for what CloudWatch adds up (counters and histograms), CUMULATIVE for levels (up-down counters), so
 * every CloudWatch statistic (Sum per period, percentiles) means what a user expects.
 */
export function defaultTemporalitySelector(instrumentType: InstrumentType): AggregationTemporality {
  switch (instrumentType) {
    case InstrumentType.COUNTER:
    case InstrumentType.OBSERVABLE_COUNTER:
    case InstrumentType.HISTOGRAM:
      return AggregationTemporality.DELTA;
    default:
      return AggregationTemporality.CUMULATIVE;
  }
}

/** Histograms become base-2 exponential histograms; everything else keeps OpenTelemetry's default. */
export function defaultAggregationSelector(instrumentType: InstrumentType): AggregationOption {
  if (instrumentType === InstrumentType.HISTOGRAM) {
    return {
      type: AggregationType.EXPONENTIAL_HISTOGRAM,
      options: { maxSize: DEFAULT_EXPONENTIAL_MAX_SIZE, recordMinMax: true },
    };
  }
  return { type: AggregationType.DEFAULT };
}

/**
 * For CloudWatch's OTLP endpoint: CUMULATIVE for every instrument, OpenTelemetry's default and what AWS's own
 * examples and the CloudWatch agent send there (queried with PromQL's `rate()` and `increase()`). AWS does not
 * document delta temporality for the endpoint. A cumulative point lost in transit also costs nothing: the next
 * one carries the total.
 */
export function otlpTemporalitySelector(): AggregationTemporality {
  return AggregationTemporality.CUMULATIVE;
}
