/*
 * A small Node.js Lambda runtime, run by LocalLambda in its child process: loads `_HANDLER`, then asks the Runtime
 * API for events and posts each result, as Lambda's Node.js 22 runtime does: every handler is given a callback, and
 * its answer is whichever comes first of the callback and a promise it returns; an answer given through the callback
 * is posted only once the event loop is empty, unless the handler set `context.callbackWaitsForEmptyEventLoop` to
 * false. An uncaught exception or unhandled rejection ends the process, as it ends Lambda's runtime.
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
    const answer = await new Promise<{ via: 'callback' | 'promise'; error?: unknown; value?: unknown }>((settle) => {
      let settled = false;
      // A handler that neither returns a promise nor calls back is answered null once the event loop is empty.
      const onEmpty = () => once({ via: 'promise', value: null });
      const once = (a: { via: 'callback' | 'promise'; error?: unknown; value?: unknown }) => {
        if (!settled) {
          settled = true;
          process.removeListener('beforeExit', onEmpty);
          settle(a);
        }
      };
      try {
        const returned = handler(event, context, (error, value) =>
          once(error !== undefined && error !== null ? { via: 'callback', error } : { via: 'callback', value }),
        );
        if (returned !== null && typeof (returned as PromiseLike<unknown>)?.then === 'function') {
          (returned as PromiseLike<unknown>).then(
            (value) => once({ via: 'promise', value }),
            (error: unknown) => once({ via: 'promise', error: error ?? new Error('rejected') }),
          );
        } else if (!settled) {
          process.once('beforeExit', onEmpty);
        }
      } catch (error) {
        once({ via: 'promise', error });
      }
    });
    if (answer.via === 'callback' && context.callbackWaitsForEmptyEventLoop) {
      await new Promise((r) => process.once('beforeExit', r));
    }
    if ('error' in answer && answer.error !== undefined) {
      await post(`/invocation/${requestId}/error`, describe(answer.error));
    } else {
      await post(`/invocation/${requestId}/response`, answer.value);
    }
  }
}

void main();
