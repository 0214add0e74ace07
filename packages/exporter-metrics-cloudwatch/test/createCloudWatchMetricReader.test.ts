import { expect } from 'chai';
import { CloudWatchMetricExporter, createCloudWatchMetricReader } from '../src';

/** The reader's settings and its exporter, read from the reader (they are not public). */
function inside(reader: ReturnType<typeof createCloudWatchMetricReader>) {
  const r = reader as unknown as {
    _exportInterval: number;
    _exportTimeout: number;
    _exporter: CloudWatchMetricExporter;
  };
  const exporter = r._exporter as unknown as {
    options: { namespace: string; timeoutMillis: number; concurrency: number };
  };
  return { interval: r._exportInterval, timeout: r._exportTimeout, exporter: exporter.options, instance: r._exporter };
}

describe('createCloudWatchMetricReader', () => {
  const made: CloudWatchMetricExporter[] = [];
  afterEach(async () => Promise.all(made.splice(0).map((e) => e.shutdown())));
  const make = (...args: Parameters<typeof createCloudWatchMetricReader>) => {
    const reader = createCloudWatchMetricReader(...args);
    made.push(inside(reader).instance);
    return inside(reader);
  };

  it('takes its settings from the environment, and shares one deadline between reader and exporter', () => {
    const r = make({
      env: {
        OTEL_EXPORTER_CLOUDWATCH_NAMESPACE: 'FromEnv',
        OTEL_EXPORTER_CLOUDWATCH_CONCURRENCY: '2',
        OTEL_METRIC_EXPORT_INTERVAL: '10000',
        OTEL_METRIC_EXPORT_TIMEOUT: '4000',
      },
    });
    expect(r).to.deep.include({ interval: 10_000, timeout: 4000 });
    expect(r.exporter).to.include({ namespace: 'FromEnv', concurrency: 2, timeoutMillis: 4000 });
  });

  it('lets options override the environment', () => {
    const r = make({
      namespace: 'FromCode',
      exportIntervalMillis: 5000,
      env: { OTEL_EXPORTER_CLOUDWATCH_NAMESPACE: 'FromEnv', OTEL_METRIC_EXPORT_INTERVAL: '10000' },
    });
    expect(r.exporter.namespace).to.equal('FromCode');
    expect(r.interval).to.equal(5000);
  });

  it('defaults to a 60 s interval and a 30 s deadline, brought down to a shorter interval', () => {
    expect(make({ namespace: 'N', env: {} })).to.deep.include({ interval: 60_000, timeout: 30_000 });
    expect(make({ namespace: 'N', env: { OTEL_METRIC_EXPORT_INTERVAL: '1000' } })).to.deep.include({
      interval: 1000,
      timeout: 1000,
    });
  });

  it('refuses a timeout longer than the interval, naming both', () => {
    expect(() =>
      createCloudWatchMetricReader({
        namespace: 'N',
        env: { OTEL_METRIC_EXPORT_INTERVAL: '1000', OTEL_METRIC_EXPORT_TIMEOUT: '5000' },
      }),
    ).to.throw(/OTEL_METRIC_EXPORT_TIMEOUT.*OTEL_METRIC_EXPORT_INTERVAL/);
  });

  it('hands out its exporter, for getStats()', () => {
    const reader = createCloudWatchMetricReader({ namespace: 'N', env: {} });
    made.push(reader.exporter);
    expect(reader.exporter).to.be.instanceOf(CloudWatchMetricExporter);
    expect(reader.exporter.getStats().exports).to.equal(0);
  });

  it('requires a namespace, and says where to set it', () => {
    expect(() => createCloudWatchMetricReader({ env: {} })).to.throw(/OTEL_EXPORTER_CLOUDWATCH_NAMESPACE/);
  });
});
