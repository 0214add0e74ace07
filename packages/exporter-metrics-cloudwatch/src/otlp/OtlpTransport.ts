import { PutMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { HttpRequest } from '@smithy/core/transport';
import { SignatureV4 } from '@smithy/signature-v4';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Batch } from '../pack/Batch.js';
import type { RequestTransport } from '../send/RequestTransport.js';
import { classifyFailure, type FailureKind } from '../send/retryPolicy.js';
import type { StatsCounters } from '../stats/ExporterStats.js';
import { metricsSerializer } from './metricsSerializer.js';

const gzip = promisify(gzipCallback);

/** The service name CloudWatch's OTLP endpoint checks in a SigV4 signature: CloudWatch's own. */
const SIGNING_SERVICE = 'monitoring';
const OTLP_PATH = 'v1/metrics';
/**
 * The endpoint being unavailable: OTLP/HTTP's retryable 502, 503 and 504, and 500, which AWS services answer for
 * an internal failure that their own SDKs retry. (429 is throttling.)
 */
const UNAVAILABLE = new Set([500, 502, 503, 504]);

/** SigV4 refuses a signature whose time is further than this from the service's. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** An answer of the OTLP endpoint other than success. */
export class OtlpHttpError extends Error {
  override readonly name = 'OtlpHttpError';
  /** Refused for the client's clock, which was corrected since: worth another attempt. */
  clockSkewCorrected = false;
  readonly $metadata: { httpStatusCode: number };
  constructor(
    readonly status: number,
    message: string,
    /** The endpoint's Retry-After, in ms, when it gave one. */
    readonly retryAfterMillis: number | undefined,
  ) {
    super(`HTTP ${status}${message ? `: ${message}` : ''}`);
    this.$metadata = { httpStatusCode: status };
  }
}

interface Target {
  url: URL;
  signer: SignatureV4;
  minCompressionBytes: number;
}

/**
 * OTLP/HTTP protobuf to CloudWatch's OTLP endpoint, in-process: the body is gzipped (as the SDK's own request
 * compression would, at the client's threshold), signed with SigV4 for `monitoring` with the client's credentials
 * and region, and sent through the client's own HTTP handler. The endpoint is the client's CloudWatch endpoint
 * (resolved by the SDK from the region, `endpoint` or `AWS_ENDPOINT_URL_CLOUDWATCH`) with the path `/v1/metrics`,
 * unless `endpoint` is given. A partial success counts the points the endpoint rejected.
 */
export class OtlpTransport implements RequestTransport {
  readonly requestName = 'OTLP';
  readonly unit = 'data point';
  private target: Promise<Target> | undefined;

  constructor(
    private readonly client: CloudWatchClient,
    /** The full URL of the OTLP metrics endpoint; undefined: derived from the client's configuration. */
    private readonly endpoint: string | undefined,
    /** Told how many points of a request the endpoint rejected, and why (a partial success). */
    private readonly onRejected: (points: number, why: string) => void,
  ) {}

  async send(batch: Batch, abortSignal: AbortSignal, counters: StatsCounters, onWire: () => void): Promise<number> {
    const { url, signer, minCompressionBytes } = await this.resolve();
    const headers: Record<string, string> = { 'content-type': 'application/x-protobuf', host: url.host };
    let body: Uint8Array = batch.body;
    const compressed = batch.bytes >= minCompressionBytes;
    if (compressed) {
      body = await gzip(batch.body);
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = String(body.byteLength);
    const request = new HttpRequest({
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      method: 'POST',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    });
    // Signed at CloudWatch's time as the client knows it: the SDK corrects the client's clock offset from a
    // response's Date when a signature is refused for skew, and so does this transport (below).
    const config = this.client.config;
    const signed = await signer.sign(request, { signingDate: new Date(Date.now() + (config.systemClockOffset ?? 0)) });
    onWire();
    if (compressed) counters.compressedRequests++;
    counters.uncompressedBytes += batch.bytes;
    counters.wireBytes += body.byteLength;
    const { response } = await config.requestHandler.handle(signed as HttpRequest, { abortSignal });
    const payload = await config.streamCollector(response.body);
    const status = response.statusCode;
    if (status < 200 || status >= 300) {
      const error = new OtlpHttpError(
        status,
        errorText(payload, header(response.headers, 'content-type')),
        retryAfter(header(response.headers, 'retry-after')),
      );
      if (status === 403 || status === 401)
        error.clockSkewCorrected = this.correctClock(header(response.headers, 'date'));
      throw error;
    }
    return this.rejectedOf(payload);
  }

  classify(err: unknown, aborted: boolean): FailureKind {
    if (err instanceof OtlpHttpError) {
      // Refused for a clock that was off, now corrected: the next attempt is signed right.
      if (err.clockSkewCorrected) return 'unavailable';
      if (err.status === 429) return 'throttled';
      if (UNAVAILABLE.has(err.status)) return 'unavailable';
      // 400 (the data), 401/403 (credentials, permission), 404 (no such endpoint in this Region) and any other
      // status: OTLP/HTTP says not to retry.
      return 'fatal';
    }
    return classifyFailure(err, aborted);
  }

  retryAfterMillis(err: unknown): number | undefined {
    return err instanceof OtlpHttpError ? err.retryAfterMillis : undefined;
  }

  /** The endpoint, the signer and the compression threshold: resolved once, on first use. */
  /**
   * After a refused signature: when the answer's Date is more than five minutes from the client's idea of
   * CloudWatch's time, takes it as the client's clock offset (as the SDK does for its own requests); true if so.
   */
  private correctClock(date: string | undefined): boolean {
    const serverTime = date === undefined ? NaN : Date.parse(date);
    if (Number.isNaN(serverTime)) return false;
    const config = this.client.config;
    const offset = serverTime - Date.now();
    if (Math.abs(offset - (config.systemClockOffset ?? 0)) <= MAX_CLOCK_SKEW_MS) return false;
    config.systemClockOffset = offset;
    return true;
  }

  private resolve(): Promise<Target> {
    this.target ??= this.resolveTarget();
    // A failure (no region yet, say) is not kept: the next attempt resolves again.
    return this.target.catch((err: unknown) => {
      this.target = undefined;
      throw err;
    });
  }

  private async resolveTarget(): Promise<Target> {
    const config = this.client.config;
    const url = new URL(this.endpoint ?? (await this.defaultEndpoint()));
    const signer = new SignatureV4({
      service: SIGNING_SERVICE,
      region: await config.region(),
      credentials: config.credentials,
      sha256: config.sha256,
    });
    const disabled = await config.disableRequestCompression();
    const minCompressionBytes = disabled ? Infinity : await config.requestMinCompressionSizeBytes();
    return { url, signer, minCompressionBytes };
  }

  /** CloudWatch's endpoint as the SDK resolves it for the client (region, FIPS, a configured endpoint), + /v1/metrics. */
  private async defaultEndpoint(): Promise<string> {
    const { url } = await getEndpointFromInstructions({}, PutMetricDataCommand, this.client.config);
    const base = url.href.endsWith('/') ? url.href : `${url.href}/`;
    return new URL(OTLP_PATH, base).href;
  }

  private async rejectedOf(payload: Uint8Array): Promise<number> {
    if (payload.byteLength === 0) return 0;
    const serializer = await metricsSerializer();
    let rejected = 0;
    let why = '';
    try {
      const partial = serializer.deserializeResponse(payload).partialSuccess;
      rejected = Number(partial?.rejectedDataPoints ?? 0);
      why = partial?.errorMessage ?? '';
    } catch {
      // An answer that is not an ExportMetricsServiceResponse still means the request was taken.
      return 0;
    }
    if (rejected > 0 || why) this.onRejected(rejected, why);
    return rejected;
  }
}

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
function retryAfter(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** A short readable reason from an error body: text or JSON only (a protobuf Status is left out), never long. */
function errorText(payload: Uint8Array, contentType: string | undefined): string {
  if (!/json|text/i.test(contentType ?? '')) return '';
  const text = Buffer.from(payload).toString('utf8').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
