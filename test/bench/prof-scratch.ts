import type { ExportResult } from '@opentelemetry/core';
import { CloudWatchMetricExporter } from 'opentelemetry-exporter-metrics-cloudwatch';
import { counterMetrics, histogramMetrics, inProcessClient, resourceMetrics } from '/work/main/test/bench/harness';
(async () => {
  const kind = process.argv[2];
  const rm = resourceMetrics(kind === 'h' ? histogramMetrics(10000) : counterMetrics(50000));
  const e = new CloudWatchMetricExporter({ namespace: 'B', client: inProcessClient() });
  for (let i = 0; i < 6; i++) {
    const t = performance.now();
    await new Promise<ExportResult>((r) => e.export(rm, r));
    console.log((performance.now() - t).toFixed(0), 'ms');
  }
})();
