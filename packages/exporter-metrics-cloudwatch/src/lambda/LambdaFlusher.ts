import { metrics } from '@opentelemetry/api';
import { report } from '../report.js';
import { registerInternalExtension, type ExtensionRegistration } from './registerInternalExtension.js';

/** Anything with a `forceFlush`: an SDK `MeterProvider` or a metric reader. */
export interface Flushable {
  forceFlush(): Promise<void>;
}

/**
 * How a wrapped handler flushes: `interval` once Lambda has agreed to signal the environment's end (SIGTERM), so
 * data may wait; `every-invocation` when it has not, so nothing waits in a process Lambda may end unannounced.
 */
export type LambdaFlushMode = 'interval' | 'every-invocation';

/** What a flusher needs of the invocation it follows (Lambda's context has more). */
export interface InvocationContext {
  getRemainingTimeInMillis?: () => number;
}

// Left of the invocation's time for Lambda to take the response after the flush: a flush never times the function out.
const RESPONSE_MARGIN_MILLIS = 100;

/** The one registration of this process, and the flushers that SIGTERM flushes. */
let registration: Promise<ExtensionRegistration> | undefined;
let registered: ExtensionRegistration | undefined;
let warned = false;
const flushers = new Set<LambdaFlusher>();

/**
 * Decides, at the end of each invocation, whether to flush, and flushes what is left on SIGTERM. The first flusher
 * of a process registers the internal extension; every one shares it.
 */
export class LambdaFlusher {
  private lastFlush = Date.now();
  /** Settles once it is known how this flusher flushes; never rejects. */
  readonly ready: Promise<LambdaFlushMode>;

  constructor(
    private readonly target: Flushable | undefined,
    private readonly intervalMillis: number,
    private readonly shutdownFlushMillis: number,
    private readonly useExtension: boolean,
  ) {
    if (!useExtension) {
      this.ready = Promise.resolve('every-invocation');
      return;
    }
    flushers.add(this);
    registration ??= registerInternalExtension(process.env['AWS_LAMBDA_RUNTIME_API']).then((r) => {
      registered = r;
      if (r.registered) process.once('SIGTERM', onSigterm);
      return r;
    });
    this.ready = registration.then((r) => {
      if (!r.registered) this.warnOnce(r.reason);
      return r.registered ? 'interval' : 'every-invocation';
    });
  }

  /** How this flusher flushes now (`every-invocation` while registration is still under way). */
  get mode(): LambdaFlushMode {
    return this.useExtension && registered?.registered === true ? 'interval' : 'every-invocation';
  }

  /** At the end of an invocation: flushes if the interval is due (or always, without the extension). */
  async afterInvocation(context: InvocationContext | undefined): Promise<void> {
    const now = Date.now();
    if (this.mode === 'interval' && now - this.lastFlush < this.intervalMillis) return;
    if (this.mode === 'every-invocation' && this.useExtension && registered && !registered.registered) {
      this.warnOnce(registered.reason);
    }
    const remaining = remainingMillis(context);
    const budget = remaining - RESPONSE_MARGIN_MILLIS;
    if (budget <= 0) return; // the next invocation flushes instead
    this.lastFlush = now;
    await this.flushWithin(budget);
  }

  /** Flushes within `millis`; what is still being sent then is left to the exporter (kept for the next flush). */
  async flushWithin(millis: number): Promise<void> {
    const target = this.target ?? globalFlushable();
    if (!target) {
      report('warn', 'wrapLambdaHandler: no meterProvider was given and the global MeterProvider cannot flush');
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.min(millis, 2 ** 31 - 1));
      timer.unref?.();
    });
    try {
      const flushed = Promise.resolve()
        .then(() => target.forceFlush())
        .catch((err: unknown) => report('error', 'wrapLambdaHandler: flushing metrics failed', err));
      await Promise.race([flushed, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Flushes on SIGTERM within the shutdown phase's budget. */
  flushOnShutdown(): Promise<void> {
    return this.flushWithin(this.shutdownFlushMillis);
  }

  /** Once per process: every flusher shares the one registration, and its fate. */
  private warnOnce(reason: string): void {
    if (warned) return;
    warned = true;
    report(
      'warn',
      `wrapLambdaHandler: no Lambda extension could be registered (${reason}), so Lambda will not signal the end ` +
        'of this environment: metrics are flushed at the end of every invocation instead of once per interval',
    );
  }
}

function remainingMillis(context: InvocationContext | undefined): number {
  try {
    const r = context?.getRemainingTimeInMillis?.();
    return typeof r === 'number' && Number.isFinite(r) ? r : Infinity;
  } catch {
    return Infinity;
  }
}

function globalFlushable(): Flushable | undefined {
  const provider = metrics.getMeterProvider() as Partial<Flushable>;
  return typeof provider.forceFlush === 'function' ? (provider as Flushable) : undefined;
}

/**
 * Lambda's SIGTERM: the environment ends within the shutdown phase. Everything is flushed; then, unless the
 * application handles the signal itself, the signal does what it would have done.
 */
function onSigterm(): void {
  const appHandles = process.listenerCount('SIGTERM') > 0;
  void Promise.all([...flushers].map((f) => f.flushOnShutdown())).finally(() => {
    if (appHandles) process.once('SIGTERM', onSigterm);
    else process.kill(process.pid, 'SIGTERM');
  });
}
