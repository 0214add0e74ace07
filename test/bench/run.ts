/*
 * npm run bench — speed, size, accuracy, event-loop and memory figures, each next to a reference measured in
 * the same run (these machines are noisy: compare columns, not runs). Not part of npm test.
 */
import { compressionTable } from './compression.bench';
import { exportCost } from './exportCost.bench';
import { table } from './harness';

async function main(): Promise<void> {
  const only = process.argv[2];
  const sections: Array<[string, string, () => Promise<string> | string]> = [
    [
      'cost',
      'Export path cost per data point (median of repeated exports; network replaced by an in-process handler)',
      exportCost,
    ],
    ['gzip', 'gzip by body size (basis for the 1 KB compression threshold)', () => table(compressionTable())],
  ];
  console.log(`otel-cloudwatch bench — node ${process.version}, ${new Date().toISOString()}`);
  for (const [id, title, fn] of sections) {
    if (only && only !== id) continue;
    console.log(`\n## ${title}\n`);
    console.log(await fn());
  }
}

void main();
