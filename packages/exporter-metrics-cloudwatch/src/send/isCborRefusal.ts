/** Statuses with which a server turns down a path, an operation or a media type it does not know. */
const REFUSING_STATUSES = new Set([400, 404, 405, 406, 415, 501]);

interface ResponseError {
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
}

/**
 * Whether a CBOR request failed because the endpoint does not speak Smithy RPC v2 CBOR: it turned the request down
 * (404 for an unknown path, 415 for the media type, …) without the `smithy-protocol: rpc-v2-cbor` header every
 * RPC v2 CBOR answer carries — so the answer is not CloudWatch refusing the request's content, which would say
 * so in CBOR. Emulators and proxies that predate CBOR answer this way (moto: 404 text/html).
 */
export function isCborRefusal(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as ResponseError;
  const status = e.$response?.statusCode ?? e.$metadata?.httpStatusCode;
  if (status === undefined || !REFUSING_STATUSES.has(status)) return false;
  const headers = e.$response?.headers;
  if (headers === undefined) return false;
  const header = (name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1] ?? '';
  if (header('smithy-protocol').toLowerCase() === 'rpc-v2-cbor') return false;
  // A plain 400 could also be CloudWatch's front end refusing something else: only one that is not CBOR either.
  return status !== 400 || !header('content-type').toLowerCase().startsWith('application/cbor');
}
