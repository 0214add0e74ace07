import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { expect } from 'chai';
import { LOCAL_CREDENTIALS } from '../src';
import { verifySigV4, type ReceivedRequest } from '../src/verifySigV4';
import { signOtlp } from './otlpClient';

/** A request body's bytes. The SDK's JSON bodies are Uint8Arrays with string methods: `Buffer.from(body)` would read
 *  them as text (and the SDK warns when it does). */
const bytes = (body: string | Uint8Array): Buffer =>
  typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };

/** Signs a real PutMetricData with the SDK and captures the request exactly as it would go on the wire. */
async function signedRequest(minCompression = 10240): Promise<ReceivedRequest> {
  let captured: ReceivedRequest | undefined;
  const client = new CloudWatchClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    credentials,
    requestMinCompressionSizeBytes: minCompression,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: {
        method: string;
        path: string;
        query?: Record<string, string>;
        headers: Record<string, string>;
        body: string | Uint8Array;
      }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
        captured = { method: request.method, url: request.path, headers, body: bytes(request.body) };
        throw new Error('captured');
      },
    },
  });
  await client
    .send(new PutMetricDataCommand({ Namespace: 'N', MetricData: [{ MetricName: 'm', Value: 1 }] }))
    .catch(() => undefined);
  client.destroy();
  if (!captured) throw new Error('nothing captured');
  return captured;
}

describe('verifySigV4', () => {
  it('accepts a request signed by the AWS SDK', async () => {
    expect(verifySigV4(await signedRequest(), credentials)).to.deep.equal({ ok: true });
  });

  it('accepts a gzipped request the SDK compressed before signing', async () => {
    const req = await signedRequest(0);
    expect(req.headers['content-encoding']).to.equal('gzip');
    expect(verifySigV4(req, credentials)).to.deep.equal({ ok: true });
  });

  it('refuses a signature made more than five minutes from its own clock, either way', async () => {
    const req = await signedRequest();
    const at = Date.now();
    expect(verifySigV4(req, credentials, { now: () => at + 4 * 60_000 })).to.deep.equal({ ok: true });
    for (const skew of [6 * 60_000, -6 * 60_000]) {
      const check = verifySigV4(req, credentials, { now: () => at + skew });
      expect(check).to.include({ ok: false, code: 'SignatureDoesNotMatch' });
      expect((check as { message: string }).message).to.contain('Signature expired');
    }
  });

  it('refuses a body changed after signing', async () => {
    const req = await signedRequest();
    req.body = Buffer.from(req.body.toString('utf8').replace('"Value":1', '"Value":2'));
    const check = verifySigV4(req, credentials);
    expect(check.ok).to.equal(false);
    expect(check.ok === false && check.code).to.equal('SignatureDoesNotMatch');
  });

  it('refuses a signed header changed after signing', async () => {
    const req = await signedRequest();
    req.headers['x-amz-target'] = 'GraniteServiceVersion20100801.DeleteAlarms';
    expect(verifySigV4(req, credentials)).to.include({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  it('refuses the wrong secret and an unknown key', async () => {
    const req = await signedRequest();
    expect(verifySigV4(req, { ...credentials, secretAccessKey: 'other' })).to.include({
      code: 'SignatureDoesNotMatch',
    });
    expect(verifySigV4(req, { ...credentials, accessKeyId: 'OTHER' })).to.include({ code: 'InvalidClientTokenId' });
  });

  it('refuses a request without Authorization', async () => {
    const req = await signedRequest();
    delete req.headers['authorization'];
    expect(verifySigV4(req, credentials)).to.include({ code: 'MissingAuthenticationToken' });
  });

  it("checks the credential scope's service when told which: the SDK signs CloudWatch for monitoring", async () => {
    expect(verifySigV4(await signedRequest(), credentials, { service: 'monitoring' })).to.deep.equal({ ok: true });
  });

  it('refuses a signature that is right but scoped to another service, naming the expected one', async () => {
    const signed = await signOtlp('http://127.0.0.1:9/v1/metrics', Buffer.from('{}'), { json: true, service: 'logs' });
    const req: ReceivedRequest = { method: 'POST', url: signed.path, headers: signed.headers, body: signed.body };
    expect(verifySigV4(req, LOCAL_CREDENTIALS), 'a valid signature for logs').to.deep.equal({ ok: true });
    expect(verifySigV4(req, LOCAL_CREDENTIALS, { service: 'monitoring' })).to.deep.equal({
      ok: false,
      code: 'SignatureDoesNotMatch',
      message: "Credential should be scoped to correct service: 'monitoring'.",
    });
  });
});
