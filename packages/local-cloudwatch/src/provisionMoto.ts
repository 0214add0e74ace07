import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';

/** The moto this project tests against; the one provisioned when none is installed. */
export const MOTO_VERSION = '5.2.1';

/** Thrown when moto_server is not installed: tests skip on a developer's machine and fail under CI. */
export class MotoUnavailableError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'MotoUnavailableError';
  }
}

export interface ProvisionOptions {
  /** The environment to read PATH, MOTO_SERVER and CI from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where a provisioned moto lives. Default: `.cache/moto` at the repository root (LOCAL_CLOUDWATCH_CACHE). */
  cacheDir?: string;
  /** Where the one progress line goes. Default: stderr. */
  log?: (line: string) => void;
}

/** An executable file named `name` on the PATH, or undefined. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The repository root (where lerna.json is), or the system's temporary directory outside a checkout. */
function repositoryRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'lerna.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return tmpdir();
    dir = up;
  }
}

export const defaultCacheDir = (env: NodeJS.ProcessEnv = process.env): string =>
  env['LOCAL_CLOUDWATCH_CACHE'] || join(repositoryRoot(), '.cache', 'moto');

/**
 * The moto_server command to run. In order: `MOTO_SERVER`; a `moto_server` on the PATH; one provisioned earlier in
 * the cache; otherwise — like test tools that fetch their database server on first use — a pinned moto installed
 * into a project-local Python virtual environment, with one progress line. Under `CI=true` nothing is installed: CI
 * must bring its own, and says so loudly. Every failure is a MotoUnavailableError with one clear sentence.
 */
export async function motoCommand(options: ProvisionOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  if (env['MOTO_SERVER']) return env['MOTO_SERVER'];
  const installed = onPath('moto_server', env);
  if (installed) return installed;
  const cacheDir = resolve(options.cacheDir ?? defaultCacheDir(env));
  const cached = join(cacheDir, 'bin', 'moto_server');
  if (existsSync(cached)) return cached;
  if (env['CI'] === 'true') {
    throw new MotoUnavailableError(
      'moto_server is not installed, and CI does not install it: pip install "moto[server]" (or set MOTO_SERVER).',
    );
  }
  const python = onPath('python3', env);
  if (!python) {
    throw new MotoUnavailableError(
      'The local CloudWatch needs Python 3 to run moto: install python3 with its venv module ' +
        '(Debian/Ubuntu: apt-get install python3 python3-venv), or run against AWS with --aws.',
    );
  }
  // One attempt per process and cache: the suites of one test run must not each wait for pip to fail again.
  let provisioning = attempts.get(cacheDir);
  if (!provisioning) {
    provisioning = provision(python, cacheDir, env, options.log ?? ((line) => process.stderr.write(`${line}\n`)));
    attempts.set(cacheDir, provisioning);
  }
  return provisioning;
}

const attempts = new Map<string, Promise<string>>();

async function provision(
  python: string,
  cacheDir: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<string> {
  const cached = join(cacheDir, 'bin', 'moto_server');
  log(`local-cloudwatch: installing moto ${MOTO_VERSION} into ${cacheDir} (first run only; later runs reuse it)…`);
  // Built beside the cache and moved into place whole, so that an interrupted install is never taken for a good one.
  const building = `${cacheDir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(dirname(cacheDir), { recursive: true });
  try {
    await run(python, ['-m', 'venv', building], env, 'could not create a Python virtual environment (python3-venv?)');
    await run(
      join(building, 'bin', 'python'),
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', `moto[server]==${MOTO_VERSION}`],
      env,
      `could not install moto ${MOTO_VERSION} with pip`,
    );
    if (!existsSync(join(building, 'bin', 'moto_server'))) {
      throw new MotoUnavailableError(`pip installed moto ${MOTO_VERSION}, but it has no moto_server command.`);
    }
    try {
      renameSync(building, cacheDir);
    } catch (err) {
      // Another process provisioned it meanwhile: theirs is as good as ours.
      if (!existsSync(cached)) throw err;
    }
    return cached;
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

/** Runs a command to its end; a failure becomes one sentence with the last line the command printed. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, failure: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    let output = '';
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (err) => reject(new MotoUnavailableError(`${failure}: ${err.message}.`)));
    child.once('exit', (code) => {
      if (code === 0) return resolvePromise();
      const last = output.trim().split('\n').pop() ?? '';
      reject(
        new MotoUnavailableError(
          `${failure} (exit ${code}${last ? `: ${last}` : ''}). Install it yourself with ` +
            'pip install "moto[server]", or set MOTO_SERVER to its path.',
        ),
      );
    });
  });
}
