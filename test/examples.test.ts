import { listMetrics, LOCAL_CREDENTIALS, LOCAL_REGION, useLocalCloudWatch } from '@otel-cloudwatch/local-cloudwatch';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
    ['lambda', 'examples/lambda/invoke.ts', ['invocations', 'handler.duration', 'items.processed']],
    ['http-service', 'examples/http-service/main.ts', ['http.server.request.duration', 'shop.orders.placed']],
  ];
  for (const [name, file, expected] of examples) {
    it(`runs examples/${name} and its metrics land`, async () => {
      const namespace = `Examples/${name}`;
      const { code, output } = await run(file, [], { ...sdkEnv(), CW_NAMESPACE: namespace });
      expect(code, output).to.equal(0);
      const client = cw().client();
      const names = new Set((await listMetrics(client, namespace)).map((m) => m.MetricName));
      client.destroy();
      for (const metric of expected) expect([...names], `${name} metrics`).to.include(metric);
      expect(cw().violations).to.deep.equal([]);
    });
  }

  it('flushes every Lambda invocation before the handler returns', async () => {
    const { code, output } = await run('examples/lambda/invoke.ts', [], { ...sdkEnv(), INVOCATIONS: '4' });
    expect(code, output).to.equal(0);
    expect(output.match(/requests sent during it: 1/g)).to.have.length(4);
  });
});

describe('the demo (npm run demo)', function () {
  this.timeout(120_000);

  it('runs on its own local CloudWatch, shows what landed, and writes its report', async () => {
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
    expect(existsSync(report)).to.equal(true);
    expect(readFileSync(report, 'utf8')).to.contain('<svg');
  });
});
