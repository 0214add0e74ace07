/*
 * npm run bench — speed, size, accuracy, event-loop and memory figures, each next to a reference measured in
 * the same run (these machines are noisy: compare columns, not runs). Not part of npm test.
 */
import { accuracy } from './accuracy.bench';
import { compressionTable, gzipLevelTable } from './compression.bench';
import { emfCost } from './emf.bench';
import { exportCost, stages } from './exportCost.bench';
import { table } from './harness';
import { fleet } from './fleet.bench';
import { outage } from './outage.bench';
import { paths } from './paths.bench';
import { startup } from './startup.bench';
import { concurrency, eventLoop, memory } from './runtime.bench';

async function main(): Promise<void> {
  const only = process.argv[2];
  const sections: Array<[string, string, () => Promise<string> | string]> = [
    [
      'cost',
      'Export path cost per data point (median of repeated exports; network replaced by an in-process handler)',
      exportCost,
    ],
    ['stages', 'Where the time goes: each stage of an export alone, per data point', stages],
    [
      'emf',
      'EMF output cost per data point beside a bare JSON.stringify of the same documents; event-loop delay at 10k',
      emfCost,
    ],
    [
      'paths',
      'PutMetricData, EMF and the OTLP endpoint on the same exports: requests, bytes and time per data point; a month',
      paths,
    ],
    [
      'gzip',
      'gzip by body size (basis for the 1 KB compression threshold), then by level on the export-cost bodies',
      () => `${table(compressionTable())}\n\n${table(gzipLevelTable())}`,
    ],
    [
      'accuracy',
      'Histogram accuracy: percentiles and moments from the published Values/Counts vs the exact samples',
      accuracy,
    ],
    ['loop', 'Event loop during a 50k-series export (a 1 ms timer, how late it fires at worst)', eventLoop],
    ['memory', 'Heap after exports with series churn (after GC)', memory],
    ['concurrency', 'Export time by concurrency, with 50 ms of simulated latency per request', concurrency],
    [
      'outage',
      'Delivery through a scripted outage (local CloudWatch, 2,000 series an export), and a full retry buffer',
      outage,
    ],
    ['fleet', 'A fleet sharing one account quota through a 10 s outage (local CloudWatch with a token bucket)', fleet],
    ['startup', 'What the register entry adds to a process start (not on AWS)', startup],
  ];
  console.log(`otel-cloudwatch bench — node ${process.version}, ${new Date().toISOString()}`);
  for (const [id, title, fn] of sections) {
    if (only && only !== id) continue;
    console.log(`\n## ${title}\n`);
    console.log(await fn());
  }
}

void main();
