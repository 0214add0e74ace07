import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { ExportPipeline } from './ExportPipeline.js';

/** The pipelines of exporters, for the reader of this package (not part of the public API). */
const pipelines = new WeakMap<PushMetricExporter, ExportPipeline>();

export function registerPipeline(exporter: PushMetricExporter, pipeline: ExportPipeline): void {
  pipelines.set(exporter, pipeline);
}

/**
 * Makes the exports `exporter` has in flight end by `deadline`, so that a shutdown's final export has time left
 * within one deadline (see createCloudWatchMetricReader).
 */
export function hurryExports(exporter: PushMetricExporter, deadline: number): void {
  pipelines.get(exporter)?.hurry(deadline);
}
