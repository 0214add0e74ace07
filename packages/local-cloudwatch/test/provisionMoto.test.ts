import { expect } from 'chai';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MOTO_VERSION, motoCommand, MotoUnavailableError } from '../src/provisionMoto';

/** An executable shell script. */
function script(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\nPATH=/usr/bin:/bin\n${body}\n`);
  chmodSync(path, 0o755);
}

// A stand-in for python3: `-m venv DIR` makes a "virtual environment" whose python runs `-m pip install` by
// creating bin/moto_server — or failing as pip does without a package index, when FAKE_PIP_FAIL is set.
// It tests the provisioning steps and their messages; the real install needs PyPI, which CI does not reach.
const FAKE_PYTHON = `
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin"
  cat > "$3/bin/python" <<'EOS'
#!/bin/sh
PATH=/usr/bin:/bin
if [ -n "$FAKE_PIP_FAIL" ]; then
  echo "ERROR: Could not find a version that satisfies the requirement moto[server]==X" >&2
  echo "ERROR: No matching distribution found for moto[server]==X" >&2
  exit 1
fi
printf '#!/bin/sh\\necho fake moto\\n' > "$(dirname "$0")/moto_server"
chmod +x "$(dirname "$0")/moto_server"
echo "$*" > "$(dirname "$0")/pip-args"
EOS
  chmod +x "$3/bin/python"
  exit 0
fi
exit 2`;

describe('motoCommand (finding or provisioning moto_server)', () => {
  let dir: string;
  let bin: string;
  let cacheDir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'provision-moto-'));
    bin = join(dir, 'bin');
    mkdirSync(bin);
    cacheDir = join(dir, 'cache', 'moto');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  beforeEach(() => (lines.length = 0));

  it('uses MOTO_SERVER as given', async () => {
    expect(await motoCommand({ env: { MOTO_SERVER: '/opt/moto/bin/moto_server', PATH: bin }, cacheDir })).to.equal(
      '/opt/moto/bin/moto_server',
    );
  });

  it('uses a moto_server on the PATH, installing nothing', async () => {
    script(join(bin, 'moto_server'), 'exit 0');
    script(join(bin, 'python3'), FAKE_PYTHON);
    expect(await motoCommand({ env: { PATH: bin }, cacheDir, log })).to.equal(join(bin, 'moto_server'));
    expect(lines).to.deep.equal([]);
    expect(existsSync(cacheDir)).to.equal(false);
  });

  it('provisions a pinned moto once, with one progress line, and uses the cache afterwards', async () => {
    script(join(bin, 'python3'), FAKE_PYTHON);
    const first = await motoCommand({ env: { PATH: bin }, cacheDir, log });
    expect(first).to.equal(join(cacheDir, 'bin', 'moto_server'));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include(`installing moto ${MOTO_VERSION}`);
    expect(await motoCommand({ env: { PATH: bin }, cacheDir, log })).to.equal(first);
    expect(lines, 'no second install').to.have.length(1);
  });

  it('asks pip for exactly the pinned version, with the server extra', async () => {
    script(join(bin, 'python3'), FAKE_PYTHON);
    await motoCommand({ env: { PATH: bin }, cacheDir, log });
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(cacheDir, 'bin', 'pip-args'), 'utf8').trim()).to.equal(
      `-m pip install --disable-pip-version-check --quiet moto[server]==${MOTO_VERSION}`,
    );
  });

  it('says in one sentence why pip failed, and leaves no half-made cache behind', async () => {
    script(join(bin, 'python3'), FAKE_PYTHON);
    const err = await motoCommand({ env: { PATH: bin, FAKE_PIP_FAIL: '1' }, cacheDir, log }).catch((e: Error) => e);
    expect(err).to.be.instanceOf(MotoUnavailableError);
    expect((err as Error).message).to.match(
      /could not install moto .* with pip \(exit 1: ERROR: No matching distribution/,
    );
    expect((err as Error).message).to.include('pip install "moto[server]"');
    expect((err as Error).message.split('\n')).to.have.length(1);
    expect(existsSync(cacheDir)).to.equal(false);
  });

  it('without Python 3, says what to install (and that --aws needs none)', async () => {
    const err = await motoCommand({ env: { PATH: bin }, cacheDir, log }).catch((e: Error) => e);
    expect(err).to.be.instanceOf(MotoUnavailableError);
    expect((err as Error).message).to.match(/needs Python 3 .* apt-get install python3 python3-venv.*--aws/);
    expect(lines).to.deep.equal([]);
  });

  it('under CI=true installs nothing and fails loudly', async () => {
    script(join(bin, 'python3'), FAKE_PYTHON);
    const err = await motoCommand({ env: { PATH: bin, CI: 'true' }, cacheDir, log }).catch((e: Error) => e);
    expect(err).to.be.instanceOf(MotoUnavailableError);
    expect((err as Error).message).to.match(/CI does not install it/);
    expect(existsSync(cacheDir)).to.equal(false);
  });
});
