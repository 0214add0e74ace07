import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { freePort } from './freePort';
import { motoCommand, MotoUnavailableError } from './provisionMoto';

export { MotoUnavailableError };

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 30_000;
const live = new Set<ChildProcess>();

// A test run that dies between start and stop must not leave a Python process behind.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A moto_server child process serving the AWS APIs on one loopback port. */
export class MotoServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly endpoint: string,
    private readonly output: () => string,
  ) {}

  /** Starts moto on a free loopback port and waits until it answers HTTP. */
  static async start(): Promise<MotoServer> {
    const command = await motoCommand();
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort(HOST);
      try {
        return await MotoServer.startOn(command, port);
      } catch (err) {
        if (err instanceof MotoUnavailableError) throw err;
        lastError = err; // most likely the port was taken between freePort() and moto's bind
      }
    }
    throw new Error(`moto_server did not start after 3 attempts: ${String(lastError)}`);
  }

  private static startOn(command: string, port: number): Promise<MotoServer> {
    return new Promise((resolve, reject) => {
      let log = '';
      const child = spawn(command, ['-H', HOST, '-p', String(port)], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PYTHONUNBUFFERED: '1' },
      });
      live.add(child);
      const keep = (chunk: Buffer): void => {
        log = (log + chunk.toString('utf8')).slice(-4000);
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        live.delete(child);
        child.kill('SIGKILL');
        reject(err);
      };
      child.once('error', (err: NodeJS.ErrnoException) => {
        fail(
          err.code === 'ENOENT' || err.code === 'EACCES'
            ? new MotoUnavailableError(`moto_server could not be started (${command}: ${err.message}).`)
            : err,
        );
      });
      child.once('exit', (code, signal) => {
        if (code === 127) {
          fail(
            new MotoUnavailableError(`moto_server could not be started (${command}: ${log.trim() || 'not found'}).`),
          );
        } else fail(new Error(`moto_server exited early (code ${code}, signal ${signal}): ${log.trim()}`));
      });
      const timer = setTimeout(
        () => fail(new Error(`moto_server did not answer within ${READY_TIMEOUT_MS} ms: ${log}`)),
        READY_TIMEOUT_MS,
      );
      const endpoint = `http://${HOST}:${port}`;
      const poll = (): void => {
        if (settled) return;
        const req = request(`${endpoint}/moto-api/`, { method: 'GET', timeout: 1000 }, (res) => {
          res.resume();
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          child.removeAllListeners('exit');
          child.once('exit', () => live.delete(child));
          resolve(new MotoServer(child, endpoint, () => log));
        });
        req.once('error', () => setTimeout(poll, 100));
        req.once('timeout', () => req.destroy());
        req.end();
      };
      poll();
    });
  }

  /** The last lines moto printed, for error messages. */
  get log(): string {
    return this.output();
  }

  /** Forgets every metric stored so far. */
  async reset(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const req = request(`${this.endpoint}/moto-api/reset`, { method: 'POST' }, (res) => {
        res.resume();
        res.once('end', () => resolve());
      });
      req.once('error', reject);
      req.end();
    });
  }

  /** Stops moto and waits for the process to end. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) {
      live.delete(child);
      return;
    }
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(force);
        live.delete(child);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
