import {
  listMetrics,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  motoCommand,
  MotoUnavailableError,
  useLocalCloudWatch,
} from '@otel-cloudwatch/local-cloudwatch';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SeriesReport } from '../examples/demo/readBack';
import { tables } from '../examples/demo/render';

const root = join(__dirname, '..');

/** Runs a TypeScript file with tsx, as `npm start` would; resolves with its exit code and output. */
function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: root,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, output });
    });
  });
}

describe('the examples, against the local CloudWatch through the SDK’s own environment variables', function () {
  this.timeout(120_000);
  const cw = useLocalCloudWatch();
  const sdkEnv = () => ({
    AWS_ENDPOINT_URL_CLOUDWATCH: cw().endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: LOCAL_REGION,
    RUN_MILLIS: '1500',
  });
  const examples: Array<[string, string, string[]]> = [
    [
      'basic',
      'examples/basic/index.ts',
      ['requests', 'request.duration', 'queue.depth', 'cpu.temperature', 'heap.used'],
    ],
    ['node-sdk', 'examples/node-sdk/index.ts', ['http.server.request.duration', 'http.client.request.duration']],
    ['http-service', 'examples/http-service/main.ts', ['http.server.request.duration', 'shop.orders.placed']],
  ];
  for (const [name, file, expected] of examples) {
    it(`runs examples/${name} and its metrics land`, async () => {
      const namespace = `Examples/${name}`;
      const { code, output } = await run(file, [], { ...sdkEnv(), CW_NAMESPACE: namespace });
      expect(code, output).to.equal(0);
      const client = cw().client();
      const stored = await listMetrics(client, namespace);
      client.destroy();
      const names = new Set(stored.map((m) => m.MetricName));
      for (const metric of expected) expect([...names], `${name} metrics`).to.include(metric);
      // A port a server happened to get would make every run its own billed series.
      const dimensionNames = new Set(stored.flatMap((m) => (m.Dimensions ?? []).map((d) => d.Name)));
      expect([...dimensionNames], `${name} dimensions`).not.to.include('server.port');
      expect(cw().violations).to.deep.equal([]);
    });
  }

  it('examples/lambda: EMF makes no request and no invocation wait; PutMetricData one per interval', async () => {
    const { code, output } = await run('examples/lambda/invoke.ts', [], { INVOCATIONS: '100' });
    expect(code, output).to.equal(0);
    const row = (way: string) => {
      const line = output.split('\n').find((l) => l.startsWith(way));
      expect(line, output).to.be.a('string');
      // requests, EMF KiB, USD, mean, p50, p99, added mean, invocations that waited, orders landed
      return line!.slice(way.length).trim().split(/\s+/);
    };
    const emf = row('EMF: wrapLambdaHandler (the default)');
    const every = row('PutMetricData: flush every invocation');
    const wrapped = row('PutMetricData: wrapLambdaHandler (60 s)');
    expect(emf[0]).to.equal('0');
    expect(Number(emf[1]), 'EMF written').to.be.above(0);
    expect(emf[7]).to.equal('0');
    expect(every[0]).to.equal('1000');
    expect(every[1]).to.equal('0.0');
    expect(every[7]).to.equal('100');
    // 100 invocations within a minute: the one request is the flush on SIGTERM, and no invocation waited.
    expect(wrapped[0]).to.equal('10');
    expect(wrapped[7]).to.equal('0');
    expect(output.match(/100 of 100/g)).to.have.length(4);
  });
});

describe('the demo (npm run demo)', function () {
  this.timeout(120_000);

  /** The demo starts its own local CloudWatch: without moto it cannot run here (CI must have it). */
  async function needsMoto(test: Mocha.Context): Promise<void> {
    try {
      await motoCommand();
    } catch (err) {
      if (!(err instanceof MotoUnavailableError) || process.env['CI'] === 'true') throw err;
      console.log(`\n  SKIPPED (the demo): ${err.message}\n`);
      test.skip();
    }
  }

  it('runs on its own local CloudWatch, shows what landed, and writes its report', async function () {
    await needsMoto(this);
    const report = join(mkdtempSync(join(tmpdir(), 'demo-')), 'report.html');
    const { code, output } = await run(
      'examples/demo/demo.ts',
      ['--seconds', '4', '--interval', '1', '--report', report],
      {},
    );
    expect(code, output).to.equal(0);
    expect(output).to.contain('What CloudWatch stored');
    expect(output).to.match(/http\.server\.request\.duration {2}\(Milliseconds\)/);
    expect(output).to.match(/front-door violations \(requests CloudWatch would have refused\): 0/);
    expect(output).to.match(/dropped points: \d+ × non-finite-value/);

    // Dimension names as CloudWatch stores them, heading the table's columns; never renamed (`method=GET`).
    expect(output).to.match(/^ {4}http\.request\.method +http\.response\.status_code +http\.route +│ count/m);
    expect(output).to.match(/^ {4}(GET|POST) +\d{3} +\/api\/\w+ +│/m);
    expect(output).not.to.match(/(^|\s)(method|status_code|route)=/m);

    // Progress counts only finished exports, in the right number, from the first line on.
    const progress = output.split('\n').filter((l) => l.includes(' served · '));
    expect(progress[0], output).to.match(
      / served · after 1 export: [1-9][\d,]* datums in 1 PutMetricData request, 0 failed$/,
    );
    expect(progress[progress.length - 1], output).to.contain('(last at shutdown)');
    expect(output).not.to.match(/\b1 (exports|datums|PutMetricData requests|requests)\b/);
    expect(output).not.to.match(/(^|[^\d,])0 datums/m);

    // The summary's totals agree with each other and with the last progress line.
    const n = (s: string) => Number(s.replace(/,/g, ''));
    const last = progress[progress.length - 1]!.match(
      /([\d,]+) requests? served · after (\d+) exports?.*: ([\d,]+) datums?/,
    )!;
    const http = output.match(/HTTP requests: ([\d,]+) served .*; CloudWatch counted ([\d,]+)/)!;
    const exports = output.match(
      /exports: (\d+) \((\d+) every 1 s during the load, (\d+) at shutdown\).* carrying ([\d,]+) datums?/,
    )!;
    expect(http, output).to.not.equal(null);
    expect(exports, output).to.not.equal(null);
    expect(n(http[2]!), 'CloudWatch’s count of requests').to.equal(n(http[1]!));
    expect(n(last[1]!), 'requests on the last progress line').to.equal(n(http[1]!));
    expect(n(exports[1]!)).to.equal(n(exports[2]!) + n(exports[3]!));
    expect(n(last[2]!), 'exports on the last progress line').to.equal(n(exports[1]!));
    expect(n(last[3]!), 'datums on the last progress line').to.equal(n(exports[4]!));
    const chartTotals = [...output.matchAll(/\(([\d,]+) in all[;)]/g)].map((m) => n(m[1]!));
    expect(chartTotals, 'the two charts’ totals').to.deep.equal([n(http[1]!), n(http[1]!)]);
    const took = output.match(/Took (\d+\.\d) s in all \(from the process start\): (.*)/)!;
    expect(took, output).to.not.equal(null);
    const phases = [...took[2]!.matchAll(/(\d+\.\d) s /g)].reduce((a, m) => a + Math.round(Number(m[1]) * 10), 0);
    expect(phases / 10, 'the phases add up to the total').to.equal(Number(took[1]));

    // The cost card, from what the run measured.
    expect(output).to.match(
      /series published by the last export: [1-9]\d*, [1-9]\d* distinct since start \(estimated; each a custom metric/,
    );
    expect(output).to.match(/at this 1 s interval [\d,]+ per hour per process/);

    // Reading back shows its steps.
    expect(output).to.match(/ListMetrics: \d+ series in 5 metrics/);
    expect(output).to.match(/http\.server\.request\.duration: (\d+) of \1 series read/);
    expect(output).to.match(/requests per export interval \(1 s periods\): (\d+) of \1 series read/);

    // Every chart of the report has both axes titled, with units, and round tick values.
    expect(existsSync(report)).to.equal(true);
    const svgs = readFileSync(report, 'utf8').match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).to.have.length(2);
    const categoryAxes = ['export sent at (s after the load started', 'latency (ms, '];
    for (const [i, svg] of svgs.entries()) {
      expect(svg).to.contain(categoryAxes[i]);
      expect(svg).to.contain('>requests (count)</text>');
      expect(svg).to.match(/text-anchor="middle">0<\/text>/);
      expect(svg.match(/text-anchor="middle">[\d,.]+<\/text>/g)).to.have.length.above(2);
    }
  });

  it('--output emf: the same service through EMF lines and the EMF extractor, every request counted, no request', async function () {
    await needsMoto(this);
    const report = join(mkdtempSync(join(tmpdir(), 'demo-')), 'report.html');
    const { code, output } = await run(
      'examples/demo/demo.ts',
      ['--output', 'emf', '--seconds', '3', '--interval', '1', '--report', report],
      {},
    );
    expect(code, output).to.equal(0);
    const n = (s: string) => Number(s.replace(/,/g, ''));
    const http = output.match(/HTTP requests: ([\d,]+) served .*; CloudWatch counted ([\d,]+)/)!;
    expect(http, output).to.not.equal(null);
    expect(n(http[2]!), 'CloudWatch’s count of requests, from EMF').to.equal(n(http[1]!));
    expect(output).to.match(/→ [\d,]+ EMF documents \([\d.]+ KiB of log\) carrying [\d,]+ datums, no request/);
    expect(output).to.match(/EMF documents the extractor refused \(CloudWatch Logs would not extract them\): 0/);
    expect(output).to.match(/front-door violations \(requests CloudWatch would have refused\): 0/);
    expect(output).to.match(/ served · after 1 export: [1-9][\d,]* datums in [\d,]+ EMF documents?$/m);
    expect(output).to.match(/EMF: [\d.]+ KiB of log per export, no request/);
  });

  it("--output otlp: the same service through CloudWatch's OTLP endpoint (local), every request counted, no PutMetricData", async function () {
    await needsMoto(this);
    const { code, output } = await run(
      'examples/demo/demo.ts',
      ['--output', 'otlp', '--seconds', '3', '--interval', '1'],
      {},
    );
    expect(code, output).to.equal(0);
    const n = (s: string) => Number(s.replace(/,/g, ''));
    const http = output.match(/HTTP requests: ([\d,]+) served; CloudWatch holds ([\d,]+)/)!;
    expect(http, output).to.not.equal(null);
    expect(n(http[1]!)).to.be.above(0);
    expect(n(http[2]!), 'the latest cumulative counts, added up').to.equal(n(http[1]!));
    expect(output).to.match(/http\.server\.request\.duration +exponentialHistogram, cumulative +\d+ +\d+/);
    expect(output).to.match(/exports: \d+ → [\d,]+ OTLP requests? \(0 retries, 0 failed\) carrying [\d,]+ data points/);
    expect(output).to.contain('PutMetricData requests: 0; front-door violations: 0');
    expect(output).to.match(/ served · after 1 export: [1-9][\d,]* data points in 1 OTLP request, 0 failed$/m);
  });

  it('heads a table too wide for the terminal with numbered dimension columns and a legend of their names', () => {
    const series = (method: string, status: string): SeriesReport => ({
      metric: 'http.server.request.duration',
      dimensions: [
        { Name: 'service.name', Value: 'toy-shop' },
        { Name: 'http.request.method', Value: method },
        { Name: 'http.response.status_code', Value: status },
      ],
      unit: 'Milliseconds',
      sampleCount: 3,
      sum: 30,
      min: 5,
      max: 15,
    });
    const reports = [series('GET', '200'), series('POST', '500')];
    const wide = tables(reports);
    expect(wide).to.match(/^ {4}http\.request\.method {2}http\.response\.status_code │ count/m);
    expect(wide).not.to.contain('d1');
    const narrow = tables(reports, 60);
    // The legend itself is wider than 60 columns here: one name a line.
    expect(narrow).to.contain(
      '    dimension columns:\n      d1 = http.request.method\n      d2 = http.response.status_code\n',
    );
    expect(narrow).to.match(/^ {4}d1 +d2 +│ count/m);
    expect(narrow).to.match(/^ {4}POST +500 +│/m);
    expect(narrow).to.contain('every series also has service.name=toy-shop');
  });
});
