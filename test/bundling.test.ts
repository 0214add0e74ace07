/*
 * Applications bundled whole with esbuild, as AWS CDK's NodejsFunction and SAM bundle them, then run against the
 * local CloudWatch (the Lambda ones in the local Lambda), every value read back: the register entry must survive
 * tree shaking, and the exporter must run from inside a bundle (docs/bundling.md gives the same flags).
 */
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  LocalLambda,
  readMany,
  useLocalCloudWatch,
} from '@otel-cloudwatch/local-cloudwatch';
import { expect } from 'chai';
import { build, type BuildOptions, type Message } from 'esbuild';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const fixture = (file: string) => join(__dirname, 'fixtures', 'bundling', file);
const guide = readFileSync(join(root, 'packages', 'exporter-metrics-cloudwatch', 'docs', 'bundling.md'), 'utf8');

/** What CDK's NodejsFunction passes esbuild for a Node.js 20 runtime: the AWS SDK is left to the runtime's copy. */
const CDK: BuildOptions = { bundle: true, platform: 'node', target: 'node20', external: ['@aws-sdk/*'] };
/** CDK's documented ES module recipe: `format: OutputFormat.ESM`, `mainFields`, and the `createRequire` banner. */
const CDK_ESM: BuildOptions = {
  ...CDK,
  format: 'esm',
  mainFields: ['module', 'main'],
  banner: { js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);" },
};

describe('bundled with esbuild (CDK, SAM)', function () {
  this.timeout(120_000);
  const cw = useLocalCloudWatch();
  let n = 0;
  let outDir: string;
  before(() => {
    // Inside the repository, so that what the bundle leaves external (the AWS SDK) resolves as in Lambda's runtime.
    mkdirSync(join(root, 'test', '.bundles'), { recursive: true });
    outDir = mkdtempSync(join(root, 'test', '.bundles', 'run-'));
  });
  after(() => rmSync(outDir, { recursive: true, force: true }));
  beforeEach(() => cw().reset());
  afterEach(() => expect(cw().violations.map((v) => v.violation)).to.deep.equal([]));

  const awsEnv = () => ({
    AWS_ENDPOINT_URL_CLOUDWATCH: cw().endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: LOCAL_REGION,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });

  /** Bundles `entry` to `outfile` in the run's folder; answers its path and esbuild's warnings. */
  async function bundle(entry: string, outfile: string, options: BuildOptions) {
    const path = join(outDir, outfile);
    const result = await build({ ...options, entryPoints: [entry], outfile: path, logLevel: 'silent' });
    return { path, warnings: result.warnings.map((w: Message) => w.text), bytes: statSync(path).size };
  }

  function runNode(file: string, env: NodeJS.ProcessEnv) {
    return new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [file], { cwd: outDir, env: { ...process.env, ...env } });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.once('exit', (code) => {
        clearTimeout(guard);
        resolve({ code, output });
      });
    });
  }

  /**
   * The namespaces of what the local CloudWatch accepted, from clients or from EMF lines (its reads by dimensions
   * ignore the namespace).
   */
  const storedNamespaces = () => [
    ...new Set(
      [...cw().puts, ...cw().extractedPuts]
        .filter((p) => p.status === 200)
        .map((p) => (p.input as { Namespace: string }).Namespace),
    ),
  ];

  async function readJobs(namespace: string): Promise<number[]> {
    expect(storedNamespaces()).to.deep.equal([namespace]);
    const client = cw().client();
    try {
      return await readMany(
        client,
        namespace,
        'app.jobs',
        ['even', 'odd'].map((kind) => ({ 'service.name': 'bundled-app', kind })),
      );
    } finally {
      client.destroy();
    }
  }

  /** Runs a bundled application under the register entry's variables; answers what it stored. */
  async function runApp(file: string): Promise<number[]> {
    const namespace = `Bundled${++n}`;
    const { code, output } = await runNode(file, {
      ...awsEnv(),
      OTEL_EXPORTER_CLOUDWATCH_NAMESPACE: namespace,
      OTEL_SERVICE_NAME: 'bundled-app',
      OTEL_EXPORTER_CLOUDWATCH_RESOURCE_DIMENSIONS: 'service.name',
    });
    expect(code, output).to.equal(0);
    expect(output).to.equal('app done\n');
    return readJobs(namespace);
  }

  it('an ES module app keeps the register entry (CDK ESM recipe): no warning, every value lands', async () => {
    const b = await bundle(fixture('app.mjs'), 'app.mjs', CDK_ESM);
    expect(b.warnings).to.deep.equal([]);
    expect(await runApp(b.path)).to.deep.equal([5, 5]);
  });

  it('an ES module app with plain --format=esm and --main-fields=module,main needs no banner', async () => {
    const b = await bundle(fixture('app.mjs'), 'plain.mjs', { ...CDK, format: 'esm', mainFields: ['module', 'main'] });
    expect(b.warnings).to.deep.equal([]);
    expect(await runApp(b.path)).to.deep.equal([5, 5]);
  });

  it('an ES module app bundled with neither the banner nor module-first main fields fails at start, as the guide says', async () => {
    // OpenTelemetry's CommonJS builds require Node's built-ins; an ES module bundle has no `require` to give them.
    const b = await bundle(fixture('app.mjs'), 'bare.mjs', { ...CDK, format: 'esm' });
    expect(b.warnings, 'the register entry is kept all the same').to.deep.equal([]);
    const { code, output } = await runNode(b.path, { ...awsEnv(), OTEL_EXPORTER_CLOUDWATCH_NAMESPACE: 'Bare' });
    expect(code).to.not.equal(0);
    expect(output).to.contain('Dynamic require of "util" is not supported');
  });

  it("the guide's esbuild command, run as shown, bundles an app that sends every value", async () => {
    const block = /<!-- run: bundling-esm -->\s*```sh\n([\s\S]*?)```/.exec(guide);
    expect(block, 'docs/bundling.md has its command').to.not.equal(null);
    const dir = join(outDir, 'guide');
    mkdirSync(dir);
    copyFileSync(fixture('app.mjs'), join(dir, 'app.mjs'));
    execFileSync('sh', ['-c', block![1]!], { cwd: dir, stdio: 'pipe' });
    expect(await runApp(join(dir, 'dist', 'app.mjs'))).to.deep.equal([5, 5]);
  });

  it("the guide's import line is the one the bundled app starts with", () => {
    const block = /<!-- excerpt: test\/fixtures\/bundling\/app\.mjs -->\s*```js\n([\s\S]*?)```/.exec(guide);
    expect(readFileSync(fixture('app.mjs'), 'utf8')).to.contain(block![1]!.trim());
  });

  it('a CommonJS app keeps the register entry (CDK default): every value lands', async () => {
    const b = await bundle(fixture('app.cjs'), 'app.cjs', { ...CDK, format: 'cjs' });
    expect(b.warnings).to.deep.equal([]);
    expect(await runApp(b.path)).to.deep.equal([5, 5]);
  });

  /** Runs a bundled handler in the local Lambda; its stdout goes to an EMF extractor, as CloudWatch Logs reads it. */
  async function invokeBundledLambda(handler: string, invocations: number) {
    const namespace = `BundledLambda${++n}`;
    const extractor = cw().emfExtractor();
    const lambda = await LocalLambda.start({
      handler,
      env: { ...awsEnv(), OTEL_EXPORTER_CLOUDWATCH_NAMESPACE: namespace, CW_NAMESPACE: namespace },
      onStdout: (chunk) => extractor.write(chunk),
    });
    try {
      for (let i = 0; i < invocations; i++) {
        const inv = await lambda.invoke({ i, shard: i % 2, items: [i % 5, 1] });
        expect(inv.error, lambda.output).to.equal(undefined);
      }
    } catch (err) {
      await lambda.stop();
      throw err;
    }
    const registered = lambda.extensions.length;
    const ended = await lambda.shutdown();
    await extractor.close();
    expect(extractor.refused).to.deep.equal([]);
    expect(storedNamespaces()).to.deep.equal([namespace]);
    return { namespace, registered, ended, output: lambda.output, documents: extractor.documents };
  }

  it("the Lambda example (wrapLambdaHandler, top-level await) bundled as CDK's ESM recipe: EMF, every order", async () => {
    const b = await bundle(join(root, 'examples', 'lambda', 'handler.mts'), 'example/index.mjs', CDK_ESM);
    expect(b.warnings).to.deep.equal([]);
    const r = await invokeBundledLambda(`${b.path}#handler`, 50);
    expect(r.registered, 'the internal extension is registered during Init').to.equal(1);
    expect(r.ended).to.include({ firstSignal: 'SIGTERM', killed: false });
    const client = cw().client();
    try {
      const [orders] = await readMany(client, r.namespace, 'orders', [{ 'faas.name': 'local-function' }]);
      expect(orders, r.output).to.equal(50);
    } finally {
      client.destroy();
    }
    expect(cw().puts, 'no request: EMF on stdout, the default in Lambda').to.deep.equal([]);
    expect(r.documents, 'written after every invocation').to.equal(50);
  });

  it('a TypeScript handler bundled to CommonJS (CDK default): every order lands, however registration went', async () => {
    const b = await bundle(fixture('handler.ts'), 'cjs/index.js', { ...CDK, format: 'cjs' });
    expect(b.warnings).to.deep.equal([]);
    const r = await invokeBundledLambda(`${b.path}#handler`, 20);
    const client = cw().client();
    try {
      const orders = await readMany(client, r.namespace, 'orders', [{ shard: '0' }, { shard: '1' }]);
      expect(orders, r.output).to.deep.equal([10, 10]);
    } finally {
      client.destroy();
    }
  });
});
