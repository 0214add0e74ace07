import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { batchBody, type Batch } from '../pack/packDatums.js';
import type { StatsCounters } from '../ExporterStats.js';

interface HttpRequestLike {
  body?: unknown;
  headers: Record<string, string>;
}
const isHttpRequest = (r: unknown): r is HttpRequestLike =>
  typeof r === 'object' && r !== null && typeof (r as HttpRequestLike).headers === 'object';

function byteLength(body: unknown): number {
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  return 0;
}

/**
 * A PutMetricData command whose body is the one packing already serialized. The SDK's own serializer runs on an
 * empty list, and a middleware right after it puts the prepared body in place — byte for byte what the SDK would
 * have written (a test holds the two equal) — so the SDK still compresses (before signing), signs and retries,
 * but the datums are not serialized twice. A second middleware counts what each attempt puts on the wire.
 */
export function putMetricDataCommand(namespace: string, batch: Batch, counters: StatsCounters): PutMetricDataCommand {
  const command = new PutMetricDataCommand({ Namespace: namespace, MetricData: [] });
  const body = batchBody(namespace, batch);
  command.middlewareStack.add(
    (next) => async (args) => {
      if (isHttpRequest(args.request)) {
        args.request.body = body;
        // Recomputed by the SDK's content-length step, after compression.
        delete args.request.headers['content-length'];
      }
      return next(args);
    },
    { step: 'serialize', priority: 'low', name: 'cloudWatchPreparedBody', override: true },
  );
  command.middlewareStack.add(
    (next) => async (args) => {
      if (isHttpRequest(args.request)) {
        counters.uncompressedBytes += batch.bytes;
        counters.wireBytes += byteLength(args.request.body);
        if ((args.request.headers['content-encoding'] ?? '').includes('gzip')) counters.compressedRequests++;
      }
      return next(args);
    },
    { step: 'deserialize', priority: 'high', name: 'cloudWatchWireBytes', override: true },
  );
  return command;
}
