import { ValueType, type Meter } from '@opentelemetry/api';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  MeterProvider,
  MetricReader,
  type ExponentialHistogram,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { expect } from 'chai';
import { OTLP_STORED_PATH, useLocalCloudWatch, type OtlpPoint } from '../src';
import { otlpMessages } from '../src/otlpSchema';
import { postOtlp } from './otlpClient';

/** A reader that collects on demand: the ResourceMetrics an OTLP exporter would be handed. */
class CollectingReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

const SCOPE = 'otlp-endpoint-test';

/** Records with a real MeterProvider (resource: service.name only) and collects once. */
async function collect(
  record: (meter: Meter) => void,
  temporality = AggregationTemporality.CUMULATIVE,
): Promise<ResourceMetrics> {
  const reader = new CollectingReader({ aggregationTemporalitySelector: () => temporality });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout' }),
    readers: [reader],
    views: [{ instrumentName: 'exp.*', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  record(provider.getMeter(SCOPE, '1.2.3'));
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).to.deep.equal([]);
  await provider.shutdown();
  return resourceMetrics;
}

const protobuf = (rm: ResourceMetrics): Uint8Array => ProtobufMetricsSerializer.serializeRequest(rm)!;
const json = (rm: ResourceMetrics): Uint8Array => JsonMetricsSerializer.serializeRequest(rm)!;

const metricOf = (rm: ResourceMetrics, name: string): MetricData =>
  rm.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name)!;

const nanos = ([s, ns]: [number, number]): string => (BigInt(s) * 1_000_000_000n + BigInt(ns)).toString();

/** Every kind of instrument once, with known values. */
function recordEverything(meter: Meter): void {
  const requests = meter.createCounter('requests', { unit: '{request}', valueType: ValueType.INT });
  requests.add(2, { route: '/a', code: 200, ok: true, ratio: 0.5, tags: ['x', 'y'] });
  requests.add(3, { route: '/a', code: 200, ok: true, ratio: 0.5, tags: ['x', 'y'] });
  const inFlight = meter.createUpDownCounter('in_flight');
  inFlight.add(5);
  inFlight.add(-1.5);
  meter.createGauge('temperature', { unit: 'Cel' }).record(21.5, { room: 'kitchen' });
  const latency = meter.createHistogram('latency', {
    unit: 'ms',
    advice: { explicitBucketBoundaries: [10, 100, 1000] },
  });
  for (const v of [7, 30, 1200]) latency.record(v);
  const exp = meter.createHistogram('exp.size', { unit: 'By' });
  for (const v of [0, 1, 2, 4, 1000]) exp.record(v);
}

describe('the OTLP metrics endpoint (POST /v1/metrics)', function () {
  this.timeout(30_000);
  const cw = useLocalCloudWatch();
  beforeEach(async () => {
    await cw().reset();
  });

  const find = (points: OtlpPoint[], metric: string) => points.filter((p) => p.metric === metric);

  it('stores a real gzipped protobuf request and gives back every value exactly', async () => {
    const rm = await collect(recordEverything);
    const reply = await postOtlp(cw().otlpEndpoint, protobuf(rm), { gzip: true });
    expect(reply.status).to.equal(200);
    expect(reply.headers['content-type']).to.equal('application/x-protobuf');
    expect(reply.body.length, 'an empty ExportMetricsServiceResponse').to.equal(0);
    expect(ProtobufMetricsSerializer.deserializeResponse(reply.body)).to.deep.equal({});

    const [request] = cw().otlpRequests;
    expect(request).to.include({ operation: 'OtlpMetrics', status: 200, gzip: true });
    expect(request!.wireBytes).to.be.lessThan(request!.decodedBytes);
    expect(cw().violations).to.deep.equal([]);
    expect(cw().frontDoor.otlpStored.map((s) => s.region)).to.deep.equal(['us-east-1']);

    const points = cw().otlpPoints();
    expect(points).to.have.length(5);
    const common = { resource: { 'service.name': 'checkout' }, scope: SCOPE };
    const sdkPoint = (name: string) => metricOf(rm, name).dataPoints[0]!;
    const times = (name: string) => ({
      startTimeUnixNano: nanos(sdkPoint(name).startTime),
      timeUnixNano: nanos(sdkPoint(name).endTime),
    });
    expect(find(points, 'requests')).to.deep.equal([
      {
        ...common,
        metric: 'requests',
        unit: '{request}',
        type: 'sum',
        temporality: 'cumulative',
        monotonic: true,
        attributes: { route: '/a', code: 200, ok: true, ratio: 0.5, tags: ['x', 'y'] },
        ...times('requests'),
        value: 5,
      },
    ]);
    expect(find(points, 'in_flight')).to.deep.equal([
      {
        ...common,
        metric: 'in_flight',
        unit: '',
        type: 'sum',
        temporality: 'cumulative',
        monotonic: false,
        attributes: {},
        ...times('in_flight'),
        value: 3.5,
      },
    ]);
    expect(find(points, 'temperature')).to.deep.equal([
      {
        ...common,
        metric: 'temperature',
        unit: 'Cel',
        type: 'gauge',
        attributes: { room: 'kitchen' },
        ...times('temperature'),
        value: 21.5,
      },
    ]);
    expect(find(points, 'latency')).to.deep.equal([
      {
        ...common,
        metric: 'latency',
        unit: 'ms',
        type: 'histogram',
        temporality: 'cumulative',
        attributes: {},
        ...times('latency'),
        count: 3,
        sum: 1237,
        min: 7,
        max: 1200,
        bucketCounts: [1, 1, 0, 1],
        explicitBounds: [10, 100, 1000],
      },
    ]);
    const exp = sdkPoint('exp.size').value as ExponentialHistogram;
    expect(exp.positive.bucketCounts.length, 'several buckets').to.be.greaterThan(1);
    expect(find(points, 'exp.size')).to.deep.equal([
      {
        ...common,
        metric: 'exp.size',
        unit: 'By',
        type: 'exponentialHistogram',
        temporality: 'cumulative',
        attributes: {},
        ...times('exp.size'),
        count: 5,
        sum: 1007,
        min: 0,
        max: 1000,
        scale: exp.scale,
        zeroCount: 1,
        positive: { offset: exp.positive.offset, bucketCounts: exp.positive.bucketCounts },
        negative: { offset: 0, bucketCounts: [] },
      },
    ]);
  });

  it('reads OTLP/JSON the same as protobuf (delta temporality, plain body) and answers JSON', async () => {
    const rm = await collect(recordEverything, AggregationTemporality.DELTA);
    const replyJson = await postOtlp(cw().otlpEndpoint, json(rm), { json: true });
    expect(replyJson.status).to.equal(200);
    expect(replyJson.headers['content-type']).to.equal('application/json');
    expect(JSON.parse(replyJson.body.toString())).to.deep.equal({});
    const fromJson = cw().otlpPoints();
    await postOtlp(cw().otlpEndpoint, protobuf(rm));
    const fromProtobuf = cw().otlpPoints().slice(fromJson.length);
    expect(fromJson).to.have.length(5);
    expect(fromJson).to.deep.equal(fromProtobuf);
    expect(find(fromJson, 'requests')[0]).to.include({ temporality: 'delta', value: 5 });
    expect(cw().otlpRequests.map((r) => [r.gzip, r.status])).to.deep.equal([
      [false, 200],
      [false, 200],
    ]);
  });

  it('accepts OTLP/JSON written by hand: 64-bit ints as strings or numbers, enums by name, hex trace ids', async () => {
    // Within the endpoint's window: a whole second a minute ago, as nanoseconds.
    const second = BigInt(Math.floor(Date.now() / 1000) - 60);
    const start = (second * 1_000_000_000n).toString();
    const time = ((second + 1n) * 1_000_000_000n).toString();
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'host', value: { stringValue: 'a' } }] },
          scopeMetrics: [
            {
              scope: { name: 'hand' },
              metrics: [
                {
                  name: 'c',
                  sum: {
                    aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
                    isMonotonic: true,
                    dataPoints: [
                      {
                        attributes: [{ key: 'n', value: { intValue: '7' } }],
                        startTimeUnixNano: start,
                        timeUnixNano: Number(time),
                        asInt: '42',
                        exemplars: [
                          { asDouble: 1, traceId: '0AF7651916CD43DD8448EB211C80319C', spanId: 'b7ad6b7169203331' },
                        ],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const reply = await postOtlp(cw().otlpEndpoint, Buffer.from(JSON.stringify(body)), { json: true });
    expect(reply.status, reply.body.toString()).to.equal(200);
    expect(cw().otlpPoints()).to.deep.equal([
      {
        metric: 'c',
        unit: '',
        type: 'sum',
        temporality: 'delta',
        monotonic: true,
        resource: { host: 'a' },
        scope: 'hand',
        attributes: { n: 7 },
        startTimeUnixNano: start,
        timeUnixNano: time,
        value: 42,
      },
    ]);
    const stored = cw().frontDoor.otlpStored[0]!.request.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!;
    expect(stored.points[0]!)
      .to.have.property('exemplars')
      .that.deep.equals([
        {
          filteredAttributes: {},
          timeUnixNano: '0',
          value: 1,
          traceId: '0af7651916cd43dd8448eb211c80319c',
          spanId: 'b7ad6b7169203331',
        },
      ]);
  });

  it('refuses a request signed for another service (403) and stores nothing', async () => {
    const rm = await collect(recordEverything);
    const reply = await postOtlp(cw().otlpEndpoint, protobuf(rm), { service: 'logs' });
    expect(reply.status).to.equal(403);
    expect(reply.headers['content-type']).to.equal('application/x-protobuf');
    const status = otlpMessages.Status.toObject(otlpMessages.Status.decode(reply.body));
    expect(status).to.deep.equal({ code: 7, message: "Credential should be scoped to correct service: 'monitoring'." });
    expect(cw().otlpRequests.map((r) => r.errorCode)).to.deep.equal(['SignatureDoesNotMatch']);
    expect(cw().otlpPoints()).to.deep.equal([]);
  });

  it('refuses an unsigned request (403, a JSON Status for a JSON request) and stores nothing', async () => {
    const rm = await collect(recordEverything);
    const reply = await postOtlp(cw().otlpEndpoint, json(rm), { json: true, sign: false });
    expect(reply.status).to.equal(403);
    expect(JSON.parse(reply.body.toString())).to.deep.equal({
      code: 7,
      message: 'Request is missing Authentication Token',
    });
    expect(cw().otlpRequests.map((r) => r.errorCode)).to.deep.equal(['MissingAuthenticationToken']);
    expect(cw().otlpPoints()).to.deep.equal([]);
  });

  it('takes 150 labels on a point (its own, its scope’s and its resource’s); rejects a point with 151 alone', async () => {
    const attributes = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, i]));
    const at150 = await collect((m) => m.createCounter('wide').add(1, attributes(149)));
    expect((await postOtlp(cw().otlpEndpoint, protobuf(at150))).status).to.equal(200);
    expect(cw().otlpPoints()).to.have.length(1);

    // One point over, one fine: a partial success, as CloudWatch documents ("200 if partly invalid").
    const mixed = await collect((m) => {
      m.createCounter('wide').add(1, attributes(150));
      m.createCounter('narrow').add(1);
    });
    const partly = await postOtlp(cw().otlpEndpoint, protobuf(mixed), { gzip: true });
    expect(partly.status).to.equal(200);
    const answer = otlpMessages.ExportMetricsServiceResponse.decode(partly.body) as unknown as {
      partialSuccess?: { rejectedDataPoints?: unknown; errorMessage?: string };
    };
    expect(Number(answer.partialSuccess?.rejectedDataPoints)).to.equal(1);
    expect(answer.partialSuccess?.errorMessage).to.contain('151 labels');
    expect(
      cw()
        .otlpPoints()
        .map((p) => p.metric),
    ).to.deep.equal(['wide', 'narrow']);

    // Every point over: the request is refused ("400 if all invalid").
    const at151 = await collect((m) => m.createCounter('wide').add(1, attributes(150)));
    const reply = await postOtlp(cw().otlpEndpoint, protobuf(at151));
    expect(reply.status).to.equal(400);
    expect(cw().violations).to.have.length(1);
    expect(cw().violations[0]!.violation!.message).to.contain('151 labels');
    expect(cw().otlpPoints()).to.have.length(2);
  });

  it('refuses more than 1,000 points in a request, and a point outside 14 days past to 10 minutes ahead', async () => {
    const many = await collect((m) => {
      const c = m.createCounter('wide');
      for (let i = 0; i < 1001; i++) c.add(1, { i });
    });
    const atOffset = async (ms: number) => {
      const rm = await collect((m) => m.createCounter('when').add(1));
      const p = metricOf(rm, 'when').dataPoints[0]!;
      const at = Date.now() + ms;
      (p as { endTime: [number, number] }).endTime = [Math.floor(at / 1000), (at % 1000) * 1e6];
      return postOtlp(cw().otlpEndpoint, protobuf(rm));
    };
    const replies = [
      await postOtlp(cw().otlpEndpoint, protobuf(many)),
      await atOffset(-15 * 24 * 3600_000),
      await atOffset(11 * 60_000),
      await atOffset(-13 * 24 * 3600_000),
      await atOffset(9 * 60_000),
    ];
    expect(replies.map((r) => r.status)).to.deep.equal([400, 400, 400, 200, 200]);
    const messages = cw().violations.map((r) => r.violation!.message);
    expect(messages[0]).to.contain('1001 data points; the limit is 1000');
    expect(messages.slice(1)).to.have.length(2);
    for (const m of messages.slice(1)) expect(m).to.contain('outside the last 14 days and the next 10 minutes');
    expect(cw().otlpPoints()).to.have.length(2);
  });

  it('refuses histograms whose counts do not add up, or with a bucket too many (400, nothing stored)', async () => {
    const tamper = async (change: (rm: ResourceMetrics) => void) => {
      const rm = await collect(recordEverything);
      change(rm);
      return postOtlp(cw().otlpEndpoint, protobuf(rm));
    };
    const histogram = (rm: ResourceMetrics) => metricOf(rm, 'latency').dataPoints[0]!.value as Histogram;
    const exponential = (rm: ResourceMetrics) => metricOf(rm, 'exp.size').dataPoints[0]!.value as ExponentialHistogram;
    const replies = [
      await tamper((rm) => void histogram(rm).count++),
      await tamper((rm) => void histogram(rm).buckets.counts.push(0)),
      await tamper((rm) => void exponential(rm).zeroCount++),
    ];
    expect(replies.map((r) => r.status)).to.deep.equal([400, 400, 400]);
    const [count, buckets, zero] = cw().violations.map((r) => r.violation!.message);
    expect(count).to.contain('("latency").histogram.dataPoints[0]: count is 4 but the bucketCounts add up to 3');
    expect(buckets).to.contain('5 bucketCounts for 3 explicitBounds');
    expect(zero).to.contain('("exp.size").exponentialHistogram.dataPoints[0]: count is 5 but zeroCount');
    expect(cw().otlpPoints()).to.deep.equal([]);
  });

  it('refuses what it cannot decode, a metric without a name, a wrong Content-Type and over 1 MB decompressed', async () => {
    const url = cw().otlpEndpoint;
    const noName = await collect((m) => m.createCounter('x').add(1));
    (noName.scopeMetrics[0]!.metrics[0]!.descriptor as { name: string }).name = '';
    const huge = Buffer.from(
      JSON.stringify({
        resourceMetrics: [{ resource: { attributes: [{ key: 'pad', value: { stringValue: 'x'.repeat(2 << 20) } }] } }],
      }),
    );
    const replies = [
      await postOtlp(url, Buffer.from([0x0a, 0xff, 0xff])),
      await postOtlp(url, Buffer.from('{"resourceMetrics": {}}'), { json: true }),
      await postOtlp(url, protobuf(noName)),
      await postOtlp(url, json(noName), { contentType: 'text/plain' }),
      await postOtlp(url, huge, { json: true, gzip: true }),
    ];
    expect(replies.map((r) => r.status)).to.deep.equal([400, 400, 400, 415, 400]);
    expect(cw().violations.map((r) => r.violation!.code)).to.deep.equal([
      'SerializationException',
      'SerializationException',
      'MissingParameter',
      'UnsupportedMediaType',
      'RequestEntityTooLarge',
    ]);
    expect(cw().violations[1]!.violation!.message).to.contain('resourceMetrics: expected an array');
    expect(cw().violations[4]!.wireBytes, 'small on the wire').to.be.lessThan(100_000);
    expect(cw().otlpPoints()).to.deep.equal([]);
  });

  it('applies faults for OtlpMetrics only to it: a 503 (with Retry-After when asked), then success', async () => {
    const rm = await collect(recordEverything);
    cw().injectFaults({ status: 503 }, { operation: 'OtlpMetrics', status: 503, retryAfterSeconds: 2 });
    const first = await postOtlp(cw().otlpEndpoint, protobuf(rm));
    expect(first.status).to.equal(503);
    expect(first.headers['retry-after']).to.equal('2');
    expect(otlpMessages.Status.toObject(otlpMessages.Status.decode(first.body))).to.deep.equal({
      code: 14,
      message: 'Injected fault',
    });
    expect(cw().otlpPoints()).to.deep.equal([]);
    const second = await postOtlp(cw().otlpEndpoint, protobuf(rm));
    expect(second.status).to.equal(200);
    expect(cw().otlpRequests.map((r) => [r.status, r.fault?.status])).to.deep.equal([
      [503, 503],
      [200, undefined],
    ]);
    expect(cw().otlpPoints()).to.have.length(5);
  });

  it('rejects the points a test asks it to as a partial success, storing the others', async () => {
    cw().frontDoor.rejectOtlpPoints((point, metricName) =>
      metricName === 'requests' && point.attributes['route'] === '/bad' ? 'route /bad is not allowed' : undefined,
    );
    const rm = await collect((m) => {
      const c = m.createCounter('requests');
      c.add(1, { route: '/ok' });
      c.add(2, { route: '/bad' });
      m.createGauge('g').record(1, { route: '/bad' });
    });
    const reply = await postOtlp(cw().otlpEndpoint, protobuf(rm));
    expect(reply.status).to.equal(200);
    const { partialSuccess } = ProtobufMetricsSerializer.deserializeResponse(reply.body);
    expect(Number(partialSuccess?.rejectedDataPoints)).to.equal(1);
    expect(partialSuccess?.errorMessage).to.equal('route /bad is not allowed');
    expect(
      cw()
        .otlpPoints()
        .map((p) => [p.metric, p.attributes['route'], p.value]),
    ).to.deep.equal([
      ['requests', '/ok', 1],
      ['g', '/bad', 1],
    ]);
    expect(cw().violations).to.deep.equal([]);

    const replyJson = await postOtlp(cw().otlpEndpoint, json(rm), { json: true });
    expect(JSON.parse(replyJson.body.toString())).to.deep.equal({
      partialSuccess: { rejectedDataPoints: '1', errorMessage: 'route /bad is not allowed' },
    });
  });

  it('serves the stored points on its read endpoint, and forgets everything on clear()', async () => {
    cw().frontDoor.rejectOtlpPoints(() => 'no');
    cw().frontDoor.clear();
    await postOtlp(cw().otlpEndpoint, protobuf(await collect(recordEverything)));
    expect(cw().otlpPoints(), 'the rejection went with clear()').to.have.length(5);
    const served = (await (await fetch(new URL(OTLP_STORED_PATH, cw().endpoint))).json()) as { points: unknown };
    expect(served.points).to.deep.equal(JSON.parse(JSON.stringify(cw().otlpPoints())));
    cw().frontDoor.clear();
    expect(cw().otlpPoints()).to.deep.equal([]);
    expect(cw().otlpRequests).to.deep.equal([]);
    expect(cw().frontDoor.otlpStored).to.deep.equal([]);
  });
});
