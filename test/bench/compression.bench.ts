/*
 * How much gzip saves on PutMetricData bodies of each size, and what it costs: the basis for the default
 * requestMinCompressionSizeBytes. Run: npm run bench
 */
import { gzipSync } from 'node:zlib';
import { batchBody } from '../../packages/exporter-metrics-cloudwatch/build/src/pack/Batch';
import { packDatums } from '../../packages/exporter-metrics-cloudwatch/build/src/pack/packDatums';
import { costWorkloads, translateAll } from './harness';
import { counterDatums } from './workloads';

export function compressionTable(): string[][] {
  const rows: string[][] = [['body (datums)', 'raw bytes', 'gzip bytes', 'saved', 'gzip µs']];
  for (const n of [1, 2, 4, 8, 16, 32, 64, 128, 1000]) {
    const [batch] = packDatums('MyService', counterDatums(n), { maxDatums: 1000, maxBytes: 1_000_000 }).batches;
    const body = batchBody(batch!);
    const reps = Math.max(20, Math.floor(20000 / n));
    let size = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) size = gzipSync(body).length;
    const us = Number(process.hrtime.bigint() - t0) / 1000 / reps;
    const raw = Buffer.byteLength(body);
    rows.push([String(n), String(raw), String(size), `${Math.round((1 - size / raw) * 100)}%`, us.toFixed(1)]);
  }
  return rows;
}

/**
 * gzip levels on the export-cost workloads' request bodies: µs and bytes per datum at each level (median of seven
 * passes over every body, synchronously). The SDK compresses at zlib's default, 6.
 */
export function gzipLevelTable(): string[][] {
  const levels = [1, 2, 3, 4, 6, 9];
  const rows: string[][] = [['workload', 'raw B/datum', ...levels.map((l) => `level ${l} µs, B /datum`)]];
  for (const [name, rm] of costWorkloads()) {
    const datums = translateAll(rm);
    const bodies = packDatums('Bench', datums, { maxDatums: 1000, maxBytes: 1_000_000 }).batches.map((b) =>
      Buffer.from(batchBody(b)),
    );
    const raw = bodies.reduce((n, b) => n + b.length, 0);
    const cells = levels.map((level) => {
      for (const b of bodies) gzipSync(b, { level });
      const times: number[] = [];
      let out = 0;
      for (let r = 0; r < 7; r++) {
        const t = performance.now();
        out = 0;
        for (const b of bodies) out += gzipSync(b, { level }).length;
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      return `${((times[3]! * 1000) / datums.length).toFixed(2)}, ${(out / datums.length).toFixed(1)}`;
    });
    rows.push([name, (raw / datums.length).toFixed(0), ...cells]);
  }
  return rows;
}

if (require.main === module) {
  // Run on its own: npx tsx test/bench/compression.bench.ts
  for (const row of compressionTable()) console.log(row.map((c) => c.padStart(14)).join(''));
}
