/*
 * Every TypeScript snippet of the documentation (the root README, the package README and the package's docs/*.md
 * guides) runs as shown, against the local CloudWatch: a complete program is written to a file and run (the
 * package README's usage program in a fresh project that installs the packed tarball, as its Install section
 * says); a snippet marked `<!-- excerpt: FILE -->` must stand verbatim in FILE, which another test runs.
 */
import { LOCAL_CREDENTIALS, LOCAL_REGION, useLocalCloudWatch } from '@otel-cloudwatch/local-cloudwatch';
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..');
const DOCS = 'packages/exporter-metrics-cloudwatch/docs';
/** The documentation whose snippets are checked: both READMEs, then every guide, by name. */
const READMES = [
  'README.md',
  'packages/exporter-metrics-cloudwatch/README.md',
  ...readdirSync(join(root, DOCS))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `${DOCS}/${f}`),
];
const tsxLoader = join(dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs');

/** The complete programs the documentation shows, each recognized by what only it contains, and run below. */
const PROGRAMS: Array<{ name: string; matches: (code: string) => boolean }> = [
  { name: 'usage (by hand)', matches: (c) => c.includes("namespace: 'MyService'") && c.includes('beforeExit') },
  { name: 'metric rules', matches: (c) => c.includes('metricRules') },
  { name: 'views', matches: (c) => c.includes('createAllowListAttributesProcessor') },
  { name: 'dual-write', matches: (c) => c.includes("output: 'otlp'") },
];

interface Snippet {
  readme: string;
  line: number;
  code: string;
  excerptOf?: string;
}

/**
 * The ```ts blocks of a document, indentation removed, with the excerpt marker on the line before (blank lines
 * between them allowed), if any.
 */
function snippets(readme: string): Snippet[] {
  const lines = readFileSync(join(root, readme), 'utf8').split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```ts\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const marker = /<!-- excerpt: (\S+) -->/.exec(lines[before] ?? '');
    out.push({ readme, line: i + 1, code: body.join('\n'), excerptOf: marker?.[1] });
    i = j;
  }
  return out;
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.once('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, output });
    });
  });
}

const all = READMES.flatMap(snippets);
const programs = all.filter((s) => !s.excerptOf);

describe('the documentation snippets (READMEs and docs/*.md)', function () {
  this.timeout(240_000);
  const cw = useLocalCloudWatch();
  const env = () => ({
    AWS_ENDPOINT_URL_CLOUDWATCH: cw().endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: LOCAL_REGION,
  });
  beforeEach(() => cw().reset());
  afterEach(() => expect(cw().violations.map((v) => v.violation)).to.deep.equal([]));

  const landed = (): MetricDatum[] =>
    cw()
      .puts.filter((p) => p.status === 200)
      .flatMap((p) => (p.input as { MetricData: MetricDatum[] }).MetricData);

  it('has the snippets this test knows how to check (none added unchecked)', () => {
    expect(all.map((s) => `${s.readme}:${s.excerptOf ?? 'program'}`)).to.deep.equal([
      'packages/exporter-metrics-cloudwatch/README.md:examples/node-sdk/index.ts',
      'packages/exporter-metrics-cloudwatch/README.md:program',
      `${DOCS}/cost-control.md:program`,
      `${DOCS}/cost-control.md:program`,
      `${DOCS}/lambda.md:examples/lambda/handler.mts`,
      `${DOCS}/lambda.md:examples/lambda/handler.mts`,
      `${DOCS}/otlp.md:program`,
      `${DOCS}/troubleshooting.md:examples/node-sdk/index.ts`,
    ]);
  });

  it('runs each program with exactly one of the tests below', () => {
    for (const s of programs) {
      const claimed = PROGRAMS.filter((p) => p.matches(s.code));
      expect(claimed.length, `${s.readme}:${s.line} is claimed by ${claimed.length} tests`).to.equal(1);
    }
  });

  for (const s of all.filter((x) => x.excerptOf)) {
    it(`${s.readme}:${s.line} stands verbatim in ${s.excerptOf}`, () => {
      expect(readFileSync(join(root, s.excerptOf!), 'utf8')).to.contain(s.code);
    });
  }

  it('the usage program, installed from the packed tarball as the Install section says, sends its data and exits', async () => {
    const usage = programs.find((s) => PROGRAMS[0]!.matches(s.code))!;
    const project = mkdtempSync(join(tmpdir(), 'readme-usage-'));
    try {
      const pack = await run(
        'npm',
        ['pack', '-w', 'opentelemetry-exporter-metrics-cloudwatch', '--pack-destination', project, '--silent'],
        root,
        {},
      );
      expect(pack.code, pack.output).to.equal(0);
      const tarball = readdirSync(project).find((f) => f.endsWith('.tgz'))!;
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'readme-usage', private: true }));
      // As the README says, plus what the program imports; from npm's cache when it has them.
      const install = await run(
        'npm',
        [
          'install',
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          `./${tarball}`,
          '@opentelemetry/api',
          '@opentelemetry/sdk-metrics',
          '@opentelemetry/resources',
        ],
        project,
        {},
      );
      expect(install.code, install.output).to.equal(0);
      writeFileSync(join(project, 'usage.mts'), usage.code);
      const t0 = Date.now();
      const { code, output } = await run(process.execPath, ['--import', tsxLoader, 'usage.mts'], project, env());
      expect(code, output).to.equal(0);
      expect(output, 'the program prints nothing').to.equal('');
      expect(Date.now() - t0, 'exits on its own once flushed').to.be.below(20_000);
      const names = landed().map((d) => d.MetricName);
      expect(names).to.include.members(['orders', 'http.server.request.duration']);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  /** Runs the documented program that contains `marker`, from a file in the repository; answers its output. */
  async function runSnippet(marker: string): Promise<string> {
    const snippet = programs.find((s) => s.code.includes(marker))!;
    const dir = join(root, 'test', '.snippets');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'snippet.mts');
    writeFileSync(file, snippet.code);
    try {
      const { code, output } = await run(process.execPath, ['--import', tsxLoader, file], root, env());
      expect(code, output).to.equal(0);
      return output;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('the metric-rules program (cost-control.md) publishes the histogram under its two dimension sets: 3 series', async () => {
    expect((await runSnippet('metricRules')).trim()).to.equal('series published: 3');
    const dims = landed()
      .filter((d) => d.MetricName === 'http.server.request.duration')
      .map((d) => JSON.stringify(d.Dimensions))
      .sort();
    expect(dims).to.deep.equal([
      '[]',
      '[{"Name":"http.route","Value":"/cart"}]',
      '[{"Name":"http.route","Value":"/pay"}]',
    ]);
  });

  it('the dual-write program (otlp.md) sends the same counts both ways: deltas by PutMetricData, totals by OTLP', async () => {
    await runSnippet("output: 'otlp'");
    const byMethod = (pairs: Array<[string, number]>) =>
      Object.fromEntries(pairs.sort(([a], [b]) => a.localeCompare(b)));
    const datums = landed().filter((d) => d.MetricName === 'orders');
    expect(
      byMethod(datums.map((d) => [d.Dimensions!.find((x) => x.Name === 'payment.method')!.Value!, d.Value!])),
    ).to.deep.equal({ card: 3, voucher: 1 });
    const points = cw()
      .otlpPoints()
      .filter((p) => p.metric === 'orders');
    expect(points.map((p) => p.temporality)).to.deep.equal(['cumulative', 'cumulative']);
    expect(byMethod(points.map((p) => [String(p.attributes['payment.method']), p.value!]))).to.deep.equal({
      card: 3,
      voucher: 1,
    });
    expect(points[0]!.resource['service.name']).to.equal('checkout');
  });

  it('the views program (cost-control.md) keeps user.id out of the dimensions', async () => {
    await runSnippet('createAllowListAttributesProcessor');
    const datums = landed().filter((d) => d.MetricName === 'http.server.request.duration');
    expect(datums).to.have.length(1);
    expect(datums[0]!.Dimensions!.map((d) => d.Name).sort()).to.deep.equal(['http.response.status_code', 'http.route']);
  });
});
