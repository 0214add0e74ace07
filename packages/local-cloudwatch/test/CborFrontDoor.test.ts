import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { expect } from 'chai';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import {
  CBOR_PATH_PREFIX,
  FrontDoor,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  readStatistics,
  useLocalCloudWatch,
} from '../src';
import { decodeCbor } from '../src/decodeCbor';
import { cbor, chunkedText, epoch, f16, f32, hex, indefiniteArray, indefiniteMap, raw } from './cborWriter';
import { Sha256 } from './otlpClient';

type SdkError = Error & { Code?: string; $metadata: { httpStatusCode?: number } };

const PUT_PATH = `${CBOR_PATH_PREFIX}PutMetricData`;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * Posts `body` to the CBOR door as the SDK would (its headers, signed with the SDK's own signer), with `headers`
 * overriding the SDK's (undefined removes one): for bodies no SDK would write.
 */
async function postCbor(
  endpoint: string,
  body: Buffer,
  headers: Record<string, string | undefined> = {},
  path = PUT_PATH,
): Promise<Reply> {
  const url = new URL(path, endpoint);
  const all: Record<string, string | undefined> = {
    host: url.host,
    'smithy-protocol': 'rpc-v2-cbor',
    'content-type': 'application/cbor',
    accept: 'application/cbor',
    'x-amzn-query-mode': 'true',
    'content-length': String(body.length),
    ...headers,
  };
  const unsigned: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (v !== undefined) unsigned[k] = v;
  const signer = new SignatureV4({
    service: 'monitoring',
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: {},
    headers: unsigned,
    body,
  });
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: signed.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** A CBOR error answer's code, message and the headers that make it one; throws if it is not one. */
function cborError(reply: Reply) {
  expect(reply.headers['smithy-protocol']).to.equal('rpc-v2-cbor');
  expect(reply.headers['content-type']).to.equal('application/cbor');
  const body = decodeCbor(reply.body) as Map<string, string>;
  expect([...body.keys()]).to.deep.equal(['__type', 'message']);
  return {
    status: reply.status,
    type: body.get('__type'),
    message: body.get('message')!,
    queryError: reply.headers['x-amzn-query-error'],
  };
}

/** Catches a send's error (or fails when it succeeds). */
const failure = (p: Promise<unknown>): Promise<SdkError> =>
  p.then(
    () => expect.fail('expected the request to fail'),
    (e: unknown) => e as SdkError,
  );

describe('the RPC v2 CBOR door (PutMetricData in Smithy RPC v2 CBOR)', function () {
  this.timeout(30_000);
  const cw = useLocalCloudWatch();
  const clients: CloudWatchClient[] = [];
  /** The SDK's own CBOR client. Request compression is off: the SDK signs a stale content-length after it. */
  const cborClient = (extra: ConstructorParameters<typeof CloudWatchClient>[0] = {}) => {
    const c = cw().client({
      maxAttempts: 1,
      protocol: AwsSmithyRpcV2CborProtocol,
      disableRequestCompression: true,
      ...extra,
    });
    clients.push(c);
    return c;
  };
  const jsonClient = (extra: ConstructorParameters<typeof CloudWatchClient>[0] = {}) => {
    const c = cw().client({ maxAttempts: 1, ...extra });
    clients.push(c);
    return c;
  };
  let ns = '';
  let n = 0;
  beforeEach(async () => {
    await cw().reset();
    cw().frontDoor.setCbor(true);
    ns = `Cbor${++n}`;
  });
  after(() => clients.forEach((c) => c.destroy()));

  /** A time within the last minute, with milliseconds (a fraction of a second on the wire). */
  const recently = (): Date => new Date(Math.floor(Date.now() / 1000) * 1000 - 30_000 + 123);
  const datums = (at: Date): MetricDatum[] => [
    {
      MetricName: 'requests',
      Dimensions: [
        { Name: 'route', Value: '/checkout' },
        { Name: 'code', Value: '200' },
      ],
      Timestamp: at,
      Value: 2.5,
      Unit: 'Count',
      StorageResolution: 1,
    },
    {
      MetricName: 'latency',
      Timestamp: at,
      StatisticValues: { SampleCount: 4, Sum: 10.5, Minimum: 0.5, Maximum: 6 },
      Unit: 'Milliseconds',
    },
    {
      MetricName: 'size',
      Timestamp: at,
      Values: [1, 2.25, 100],
      Counts: [3, 1, 2],
      StatisticValues: { SampleCount: 6, Sum: 205.25, Minimum: 1, Maximum: 100 },
      Unit: 'Bytes',
      StorageResolution: 60,
    },
  ];

  it('stores what a JSON client stores for the same datums, and reads the same numbers back', async () => {
    const at = recently();
    const nsJson = `${ns}Json`;
    await cborClient().send(new PutMetricDataCommand({ Namespace: ns, MetricData: datums(at) }));
    await jsonClient().send(new PutMetricDataCommand({ Namespace: nsJson, MetricData: datums(at) }));

    expect(cw().puts.map((p) => [p.protocol, p.status, p.contentType])).to.deep.equal([
      ['cbor', 200, 'application/cbor'],
      ['json', 200, 'application/x-amz-json-1.0'],
    ]);
    expect(cw().violations).to.deep.equal([]);
    const [viaCbor, viaJson] = cw().frontDoor.stored;
    expect(viaCbor!.input).to.deep.equal({ ...(viaJson!.input as object), Namespace: ns });
    expect((viaCbor!.input as { MetricData: Array<{ Timestamp: number }> }).MetricData[0]!.Timestamp).to.equal(
      at.getTime() / 1000,
    );
    expect(viaCbor!.region).to.equal(LOCAL_REGION);

    const reader = jsonClient();
    const read = async (namespace: string, metricName: string, dimensions: Record<string, string> = {}) =>
      readStatistics(reader, { namespace, metricName, dimensions });
    for (const [metric, dimensions, expected] of [
      ['requests', { route: '/checkout', code: '200' }, { sampleCount: 1, sum: 2.5, minimum: 2.5, maximum: 2.5 }],
      ['latency', {}, { sampleCount: 4, sum: 10.5, minimum: 0.5, maximum: 6 }],
      ['size', {}, { sampleCount: 6, sum: 205.25, minimum: 1, maximum: 100 }],
    ] as const) {
      const got = await read(ns, metric, dimensions);
      expect(got, metric).to.include(expected);
      expect(got, `${metric} as JSON stored it`).to.deep.equal(await read(nsJson, metric, dimensions));
    }
  });

  it('answers success in CBOR: the empty map, with the protocol headers and moto’s request id', async () => {
    const reply = await postCbor(
      cw().endpoint,
      cbor({ Namespace: ns, MetricData: [{ MetricName: 'm', Value: 1, Timestamp: recently() }] }),
    );
    expect(reply.status).to.equal(200);
    expect(reply.body).to.deep.equal(hex('a0'));
    expect(reply.headers).to.include({ 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor' });
    expect(reply.headers['x-amzn-requestid']).to.be.a('string').and.not.equal('');
  });

  it('stores entity datums and answers an entity problem as CloudWatch does, as for JSON', async () => {
    const c = cborClient();
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
          EntityMetricData: [{ Entity, MetricData: [{ MetricName: 'requests', Value: 5, Timestamp: recently() }] }],
          StrictEntityValidation: false,
        }),
      );
    }
    expect(failures).to.deep.equal([undefined, 'MissingRequiredFields']);
    const strict = new PutMetricDataCommand({
      Namespace: ns,
      EntityMetricData: [{ Entity: bad, MetricData: [{ MetricName: 'requests', Value: 7 }] }],
      StrictEntityValidation: true,
    });
    const viaCbor = await failure(c.send(strict));
    const viaJson = await failure(jsonClient().send(strict));
    expect([viaCbor.name, viaCbor.Code, viaCbor.$metadata.httpStatusCode]).to.deep.equal([
      viaJson.name,
      viaJson.Code,
      viaJson.$metadata.httpStatusCode,
    ]);
    expect(viaCbor.name).to.equal('InvalidParameterValueException');
    const stats = await readStatistics(jsonClient(), { namespace: ns, metricName: 'requests' });
    expect(stats).to.include({ sampleCount: 2, sum: 10 });
    expect(
      cw().frontDoor.stored.map((s) => (s.input as { EntityMetricData: unknown[] }).EntityMetricData),
    ).to.have.length(2);
    expect(
      cw()
        .puts.filter((p) => p.protocol === 'cbor')
        .map((p) => p.entityFailure?.failure),
    ).to.deep.equal([undefined, 'MissingRequiredFields', 'MissingRequiredFields']);
  });

  it('decodes a body the SDK gzipped (content-length dropped after compression, so it is recomputed)', async () => {
    const c = cborClient({ disableRequestCompression: false, requestMinCompressionSizeBytes: 0 });
    // The SDK's CBOR protocol sets content-length before compression replaces the body; without this the server
    // waits for bytes that never come.
    c.middlewareStack.add(
      (next) => async (args) => {
        delete (args.request as { headers: Record<string, string> }).headers['content-length'];
        return next(args);
      },
      { step: 'build', priority: 'low', name: 'dropStaleContentLength' },
    );
    const at = recently();
    const data = Array.from({ length: 200 }, (_, i) => ({
      MetricName: 'requests',
      Dimensions: [{ Name: 'route', Value: `/r/${i % 5}` }],
      Timestamp: at,
      Value: i,
      Unit: 'Count' as const,
    }));
    await c.send(new PutMetricDataCommand({ Namespace: ns, MetricData: data }));
    const [put] = cw().puts;
    expect(put).to.include({ protocol: 'cbor', gzip: true, status: 200 });
    expect(put!.wireBytes).to.be.lessThan(put!.decodedBytes / 5);
    const stats = await readStatistics(jsonClient(), {
      namespace: ns,
      metricName: 'requests',
      dimensions: { route: '/r/0' },
    });
    expect(stats).to.include({ sampleCount: 40, sum: 3900 });
  });

  it('holds a gzipped body to the decoded-size limit, and refuses one that is not gzip, as for JSON', async () => {
    const big = {
      Namespace: ns,
      MetricData: Array.from({ length: 1000 }, (_, i) => ({
        MetricName: `m${i}`,
        Dimensions: [{ Name: 'd', Value: 'x'.repeat(1000) }],
        Value: 1,
      })),
    };
    const body = cbor(big);
    expect(body.length).to.be.greaterThan(1_000_000);
    const tooLarge = cborError(await postCbor(cw().endpoint, gzipSync(body), { 'content-encoding': 'gzip' }));
    expect(tooLarge).to.include({ status: 413, type: 'com.amazonaws.cloudwatch#RequestEntityTooLarge' });
    const notGzip = cborError(await postCbor(cw().endpoint, body.subarray(0, 100), { 'content-encoding': 'gzip' }));
    expect(notGzip).to.include({ status: 400, queryError: 'InvalidParameterValue;Sender' });
    expect(notGzip.message).to.match(/Cannot decode the request body/);
    expect(cw().frontDoor.stored).to.deep.equal([]);
  });

  it('refuses what CloudWatch refuses with the error name a JSON client gets, storing nothing', async () => {
    const cases: Array<[string, MetricDatum]> = [
      ['151 Values', { MetricName: 'm', Values: Array.from({ length: 151 }, (_, i) => i) }],
      ['a NaN', { MetricName: 'm', Value: NaN }],
      [
        'an infinite Sum',
        { MetricName: 'm', StatisticValues: { SampleCount: 1, Sum: Infinity, Minimum: 1, Maximum: 1 } },
      ],
      [
        '31 dimensions',
        {
          MetricName: 'm',
          Value: 1,
          Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: 'x' })),
        },
      ],
      ['a timestamp a month ago', { MetricName: 'm', Value: 1, Timestamp: new Date(Date.now() - 30 * 86_400_000) }],
    ];
    for (const [what, datum] of cases) {
      const command = new PutMetricDataCommand({ Namespace: ns, MetricData: [datum] });
      const viaCbor = await failure(cborClient().send(command));
      const viaJson = await failure(jsonClient().send(command));
      expect([viaCbor.name, viaCbor.Code, viaCbor.$metadata.httpStatusCode], what).to.deep.equal([
        viaJson.name,
        viaJson.Code,
        viaJson.$metadata.httpStatusCode,
      ]);
      expect(viaCbor.Code ?? viaCbor.name, what).to.equal('InvalidParameterValue');
      expect(viaCbor.$metadata.httpStatusCode, what).to.equal(400);
    }
    const [cborPuts, jsonPuts] = [
      cw().puts.filter((p) => p.protocol === 'cbor'),
      cw().puts.filter((p) => p.protocol === 'json'),
    ];
    expect(cborPuts.map((p) => p.violation?.message)).to.deep.equal(jsonPuts.map((p) => p.violation?.message));
    expect(cborPuts.map((p) => p.violation?.message)[1]).to.match(/NaN/);
    expect(cw().frontDoor.stored).to.deep.equal([]);
  });

  it('answers injected faults and throttling in CBOR; the SDK names them and retries into success', async () => {
    cw().injectFaults(
      { status: 503, code: 'ServiceUnavailable' },
      { status: 400, code: 'Throttling', message: 'Rate exceeded' },
    );
    const once = new PutMetricDataCommand({ Namespace: ns, MetricData: [{ MetricName: 'm', Value: 5 }] });
    const unavailable = await failure(cborClient().send(once));
    expect([unavailable.name, unavailable.$metadata.httpStatusCode]).to.deep.equal(['ServiceUnavailable', 503]);
    const throttled = await failure(cborClient().send(once));
    expect([throttled.name, throttled.message, throttled.$metadata.httpStatusCode]).to.deep.equal([
      'Throttling',
      'Rate exceeded',
      400,
    ]);

    cw().injectFaults({ status: 503, code: 'ServiceUnavailable' }, { status: 400, code: 'Throttling' }, { drop: true });
    await cborClient({ maxAttempts: 4 }).send(once);
    expect(
      cw()
        .puts.slice(2)
        .map((r) => [r.status, r.attempt]),
    ).to.deep.equal([
      [503, 1],
      [400, 2],
      [0, 3],
      [200, 4],
    ]);
    expect(await readStatistics(jsonClient(), { namespace: ns, metricName: 'm' })).to.include({
      sampleCount: 1,
      sum: 5,
    });

    cw().injectFaults({ status: 503, code: 'ServiceUnavailable', message: 'down' });
    const answer = cborError(
      await postCbor(cw().endpoint, cbor({ Namespace: ns, MetricData: [{ MetricName: 'm', Value: 1 }] })),
    );
    expect(answer).to.deep.equal({
      status: 503,
      type: 'com.amazonaws.cloudwatch#ServiceUnavailable',
      message: 'down',
      queryError: 'ServiceUnavailable;Receiver',
    });

    cw().frontDoor.setQuota({ requestsPerSecond: 0.001, burst: 1 });
    await cborClient().send(once);
    const quota = await failure(cborClient().send(once));
    expect([quota.name, quota.$metadata.httpStatusCode]).to.deep.equal(['Throttling', 400]);
    expect(cw().violations).to.deep.equal([]);
  });

  it('checks the signature over the CBOR path and bytes', async () => {
    const c = cborClient({ credentials: { accessKeyId: LOCAL_CREDENTIALS.accessKeyId, secretAccessKey: 'wrong' } });
    const err = await failure(
      c.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [{ MetricName: 'm', Value: 1 }] })),
    );
    expect([err.name, err.$metadata.httpStatusCode]).to.deep.equal(['SignatureDoesNotMatch', 403]);
    expect(cw().puts.map((p) => [p.protocol, p.errorCode])).to.deep.equal([['cbor', 'SignatureDoesNotMatch']]);
  });

  it('accepts indefinite lengths, chunked text and 16/32-bit floats', async () => {
    const at = recently();
    const body = cbor(
      indefiniteMap({
        Namespace: chunkedText(ns.slice(0, 2), ns.slice(2)),
        MetricData: indefiniteArray([
          indefiniteMap({
            MetricName: chunkedText('lat', 'ency'),
            Dimensions: indefiniteArray([indefiniteMap({ Name: 'route', Value: '/a' })]),
            Timestamp: epoch(at.getTime() / 1000),
            Values: indefiniteArray([f16(0x3e00), f32(0.25), 3]), // 1.5, 0.25, 3
            Counts: [f16(0x4000), f32(1), 1], // 2, 1, 1
            StatisticValues: { SampleCount: f16(0x4400), Sum: f32(6.25), Minimum: f16(0x3400), Maximum: 3 },
            Unit: 'Seconds',
            StorageResolution: 1,
          }),
        ]),
      }),
    );
    const reply = await postCbor(cw().endpoint, body);
    expect(reply.status, reply.body.toString()).to.equal(200);
    expect(cw().frontDoor.stored.map((s) => s.input)).to.deep.equal([
      {
        Namespace: ns,
        MetricData: [
          {
            MetricName: 'latency',
            Dimensions: [{ Name: 'route', Value: '/a' }],
            Timestamp: at.getTime() / 1000,
            Values: [1.5, 0.25, 3],
            Counts: [2, 1, 1],
            StatisticValues: { SampleCount: 4, Sum: 6.25, Minimum: 0.25, Maximum: 3 },
            Unit: 'Seconds',
            StorageResolution: 1,
          },
        ],
      },
    ]);
    const stats = await readStatistics(jsonClient(), {
      namespace: ns,
      metricName: 'latency',
      dimensions: { route: '/a' },
    });
    expect(stats).to.include({ sampleCount: 4, sum: 6.25, minimum: 0.25, maximum: 3 });
  });

  describe('refuses a malformed body with 400 SerializationException, storing nothing', () => {
    /** A valid request around `datum`'s bytes. */
    const around = (datum: string) => Buffer.concat([cbor({ Namespace: 'Bad', MetricData: raw('81') }), hex(datum)]);
    const table: Array<[string, Buffer, RegExp]> = [
      ['truncated input', cbor({ Namespace: 'Bad' }).subarray(0, 6), /Truncated/],
      ['trailing bytes', Buffer.concat([cbor({ Namespace: 'Bad' }), hex('00')]), /trailing byte/],
      ['reserved additional info 28', around('a1 6a4d65747269634e616d65 7c'), /Reserved additional information 28/],
      ['reserved additional info 30', around('a1 6556616c7565 fe'), /Reserved additional information 30/],
      ['a break outside an indefinite item', around('a1 6556616c7565 ff'), /break/],
      ['mixed chunk types', cbor({ Namespace: raw('7f 6142 4161 ff') }), /chunk at byte \d+ that is a byte string/],
      ['invalid UTF-8', cbor({ Namespace: raw('62 c328') }), /not valid UTF-8/],
      ['a map key that is not text', cbor({ Namespace: 'Bad', MetricData: [raw('a1 01 02')] }), /not a text string/],
      ['a duplicate map key', hex('a2 694e616d657370616365 6141 694e616d657370616365 6142'), /key "Namespace" twice/],
      ['a tag other than 1', cbor({ Namespace: 'Bad', MetricData: [{ Timestamp: raw('c0 6161') }] }), /Tag 0/],
      ['tag 1 around text', cbor({ Namespace: 'Bad', MetricData: [{ Timestamp: raw('c1 6161') }] }), /Tag 1 .*text/],
      ['undefined', cbor({ Namespace: 'Bad', StrictEntityValidation: raw('f7') }), /undefined/],
      ['a simple value', cbor({ Namespace: 'Bad', StrictEntityValidation: raw('f0') }), /simple value 16/],
      [
        'a byte string for text',
        cbor({ Namespace: Buffer.from('Bad') }),
        /Namespace must be a text string, not a byte/,
      ],
      ['nesting deeper than 64', cbor({ Namespace: 'Bad', MetricData: raw('81'.repeat(70) + '80') }), /deeper than 64/],
      [
        'an unsafe integer',
        cbor({ Namespace: 'Bad', MetricData: [{ Value: raw('1b 0020000000000000') }] }),
        /safe range/,
      ],
      ['an unknown member', cbor({ Namespace: 'Bad', Extra: 1 }), /Extra is not a member/],
      [
        'an unknown datum member',
        cbor({ Namespace: 'Bad', MetricData: [{ Valu: 1 }] }),
        /MetricData\[0\]\.Valu is not/,
      ],
      [
        'a float for an integer',
        cbor({ MetricData: [{ StorageResolution: f16(0x3c00) }] }),
        /StorageResolution must be an integer/,
      ],
      ['a number for a timestamp', cbor({ MetricData: [{ Timestamp: 1700000000 }] }), /Timestamp must be a timestamp/],
      ['a string for a double', cbor({ MetricData: [{ Value: '1' }] }), /Value must be a number/],
      ['a null list element', cbor({ Namespace: 'Bad', MetricData: [null] }), /not sparse/],
      ['a body that is not a map', cbor(['Bad']), /the input must be a map/],
    ];
    for (const [what, body, message] of table) {
      it(what, async () => {
        const answer = cborError(await postCbor(cw().endpoint, body));
        expect(answer).to.include({
          status: 400,
          type: 'com.amazonaws.cloudwatch#SerializationException',
          queryError: 'SerializationException;Sender',
        });
        expect(answer.message).to.match(message);
        expect(cw().puts.map((p) => [p.protocol, p.errorCode])).to.deep.equal([['cbor', 'SerializationException']]);
        expect(cw().violations.map((v) => v.violation!.message)).to.deep.equal([answer.message]);
        expect(cw().frontDoor.stored).to.deep.equal([]);
      });
    }
  });

  it('refuses a request without the protocol’s headers as Smithy servers do', async () => {
    const body = cbor({ Namespace: ns, MetricData: [{ MetricName: 'm', Value: 1 }] });
    const noProtocol = cborError(await postCbor(cw().endpoint, body, { 'smithy-protocol': undefined }));
    expect(noProtocol).to.include({ status: 400, type: 'com.amazonaws.cloudwatch#SerializationException' });
    expect(noProtocol.message).to.match(/smithy-protocol header is missing/);
    const json = cborError(await postCbor(cw().endpoint, body, { 'content-type': 'application/json' }));
    expect(json).to.include({ status: 415, type: 'com.amazonaws.cloudwatch#UnsupportedMediaTypeException' });
    const html = cborError(await postCbor(cw().endpoint, body, { accept: 'text/html' }));
    expect(html).to.include({ status: 406, type: 'com.amazonaws.cloudwatch#NotAcceptableException' });
    const other = cborError(await postCbor(cw().endpoint, cbor({}), {}, `${CBOR_PATH_PREFIX}ListMetrics`));
    expect(other).to.include({ status: 400, queryError: 'InvalidAction;Sender' });
    expect(cw().violations.map((r) => r.violation!.code)).to.deep.equal([
      'SerializationException',
      'UnsupportedMediaTypeException',
      'NotAcceptableException',
    ]);
    expect(cw().frontDoor.stored).to.deep.equal([]);
  });

  it('plays an endpoint that predates CBOR: 404 text/html, no smithy-protocol header, nothing stored', async () => {
    expect(
      new FrontDoor({ upstream: 'http://127.0.0.1:9', credentials: LOCAL_CREDENTIALS, cbor: false }).cbor,
    ).to.equal(false);
    cw().frontDoor.setCbor(false);
    const body = cbor({ Namespace: ns, MetricData: [{ MetricName: 'm', Value: 1 }] });
    const reply = await postCbor(cw().endpoint, body);
    expect(reply.status).to.equal(404);
    expect(reply.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(reply.headers).to.not.have.property('smithy-protocol');
    expect(reply.body.toString()).to.contain('404 Not Found');

    const err = await failure(
      cborClient().send(new PutMetricDataCommand({ Namespace: ns, MetricData: [{ MetricName: 'm', Value: 1 }] })),
    );
    expect(err.$metadata.httpStatusCode).to.equal(404);
    expect(cw().puts.map((p) => [p.protocol, p.status])).to.deep.equal([
      ['cbor', 404],
      ['cbor', 404],
    ]);
    expect(cw().frontDoor.stored).to.deep.equal([]);
    expect(await readStatistics(jsonClient(), { namespace: ns, metricName: 'm' })).to.include({ sampleCount: 0 });

    // JSON is spoken all the same, and CBOR again once switched back.
    await jsonClient().send(new PutMetricDataCommand({ Namespace: ns, MetricData: [{ MetricName: 'm', Value: 1 }] }));
    cw().frontDoor.setCbor(true);
    await cborClient().send(new PutMetricDataCommand({ Namespace: ns, MetricData: [{ MetricName: 'm', Value: 2 }] }));
    expect(cw().frontDoor.stored).to.have.length(2);
  });
});
