import { expect } from 'chai';
import { CloudWatchMetricExporter, createCloudWatchMetricReader, type CloudWatchMetricReaderOptions } from '../src';
import { ENV_VARIABLES } from '../src/config/fromEnv';
import type { ResolvedOptions } from '../src/options';

/** The reader's settings and its exporter, read from the reader (they are not public). */
function inside(reader: ReturnType<typeof createCloudWatchMetricReader>) {
  const r = reader as unknown as {
    _exportInterval: number;
    _exportTimeout: number;
    _exporter: CloudWatchMetricExporter;
  };
  const exporter = r._exporter as unknown as {
    options: ResolvedOptions;
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

  it('refuses a timeout longer than an interval that was also given, naming both, from options or variables', () => {
    const cases: CloudWatchMetricReaderOptions[] = [
      { env: { OTEL_METRIC_EXPORT_INTERVAL: '1000', OTEL_METRIC_EXPORT_TIMEOUT: '5000' } },
      { exportIntervalMillis: 1000, exportTimeoutMillis: 5000, env: {} },
      { exportIntervalMillis: 1000, env: { OTEL_METRIC_EXPORT_TIMEOUT: '5000' } },
      { exportTimeoutMillis: 5000, env: { OTEL_METRIC_EXPORT_INTERVAL: '1000' } },
    ];
    for (const c of cases) {
      expect(() => createCloudWatchMetricReader({ namespace: 'N', ...c }), JSON.stringify(c)).to.throw(
        RangeError,
        /OTEL_METRIC_EXPORT_TIMEOUT.*OTEL_METRIC_EXPORT_INTERVAL/,
      );
    }
  });

  it("brings a timeout given alone down to the default interval, as OpenTelemetry's reader does", () => {
    expect(make({ namespace: 'N', env: { OTEL_METRIC_EXPORT_TIMEOUT: '90000' } })).to.deep.include({
      interval: 60_000,
      timeout: 60_000,
    });
    expect(make({ namespace: 'N', exportTimeoutMillis: 90_000, env: {} })).to.deep.include({
      interval: 60_000,
      timeout: 60_000,
    });
  });

  describe('precedence: options, then environment variables, then defaults, for every variable', () => {
    const entity = (e: ResolvedOptions['entity']) => (e === undefined ? 'off' : 'auto');
    /** Each variable createCloudWatchMetricReader reads: a value for it, an option that says otherwise, the default. */
    const rows: Array<{
      variable: keyof typeof ENV_VARIABLES;
      env: string;
      option: CloudWatchMetricReaderOptions;
      read: (r: ReturnType<typeof inside>) => unknown;
      fromEnv: unknown;
      fromOption: unknown;
      byDefault: unknown;
    }> = [
      {
        variable: 'OTEL_EXPORTER_CLOUDWATCH_NAMESPACE',
        env: 'FromEnv',
        option: { namespace: 'FromOption' },
        read: (r) => r.exporter.namespace,
        fromEnv: 'FromEnv',
        fromOption: 'FromOption',
        byDefault: undefined, // required: see the test below
      },
      {
        variable: 'OTEL_EXPORTER_CLOUDWATCH_RESOURCE_DIMENSIONS',
        env: 'service.name, cloud.region',
        option: { resourceDimensions: ['faas.name'] },
        read: (r) => r.exporter.resourceDimensions,
        fromEnv: ['service.name', 'cloud.region'],
        fromOption: ['faas.name'],
        byDefault: [],
      },
      {
        variable: 'OTEL_EXPORTER_CLOUDWATCH_STORAGE_RESOLUTION',
        env: '1',
        option: { storageResolution: 60 },
        read: (r) => r.exporter.storageResolution,
        fromEnv: 1,
        fromOption: 60,
        byDefault: 60,
      },
      {
        variable: 'OTEL_EXPORTER_CLOUDWATCH_CONCURRENCY',
        env: '9',
        option: { concurrency: 2 },
        read: (r) => r.exporter.concurrency,
        fromEnv: 9,
        fromOption: 2,
        byDefault: 4,
      },
      {
        variable: 'OTEL_EXPORTER_CLOUDWATCH_OUTPUT',
        env: 'emf',
        option: { output: 'putMetricData' },
        read: (r) => r.exporter.output,
        fromEnv: 'emf',
        fromOption: 'putMetricData',
        byDefault: 'putMetricData',
      },
      {
        variable: 'OTEL_EXPORTER_CLOUDWATCH_PUT_METRIC_DATA_PROTOCOL',
        env: 'cbor',
        option: { putMetricDataProtocol: 'json' },
        read: (r) => r.exporter.putMetricDataProtocol,
        fromEnv: 'cbor',
        fromOption: 'json',
        byDefault: 'json',
      },
      {
        variable: 'OTEL_EXPORTER_CLOUDWATCH_OTLP_ENDPOINT',
        env: 'http://127.0.0.1:4318/v1/metrics',
        option: { otlpEndpoint: 'https://monitoring.eu-west-1.amazonaws.com/v1/metrics' },
        read: (r) => r.exporter.otlpEndpoint,
        fromEnv: 'http://127.0.0.1:4318/v1/metrics',
        fromOption: 'https://monitoring.eu-west-1.amazonaws.com/v1/metrics',
        byDefault: undefined,
      },
      {
        variable: 'OTEL_EXPORTER_CLOUDWATCH_ENTITY',
        env: 'auto',
        option: { entity: false },
        read: (r) => entity(r.exporter.entity),
        fromEnv: 'auto',
        fromOption: 'off',
        byDefault: 'off',
      },
      {
        variable: 'OTEL_METRIC_EXPORT_INTERVAL',
        env: '45000',
        option: { exportIntervalMillis: 40_000 },
        read: (r) => r.interval,
        fromEnv: 45_000,
        fromOption: 40_000,
        byDefault: 60_000,
      },
      {
        variable: 'OTEL_METRIC_EXPORT_TIMEOUT',
        env: '10000',
        option: { exportTimeoutMillis: 5000 },
        read: (r) => [r.timeout, r.exporter.timeoutMillis],
        fromEnv: [10_000, 10_000],
        fromOption: [5000, 5000],
        byDefault: [30_000, 30_000],
      },
    ];
    it('takes the Lambda default from the environment it is given', () => {
      const lambda = { AWS_LAMBDA_FUNCTION_NAME: 'fn', AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' };
      expect(make({ namespace: 'N', env: lambda }).exporter.output).to.equal('emf');
      expect(make({ namespace: 'N', env: {} }).exporter.output).to.equal('putMetricData');
      const env = { ...lambda, OTEL_EXPORTER_CLOUDWATCH_OUTPUT: 'putMetricData' };
      expect(make({ namespace: 'N', env }).exporter.output).to.equal('putMetricData');
    });

    /** Read by the register entry alone: it has no options, so only the environment and the defaults apply. */
    const registerOnly = ['OTEL_LOG_LEVEL', 'OTEL_SDK_DISABLED', 'OTEL_NODE_RESOURCE_DETECTORS'];

    it('covers every variable the package reads', () => {
      expect([...rows.map((r) => r.variable), ...registerOnly].sort()).to.deep.equal(Object.keys(ENV_VARIABLES).sort());
    });

    for (const row of rows) {
      it(`${row.variable}: option > variable > default`, () => {
        const namespace = row.variable === 'OTEL_EXPORTER_CLOUDWATCH_NAMESPACE' ? {} : { namespace: 'N' };
        const env = { [row.variable]: row.env };
        expect(row.read(make({ ...namespace, env })), 'variable alone').to.deep.equal(row.fromEnv);
        expect(row.read(make({ ...namespace, ...row.option, env })), 'option and variable').to.deep.equal(
          row.fromOption,
        );
        const unset = Object.fromEntries(Object.keys(row.option).map((k) => [k, undefined]));
        expect(row.read(make({ ...namespace, ...unset, env })), 'option set to undefined').to.deep.equal(row.fromEnv);
        if (row.byDefault !== undefined) {
          expect(row.read(make({ ...namespace, env: {} })), 'neither').to.deep.equal(row.byDefault);
        }
      });
    }

    it("the exporter's own timeoutMillis also beats OTEL_METRIC_EXPORT_TIMEOUT (5000 and 10000 give 5000)", () => {
      const options = { namespace: 'N', timeoutMillis: 5000, env: { OTEL_METRIC_EXPORT_TIMEOUT: '10000' } };
      const r = make(options as CloudWatchMetricReaderOptions);
      expect([r.timeout, r.exporter.timeoutMillis]).to.deep.equal([5000, 5000]);
    });
  });

  it('refuses an interval or timeout a timer cannot take, naming the option (2^31 would fire every millisecond)', () => {
    for (const bad of [Infinity, 2 ** 31, Number.MAX_SAFE_INTEGER, NaN, 0, -1, 1.5, '1000']) {
      for (const name of ['exportIntervalMillis', 'exportTimeoutMillis', 'timeoutMillis']) {
        expect(
          () => createCloudWatchMetricReader({ namespace: 'N', env: {}, [name]: bad } as CloudWatchMetricReaderOptions),
          `${name}: ${String(bad)}`,
        ).to.throw(RangeError, new RegExp(`${name} must be a whole number`));
      }
    }
  });

  it('reads options by name: getters of a class and inherited properties count, as they do for the exporter', () => {
    class Config {
      get namespace() {
        return 'FromGetter';
      }
      get concurrency() {
        return 2;
      }
    }
    const env = { OTEL_EXPORTER_CLOUDWATCH_NAMESPACE: 'FromEnv', OTEL_EXPORTER_CLOUDWATCH_CONCURRENCY: '8' };
    const fromClass = make(Object.assign(new Config(), { env }) as CloudWatchMetricReaderOptions);
    expect(fromClass.exporter).to.include({ namespace: 'FromGetter', concurrency: 2 });
    const inherited = make(
      Object.assign(Object.create({ namespace: 'Inherited', exportIntervalMillis: 10_000 }) as object, { env }),
    );
    expect(inherited.exporter.namespace).to.equal('Inherited');
    expect(inherited.interval).to.equal(10_000);
  });

  it('takes null like undefined: the variable, then the default', () => {
    const env = {
      OTEL_EXPORTER_CLOUDWATCH_NAMESPACE: 'FromEnv',
      OTEL_EXPORTER_CLOUDWATCH_CONCURRENCY: '8',
      OTEL_EXPORTER_CLOUDWATCH_ENTITY: 'auto',
      OTEL_METRIC_EXPORT_INTERVAL: '20000',
    };
    const nulls = {
      namespace: null,
      concurrency: null,
      entity: null,
      storageResolution: null,
      exportIntervalMillis: null,
    };
    const r = make({ ...nulls, env } as unknown as CloudWatchMetricReaderOptions);
    expect(r.exporter).to.include({ namespace: 'FromEnv', concurrency: 8, storageResolution: 60 });
    expect(r.exporter.entity).to.be.a('function');
    expect(r.interval).to.equal(20_000);
    // No options at all (null from a JavaScript caller): the environment alone, here process.env.
    const saved = process.env['OTEL_EXPORTER_CLOUDWATCH_NAMESPACE'];
    process.env['OTEL_EXPORTER_CLOUDWATCH_NAMESPACE'] = 'FromProcessEnv';
    try {
      expect(make(null as unknown as CloudWatchMetricReaderOptions).exporter.namespace).to.equal('FromProcessEnv');
    } finally {
      if (saved === undefined) delete process.env['OTEL_EXPORTER_CLOUDWATCH_NAMESPACE'];
      else process.env['OTEL_EXPORTER_CLOUDWATCH_NAMESPACE'] = saved;
    }
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
