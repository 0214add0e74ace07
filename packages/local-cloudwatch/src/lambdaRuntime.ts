/*
 * A small Node.js Lambda runtime, run by LocalLambda in its child process: loads `_HANDLER`, then asks the Runtime
 * API for events and posts each result, as Lambda's Node runtime does. Callback handlers (three parameters) are
 * called with a callback, as Node.js 22 and earlier runtimes do; this one does not wait for an empty event loop
 * after the callback (callbackWaitsForEmptyEventLoop), which tests here do not rely on.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

type Handler = (event: unknown, context: LambdaContext, callback?: (err: unknown, result?: unknown) => void) => unknown;

interface LambdaContext {
  awsRequestId: string;
  functionName: string;
  invokedFunctionArn: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

const api = `http://${process.env['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime`;

async function post(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${api}${path}`, { method: 'POST', body: JSON.stringify(body ?? null) });
  await res.arrayBuffer();
}

function describe(err: unknown): { errorType: string; errorMessage: string } {
  return err instanceof Error
    ? { errorType: err.name, errorMessage: err.message }
    : { errorType: 'Error', errorMessage: String(err) };
}

async function loadHandler(): Promise<Handler> {
  const spec = process.env['_HANDLER'] ?? '';
  const hash = spec.lastIndexOf('#');
  const file = resolve(spec.slice(0, hash));
  const name = spec.slice(hash + 1);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown> & {
    default?: Record<string, unknown>;
  };
  const handler = mod[name] ?? mod.default?.[name];
  if (typeof handler !== 'function') throw new Error(`${spec}: no function exported as ${name}`);
  return handler as Handler;
}

async function main(): Promise<void> {
  let handler: Handler;
  try {
    handler = await loadHandler();
  } catch (err) {
    await post('/init/error', describe(err));
    process.exit(1);
  }
  for (;;) {
    const res = await fetch(`${api}/invocation/next`);
    const requestId = res.headers.get('lambda-runtime-aws-request-id')!;
    const deadline = Number(res.headers.get('lambda-runtime-deadline-ms'));
    const event = (await res.json()) as unknown;
    const context: LambdaContext = {
      awsRequestId: requestId,
      functionName: process.env['AWS_LAMBDA_FUNCTION_NAME'] ?? '',
      invokedFunctionArn: res.headers.get('lambda-runtime-invoked-function-arn') ?? '',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => deadline - Date.now(),
    };
    try {
      const result =
        handler.length >= 3
          ? await new Promise((ok, fail) => {
              handler(event, context, (err, value) => (err ? fail(err) : ok(value)));
            })
          : await handler(event, context);
      await post(`/invocation/${requestId}/response`, result);
    } catch (err) {
      await post(`/invocation/${requestId}/error`, describe(err));
    }
  }
}

void main();
