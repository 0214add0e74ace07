/*
 * The register entry, as a user runs it: an unmodified application under `node --import …/register` (ESM) or
 * `--require …/register` (CommonJS), configured by environment variables only, against the local CloudWatch.
 */
import { LOCAL_CREDENTIALS, LOCAL_REGION, readMany, useLocalCloudWatch } from '@otel-cloudwatch/local-cloudwatch';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');
const app = (file: string) => join(__dirname, 'fixtures', 'zero-code', file);

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs node with `args`; `onReady` is called with the child when it prints "ready". */
function node(args: string[], env: NodeJS.ProcessEnv, onReady?: (kill: (s: NodeJS.Signals) => void) => void) {
  return new Promise<Ended>((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (onReady && stdout.includes('ready')) {
        const ready = onReady;
        onReady = undefined;
        ready((s) => child.kill(s));
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe('zero-code setup (the register entry)', function () {
  this.timeout(60_000);
  const cw = useLocalCloudWatch();
  let n = 0;
  beforeEach(() => cw().reset());
  afterEach(() => expect(cw().violations.map((v) => v.violation)).to.deep.equal([]));

  /** The environment of a service configured for CloudWatch: one namespace, and the SDK's own variables. */
  const env = (extra: NodeJS.ProcessEnv = {}): { namespace: string; env: NodeJS.ProcessEnv } => {
    const namespace = `ZeroCode${++n}`;
    return {
      namespace,
      env: {
        ...process.env,
        OTEL_EXPORTER_CLOUDWATCH_NAMESPACE: namespace,
        OTEL_SERVICE_NAME: 'zero-code-app',
        OTEL_EXPORTER_CLOUDWATCH_RESOURCE_DIMENSIONS: 'service.name',
        AWS_ENDPOINT_URL_CLOUDWATCH: cw().endpoint,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_REGION: LOCAL_REGION,
        ...extra,
      },
    };
  };

  async function jobs(namespace: string): Promise<number[]> {
    const client = cw().client();
    try {
      return await readMany(
        client,
        namespace,
        'app.jobs',
        ['even', 'odd'].map((kind) => ({ 'service.name': 'zero-code-app', kind })),
      );
    } finally {
      client.destroy();
    }
  }

  for (const [flag, file] of [
    ['--import', 'app.mjs'],
    ['--require', 'app.cjs'],
  ] as const) {
    it(`${flag} …/register: an app that ends on its own sends everything, with its own exit code`, async () => {
      const { namespace, env: e } = env({ JOBS: '25', EXIT_CODE: '3' });
      const ended = await node([flag, 'opentelemetry-exporter-metrics-cloudwatch/register', app(file)], e);
      expect(ended.code, ended.stderr).to.equal(3);
      expect(ended.stdout.trim()).to.equal('app done');
      expect(ended.stderr).to.equal('');
      // The default interval is a minute: only the flush on the way out can have sent these.
      expect(await jobs(namespace)).to.deep.equal([13, 12]);
      expect(ended.ms, 'ends once flushed').to.be.below(10_000);
    });
  }

  it('SIGTERM mid-interval: everything recorded lands, then the process ends as SIGTERM would end it', async () => {
    const { namespace, env: e } = env({ JOBS: '40', STAY_UP: '1' });
    const ended = await node(
      ['--import', 'opentelemetry-exporter-metrics-cloudwatch/register', app('app.mjs')],
      e,
      (kill) => kill('SIGTERM'),
    );
    expect(ended.signal, ended.stderr).to.equal('SIGTERM');
    expect(await jobs(namespace)).to.deep.equal([20, 20]);
  });

  it('SIGTERM handled by the app (a drain): what it records while draining lands too, and it ends its own way', async () => {
    const { namespace, env: e } = env();
    const ended = await node(
      ['--import', 'opentelemetry-exporter-metrics-cloudwatch/register', app('drain.mjs')],
      e,
      (kill) => kill('SIGTERM'),
    );
    expect(ended.code, ended.stderr).to.equal(4);
    expect(ended.signal).to.equal(null);
    expect(await jobs(namespace)).to.deep.equal([55, 55]);
  });

  it('--require and --import together: registered once, sent once, nothing printed', async () => {
    const { namespace, env: e } = env({ JOBS: '6' });
    const ended = await node(
      [
        '--require',
        'opentelemetry-exporter-metrics-cloudwatch/register',
        '--import',
        'opentelemetry-exporter-metrics-cloudwatch/register',
        app('app.mjs'),
      ],
      e,
    );
    expect(ended.code).to.equal(0);
    expect(ended.stderr).to.equal('');
    expect(await jobs(namespace)).to.deep.equal([3, 3]);
  });

  it('OTEL_SDK_DISABLED=true: does nothing; OTEL_LOG_LEVEL=warn: says why an export failed', async () => {
    const disabled = await node(
      ['--import', 'opentelemetry-exporter-metrics-cloudwatch/register', app('app.mjs')],
      env({ OTEL_SDK_DISABLED: 'true' }).env,
    );
    expect(disabled.code).to.equal(0);
    expect(cw().puts).to.have.length(0);
    const unreachable = await node(
      ['--import', 'opentelemetry-exporter-metrics-cloudwatch/register', app('app.mjs')],
      env({
        OTEL_LOG_LEVEL: 'warn',
        AWS_ENDPOINT_URL_CLOUDWATCH: 'http://127.0.0.1:9',
        OTEL_METRIC_EXPORT_TIMEOUT: '2000',
      }).env,
    );
    expect(unreachable.code).to.equal(0);
    expect(unreachable.stderr + unreachable.stdout).to.match(/ECONNREFUSED/);
  });

  it('examples/zero-code: `npm start` with two variables, and its metrics land', async () => {
    const { namespace, env: e } = env({
      OTEL_SERVICE_NAME: 'orders',
      OTEL_EXPORTER_CLOUDWATCH_RESOURCE_DIMENSIONS: '',
    });
    const ended = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn('npm', ['start', '--silent', '-w', '@otel-cloudwatch/example-zero-code'], {
        cwd: root,
        env: e,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.once('exit', (code) => resolve({ code, output }));
    });
    expect(ended.code, ended.output).to.equal(0);
    expect(ended.output).to.contain('zero-code example: 30 requests handled');
    const client = cw().client();
    const [ok, missing] = await readMany(client, namespace, 'orders.handled', [
      { 'http.response.status_code': '200' },
      { 'http.response.status_code': '404' },
    ]);
    client.destroy();
    expect([ok, missing]).to.deep.equal([27, 3]);
  });

  /** What an EMF extractor (CloudWatch Logs, locally) stores of a process's stdout; fails on a refused document. */
  async function extract(stdout: string): Promise<number> {
    const extractor = cw().emfExtractor();
    extractor.write(stdout);
    await extractor.close();
    expect(extractor.refused).to.deep.equal([]);
    return extractor.documents;
  }

  it('OTEL_EXPORTER_CLOUDWATCH_OUTPUT=emf: the metrics leave as EMF lines on stdout beside the app’s own, no request', async () => {
    const { namespace, env: e } = env({ JOBS: '25', OTEL_EXPORTER_CLOUDWATCH_OUTPUT: 'emf' });
    const ended = await node(['--import', 'opentelemetry-exporter-metrics-cloudwatch/register', app('app.mjs')], e);
    expect(ended.code, ended.stderr).to.equal(0);
    expect(ended.stderr).to.equal('');
    const lines = ended.stdout.trim().split('\n');
    expect(lines.filter((l) => !l.startsWith('{"_aws"'))).to.deep.equal(['app done']);
    expect(await extract(ended.stdout)).to.equal(2);
    expect(cw().puts).to.deep.equal([]);
    expect(await jobs(namespace)).to.deep.equal([13, 12]);
  });

  it("OTEL_EXPORTER_CLOUDWATCH_OUTPUT=otlp: the metrics go to CloudWatch's OTLP endpoint (local), signed, no PutMetricData", async () => {
    const { env: e } = env({ JOBS: '25', OTEL_EXPORTER_CLOUDWATCH_OUTPUT: 'otlp' });
    const ended = await node(['--import', 'opentelemetry-exporter-metrics-cloudwatch/register', app('app.mjs')], e);
    expect(ended.code, ended.stderr).to.equal(0);
    expect(ended.stderr).to.equal('');
    expect(ended.stdout.trim()).to.equal('app done');
    expect(cw().puts).to.deep.equal([]);
    expect(cw().otlpRequests.map((r) => r.status)).to.deep.equal([200]);
    const jobPoints = cw()
      .otlpPoints()
      .filter((p) => p.metric === 'app.jobs');
    const byKind = Object.fromEntries(jobPoints.map((p) => [String(p.attributes['kind']), p.value]));
    expect(byKind).to.deep.equal({ even: 13, odd: 12 });
    expect(jobPoints.every((p) => p.temporality === 'cumulative')).to.equal(true);
    expect(jobPoints[0]!.resource['service.name']).to.equal('zero-code-app');
  });

  it('OTEL_EXPORTER_CLOUDWATCH_PUT_METRIC_DATA_PROTOCOL=cbor: PutMetricData in CBOR, values read back', async () => {
    const { namespace, env: e } = env({ JOBS: '25', OTEL_EXPORTER_CLOUDWATCH_PUT_METRIC_DATA_PROTOCOL: 'cbor' });
    const ended = await node(['--import', 'opentelemetry-exporter-metrics-cloudwatch/register', app('app.mjs')], e);
    expect(ended.code, ended.stderr).to.equal(0);
    expect(ended.stderr).to.equal('');
    expect(cw().puts.length).to.be.greaterThan(0);
    expect(cw().puts.every((r) => r.protocol === 'cbor' && r.status === 200)).to.equal(true);
    expect(await jobs(namespace)).to.deep.equal([13, 12]);
  });

  it('on Lambda: EMF by default, and the detected function and region are there to choose as dimensions', async () => {
    const { namespace, env: e } = env({
      JOBS: '4',
      AWS_LAMBDA_FUNCTION_NAME: 'checkout-fn',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', // what Lambda's runtime sets; the detector looks for it
      OTEL_EXPORTER_CLOUDWATCH_RESOURCE_DIMENSIONS: 'faas.name,cloud.region',
    });
    const ended = await node(['--import', 'opentelemetry-exporter-metrics-cloudwatch/register', app('app.mjs')], e);
    expect(ended.code, ended.stderr).to.equal(0);
    expect(await extract(ended.stdout)).to.equal(2);
    expect(cw().puts, 'no request: EMF is the default in Lambda').to.deep.equal([]);
    const client = cw().client();
    const [even] = await readMany(client, namespace, 'app.jobs', [
      { 'faas.name': 'checkout-fn', 'cloud.region': LOCAL_REGION, kind: 'even' },
    ]);
    client.destroy();
    expect(even).to.equal(2);
  });

  it('without a namespace: one clear line, and the app runs as if nothing were there', async () => {
    const { env: e } = env({ OTEL_EXPORTER_CLOUDWATCH_NAMESPACE: '' });
    const ended = await node(['--import', 'opentelemetry-exporter-metrics-cloudwatch/register', app('app.mjs')], e);
    expect(ended.code).to.equal(0);
    expect(ended.stdout.trim()).to.equal('app done');
    expect(ended.stderr.trim().split('\n')).to.have.length(1);
    expect(ended.stderr).to.match(/register: .*OTEL_EXPORTER_CLOUDWATCH_NAMESPACE.*metrics are not sent to CloudWatch/);
    expect(cw().puts).to.have.length(0);
  });

  it('with an invalid variable: one line naming it and its rule', async () => {
    const { env: e } = env({ OTEL_EXPORTER_CLOUDWATCH_CONCURRENCY: 'lots' });
    const ended = await node(['--require', 'opentelemetry-exporter-metrics-cloudwatch/register', app('app.cjs')], e);
    expect(ended.code).to.equal(0);
    expect(ended.stderr).to.match(/OTEL_EXPORTER_CLOUDWATCH_CONCURRENCY="lots": must be a whole number from 1 to 64/);
  });
});
