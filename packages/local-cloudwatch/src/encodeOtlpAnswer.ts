import type { OtlpFormat } from './decodeOtlpMetrics';
import { otlpMessages } from './otlpSchema';

/** An answer body of the OTLP endpoint, in the request's encoding. */
export interface OtlpAnswer {
  contentType: string;
  body: Buffer;
}

const CONTENT_TYPES: Record<OtlpFormat, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** The format a Content-Type names: protobuf or JSON, undefined for anything else. */
export function otlpFormatOf(contentType: string | undefined): OtlpFormat | undefined {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (media === CONTENT_TYPES.protobuf) return 'protobuf';
  if (media === CONTENT_TYPES.json) return 'json';
  return undefined;
}

/**
 * A success: an ExportMetricsServiceResponse, empty when nothing was rejected (protobuf: no bytes; JSON: `{}`),
 * else with `partial_success` (JSON: int64 as a decimal string, as proto3 JSON writes it).
 */
export function exportResponse(format: OtlpFormat, rejected: number, errorMessage: string): OtlpAnswer {
  const partial = rejected > 0 || errorMessage !== '';
  if (format === 'json') {
    const body = partial ? { partialSuccess: { rejectedDataPoints: String(rejected), errorMessage } } : {};
    return { contentType: CONTENT_TYPES.json, body: Buffer.from(JSON.stringify(body)) };
  }
  const type = otlpMessages.ExportMetricsServiceResponse;
  const message = type.fromObject(partial ? { partialSuccess: { rejectedDataPoints: rejected, errorMessage } } : {});
  return { contentType: CONTENT_TYPES.protobuf, body: Buffer.from(type.encode(message).finish()) };
}

/** A failure: a google.rpc.Status with the gRPC code of the HTTP status and the message. */
export function statusResponse(format: OtlpFormat, httpStatus: number, message: string): OtlpAnswer {
  const status = { code: grpcCodeOf(httpStatus), message };
  if (format === 'json') return { contentType: CONTENT_TYPES.json, body: Buffer.from(JSON.stringify(status)) };
  const type = otlpMessages.Status;
  return { contentType: CONTENT_TYPES.protobuf, body: Buffer.from(type.encode(type.fromObject(status)).finish()) };
}

/** The google.rpc.Code closest to an HTTP status. */
export function grpcCodeOf(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
    case 415:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 5; // NOT_FOUND
    case 413:
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 500:
      return 13; // INTERNAL
    case 502:
    case 503:
    case 504:
      return 14; // UNAVAILABLE
    default:
      return 2; // UNKNOWN
  }
}
