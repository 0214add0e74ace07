import {
  CloudWatchClient,
  ListMetricsCommand,
  PutMetricDataCommand,
  type MetricDatum,
} from '@aws-sdk/client-cloudwatch';
import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloudWatch, MotoUnavailableError, useLocalCloudWatch } from '../src';
import { USAGE } from '../src/cli';
import { freePort } from '../src/freePort';
import { formatRead, readLocalCloudWatch } from '../src/readCommand';

const CLI = join(__dirname, '..', 'src', 'cli.ts');

/** Runs the CLI (from source, through tsx) to its end. */
function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { AWS_ENDPOINT_URL_CLOUDWATCH: _drop, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { env: { ...inherited, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/**
 * What the tests send, built so that every printed number is known:
 * - Shop/latency without dimensions, in two requests (the second as the exporter sends it: Values/Counts with
 *   StatisticValues, in EntityMetricData): 10×50, 20×30, 30×10, 40×9, 1000×1 → count 100, sum 2760, min 10,
 *   max 1000; nearest rank p50 = 10 (the 50th sample), p90 = 30 (the 90th), p99 = 40 (the 99th).
 * - Shop/latency {route=/checkout, method=GET}: 3 and 4 in two datums → p50 3, p90 4, p99 4.
 * - Shop/latency {route=/cart}: 8.
 * - Shop/orders as StatisticValues only: no distribution, so no percentiles ("—").
 * - Other/latency {route=/checkout, method=GET}: 100, which must not leak into Shop (moto's GetMetricData would).
 */
async function sendShop(client: CloudWatchClient): Promise<void> {
  const now = new Date();
  const checkout = [
    { Name: 'route', Value: '/checkout' },
    { Name: 'method', Value: 'GET' },
  ];
  const ms = (d: MetricDatum): MetricDatum => ({ Unit: 'Milliseconds', Timestamp: now, ...d });
  await client.send(
    new PutMetricDataCommand({
      Namespace: 'Shop',
      MetricData: [
        ms({ MetricName: 'latency', Values: [10, 20, 1000], Counts: [40, 30, 1] }),
        ms({ MetricName: 'latency', Value: 3, Dimensions: checkout }),
        ms({ MetricName: 'latency', Value: 4, Dimensions: checkout }),
        ms({ MetricName: 'latency', Value: 8, Dimensions: [{ Name: 'route', Value: '/cart' }] }),
        {
          MetricName: 'orders',
          Unit: 'Count',
          Timestamp: now,
          StatisticValues: { SampleCount: 4, Sum: 10, Minimum: 1, Maximum: 4 },
        },
      ],
    }),
  );
  await client.send(
    new PutMetricDataCommand({
      Namespace: 'Shop',
      StrictEntityValidation: true,
      EntityMetricData: [
        {
          Entity: { KeyAttributes: { Type: 'Service', Name: 'shop', Environment: 'generic:default' } },
          MetricData: [
            ms({
              MetricName: 'latency',
              Values: [10, 30, 40],
              Counts: [10, 10, 9],
              StatisticValues: { SampleCount: 29, Sum: 760, Minimum: 10, Maximum: 40 },
            }),
          ],
        },
      ],
    }),
  );
  await client.send(
    new PutMetricDataCommand({
      Namespace: 'Other',
      MetricData: [ms({ MetricName: 'latency', Value: 100, Dimensions: checkout })],
    }),
  );
}

const SHOP_TABLE = [
  'Namespace  Metric   Dimensions                   Unit          Count   Sum  Min   Max  p50  p90  p99',
  'Other      latency  method=GET, route=/checkout  Milliseconds      1   100  100   100  100  100  100',
  'Shop       latency  (none)                       Milliseconds    100  2760   10  1000   10   30   40',
  'Shop       latency  method=GET, route=/checkout  Milliseconds      2     7    3     4    3    4    4',
  'Shop       latency  route=/cart                  Milliseconds      1     8    8     8    8    8    8',
  'Shop       orders   (none)                       Count             4    10    1     4    —    —    —',
].join('\n');

describe('local-cloudwatch read (against a real local CloudWatch)', function () {
  this.timeout(30_000);
  const cw = useLocalCloudWatch();
  let client: CloudWatchClient;
  before(() => {
    client = cw().client();
  });
  after(() => client?.destroy());
  beforeEach(() => cw().reset());

  it('prints each series once with count, sum, min, max and percentiles of its stored distribution', async () => {
    await sendShop(client);
    // moto lists the dimensionless series once per stored value (100) and the two-dimension one once per datum.
    const raw = await client.send(new ListMetricsCommand({ Namespace: 'Shop' }));
    expect(raw.Metrics, 'moto 5.2.1 ListMetrics entries for 4 series').to.have.length(104);

    const result = await readLocalCloudWatch({ endpoint: cw().endpoint });
    expect(result.notes).to.deep.equal([]);
    expect(formatRead(result, false)).to.equal(SHOP_TABLE + '\n');
    expect(
      result.rows.find((r) => r.namespace === 'Shop' && r.metricName === 'latency' && !r.dimensions['route']),
    ).to.deep.equal({
      region: LOCAL_REGION,
      namespace: 'Shop',
      metricName: 'latency',
      dimensions: {},
      unit: 'Milliseconds',
      count: 100,
      sum: 2760,
      min: 10,
      max: 1000,
      p50: 10,
      p90: 30,
      p99: 40,
    });
  });

  it('filters by namespace, metric and minutes, and prints JSON lines', async () => {
    await sendShop(client);
    await client.send(
      new PutMetricDataCommand({
        Namespace: 'Shop',
        MetricData: [{ MetricName: 'orders', Value: 50, Timestamp: new Date(Date.now() - 30 * 60_000) }],
      }),
    );
    const all = await readLocalCloudWatch({ endpoint: cw().endpoint, namespace: 'Shop', metricName: 'orders' });
    expect(all.rows.map((r) => [r.count, r.sum, r.max, r.p50])).to.deep.equal([[5, 60, 50, undefined]]);
    const recent = await readLocalCloudWatch({
      endpoint: cw().endpoint,
      namespace: 'Shop',
      metricName: 'orders',
      minutes: 10,
    });
    expect(formatRead(recent, true)).to.equal(
      '{"region":"us-east-1","namespace":"Shop","metricName":"orders","dimensions":{},"unit":"Count",' +
        '"count":4,"sum":10,"min":1,"max":4,"p50":null,"p90":null,"p99":null}\n',
    );
    const none = await readLocalCloudWatch({ endpoint: cw().endpoint, namespace: 'Nothing' });
    expect(formatRead(none, false)).to.equal('No series stored (in the window and filters given).\n');
    expect(formatRead(none, true)).to.equal('');
  });

  it('reads every region moto keeps, and notes what moto stores differently', async () => {
    const eu = cw().client({ region: 'eu-west-1' });
    try {
      await eu.send(
        new PutMetricDataCommand({ Namespace: 'Eu', MetricData: [{ MetricName: 'half', Values: [3], Counts: [0.5] }] }),
      );
      await eu.send(new PutMetricDataCommand({ Namespace: 'Eu', MetricData: [{ MetricName: 'one', Value: 2 }] }));
    } finally {
      eu.destroy();
    }
    const result = await readLocalCloudWatch({ endpoint: cw().endpoint });
    expect(formatRead(result, false)).to.equal(
      [
        'Region     Namespace  Metric  Dimensions  Unit  Count  Sum  Min  Max  p50  p90  p99',
        'eu-west-1  Eu         half    (none)      None    0.5  1.5    3    3    3    3    3',
        'eu-west-1  Eu         one     (none)      None      1    2    2    2    2    2    2',
        '',
      ].join('\n'),
    );
    expect(result.notes).to.deep.equal([
      'eu-west-1 Eu/half: accepted (count 0.5), but moto lists no such series ' +
        '(moto stores each value int(Count) times: fractional and zero Counts are lost).',
    ]);
  });

  it('does not store or serve what the front door refused', async () => {
    await client
      .send(
        new PutMetricDataCommand({
          Namespace: 'Shop',
          MetricData: [{ MetricName: 'bad', Value: 1, Unit: 'Parsecs' as 'Count' }],
        }),
      )
      .catch(() => undefined);
    expect(cw().violations).to.have.length(1);
    const result = await readLocalCloudWatch({ endpoint: cw().endpoint });
    expect(result.rows).to.deep.equal([]);
  });

  it('fails with one sentence for an endpoint that is not a local CloudWatch', async () => {
    const port = await freePort();
    const err = await readLocalCloudWatch({ endpoint: `http://127.0.0.1:${port}` }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.equal(
      `Cannot reach a local CloudWatch at http://127.0.0.1:${port}: ECONNREFUSED ` +
        '(is `npm run local-cloudwatch` running there?)',
    );
    const moto = await readLocalCloudWatch({ endpoint: cw().moto.endpoint }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(moto?.message).to.match(/is not a local CloudWatch: GET \/local-cloudwatch\/stored answered \d+\.$/);
  });
});

describe('local-cloudwatch CLI (child processes)', function () {
  this.timeout(60_000);

  it('prints its usage for --help', async () => {
    const out = await runCli(['--help']);
    expect(out.code).to.equal(0);
    expect(out.stdout).to.equal(USAGE + '\n');
    expect(out.stdout).to.contain('read [--endpoint URL] [--namespace NS] [--metric NAME] [--minutes N] [--json]');
    expect(Math.max(...out.stdout.split('\n').map((l) => l.length))).to.be.at.most(110);
    expect((await runCli(['read', '--help'])).stdout).to.equal(USAGE + '\n');
  });

  it('fails with exit code 1 and one line when the port is taken', async () => {
    const blocker: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const out = await runCli(['--port', String(port)]);
      expect(out.code).to.equal(1);
      expect(out.stdout).to.equal('');
      expect(out.stderr).to.equal(
        `Port ${port} on 127.0.0.1 is already in use: choose another --port, or omit --port for a free one.\n`,
      );
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('fails with exit code 2 and one line for bad arguments', async () => {
    const out = await runCli(['read', '--bogus']);
    expect(out.code).to.equal(2);
    expect(out.stderr).to.equal("local-cloudwatch: Unknown option '--bogus' (see --help)\n");
  });

  describe('on a fixed port', () => {
    let child: ChildProcess | undefined;
    let port = 0;
    let output = '';

    before(async function () {
      this.timeout(300_000);
      try {
        // Starts moto once (provisioning it on a first run) to skip exactly when useLocalCloudWatch would.
        await (await LocalCloudWatch.start()).stop();
      } catch (err) {
        if (err instanceof MotoUnavailableError && process.env['CI'] !== 'true') {
          console.log(`\n  SKIPPED (${this.test?.parent?.fullTitle() ?? 'suite'}): ${err.message}\n`);
          this.skip();
        }
        throw err;
      }
      port = await freePort();
      const proc = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', String(port)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      proc.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
      proc.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the CLI did not start: ${output}`)), 60_000);
        const ready = () => {
          if (!output.includes('Ctrl-C stops it.')) return;
          clearTimeout(timer);
          proc.stdout.off('data', ready);
          resolve();
        };
        proc.stdout.on('data', ready);
        proc.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`the CLI exited with ${code}: ${output}`));
        });
      });
      proc.removeAllListeners('exit');
    });

    after(async function () {
      this.timeout(20_000);
      const proc = child;
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGINT');
      await exited;
    });

    it('serves on that port, prints the four variables, and `read` prints what it stores', async () => {
      const endpoint = `http://127.0.0.1:${port}`;
      expect(output).to.contain(`Local CloudWatch (moto behind the strict front door) on ${endpoint}\n`);
      for (const line of [
        `export AWS_ENDPOINT_URL_CLOUDWATCH=${endpoint}`,
        `export AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId}`,
        `export AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey}`,
        `export AWS_REGION=${LOCAL_REGION}`,
      ]) {
        expect(output).to.contain(line);
      }
      const client = new CloudWatchClient({ region: LOCAL_REGION, endpoint, credentials: LOCAL_CREDENTIALS });
      try {
        await sendShop(client);
      } finally {
        client.destroy();
      }
      const table = await runCli(['read', '--endpoint', endpoint]);
      expect(table.stderr).to.equal('');
      expect(table.code).to.equal(0);
      expect(table.stdout).to.equal(SHOP_TABLE + '\n');

      // The endpoint from the environment, filtered, as JSON lines.
      const json = await runCli(['read', '--json', '--namespace', 'Shop', '--metric', 'latency', '--minutes', '5'], {
        AWS_ENDPOINT_URL_CLOUDWATCH: endpoint,
      });
      expect(json.code).to.equal(0);
      const rows = json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(
        rows.map((r) => [r['dimensions'], r['count'], r['sum'], r['min'], r['max'], r['p50'], r['p90'], r['p99']]),
      ).to.deep.equal([
        [{}, 100, 2760, 10, 1000, 10, 30, 40],
        [{ method: 'GET', route: '/checkout' }, 2, 7, 3, 4, 3, 4, 4],
        [{ route: '/cart' }, 1, 8, 8, 8, 8, 8, 8],
      ]);
    });
  });
});
