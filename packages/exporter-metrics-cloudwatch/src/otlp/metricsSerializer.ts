import type { IExportMetricsServiceResponse, ISerializer } from '@opentelemetry/otlp-transformer';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** OpenTelemetry's OTLP/HTTP protobuf serializer for metrics (requests out, responses in). */
export type MetricsSerializer = ISerializer<ResourceMetrics, IExportMetricsServiceResponse>;

let loading: Promise<MetricsSerializer> | undefined;

/**
 * The serializer, loaded on first use: the transformer takes about 45 ms to load (it brings the logs and traces
 * SDKs along), which no process that does not send OTLP should pay at start-up.
 */
export function metricsSerializer(): Promise<MetricsSerializer> {
  loading ??= import('@opentelemetry/otlp-transformer').then((m) => m.ProtobufMetricsSerializer);
  return loading;
}
