import { ValueType } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import { expect } from 'chai';
import { OtlpHttpError, OtlpTransport } from '../../src/otlp/OtlpTransport';
import { otlpChunks, otlpRequests } from '../../src/otlp/otlpRequests';

const resource = resourceFromAttributes({ 'service.name': 'split' });
const scope = { name: 'split-test' };

function gauge(name: string, points: number, attributeBytes = 10): MetricData {
  const now = Date.now();
  return {
    descriptor: { name, unit: '', description: '', valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints: Array.from({ length: points }, (_, i) => ({
      startTime: millisToHrTime(now - i),
      endTime: millisToHrTime(now - i),
      attributes: { series: `s${i}`.padEnd(attributeBytes, '.') },
      value: i,
    })),
  };
}

describe('otlpRequests (an export as OTLP request bodies)', () => {
  it('an export that fits is one request, serialized once, exactly as the transformer writes it', () => {
    const metrics = [gauge('a', 10), gauge('b', 5)];
    const [batch, ...rest] = otlpRequests(ProtobufMetricsSerializer, resource, [{ scope, metrics }], 1_000_000);
    expect(rest).to.have.length(0);
    expect(batch!.count).to.equal(15);
    const whole = ProtobufMetricsSerializer.serializeRequest({ resource, scopeMetrics: [{ scope, metrics }] })!;
    expect(batch!.body.equals(Buffer.from(whole))).to.equal(true);
    expect(batch!.bytes).to.equal(whole.byteLength);
  });

  it('at most 1,000 points a request, summed across metrics; a metric is split where the limit falls', () => {
    const batches = otlpRequests(
      ProtobufMetricsSerializer,
      resource,
      [{ scope, metrics: [gauge('a', 600), gauge('b', 900), gauge('c', 700)] }],
      1_000_000,
    );
    expect(batches.map((b) => b.count)).to.deep.equal([1000, 1000, 200]);
    expect(batches.every((b) => b.bytes === b.body.length)).to.equal(true);
  });

  it('a metric that fills a request exactly leaves no empty slice of the next one in it', () => {
    const chunks = otlpChunks([{ scope, metrics: [gauge('a', 2), gauge('b', 1), gauge('c', 2)] }], 2);
    expect(chunks.map((c) => c.map((u) => `${u.metric.descriptor.name}:${u.metric.dataPoints.length}`))).to.deep.equal([
      ['a:2'],
      ['b:1', 'c:1'],
      ['c:1'],
    ]);
  });

  it('a request over maxBytes is cut in halves until each fits; no point is lost or repeated', () => {
    const metrics = [gauge('wide', 400, 2_000)];
    const batches = otlpRequests(ProtobufMetricsSerializer, resource, [{ scope, metrics }], 100_000);
    expect(batches.length).to.be.above(1);
    expect(batches.every((b) => b.bytes <= 100_000)).to.equal(true);
    expect(batches.reduce((n, b) => n + b.count, 0)).to.equal(400);
  });

  it('a single point larger than maxBytes goes alone (the endpoint judges it)', () => {
    const batches = otlpRequests(
      ProtobufMetricsSerializer,
      resource,
      [{ scope, metrics: [gauge('huge', 3, 70_000)] }],
      65_536,
    );
    expect(batches.map((b) => b.count)).to.deep.equal([1, 1, 1]);
  });

  it('keeps scopes apart and in order; an export without points makes no request', () => {
    const other = { name: 'other' };
    const batches = otlpRequests(
      ProtobufMetricsSerializer,
      resource,
      [
        { scope, metrics: [gauge('a', 2)] },
        { scope: other, metrics: [gauge('b', 3)] },
      ],
      1_000_000,
    );
    expect(batches.map((b) => b.count)).to.deep.equal([5]);
    expect(otlpRequests(ProtobufMetricsSerializer, resource, [{ scope, metrics: [gauge('a', 0)] }], 1e6)).to.deep.equal(
      [],
    );
  });
});

describe('OtlpTransport failure classes (OTLP/HTTP)', () => {
  const t = new OtlpTransport({} as never, 'http://127.0.0.1:1/v1/metrics', () => {});
  it('429 is throttling; 500, 502, 503 and 504 unavailable; every other status final', () => {
    const kind = (status: number) => t.classify(new OtlpHttpError(status, '', undefined), false);
    expect(kind(429)).to.equal('throttled');
    expect([500, 502, 503, 504].map(kind)).to.deep.equal(['unavailable', 'unavailable', 'unavailable', 'unavailable']);
    expect([400, 401, 403, 404, 413, 501].map(kind)).to.deep.equal([
      'fatal',
      'fatal',
      'fatal',
      'fatal',
      'fatal',
      'fatal',
    ]);
  });
  it('a network failure is classified as on every path', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(t.classify(refused, false)).to.equal('unsent');
    expect(t.classify(Object.assign(new Error('aborted'), { name: 'AbortError' }), true)).to.equal('unknown-outcome');
  });
  it('reads Retry-After from the error it made', () => {
    expect(t.retryAfterMillis(new OtlpHttpError(429, '', 2000))).to.equal(2000);
    expect(t.retryAfterMillis(new Error('other'))).to.equal(undefined);
  });
});
