import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { AggregationTemporality, AggregationType, InstrumentType } from '@opentelemetry/sdk-metrics';
import { expect } from 'chai';
import { inspect } from 'node:util';
import { CloudWatchMetricExporter } from '../src';
import { DEFAULT_RETRY, DEFAULT_RETRY_BUFFER } from '../src/defaults';
import { resolveOptions } from '../src/config/resolveOptions';
import type { CloudWatchMetricExporterOptions } from '../src/options';

describe('resolveOptions', () => {
  const invalid: Array<[string, unknown, RegExp]> = [
    ['no options', undefined, /options are required/],
    ['no namespace', {}, /namespace/],
    ['an empty namespace', { namespace: '' }, /namespace/],
    ['a namespace of 256 characters', { namespace: 'n'.repeat(256) }, /namespace/],
    ['a reserved namespace', { namespace: 'AWS/EC2' }, /reserved/],
    ['a namespace starting with ":"', { namespace: ':x' }, /":"/],
    ['a non-ASCII namespace', { namespace: 'Sérvice' }, /ASCII/],
    ['a whitespace namespace', { namespace: '   ' }, /ASCII/],
    ['output "stdout"', { namespace: 'N', output: 'stdout' }, /output must be 'putMetricData', 'emf' or 'otlp'/],
    [
      'an otlpEndpoint that is no URL',
      { namespace: 'N', output: 'otlp', otlpEndpoint: 'localhost:4318' },
      /otlpEndpoint/,
    ],
    ['an emfStream without write', { namespace: 'N', output: 'emf', emfStream: {} }, /emfStream must be a writable/],
    ['storageResolution 30', { namespace: 'N', storageResolution: 30 }, /storageResolution/],
    ['resourceDimensions not an array', { namespace: 'N', resourceDimensions: 'service.name' }, /resourceDimensions/],
    ['deltaStateTtlMillis 0', { namespace: 'N', deltaStateTtlMillis: 0 }, /deltaStateTtlMillis/],
    ['timeoutMillis past what a timer can wait', { namespace: 'N', timeoutMillis: 3e9 }, /timeoutMillis/],
    ['retry.maxDelayMillis past what a timer can wait', { namespace: 'N', retry: { maxDelayMillis: 3e9 } }, /maxDelay/],
    ['retry.maxAttempts 0', { namespace: 'N', retry: { maxAttempts: 0 } }, /retry\.maxAttempts/],
    ['a negative retry.baseDelayMillis', { namespace: 'N', retry: { baseDelayMillis: -1 } }, /retry\.baseDelay/],
    ['retryBuffer true', { namespace: 'N', retryBuffer: true }, /retryBuffer/],
    ['retryBuffer.maxBytes 1.5', { namespace: 'N', retryBuffer: { maxBytes: 1.5 } }, /retryBuffer\.maxBytes/],
    [
      'retryBuffer.maxAgeMillis of 14 days',
      { namespace: 'N', retryBuffer: { maxAgeMillis: 14 * 86400_000 } },
      /two weeks/,
    ],
    ['resendUnknownOutcome "no"', { namespace: 'N', resendUnknownOutcome: 'no' }, /resendUnknownOutcome/],
  ];
  it("defaults output to 'emf' in Lambda (both runtime variables set), else to 'putMetricData'", () => {
    const saved = { ...process.env };
    try {
      process.env['AWS_LAMBDA_FUNCTION_NAME'] = 'fn';
      process.env['AWS_EXECUTION_ENV'] = 'AWS_Lambda_nodejs22.x';
      expect(resolveOptions({ namespace: 'N' }).output).to.equal('emf');
      expect(resolveOptions({ namespace: 'N', output: 'putMetricData' }).output).to.equal('putMetricData');
      // Options that configure requests keep PutMetricData.
      const client = new CloudWatchClient({ region: 'us-east-1' });
      expect(resolveOptions({ namespace: 'N', client }).output).to.equal('putMetricData');
      client.destroy();
      expect(resolveOptions({ namespace: 'N', clientConfig: {} }).output).to.equal('putMetricData');
      expect(resolveOptions({ namespace: 'N', entity: 'auto' }).output).to.equal('putMetricData');
      expect(resolveOptions({ namespace: 'N', entity: false }).output).to.equal('emf');
      // A variable alone (a test, a container that copied it) is not Lambda.
      delete process.env['AWS_EXECUTION_ENV'];
      expect(resolveOptions({ namespace: 'N' }).output).to.equal('putMetricData');
    } finally {
      process.env = saved;
    }
  });

  for (const [name, options, message] of invalid) {
    it(`throws for ${name}, naming the option`, () => {
      expect(() => resolveOptions(options as CloudWatchMetricExporterOptions)).to.throw(message);
    });
  }

  it('states every default', () => {
    const r = resolveOptions({ namespace: 'MyService' });
    expect(r.storageResolution).to.equal(60);
    expect(r.resourceDimensions).to.deep.equal([]);
    expect(r.deltaStateTtlMillis).to.equal(30 * 60_000);
    expect(r.client).to.equal(undefined);
  });

  it('states the delivery defaults: 4 attempts, a 32 MiB / 6 h retry buffer, at-least-once, SDK retries off', () => {
    const r = resolveOptions({ namespace: 'MyService' });
    expect(r.retry).to.deep.equal({
      maxAttempts: 4,
      baseDelayMillis: 100,
      throttlingFactor: 5,
      maxDelayMillis: 20_000,
    });
    expect(r.retryBuffer).to.deep.equal({ maxBytes: 32 * 1024 * 1024, maxAgeMillis: 6 * 3600_000 });
    expect(r.resendUnknownOutcome).to.equal(true);
    expect(r.clientConfig.maxAttempts).to.equal(1);
    expect(resolveOptions({ namespace: 'N', retryBuffer: false }).retryBuffer.maxBytes).to.equal(0);
  });

  it('keeps its defaults frozen: what a caller is handed cannot change the next exporter', () => {
    expect(Object.isFrozen(DEFAULT_RETRY) && Object.isFrozen(DEFAULT_RETRY_BUFFER)).to.equal(true);
    const first = resolveOptions({ namespace: 'N', retry: { maxAttempts: 1 } });
    first.retry.maxAttempts = 20;
    first.retryBuffer.maxBytes = 1;
    const next = resolveOptions({ namespace: 'N' });
    expect(next.retry.maxAttempts).to.equal(4);
    expect(next.retryBuffer.maxBytes).to.equal(32 * 1024 * 1024);
  });

  it('chooses DELTA for counters and histograms, CUMULATIVE for up-down counters and gauges', () => {
    const r = resolveOptions({ namespace: 'N' });
    const t = (i: InstrumentType) => r.temporalitySelector(i);
    expect(t(InstrumentType.COUNTER)).to.equal(AggregationTemporality.DELTA);
    expect(t(InstrumentType.OBSERVABLE_COUNTER)).to.equal(AggregationTemporality.DELTA);
    expect(t(InstrumentType.HISTOGRAM)).to.equal(AggregationTemporality.DELTA);
    expect(t(InstrumentType.UP_DOWN_COUNTER)).to.equal(AggregationTemporality.CUMULATIVE);
    expect(t(InstrumentType.OBSERVABLE_UP_DOWN_COUNTER)).to.equal(AggregationTemporality.CUMULATIVE);
    expect(t(InstrumentType.GAUGE)).to.equal(AggregationTemporality.CUMULATIVE);
  });

  it("with output 'otlp', chooses CUMULATIVE for every instrument (what the OTLP endpoint is documented with)", () => {
    const r = resolveOptions({ namespace: 'N', output: 'otlp' });
    for (const i of Object.values(InstrumentType)) {
      expect(r.temporalitySelector(i), i).to.equal(AggregationTemporality.CUMULATIVE);
    }
    expect(r.otlpEndpoint).to.equal(undefined);
    expect(
      resolveOptions({ namespace: 'N', output: 'otlp', otlpEndpoint: 'http://127.0.0.1:4318/v1/metrics' }).otlpEndpoint,
    ).to.equal('http://127.0.0.1:4318/v1/metrics');
  });

  it('chooses exponential histograms for histograms and the default elsewhere', () => {
    const r = resolveOptions({ namespace: 'N' });
    expect(r.aggregationSelector(InstrumentType.HISTOGRAM)).to.deep.equal({
      type: AggregationType.EXPONENTIAL_HISTOGRAM,
      options: { maxSize: 160, recordMinMax: true },
    });
    expect(r.aggregationSelector(InstrumentType.COUNTER)).to.deep.equal({ type: AggregationType.DEFAULT });
  });

  it('lets the user override the selectors', () => {
    const r = resolveOptions({ namespace: 'N', temporalitySelector: () => AggregationTemporality.CUMULATIVE });
    expect(r.temporalitySelector(InstrumentType.COUNTER)).to.equal(AggregationTemporality.CUMULATIVE);
  });
});

describe('CloudWatchMetricExporter lifecycle', () => {
  it('answers FAILED, asynchronously, to an export after shutdown', async () => {
    const exporter = new CloudWatchMetricExporter({ namespace: 'N', clientConfig: { region: 'us-east-1' } });
    await exporter.shutdown();
    await exporter.shutdown(); // idempotent
    let sync = true;
    const result = await new Promise<{ code: number; error?: Error }>((resolve) => {
      exporter.export({ resource: undefined as never, scopeMetrics: [] }, resolve);
      sync = false;
    });
    expect(sync).to.equal(false);
    expect(result.code).to.equal(1);
    expect(result.error!.message).to.match(/shut down/);
  });

  it('survives a result callback that throws, without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown) => unhandled.push(r);
    process.on('unhandledRejection', onUnhandled);
    const exporter = new CloudWatchMetricExporter({ namespace: 'N', clientConfig: { region: 'us-east-1' } });
    let called = 0;
    exporter.export({ resource: { attributes: {} } as never, scopeMetrics: [] }, () => {
      called++;
      throw new Error('callback bug');
    });
    await exporter.forceFlush();
    await new Promise((r) => setTimeout(r, 20));
    process.off('unhandledRejection', onUnhandled);
    await exporter.shutdown();
    expect(called).to.equal(1);
    expect(unhandled).to.deep.equal([]);
  });

  it('shows neither its client nor its credentials to util.inspect or JSON.stringify', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const exporter = new CloudWatchMetricExporter({
      namespace: 'N',
      clientConfig: { region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: secret } },
    });
    const shown = [inspect(exporter, { depth: 10, showHidden: true }), JSON.stringify(exporter), String(exporter)];
    for (const s of shown) {
      expect(s).not.to.include(secret);
      expect(s).not.to.include('AKIDEXAMPLE');
    }
    expect(shown[0]).to.include('namespace');
    void exporter.shutdown();
  });

  it('never destroys a client it was given', async () => {
    const client = new CloudWatchClient({ region: 'us-east-1' });
    let destroyed = false;
    const destroy = client.destroy.bind(client);
    client.destroy = () => {
      destroyed = true;
      destroy();
    };
    await new CloudWatchMetricExporter({ namespace: 'N', client }).shutdown();
    expect(destroyed).to.equal(false);
    client.destroy();
    expect(destroyed).to.equal(true);
  });
});
