import { LOCAL_CREDENTIALS, useLocalCloudWatch } from '@otel-cloudwatch/local-cloudwatch';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

describe('a process using the exporter', function () {
  this.timeout(30_000);
  const cw = useLocalCloudWatch();

  it('exits on its own after shutdown, prints nothing, and its data landed', async () => {
    const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'exportThenShutdown.js')], {
      env: {
        ...process.env,
        TEST_NAMESPACE: 'Lifecycle',
        TEST_ENDPOINT: cw().endpoint,
        TEST_KEY: LOCAL_CREDENTIALS.accessKeyId,
        TEST_SECRET: LOCAL_CREDENTIALS.secretAccessKey,
        // The SDK's own notice about Node 20's end of support is not the library's output.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', (c) => {
        clearTimeout(kill);
        resolve(c);
      });
    });
    expect(code, `exit code (output: ${output})`).to.equal(0);
    expect(Date.now() - started, 'time to exit').to.be.below(8_000);
    expect(output).to.equal('');
    expect(cw().puts.length).to.be.at.least(2);
    expect(cw().violations).to.deep.equal([]);
  });
});
