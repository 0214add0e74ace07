import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/*
 * An independent SigV4 check over the exact bytes received. It is written here rather than borrowed from the
 * SDK's signer on purpose: verifying with the code that signed would hide the signer's own mistakes, and the
 * point is to catch a body changed after signing (for instance gzipped by a step that runs too late).
 */

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface ReceivedRequest {
  method: string;
  /** Path and query exactly as received on the wire. */
  url: string;
  /** Header names in lower case; repeated headers joined with ','. */
  headers: Record<string, string>;
  /** The body bytes as received, before any decoding. */
  body: Buffer;
}

export type SignatureCheck = { ok: true } | { ok: false; code: string; message: string };

export interface VerifyOptions {
  /**
   * The service name the credential scope must name (CloudWatch: `monitoring`, for its API and its OTLP endpoint
   * alike). Default: any.
   */
  service?: string;
  /** The service's clock (epoch ms), which the signature's time must be within five minutes of. Default: Date.now. */
  now?: () => number;
}

const AUTH_RE = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalQuery(query: string): string {
  if (!query) return '';
  return query
    .split('&')
    .filter((p) => p.length > 0)
    .map((p) => {
      const i = p.indexOf('=');
      const k = decodeURIComponent(i < 0 ? p : p.slice(0, i));
      const v = i < 0 ? '' : decodeURIComponent(p.slice(i + 1).replace(/\+/g, ' '));
      return [rfc3986(k), rfc3986(v)] as const;
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function canonicalPath(path: string): string {
  // Services other than S3 sign the path escaped twice: the raw path already carries one escaping.
  return path
    .split('/')
    .map((segment) => rfc3986(segment))
    .join('/');
}

/** How far a signature's time may be from the service's. */
const MAX_SKEW_MS = 5 * 60_000;

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** Verifies an `AWS4-HMAC-SHA256` Authorization header against the request bytes and known credentials. */
export function verifySigV4(
  req: ReceivedRequest,
  credentials: Credentials,
  options: VerifyOptions = {},
): SignatureCheck {
  const auth = req.headers['authorization'];
  if (!auth)
    return { ok: false, code: 'MissingAuthenticationToken', message: 'Request is missing Authentication Token' };
  const m = AUTH_RE.exec(auth);
  if (!m) return { ok: false, code: 'IncompleteSignature', message: 'The Authorization header is not valid SigV4.' };
  const [, credential, signedHeaders, signature] = m as unknown as [string, string, string, string];
  const [accessKeyId, date, region, service, terminator] = credential.split('/');
  if (accessKeyId !== credentials.accessKeyId) {
    return {
      ok: false,
      code: 'InvalidClientTokenId',
      message: 'The security token included in the request is invalid.',
    };
  }
  if (!date || !region || !service || terminator !== 'aws4_request') {
    return { ok: false, code: 'IncompleteSignature', message: 'The credential scope is not valid.' };
  }
  if (options.service !== undefined && service !== options.service) {
    return {
      ok: false,
      code: 'SignatureDoesNotMatch',
      message: `Credential should be scoped to correct service: '${options.service}'.`,
    };
  }
  const amzDate = req.headers['x-amz-date'];
  if (!amzDate || !amzDate.startsWith(date)) {
    return { ok: false, code: 'IncompleteSignature', message: 'X-Amz-Date is missing or outside the scope.' };
  }
  // AWS refuses a signature made more than five minutes from its own time (the client corrects its clock from the
  // answer's Date header and signs again).
  const signedAt = Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:` +
      `${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const now = options.now?.() ?? Date.now();
  if (!(Math.abs(signedAt - now) <= MAX_SKEW_MS)) {
    return {
      ok: false,
      code: 'SignatureDoesNotMatch',
      message: `Signature expired: ${amzDate} is more than 5 minutes from the time of the service.`,
    };
  }

  const payloadHash = sha256Hex(req.body);
  const declared = req.headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== 'UNSIGNED-PAYLOAD' && declared !== payloadHash) {
    return {
      ok: false,
      code: 'SignatureDoesNotMatch',
      message: 'The provided x-amz-content-sha256 header does not match what was computed.',
    };
  }

  const names = signedHeaders.split(';');
  const lines: string[] = [];
  for (const name of names) {
    const value = req.headers[name];
    if (value === undefined) {
      return { ok: false, code: 'SignatureDoesNotMatch', message: `Signed header ${name} is missing.` };
    }
    lines.push(`${name}:${value.trim().replace(/\s+/g, ' ')}`);
  }
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalPath(path || '/'),
    canonicalQuery(query),
    lines.join('\n') + '\n',
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date), region), service), 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return {
      ok: false,
      code: 'SignatureDoesNotMatch',
      message:
        'The request signature we calculated does not match the signature you provided. ' +
        'Check your AWS Secret Access Key and signing method.',
    };
  }
  return { ok: true };
}
