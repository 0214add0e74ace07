import { LambdaFlusher, type Flushable, type InvocationContext, type LambdaFlushMode } from './LambdaFlusher.js';

/**
 * One request a minute per busy environment: CloudWatch's standard resolution is one minute, so flushing more
 * often buys no finer data, only requests (and latency for the invocation that sends them).
 */
export const DEFAULT_LAMBDA_FLUSH_INTERVAL_MS = 60_000;
/** Lambda gives the runtime 500 ms after SIGTERM when an internal extension is registered; 100 ms are left over. */
export const DEFAULT_LAMBDA_SHUTDOWN_FLUSH_MS = 400;

/** Options of {@link wrapLambdaHandler}. Every default is stated here and in the README. */
export interface LambdaFlushOptions {
  /** What to flush. Default: the global MeterProvider (as NodeSDK or the register entry set it), read at each flush. */
  meterProvider?: Flushable;
  /**
   * An invocation ends with a flush when the last one is at least this old (ms); 0 flushes after every invocation.
   * Default {@link DEFAULT_LAMBDA_FLUSH_INTERVAL_MS}.
   */
  flushIntervalMillis?: number;
  /** Time the flush on SIGTERM may take (ms). Default {@link DEFAULT_LAMBDA_SHUTDOWN_FLUSH_MS}. */
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
   * Settles once the extension is registered (or refused): await it at the top level of an ES module handler so
   * that registration is over before Lambda's Init is (see the README). Never rejects.
   */
  readonly ready: Promise<LambdaFlushMode>;
};

type AnyHandler = (event: never, context: never, callback: never) => unknown;
type Callback = (error?: unknown, result?: unknown) => void;

/**
 * Wraps a Lambda handler so that its metrics are flushed at the end of an invocation only once the last flush is
 * `flushIntervalMillis` old, and what is left is flushed when Lambda ends the environment (SIGTERM, which Lambda
 * sends because the wrapper registers an internal extension). When no extension can be registered, it flushes at
 * the end of every invocation and says so once through `diag`. Async handlers stay async; callback handlers (three
 * parameters, Node.js 22 and earlier runtimes) stay callback handlers, and their callback is called after the flush.
 * A flush never fails the invocation and never outlasts its remaining time.
 */
export function wrapLambdaHandler<H extends AnyHandler>(
  handler: H,
  options: LambdaFlushOptions = {},
): WrappedLambdaHandler<H> {
  const interval = options.flushIntervalMillis ?? DEFAULT_LAMBDA_FLUSH_INTERVAL_MS;
  const shutdown = options.shutdownFlushMillis ?? DEFAULT_LAMBDA_SHUTDOWN_FLUSH_MS;
  for (const [name, v] of [
    ['flushIntervalMillis', interval],
    ['shutdownFlushMillis', shutdown],
  ] as const) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`wrapLambdaHandler: ${name} must be a finite number ≥ 0`);
  }
  const flusher = new LambdaFlusher(options.meterProvider, interval, shutdown, options.extension !== false);
  const inner = handler as unknown as (event: unknown, context: unknown, callback?: Callback) => unknown;
  const wrapped =
    handler.length >= 3
      ? function (this: unknown, event: unknown, context: unknown, callback: Callback): void {
          inner.call(this, event, context, (error?: unknown, result?: unknown) => {
            void flusher.afterInvocation(context as InvocationContext).finally(() => callback(error, result));
          });
        }
      : async function (this: unknown, event: unknown, context: unknown): Promise<unknown> {
          try {
            return await inner.call(this, event, context);
          } finally {
            await flusher.afterInvocation(context as InvocationContext);
          }
        };
  return Object.assign(wrapped, { ready: flusher.ready }) as unknown as WrappedLambdaHandler<H>;
}
