import { randomBytes } from 'node:crypto';
import { request, type ClientRequest } from 'node:http';

/** What registering came to: registered, or why not (in words for a diag line). */
export type ExtensionRegistration = { registered: true } | { registered: false; reason: string };

/**
 * The name Lambda lists for this extension in its logs; any name is allowed for an internal one. Each loaded copy of
 * the package (its ES module and CommonJS builds may both be loaded, or a bundle beside a layer) registers its own
 * extension for its own providers, and Lambda refuses a second registration under a name already taken: the name
 * ends with a suffix of this copy's own.
 */
export const EXTENSION_NAME = `opentelemetry-exporter-metrics-cloudwatch-${randomBytes(3).toString('hex')}`;

/** Longer than the Extensions API ever takes on loopback; short enough not to eat Init's time limit (10 s). */
export const REGISTRATION_TIMEOUT_MS = 2000;

/**
 * Registers an internal Lambda extension for no events, the least that makes Lambda send the runtime `SIGTERM`
 * before it ends the execution environment (with 500 ms for the runtime: Lambda Developer Guide, "Extensions API",
 * Shutdown phase). An internal extension may not register for `SHUTDOWN`, and needs no `INVOKE`: registered for
 * nothing, it costs no invocation any time. Lambda takes registrations during Init only, and Init ends only once
 * every registered extension has called Next: that call is made as soon as Lambda accepts, and left waiting
 * (answered never), on a socket that does not keep the process alive.
 *
 * `first` settles with the answer, or after {@link REGISTRATION_TIMEOUT_MS} as not registered; `final` settles
 * with the answer whenever it comes (a late acceptance still gets its Next, or Init would wait for it). Neither
 * rejects.
 */
export function registerInternalExtension(
  runtimeApi: string | undefined,
  timeoutMillis = REGISTRATION_TIMEOUT_MS,
): { first: Promise<ExtensionRegistration>; final: Promise<ExtensionRegistration> } {
  if (!runtimeApi) {
    const r = Promise.resolve<ExtensionRegistration>({
      registered: false,
      reason: 'AWS_LAMBDA_RUNTIME_API is not set (not in Lambda)',
    });
    return { first: r, final: r };
  }
  let sent: ClientRequest | undefined;
  const final = (async (): Promise<ExtensionRegistration> => {
    try {
      const res = await call(
        runtimeApi,
        'POST',
        '/2020-01-01/extension/register',
        { 'Lambda-Extension-Name': EXTENSION_NAME, 'Content-Type': 'application/json' },
        { body: JSON.stringify({ events: [] }), keepsAlive: true, started: (r) => (sent = r) },
      );
      const id = res.headers['lambda-extension-identifier'];
      if (res.status !== 200 || typeof id !== 'string') {
        return {
          registered: false,
          reason: `Lambda refused the extension (HTTP ${res.status}: ${res.body.slice(0, 200)})`,
        };
      }
      // The Next that ends this extension's Init. Lambda answers it only with an event, and there are none to send.
      void call(
        runtimeApi,
        'GET',
        '/2020-01-01/extension/event/next',
        { 'Lambda-Extension-Identifier': id },
        { keepsAlive: false },
      ).catch(() => undefined);
      return { registered: true };
    } catch (err) {
      return { registered: false, reason: `the Extensions API could not be reached (${(err as Error).message})` };
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<ExtensionRegistration>((resolve) => {
    timer = setTimeout(() => {
      // No longer worth keeping the process alive for; if the answer still comes, `final` takes it.
      sent?.socket?.unref();
      resolve({ registered: false, reason: `the Extensions API did not answer within ${timeoutMillis} ms` });
    }, timeoutMillis);
    timer.unref?.();
  });
  const first = Promise.race([final, timedOut]).finally(() => clearTimeout(timer));
  return { first, final };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  host: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  { body, keepsAlive, started }: { body?: string; keepsAlive: boolean; started?: (r: ClientRequest) => void },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const [hostname, port] = splitHost(host);
    const req = request({ hostname, port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    started?.(req);
    // The waiting Next must not keep alive a process that has nothing else to do. The registration must: a module
    // that awaits it at its top level would otherwise end with the await unsettled.
    if (!keepsAlive) req.on('socket', (socket) => socket.unref());
    req.on('error', reject);
    req.end(body);
  });
}

function splitHost(host: string): [string, number] {
  const i = host.lastIndexOf(':');
  return i < 0 ? [host, 80] : [host.slice(0, i), Number(host.slice(i + 1))];
}
