import { metrics } from '@opentelemetry/api';
import { DEFAULT_LAMBDA_EMF_FLUSH_INTERVAL_MS, DEFAULT_LAMBDA_FLUSH_INTERVAL_MS } from '../defaults.js';
import { emfInUse } from '../emf/emfInUse.js';
import { untilDeadline, withDeadline } from '../util/deadlineScope.js';
import { reportLambda as report } from '../util/report.js';
import { registerInternalExtension, type ExtensionRegistration } from './registerInternalExtension.js';

/** Anything with a `forceFlush`: an SDK `MeterProvider` or a metric reader. */
export interface Flushable {
  /** Sends what was recorded so far. */
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

/** The global MeterProvider, resolved when a flush happens (it may be set after the handler is wrapped). */
const GLOBAL = Symbol('the global MeterProvider');

/**
 * The internal extension a flusher relies on: `first` and `final` as {@link registerInternalExtension} answers, and
 * what registering has come to so far (undefined while under way).
 */
export interface LambdaExtension {
  first: Promise<ExtensionRegistration>;
  final: Promise<ExtensionRegistration>;
  current(): ExtensionRegistration | undefined;
}

/** The one registration of this process, what it came to, and the providers SIGTERM flushes. */
let registration: LambdaExtension | undefined;
let registered: ExtensionRegistration | undefined;
/** Extensions whose failure to register was told (once each: every flusher of the process shares one). */
const warnedNoExtension = new WeakSet<LambdaExtension>();
let warnedNoProvider = false;
/** Each provider once (however many handlers flush it, or however often one is wrapped), with the longest budget. */
const shutdownFlushes = new Map<Flushable | typeof GLOBAL, number>();

/**
 * Decides, at the end of each invocation, whether to flush, and flushes what is left on SIGTERM. The first flusher
 * of a process registers the internal extension; every one shares it.
 */
export class LambdaFlusher {
  private lastFlush = Date.now();
  /** Settles once it is known how this flusher flushes; never rejects. */
  readonly ready: Promise<LambdaFlushMode>;

  private readonly extension: LambdaExtension | undefined;

  /**
   * @param extension - the extension to rely on; default: this process's one, registered by the first flusher
   *   (which also flushes every flusher's target on the SIGTERM it brings). Tests give their own.
   */
  constructor(
    private readonly target: Flushable | undefined,
    /** Undefined: after every invocation when the process writes EMF, else once a minute (see defaults.ts). */
    private readonly intervalMillis: number | undefined,
    shutdownFlushMillis: number,
    useExtension: boolean,
    extension: () => LambdaExtension = processExtension,
  ) {
    if (!useExtension) {
      this.ready = Promise.resolve('every-invocation');
      return;
    }
    const key = target ?? GLOBAL;
    shutdownFlushes.set(key, Math.max(shutdownFlushes.get(key) ?? 0, shutdownFlushMillis));
    this.extension = extension();
    const ext = this.extension;
    this.ready = ext.first.then((r) => {
      if (!r.registered) warnNoExtension(ext, r.reason);
      return r.registered ? 'interval' : 'every-invocation';
    });
  }

  /** How this flusher flushes now (`every-invocation` while registration is still under way). */
  get mode(): LambdaFlushMode {
    return this.extension?.current()?.registered === true ? 'interval' : 'every-invocation';
  }

  /** At the end of an invocation: flushes if the interval is due (or always, without the extension). */
  async afterInvocation(context: InvocationContext | undefined): Promise<void> {
    const now = Date.now();
    // Asked at each invocation: the exporter may be built after the handler is wrapped.
    const interval =
      this.intervalMillis ?? (emfInUse() ? DEFAULT_LAMBDA_EMF_FLUSH_INTERVAL_MS : DEFAULT_LAMBDA_FLUSH_INTERVAL_MS);
    if (this.mode === 'interval' && now - this.lastFlush < interval) return;
    const current = this.extension?.current();
    if (current !== undefined && !current.registered) warnNoExtension(this.extension!, current.reason);
    const budget = remainingMillis(context) - RESPONSE_MARGIN_MILLIS;
    if (budget <= 0) return; // the next invocation flushes instead
    this.lastFlush = now;
    await flushWithin(this.target ?? GLOBAL, budget);
  }
}

/**
 * Flushes within `millis`: the exports and flushes this starts are held to that deadline too (see deadlineScope),
 * so what could not be sent in time is kept by the exporter for the next flush instead of being waited on, and
 * nothing is left running after the answer (a callback handler's answer waits for an empty event loop).
 */
async function flushWithin(key: Flushable | typeof GLOBAL, millis: number): Promise<void> {
  const target = key === GLOBAL ? globalFlushable() : key;
  if (!target) {
    if (!warnedNoProvider) {
      warnedNoProvider = true;
      report('warn', 'no meterProvider was given and the global MeterProvider cannot flush');
    }
    return;
  }
  const deadline = Date.now() + millis;
  const flushed = withDeadline(deadline, () =>
    Promise.resolve()
      .then(() => target.forceFlush())
      .catch((err: unknown) => report('error', 'flushing metrics failed', err)),
  );
  await untilDeadline(flushed, deadline);
}

/** This process's extension: registered once, by the first flusher that asks; SIGTERM then flushes every target. */
function processExtension(): LambdaExtension {
  if (registration === undefined) {
    const { first, final } = registerInternalExtension(process.env['AWS_LAMBDA_RUNTIME_API']);
    void final.then((r) => {
      registered = r;
      if (r.registered) process.once('SIGTERM', onSigterm);
    });
    registration = { first, final, current: () => registered };
  }
  return registration;
}

/** Once per process: every flusher shares the one registration, and its fate. */
function warnNoExtension(extension: LambdaExtension, reason: string): void {
  if (warnedNoExtension.has(extension)) return;
  warnedNoExtension.add(extension);
  report(
    'warn',
    `no Lambda extension could be registered (${reason}), so Lambda will not signal the end ` +
      'of this environment: metrics are flushed at the end of every invocation instead of once per interval',
  );
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
 * Lambda's SIGTERM: the environment ends within the shutdown phase. Every provider is flushed; then, unless the
 * application handles the signal itself, the signal does what it would have done.
 */
function onSigterm(): void {
  const appHandles = process.listenerCount('SIGTERM') > 0;
  void Promise.all([...shutdownFlushes].map(([key, millis]) => flushWithin(key, millis))).finally(() => {
    if (appHandles) process.once('SIGTERM', onSigterm);
    else process.kill(process.pid, 'SIGTERM');
  });
}
