import { request } from 'node:http';

/** What registering came to: registered, or why not (in words for a diag line). */
export type ExtensionRegistration = { registered: true } | { registered: false; reason: string };

/** The name Lambda lists for this extension in its logs; any name is allowed for an internal one. */
export const EXTENSION_NAME = 'opentelemetry-exporter-metrics-cloudwatch';

/**
 * Registers an internal Lambda extension for no events, the least that makes Lambda send the runtime `SIGTERM`
 * before it ends the execution environment (with 500 ms for the runtime: Lambda Developer Guide, "Extensions API",
 * Shutdown phase). An internal extension may not register for `SHUTDOWN`, and needs no `INVOKE`: registered for
 * nothing, it costs no invocation any time. Lambda takes registrations during Init only, and Init ends only once
 * every registered extension has called Next: that call is made at once and left waiting (answered never), on a
 * socket that does not keep the process alive. Never throws.
 */
export async function registerInternalExtension(runtimeApi: string | undefined): Promise<ExtensionRegistration> {
  if (!runtimeApi) return { registered: false, reason: 'AWS_LAMBDA_RUNTIME_API is not set (not in Lambda)' };
  try {
    const res = await call(
      runtimeApi,
      'POST',
      '/2020-01-01/extension/register',
      { 'Lambda-Extension-Name': EXTENSION_NAME, 'Content-Type': 'application/json' },
      { body: JSON.stringify({ events: [] }), keepsAlive: true },
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
  { body, keepsAlive }: { body?: string; keepsAlive: boolean },
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
