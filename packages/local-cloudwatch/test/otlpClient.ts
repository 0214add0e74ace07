import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../src';

/*
 * A minimal OTLP/HTTP client for the tests: the body as an OTLP exporter sends it (optionally gzipped), signed with
 * the AWS SDK's own SigV4 signer, posted with node:http.
 */

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytesOf = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** SHA-256, or HMAC-SHA-256 when given a secret, from node:crypto: the hash the signer asks for. */
export class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

export interface OtlpSendOptions {
  /** application/json instead of application/x-protobuf. */
  json?: boolean;
  /** Another Content-Type altogether. */
  contentType?: string;
  gzip?: boolean;
  /** The signing service; default `monitoring`. */
  service?: string;
  /** false: no Authorization at all. */
  sign?: boolean;
}

export interface SignedOtlp {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** The request an OTLP exporter would send to `url`, signed (header names in lower case). */
export async function signOtlp(url: string, payload: Uint8Array, options: OtlpSendOptions = {}): Promise<SignedOtlp> {
  const target = new URL(url);
  const body = options.gzip ? gzipSync(payload) : bytesOf(payload);
  const headers: Record<string, string> = {
    host: target.host,
    'content-type': options.contentType ?? (options.json ? 'application/json' : 'application/x-protobuf'),
    'content-length': String(body.length),
  };
  if (options.gzip) headers['content-encoding'] = 'gzip';
  if (options.sign === false) return { path: target.pathname, headers, body };
  const signer = new SignatureV4({
    service: options.service ?? 'monitoring',
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: target.protocol,
    hostname: target.hostname,
    port: Number(target.port),
    path: target.pathname,
    query: {},
    headers,
    body,
  });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) out[k.toLowerCase()] = v;
  return { path: target.pathname, headers: out, body };
}

export interface OtlpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Signs and posts an OTLP request body; resolves with the answer, whatever its status. */
export async function postOtlp(url: string, payload: Uint8Array, options: OtlpSendOptions = {}): Promise<OtlpReply> {
  const signed = await signOtlp(url, payload, options);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: signed.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(signed.body);
  });
}
