import { PutMetricDataCommand, type CloudWatchClient, type Entity } from '@aws-sdk/client-cloudwatch';
import type { Batch } from '../pack/Batch.js';
import type { StatsCounters } from '../stats/ExporterStats.js';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { toPlainDatum } from '../translate/TranslatedDatum.js';

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

const JSON_1_0 = 'aws.protocols#awsJson1_0';
const RPC_V2_CBOR = 'smithy.protocols#rpcv2Cbor';

function protocolOf(client: CloudWatchClient): string | undefined {
  const protocol = (client.config as { protocol?: { getShapeId?: () => string } }).protocol;
  return typeof protocol?.getShapeId === 'function' ? protocol.getShapeId() : undefined;
}

/** Whether the client writes PutMetricData as AWS JSON 1.0, the format {@link Packer} prepares bodies in. */
export function speaksJson10(client: CloudWatchClient): boolean {
  return protocolOf(client) === JSON_1_0;
}

/** Whether the client writes PutMetricData as Smithy RPC v2 CBOR, the format {@link CborPacker} prepares. */
export function speaksCbor(client: CloudWatchClient): boolean {
  return protocolOf(client) === RPC_V2_CBOR;
}

/**
 * A PutMetricData command for one batch. When the client speaks the batch's format — AWS JSON 1.0 (today's SDK) or
 * Smithy RPC v2 CBOR — its body is the one packing already serialized: the SDK's serializer runs on an empty list
 * and a middleware right after it puts the prepared body in place — what the SDK would have written (tests hold the
 * two equal: byte for byte for JSON, decoded for CBOR) — so the SDK still compresses (before signing), signs and
 * retries, but the datums are not serialized twice. Any other protocol gets a plain command and the SDK serializes
 * the datums itself. A second middleware counts what each attempt puts on the wire.
 */
export function putMetricDataCommand(
  client: CloudWatchClient,
  namespace: string,
  batch: Batch,
  counters: StatsCounters,
  onEntityFailure?: (failure: string, entity: Entity | undefined) => void,
  /** Called as the signed request is handed to the HTTP handler. */
  onWire?: () => void,
): PutMetricDataCommand {
  const cbor = batch.envelope.cbor !== undefined;
  const prepared = cbor ? speaksCbor(client) : speaksJson10(client);
  if (!prepared && batch.datums === undefined) {
    throw new Error(
      "CloudWatchMetricExporter: a request for a client that does not speak its body's format lost its datums",
    );
  }
  const contentType = cbor ? 'application/cbor' : 'application/x-amz-json-1.0';
  const metricData = prepared ? [] : batch.datums!.map(toPlainDatum);
  const entity = batch.envelope.entity;
  const command = new PutMetricDataCommand(
    entity === undefined
      ? { Namespace: namespace, MetricData: metricData }
      : {
          Namespace: namespace,
          EntityMetricData: [{ Entity: entity, MetricData: metricData }],
          StrictEntityValidation: false,
        },
  );
  if (prepared) {
    const body = batch.body;
    command.middlewareStack.add(
      (next) => async (args) => {
        if (isHttpRequest(args.request)) {
          // Never send the empty list the serializer saw: if the wire format is not the expected one, fail.
          if (!(args.request.headers['content-type'] ?? '').startsWith(contentType)) {
            throw new Error(`CloudWatchMetricExporter: the client did not serialize ${contentType} as expected`);
          }
          args.request.body = body;
          // Recomputed by the SDK's content-length step, after compression. (The SDK's CBOR protocol sets it
          // before compressing and never corrects it: left in place, a compressed body is announced at its
          // uncompressed length and the server waits for bytes that never come.)
          delete args.request.headers['content-length'];
        }
        return next(args);
      },
      { step: 'serialize', priority: 'low', name: 'cloudWatchPreparedBody', override: true },
    );
  }
  const compression = prepared && cbor ? ownCompression.get(client) : undefined;
  if (compression !== undefined) command.middlewareStack.add(cborCompression(compression) as never, CBOR_COMPRESSION);
  command.middlewareStack.add(
    (next) => async (args) => {
      if (isHttpRequest(args.request)) {
        onWire?.();
        counters.uncompressedBytes += batch.bytes;
        counters.wireBytes += byteLength(args.request.body);
        if ((args.request.headers['content-encoding'] ?? '').includes('gzip')) counters.compressedRequests++;
      }
      const out = await next(args);
      // With StrictEntityValidation false, CloudWatch stores the datums of a request whose entity it refuses and
      // says so only in this header of its 200 answer.
      const failure = (out.response as { headers?: Record<string, string | undefined> } | undefined)?.headers?.[
        'x-amzn-failure-message'
      ];
      if (failure && batch.envelope.entity !== undefined) {
        counters.entityFailures++;
        onEntityFailure?.(failure, batch.envelope.entity);
      }
      return out;
    },
    { step: 'deserialize', priority: 'high', name: 'cloudWatchWireBytes', override: true },
  );
  return command;
}

/**
 * The gzip level of CBOR bodies. zlib's fast levels (1 to 3) take less than half the CPU of the SDK's level 6 on
 * them, for 10 % more bytes on histograms (whose 64-bit floats leave gzip little to find at any level) and 50 % more
 * on counters: level 3 is the best of the fast ones (docs/performance.md#cbor). JSON bodies keep the SDK's level,
 * where the fast levels cost 70 % more bytes on histograms and 20 % on counters.
 */
export const CBOR_GZIP_LEVEL = 3;

const gzipAsync = promisify(gzip);

/**
 * How a client the exporter made compresses: as its resolved configuration says (its settings, else the
 * environment's or the profile's, as the SDK resolves them for its own compression), but at our level.
 */
export interface CompressionSettings {
  /** The client's resolved `disableRequestCompression`. */
  disabled: () => Promise<boolean>;
  /** The client's resolved `requestMinCompressionSizeBytes`. */
  minBytes: () => Promise<number>;
}

/**
 * The CBOR clients the exporter made, with the SDK's own compression turned off, and what their resolved
 * configuration asked for: the SDK's compression middleware has no level to set, and a command cannot take its
 * place (the command's plugins add it last), so such a client's CBOR requests are compressed by a middleware of
 * ours, as the SDK would but at {@link CBOR_GZIP_LEVEL}.
 */
const ownCompression = new WeakMap<CloudWatchClient, CompressionSettings>();

/** Makes `client`'s CBOR requests compressed by the exporter (the client must have its own compression off). */
export function compressCborOurselves(client: CloudWatchClient, settings: CompressionSettings): void {
  ownCompression.set(client, settings);
}

const CBOR_COMPRESSION: { step: 'build'; priority: 'high'; name: string; override: boolean; tags: string[] } = {
  step: 'build',
  priority: 'high',
  name: 'cloudWatchCborCompression',
  override: true,
  tags: ['REQUEST_BODY_COMPRESSION', 'GZIP'],
};

/** The SDK's request compression as it does it (gzip on libuv's thread pool), at {@link CBOR_GZIP_LEVEL}. */
function cborCompression({ disabled, minBytes }: CompressionSettings) {
  return (next: (args: { request: unknown }) => Promise<unknown>) =>
    async (args: { request: unknown }): Promise<unknown> => {
      const request = args.request;
      if (!isHttpRequest(request) || (await disabled())) return next(args);
      const body = request.body;
      if (!(body instanceof Uint8Array) || body.byteLength === 0 || body.byteLength < (await minBytes())) {
        return next(args);
      }
      const compressed = await gzipAsync(body, { level: CBOR_GZIP_LEVEL });
      const encoding = request.headers['content-encoding'];
      return next({
        ...args,
        request: {
          ...request,
          body: compressed,
          headers: { ...request.headers, 'content-encoding': encoding ? `${encoding}, gzip` : 'gzip' },
        },
      });
    };
}
