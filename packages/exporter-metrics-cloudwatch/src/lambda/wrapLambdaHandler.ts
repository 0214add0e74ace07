import { DEFAULT_LAMBDA_EXTENSION, DEFAULT_LAMBDA_SHUTDOWN_FLUSH_MS } from '../defaults.js';
import { LambdaFlusher, type Flushable, type InvocationContext, type LambdaFlushMode } from './LambdaFlusher.js';

/** Options of {@link wrapLambdaHandler}. Every default is stated in src/defaults.ts and in the README. */
export interface LambdaFlushOptions {
  /** What to flush. Default: the global MeterProvider (as NodeSDK or the register entry set it), read at each flush. */
  meterProvider?: Flushable;
  /**
   * An invocation ends with a flush when the last one is at least this old (ms); 0 flushes after every invocation.
   * Default: 0 when the exporter writes EMF (the default in Lambda: a flush is a local write), else 60,000
   * (CloudWatch's standard resolution: one request a minute).
   */
  flushIntervalMillis?: number;
  /** Time the flush on SIGTERM may take (ms). Default 400 (Lambda gives the runtime 500 after SIGTERM). */
  shutdownFlushMillis?: number;
  /**
   * Register an internal Lambda extension, so that Lambda sends SIGTERM before it ends the environment and data
   * may wait for the interval. `false`: flush after every invocation. Default true.
   */
  extension?: boolean;
}

/** A wrapped handler, with what its flushing came to. */
export type WrappedLambdaHandler<H> = H & {
  /**
   * Settles once the extension is registered (or refused, or not answered within 2 s): await it at the top level
   * of an ES module handler so that registration is over before Lambda's Init is (see docs/lambda.md). Never rejects.
   */
  readonly ready: Promise<LambdaFlushMode>;
};

type Callback = (error?: unknown, result?: unknown) => void;
type Outcome = { failed: false; value: unknown } | { failed: true; error: unknown };

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  (typeof v === 'object' || typeof v === 'function') &&
  v !== null &&
  typeof (v as PromiseLike<unknown>).then === 'function';

/**
 * Wraps a Lambda handler so that its metrics are flushed at the end of an invocation — every invocation when the
 * exporter writes EMF (the default in Lambda), else only once the last flush is `flushIntervalMillis` old — and
 * what is left is flushed when Lambda ends the environment (SIGTERM, which Lambda
 * sends because the wrapper registers an internal extension). When no extension can be registered, it flushes at
 * the end of every invocation and says so once through `diag`.
 *
 * The handler is called as Lambda's Node.js runtime calls it: with a callback as third argument when the runtime
 * gives one, its answer being whichever comes first of the callback and a returned promise. A handler declaring
 * three parameters is wrapped in one that does too (a callback handler, Node.js 22 and earlier), any other in an
 * async one. The answer goes back after the flush, once, whatever the handler does; a flush never fails the
 * invocation and never outlasts its remaining time.
 *
 * Experimental: tested in a local Lambda that follows the documented Runtime and Extensions APIs; may change in a
 * minor release.
 *
 * @beta
 */
export function wrapLambdaHandler<H extends (event: never, context: never, callback: never) => unknown>(
  handler: H,
  options: LambdaFlushOptions = {},
): WrappedLambdaHandler<H> {
  const interval = options.flushIntervalMillis;
  const shutdown = options.shutdownFlushMillis ?? DEFAULT_LAMBDA_SHUTDOWN_FLUSH_MS;
  for (const [name, v] of [
    ['flushIntervalMillis', interval ?? 0],
    ['shutdownFlushMillis', shutdown],
  ] as const) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`wrapLambdaHandler: ${name} must be a finite number ≥ 0`);
  }
  const flusher = new LambdaFlusher(
    options.meterProvider,
    interval,
    shutdown,
    (options.extension ?? DEFAULT_LAMBDA_EXTENSION) !== false,
  );
  const inner = handler as unknown as (this: unknown, event: unknown, context: unknown, callback: Callback) => unknown;
  const callbackStyle = handler.length >= 3;

  /** Runs the handler and hands its outcome, after the flush, to `answer`, exactly once. */
  function invoke(
    self: unknown,
    event: unknown,
    context: unknown,
    runtimeCallback: unknown,
    answer: (o: Outcome) => void,
  ) {
    let answered = false;
    // A handler that neither calls back nor returns a promise is answered null once the event loop is empty, as
    // Lambda's Node.js 22 runtime answers it.
    const onEmpty = () => finish({ failed: false, value: null });
    const finish = (outcome: Outcome) => {
      if (answered) return;
      answered = true;
      process.removeListener('beforeExit', onEmpty);
      void flusher.afterInvocation(context as InvocationContext).then(() => {
        try {
          answer(outcome);
        } catch (err) {
          // The runtime's callback does not throw; a caller's may (a test's assertion): it is theirs, not ours to eat.
          process.nextTick(() => {
            throw err;
          });
        }
      });
    };
    const callback: Callback = (error, result) =>
      finish(error !== undefined && error !== null ? { failed: true, error } : { failed: false, value: result });
    let returned: unknown;
    try {
      returned = inner.call(self, event, context, callback);
    } catch (error) {
      finish({ failed: true, error });
      return;
    }
    if (isThenable(returned)) {
      returned.then(
        (value) => finish({ failed: false, value }),
        (error: unknown) => finish({ failed: true, error }),
      );
    } else if (typeof runtimeCallback !== 'function' && !callbackStyle) {
      // No callback offered (Node.js 24, or a direct call): a plain function's return value is its answer.
      finish({ failed: false, value: returned });
    } else if (!answered) {
      // A callback was offered: the answer is the callback's (a handler forwarding its arguments to a callback
      // handler returns whatever that one returns), or null once nothing is left to call it.
      process.once('beforeExit', onEmpty);
    }
  }

  const wrapped = callbackStyle
    ? function (this: unknown, event: unknown, context: unknown, callback: Callback): void {
        invoke(this, event, context, callback, (o) => (o.failed ? callback(o.error) : callback(null, o.value)));
      }
    : function (this: unknown, event: unknown, context: unknown, ...rest: unknown[]): Promise<unknown> {
        return new Promise((resolve, reject) =>
          invoke(this, event, context, rest[0], (o) => (o.failed ? reject(o.error) : resolve(o.value))),
        );
      };
  return Object.assign(wrapped, { ready: flusher.ready }) as unknown as WrappedLambdaHandler<H>;
}
