/*
 * Invokes the handler a few times the way Lambda would (same process, one call after another), then checks
 * that every invocation's metrics were delivered before its call returned.
 */
import { handler, metrics } from './handler';

async function main(): Promise<void> {
  const n = Number(process.env['INVOCATIONS'] ?? 5);
  for (let i = 0; i < n; i++) {
    const before = metrics.exporter.getStats().requests;
    const result = await handler({ items: [1, 2, 3, i] });
    const after = metrics.exporter.getStats();
    console.log(`invocation ${i + 1}: total ${result.total}, requests sent during it: ${after.requests - before}`);
  }
  await metrics.shutdown();
  const stats = metrics.exporter.getStats();
  console.log(
    `lambda example: ${stats.datumsExported} datums in ${stats.requests} requests, ${stats.failedRequests} failed`,
  );
  process.exitCode = stats.failedRequests === 0 && stats.requests >= n ? 0 : 1;
}

void main();
