import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** How a LocalLambda runs its function. */
export interface LocalLambdaOptions {
  /** `path/to/module.(m)js|ts#exportName`: the handler, as Lambda's `_HANDLER` names it. */
  handler: string;
  /** Environment for the function besides what Lambda sets (AWS_LAMBDA_RUNTIME_API, function name…). */
  env?: NodeJS.ProcessEnv;
  /** Stop the process (SIGSTOP) after Init and after each invocation, and resume it (SIGCONT) for the next, as
   *  Lambda freezes an idle execution environment. Default true. */
  freeze?: boolean;
  /** Refuse every extension registration (as a Lambda that cannot take one more would). Default false. */
  refuseExtensions?: boolean;
  /** The function's timeout, for each invocation's deadline. Default 30 s. */
  timeoutMillis?: number;
  /** Time Init may take (runtime and registered extensions calling Next). Default 15 s. */
  initTimeoutMillis?: number;
  /**
   * Time the runtime gets between SIGTERM and SIGKILL. Default 500 ms, what Lambda documents with an internal
   * extension; the open-source runtime interface emulator gives the runtime 30 % of its shutdown deadline instead.
   */
  shutdownGraceMillis?: number;
  /** Hears the function's stdout as it comes, as Lambda's log capture does (an EmfExtractor's `write`, say). */
  onStdout?: (chunk: Buffer) => void;
}

/** One invocation as Lambda saw it. */
export interface Invocation {
  requestId: string;
  /** The handler's result (response) or the error it reported. */
  result?: unknown;
  error?: unknown;
  /** From the event reaching the runtime to the runtime posting its response: what the caller waited. */
  durationMillis: number;
  /** Wall clock (epoch ms, with a fraction: see preciseNow) of the event reaching the runtime, and of the response. */
  startedAt: number;
  respondedAt: number;
}

/** How the environment ended. */
export interface LocalLambdaShutdown {
  /** SIGTERM when an extension was registered (Lambda's graceful shutdown), else SIGKILL at once. */
  firstSignal: 'SIGTERM' | 'SIGKILL';
  /** Whether the process had to be killed after the grace period. */
  killed: boolean;
  /** From the first signal to the process's exit. */
  exitMillis: number;
}

/** A registered extension, as this fake knows it. */
interface Extension {
  id: string;
  name: string;
  events: string[];
  /** Whether it has called Next since registering (Init waits for every registered extension to do so). */
  ready: boolean;
}

// Lambda's shutdown phase (Extensions API, "Shutdown phase"): the runtime gets 500 ms when an internal extension
// is registered; with none, it gets no signal at all.
const INTERNAL_EXTENSION_SHUTDOWN_MILLIS = 500;
const MAX_EXTENSIONS = 10;

/**
 * A Lambda execution environment on loopback: the Runtime API and Extensions API (the parts a Node function and an
 * internal extension use) served to one child process that runs a small Node runtime (see lambdaRuntime.ts), which
 * is frozen between invocations with SIGSTOP/SIGCONT and shut down with SIGTERM, then SIGKILL after the grace
 * period, as Lambda does. Registrations are accepted only during Init, never for SHUTDOWN (an internal extension
 * may not take it), at most ten.
 */
export class LocalLambda {
  /** Requests the function and its extensions made, in order (method and path), for tests to check. */
  readonly calls: string[] = [];
  readonly extensions: Extension[] = [];
  /** What the child wrote, for diagnostics. */
  output = '';
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private initDone = false;
  private runtimeWaiting?: ServerResponse;
  private runtimeArrived?: () => void;
  private current?: {
    requestId: string;
    startedAt: number;
    respondedAt?: number;
    result?: unknown;
    error?: unknown;
    done: (v: Invocation) => void;
    timer?: NodeJS.Timeout;
  };
  /** Set once the environment was ended by a timeout or a crash: Lambda would start a new one. */
  private reset?: string;
  private frozen = false;
  private readonly heldExtensionNexts: ServerResponse[] = [];
  private initFailure?: string;

  private constructor(
    private readonly server: Server,
    private readonly options: LocalLambdaOptions,
  ) {}

  /** Starts the server and the function, and returns once Init is done (and the function frozen). */
  static async start(options: LocalLambdaOptions): Promise<LocalLambda> {
    const server = createServer();
    const lambda = new LocalLambda(server, options);
    server.on('request', (req, res) => lambda.route(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      await lambda.spawn();
    } catch (err) {
      await lambda.stop();
      throw err;
    }
    return lambda;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Invokes the function once: resumes it, hands it the event, and freezes it again once it asks for the next. */
  async invoke(event: unknown): Promise<Invocation> {
    if (this.current) throw new Error('one invocation at a time');
    if (this.reset) throw new Error(`the environment is gone (${this.reset})`);
    this.thaw();
    const requestId = randomUUID();
    const result = new Promise<Invocation>((done) => {
      this.current = { requestId, startedAt: 0, done };
    });
    await this.runtimeReady();
    const res = this.runtimeWaiting!;
    this.runtimeWaiting = undefined;
    this.current!.startedAt = preciseNow();
    const timeout = this.options.timeoutMillis ?? 30_000;
    const deadline = Date.now() + timeout;
    // Lambda ends an invocation that outlives the function's timeout, and the environment with it.
    this.current!.timer = setTimeout(
      () => this.fail({ errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${timeout} ms` }, true),
      timeout,
    );
    res.writeHead(200, {
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': requestId,
      'lambda-runtime-deadline-ms': String(deadline),
      'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:123456789012:function:local',
      'lambda-runtime-trace-id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
    });
    res.end(JSON.stringify(event));
    return result;
  }

  /**
   * Ends the environment as Lambda does: SIGTERM when an extension is registered, then SIGKILL once the grace
   * period is over; SIGKILL at once when none is.
   */
  async shutdown(): Promise<LocalLambdaShutdown> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      await this.stop();
      return { firstSignal: 'SIGKILL', killed: false, exitMillis: 0 };
    }
    this.thaw();
    const graceful = this.extensions.length > 0;
    const started = Date.now();
    child.kill(graceful ? 'SIGTERM' : 'SIGKILL');
    let killed = !graceful;
    if (graceful) {
      const grace = this.options.shutdownGraceMillis ?? INTERNAL_EXTENSION_SHUTDOWN_MILLIS;
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), grace));
      if ((await Promise.race([this.exited!.then(() => 'exited' as const), timer])) === 'timeout') {
        child.kill('SIGKILL');
        killed = true;
      }
    }
    await this.exited;
    const exitMillis = Date.now() - started;
    await this.stop();
    return { firstSignal: graceful ? 'SIGTERM' : 'SIGKILL', killed, exitMillis };
  }

  /** Kills the function if it still runs and closes the server. */
  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.thaw();
      this.child.kill('SIGKILL');
      await this.exited;
    }
    for (const res of this.heldExtensionNexts.splice(0)) res.destroy();
    this.runtimeWaiting?.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async spawn(): Promise<void> {
    const { port } = this.server.address() as AddressInfo;
    const [file] = this.options.handler.split('#');
    // Built, the runtime is JavaScript beside this file; run from source (tests through tsx), it is TypeScript.
    const built = join(__dirname, 'lambdaRuntime.js');
    const runtime = existsSync(built) ? built : join(__dirname, 'lambdaRuntime.ts');
    const args = /\.[cm]?ts$/.test(file!) || runtime.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const child = spawn(process.execPath, [...args, runtime], {
      env: {
        ...process.env,
        ...this.options.env,
        AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
        AWS_LAMBDA_FUNCTION_NAME: this.options.env?.['AWS_LAMBDA_FUNCTION_NAME'] ?? 'local-function',
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        _HANDLER: this.options.handler,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => {
      this.output += d.toString();
      this.options.onStdout?.(d);
    });
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = once(child, 'exit').then(([code, signal]) => {
      this.fail({ errorType: 'Runtime.ExitError', errorMessage: `the runtime exited (${signal ?? code})` }, false);
    });
    const timeout = this.options.initTimeoutMillis ?? 15_000;
    const init = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Init did not complete within ${timeout} ms:\n${this.output}`)),
        timeout,
      );
      const check = setInterval(() => {
        if (this.initFailure !== undefined || child.exitCode !== null || child.signalCode !== null) {
          clearInterval(check);
          clearTimeout(timer);
          reject(new Error(`Init failed: ${this.initFailure ?? 'the runtime exited'}\n${this.output}`));
        } else if (this.initComplete()) {
          clearInterval(check);
          clearTimeout(timer);
          resolve();
        }
      }, 2);
    });
    await init;
    this.freeze();
  }

  /** Ends the invocation in progress with an error, and the environment with it (killed, when `kill`). */
  private fail(error: { errorType: string; errorMessage: string }, kill: boolean): void {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    clearTimeout(cur.timer);
    this.reset = error.errorType;
    if (kill && this.child?.exitCode === null && this.child.signalCode === null) {
      this.thaw();
      this.child.kill('SIGKILL');
    }
    const now = preciseNow();
    cur.done({
      requestId: cur.requestId,
      error,
      durationMillis: now - cur.startedAt,
      startedAt: cur.startedAt,
      respondedAt: now,
    });
  }

  /** Init ends once the runtime and every registered extension have called Next. */
  private initComplete(): boolean {
    return this.runtimeWaiting !== undefined && this.extensions.every((e) => e.ready);
  }

  private runtimeReady(): Promise<void> {
    if (this.runtimeWaiting) return Promise.resolve();
    return new Promise((r) => (this.runtimeArrived = r));
  }

  private freeze(): void {
    if (this.options.freeze === false || !this.child?.pid) return;
    this.child.kill('SIGSTOP');
    this.frozen = true;
  }

  private thaw(): void {
    if (!this.frozen || !this.child?.pid) return;
    this.child.kill('SIGCONT');
    this.frozen = false;
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '').split('?')[0]!;
      this.calls.push(`${req.method} ${path}`);
      try {
        this.handle(req, path, body, res);
      } catch (err) {
        reply(res, 500, { errorType: 'Fake.InternalError', errorMessage: String(err) });
      }
    });
  }

  private handle(req: IncomingMessage, path: string, body: string, res: ServerResponse): void {
    if (req.method === 'POST' && path === '/2020-01-01/extension/register') return this.register(req, body, res);
    if (req.method === 'GET' && path === '/2020-01-01/extension/event/next') {
      const ext = this.extensions.find((e) => e.id === req.headers['lambda-extension-identifier']);
      if (!ext)
        return reply(res, 403, { errorType: 'Extension.Unknown', errorMessage: 'unknown extension identifier' });
      ext.ready = true;
      // Registered for no events (all this fake serves): Next only ends Init, and is answered at shutdown, never.
      this.heldExtensionNexts.push(res);
      return;
    }
    if (req.method === 'GET' && path === '/2018-06-01/runtime/invocation/next') {
      // The runtime's first Next ends its part of Init: registrations are refused from now on.
      this.initDone = true;
      this.runtimeWaiting = res;
      const cur = this.current;
      if (cur?.respondedAt !== undefined) {
        // The runtime is done with the invocation: Lambda freezes the environment now.
        this.current = undefined;
        clearTimeout(cur.timer);
        this.freeze();
        cur.done({
          requestId: cur.requestId,
          result: cur.result,
          error: cur.error,
          durationMillis: cur.respondedAt - cur.startedAt,
          startedAt: cur.startedAt,
          respondedAt: cur.respondedAt,
        });
      }
      const arrived = this.runtimeArrived;
      this.runtimeArrived = undefined;
      arrived?.();
      return;
    }
    const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (req.method === 'POST' && m) {
      const cur = this.current;
      if (!cur || cur.requestId !== m[1]) {
        return reply(res, 400, { errorType: 'InvalidRequestID', errorMessage: 'no such invocation in progress' });
      }
      cur.respondedAt = preciseNow();
      const value = body === '' ? undefined : (JSON.parse(body) as unknown);
      if (m[2] === 'response') cur.result = value;
      else cur.error = value;
      return reply(res, 202, { status: 'OK' });
    }
    if (req.method === 'POST' && path === '/2018-06-01/runtime/init/error') {
      this.initFailure = body;
      return reply(res, 202, { status: 'OK' });
    }
    reply(res, 404, { errorType: 'NotFound', errorMessage: `${req.method} ${path}` });
  }

  private register(req: IncomingMessage, body: string, res: ServerResponse): void {
    const name = req.headers['lambda-extension-name'];
    if (this.options.refuseExtensions) {
      return reply(res, 403, { errorType: 'Extension.Forbidden', errorMessage: 'registration refused' });
    }
    if (this.initDone) {
      // Lambda takes registrations during Init only: once the runtime has called Next, it is too late.
      return reply(res, 403, { errorType: 'Extension.InitPhaseOver', errorMessage: 'Init is over' });
    }
    if (typeof name !== 'string' || name === '') {
      return reply(res, 400, { errorType: 'InvalidRequest', errorMessage: 'Lambda-Extension-Name is required' });
    }
    if (this.extensions.some((e) => e.name === name)) {
      return reply(res, 409, { errorType: 'Extension.AlreadyRegistered', errorMessage: name });
    }
    if (this.extensions.length >= MAX_EXTENSIONS) {
      return reply(res, 400, { errorType: 'Extension.TooManyExtensions', errorMessage: 'at most 10' });
    }
    let events: unknown;
    try {
      events = body === '' ? [] : ((JSON.parse(body) as { events?: unknown }).events ?? []);
    } catch {
      return reply(res, 400, { errorType: 'InvalidRequest', errorMessage: 'the body is not JSON' });
    }
    if (!Array.isArray(events) || events.some((e) => e !== 'INVOKE' && e !== 'SHUTDOWN')) {
      return reply(res, 400, { errorType: 'Extension.InvalidEventType', errorMessage: JSON.stringify(events) });
    }
    if (events.includes('SHUTDOWN')) {
      // Every extension registered here runs in the runtime's process, and an internal one may not take SHUTDOWN.
      return reply(res, 400, {
        errorType: 'Extension.InvalidEventType',
        errorMessage: 'internal extensions cannot register for SHUTDOWN',
      });
    }
    if (events.length > 0) {
      return reply(res, 501, {
        errorType: 'Fake.NotImplemented',
        errorMessage: 'this fake serves extensions registered for no events',
      });
    }
    const id = randomUUID();
    this.extensions.push({ id, name, events: events as string[], ready: false });
    res.setHeader('lambda-extension-identifier', id);
    reply(res, 200, { functionName: 'local-function', functionVersion: '$LATEST', handler: this.options.handler });
  }
}

/** Epoch milliseconds with a fraction: invocations last about a millisecond here. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
