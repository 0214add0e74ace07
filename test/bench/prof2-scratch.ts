import type { ExportResult } from '@opentelemetry/core';
import { CloudWatchMetricExporter } from 'opentelemetry-exporter-metrics-cloudwatch';
import { counterMetrics, inProcessClient, resourceMetrics } from './harness';
(async () => {
  const rm = resourceMetrics(counterMetrics(1000));
  const e = new CloudWatchMetricExporter({ namespace: 'B', client: inProcessClient() });
  for (let i = 0; i < 200; i++) await new Promise<ExportResult>((r) => e.export(rm, r));
  const t = performance.now();
  for (let i = 0; i < 100; i++) await new Promise<ExportResult>((r) => e.export(rm, r));
  console.log(((performance.now() - t) / 100).toFixed(2), 'ms per export');
})();
