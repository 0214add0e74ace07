export { CloudWatchMetricExporter } from './CloudWatchMetricExporter.js';
export {
  DEFAULT_DELTA_STATE_TTL_MS,
  DEFAULT_MIN_COMPRESSION_BYTES,
  DEFAULT_STORAGE_RESOLUTION,
  type CloudWatchMetricExporterOptions,
} from './options.js';
export { DEFAULT_EXPONENTIAL_MAX_SIZE, defaultAggregationSelector, defaultTemporalitySelector } from './selectors.js';
export { toCloudWatchUnit, type UnitMapping } from './translate/toCloudWatchUnit.js';
export type { DropReason } from './translate/DropReporter.js';
