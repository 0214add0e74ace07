import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { LOCAL_REGION, readStatistics, useLocalCloudWatch } from '../src';

/** A request body's bytes. The SDK's JSON bodies are Uint8Arrays with string methods: `Buffer.from(body)` would read
 *  them as text (and the SDK warns when it does). */
const bytes = (body: string | Uint8Array): Buffer =>
  typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);

describe('LocalCloudWatch (moto behind the front door)', function () {
  this.timeout(30_000);
  const cw = useLocalCloudWatch();
  const clients: CloudWatchClient[] = [];
  const client = (extra: ConstructorParameters<typeof CloudWatchClient>[0] = {}) => {
    const c = cw().client({ maxAttempts: 3, ...extra });
    clients.push(c);
    return c;
  };
  let ns = '';
  let n = 0;
  beforeEach(async () => {
    await cw().reset();
    ns = `Test${++n}`;
  });
  after(() => clients.forEach((c) => c.destroy()));

  const datum = (value: number, extra: Partial<MetricDatum> = {}): MetricDatum => ({
    MetricName: 'requests',
    Value: value,
    Timestamp: new Date(),
    Unit: 'Count',
    ...extra,
  });

  it('stores a real PutMetricData and reads the value back', async () => {
    const c = client();
    await c.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [datum(3), datum(4)] }));
    const stats = await readStatistics(c, { namespace: ns, metricName: 'requests' });
    expect(stats).to.include({ sampleCount: 2, sum: 7, minimum: 3, maximum: 4 });
    expect(cw().puts).to.have.length(1);
    expect(cw().puts[0]!.status).to.equal(200);
    expect(cw().violations).to.deep.equal([]);
  });

  it('refuses 31 dimensions with InvalidParameterValue and stores nothing', async () => {
    const c = client();
    const Dimensions = Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: 'x' }));
    const err = await c.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [datum(1, { Dimensions })] })).then(
      () => undefined,
      (e: unknown) => e as { name: string; Code?: string; $metadata: { httpStatusCode?: number } },
    );
    expect(err, 'an error').to.not.equal(undefined);
    expect(err!.Code ?? err!.name).to.equal('InvalidParameterValue');
    expect(err!.$metadata.httpStatusCode).to.equal(400);
    expect(cw().violations).to.have.length(1);
    expect(cw().violations[0]!.violation!.message).to.contain('Dimensions');
    const stats = await readStatistics(c, { namespace: ns, metricName: 'requests', dimensions: {} });
    expect(stats.sampleCount).to.equal(0);
  });

  it('refuses a request signed with the wrong secret', async () => {
    const c = client({ credentials: { accessKeyId: 'AKIDLOCALCLOUDWATCH', secretAccessKey: 'wrong' } });
    const err = await c.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [datum(1)] })).then(
      () => undefined,
      (e: { name: string; $metadata: { httpStatusCode?: number } }) => e,
    );
    expect(err?.$metadata.httpStatusCode).to.equal(403);
    expect(cw().puts.map((r) => r.errorCode)).to.deep.equal(['SignatureDoesNotMatch']);
  });

  it('decodes a body the SDK gzipped before signing, and records both sizes', async () => {
    const c = client({ requestMinCompressionSizeBytes: 0 });
    const data = Array.from({ length: 200 }, (_, i) =>
      datum(i, { Dimensions: [{ Name: 'route', Value: `/r/${i % 5}` }] }),
    );
    await c.send(new PutMetricDataCommand({ Namespace: ns, MetricData: data }));
    const [put] = cw().puts;
    expect(put!.gzip).to.equal(true);
    expect(put!.status).to.equal(200);
    expect(put!.wireBytes).to.be.lessThan(put!.decodedBytes / 5);
    const stats = await readStatistics(c, { namespace: ns, metricName: 'requests', dimensions: { route: '/r/0' } });
    expect(stats.sampleCount).to.equal(40);
  });

  it('refuses a body gzipped after signing', async () => {
    const c = client();
    // The deserialize step runs after signing: a compression step placed there is the mistake we guard against.
    c.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body: Uint8Array | string; headers: Record<string, string> };
        request.body = gzipSync(bytes(request.body));
        request.headers['content-encoding'] = 'gzip';
        request.headers['content-length'] = String(request.body.length);
        return next(args);
      },
      { step: 'deserialize', name: 'lateGzip' },
    );
    const err = await c.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [datum(1)] })).then(
      () => undefined,
      (e: { $metadata: { httpStatusCode?: number } }) => e,
    );
    expect(err?.$metadata.httpStatusCode).to.equal(403);
    expect(cw().puts[0]!.errorCode).to.equal('SignatureDoesNotMatch');
  });

  it('injects a 503, a Throttling error and a dropped connection; the SDK retries into success', async () => {
    const c = client({ maxAttempts: 4, retryStrategy: undefined });
    cw().injectFaults(
      { status: 503, code: 'ServiceUnavailable' },
      { status: 400, code: 'Throttling', message: 'Rate exceeded' },
      { drop: true },
    );
    await c.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [datum(5)] }));
    expect(cw().puts.map((r) => r.status)).to.deep.equal([503, 400, 0, 200]);
    expect(cw().puts.map((r) => r.attempt)).to.deep.equal([1, 2, 3, 4]);
    const stats = await readStatistics(c, { namespace: ns, metricName: 'requests' });
    expect(stats).to.include({ sampleCount: 1, sum: 5 });
  });

  it('throttles past an account quota shared by every client, as CloudWatch does, and refills with time', async () => {
    const a = client({ maxAttempts: 1 });
    const b = client({ maxAttempts: 1 });
    cw().frontDoor.setQuota({ requestsPerSecond: 5, burst: 3 });
    const send = (c: CloudWatchClient) =>
      c.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [datum(1)] })).then(
        () => 'ok',
        (e: { Code?: string; name: string; $metadata: { httpStatusCode?: number } }) =>
          `${e.$metadata.httpStatusCode} ${e.Code ?? e.name}`,
      );
    const burst = await Promise.all([send(a), send(b), send(a), send(b), send(a)]);
    expect(
      burst.filter((r) => r === 'ok'),
      'the burst the bucket holds',
    ).to.have.length(3);
    expect(
      burst.filter((r) => r === '400 Throttling'),
      'the rest: Rate exceeded',
    ).to.have.length(2);
    await new Promise((r) => setTimeout(r, 1100)); // 5 a second: full again, and no fuller than the burst
    const again = await Promise.all([send(a), send(b), send(a), send(b), send(a)]);
    expect(again.filter((r) => r === 'ok')).to.have.length(3);
    const stored = await readStatistics(a, { namespace: ns, metricName: 'requests' });
    expect(stored.sampleCount, 'throttled requests store nothing').to.equal(6);
    expect(cw().violations, 'throttling is not a violation').to.deep.equal([]);
    cw().frontDoor.setQuota(undefined);
    expect(await Promise.all([send(a), send(a), send(a), send(a)])).to.deep.equal(['ok', 'ok', 'ok', 'ok']);
  });

  it('delays a request on demand', async () => {
    const c = client();
    cw().injectFaults({ delayMs: 300 });
    const t0 = Date.now();
    await c.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [datum(1)] }));
    expect(Date.now() - t0).to.be.at.least(290);
    expect(cw().puts[0]!.fault).to.deep.equal({ delayMs: 300 });
  });

  it('stores the datums of EntityMetricData (moto alone drops them) and answers an entity problem as CloudWatch does', async () => {
    const c = client();
    const failures: Array<string | undefined> = [];
    c.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        failures.push((out.response as { headers: Record<string, string> }).headers['x-amzn-failure-message']);
        return out;
      },
      { step: 'deserialize', name: 'readFailureHeader' },
    );
    const good = { KeyAttributes: { Type: 'Service', Name: 'checkout', Environment: 'generic:default' } };
    const bad = { KeyAttributes: { Type: 'Service', Name: 'checkout' } };
    for (const Entity of [good, bad]) {
      await c.send(
        new PutMetricDataCommand({
          Namespace: ns,
          EntityMetricData: [{ Entity, MetricData: [datum(5)] }],
          StrictEntityValidation: false,
        }),
      );
    }
    expect(failures).to.deep.equal([undefined, 'MissingRequiredFields']);
    const stats = await readStatistics(c, { namespace: ns, metricName: 'requests' });
    expect(stats).to.include({ sampleCount: 2, sum: 10 });
    // Strict: the same entity fails the whole request, and nothing more is stored.
    const err = await c
      .send(
        new PutMetricDataCommand({
          Namespace: ns,
          EntityMetricData: [{ Entity: bad, MetricData: [datum(7)] }],
          StrictEntityValidation: true,
        }),
      )
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.name).to.equal('InvalidParameterValueException');
    expect(await readStatistics(c, { namespace: ns, metricName: 'requests' })).to.include({ sum: 10 });
    expect(cw().puts.map((p) => p.entityFailure?.failure)).to.deep.equal([
      undefined,
      'MissingRequiredFields',
      'MissingRequiredFields',
    ]);
  });

  it('uses the region and test credentials it hands out', () => {
    const config = cw().clientConfig();
    expect(config.region).to.equal(LOCAL_REGION);
    expect(config.endpoint).to.equal(cw().endpoint);
    expect(cw().endpoint).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
