import { toError } from '../util/describeThrown.js';
import { Isolation, type IsolatedRequest } from './Isolation.js';
import { report } from '../util/report.js';
import type { StatsCounters } from '../stats/ExporterStats.js';
import type { Batch } from '../pack/Batch.js';
import type { DropReporter } from '../stats/DropReporter.js';
import type { RequestSlots } from './RequestSlots.js';
import type { RequestTransport } from './RequestTransport.js';
import { retryDelay, type FailureKind, type RetryPolicy } from './retryPolicy.js';
import type { DiscardReason, PendingRequest, RetryBuffer } from './RetryBuffer.js';
import type { SendRate } from './SendRate.js';
import type { ServiceHealth } from './ServiceHealth.js';

/** What every sender of an exporter shares: the transport, its limits and the state that outlives an export. */
export interface SenderDeps {
  /** How a request reaches the endpoint (PutMetricData, or the OTLP endpoint). */
  transport: RequestTransport;
  /** Requests in flight at once, shared with every other export. */
  slots: RequestSlots;
  /** How many workers a sender runs (at most the slots' size). */
  concurrency: number;
  health: ServiceHealth;
  /** The pace kept after throttling, shared by every export. */
  rate: SendRate;
  /**
   * New requests never start before the kept ones, not even while only the backlog is paced (see SendRate): where
   * the endpoint may refuse a point older than one it already stored for the same series (the OTLP endpoint's
   * cumulative points).
   */
  inOrder?: boolean;
  buffer: RetryBuffer;
  retry: RetryPolicy;
  /** Whether a request that may have been stored (no answer) is sent again: at least once, rather than at most. */
  resendUnknownOutcome: boolean;
  /** Extra requests allowed, per export, to isolate datums CloudWatch refuses. */
  isolationBudget: number;
  drops: DropReporter;
  /** CloudWatch refused requests for their envelope's optional members (the entity): they go without from now on. */
  onEnvelopeRefused?: (error: Error) => void;
  /** Gives up a request for good (counted and reported by the exporter). */
  discard: (reason: DiscardReason, request: PendingRequest) => void;
}

/** What is one export's own: its deadline, and its counters. */
export interface SendRun {
  /** When this export must be over (epoch ms); `abortSignal` fires then. */
  deadline: number;
  abortSignal: AbortSignal;
  /** When the data of new batches was collected, for their place in the retry buffer. */
  createdAt: number;
  /** This export's counters. */
  counters: StatsCounters;
}

/** How one export's requests ended. */
export interface SendOutcome {
  /** Requests that failed for good (not retryable, or refused and past the isolation budget). */
  failures: Error[];
  /** Requests put in the retry buffer, and the datums they hold. */
  kept: number;
  keptDatums: number;
  /** Datums given up by this export (not retryable, or no outcome and resending is off). */
  discardedDatums: number;
  /** The last transient error seen, if any. */
  lastError: Error | undefined;
}

interface Item extends IsolatedRequest {
  /** Taken from the retry buffer (a request sent again). */
  resent: boolean;
}

/** The longest a worker waiting on the pace sleeps before asking again (see BatchSender.waitForPace). */
const PACE_RECHECK_MS = 50;

/** How waiting on the pace ended: start now, too late for this export, or the export is stopping anyway. */
type Pace = 'go' | 'late' | 'stopped';

/**
 * The attempt's own outcome, or an AbortError once `signal` aborts: a step that ignores the signal (a credentials
 * provider that never answers) must not hold the export past its deadline. The SDK's HTTP handler does not start
 * a request whose signal has aborted, so nothing is sent after this gives up; and when the request had not reached
 * the HTTP handler yet (`onWire`), the error says it was never sent (`unsent`), which it certainly was not.
 */
function untilAborted<T>(attempt: Promise<T>, signal: AbortSignal, onWire: () => boolean): Promise<T> {
  if (signal.aborted) attempt.catch(() => {});
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      attempt.catch(() => {});
      reject(Object.assign(new Error('the export reached its deadline'), { name: 'AbortError', unsent: !onWire() }));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    attempt.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Waits `ms`, unless `signal` aborts first: resolves whether the whole wait passed. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Sends the requests of one export, and what the retry buffer holds, oldest data first: buffered requests before
 * new ones. Workers start as soon as the first batch is pushed, so sending overlaps with packing.
 *
 * Each request gets up to `retry.maxAttempts` attempts within the export, with backoff, never waiting past the
 * deadline. A request that still fails for a transient reason goes to the retry buffer, and CloudWatch is taken to
 * be down: this export sends nothing more, and later exports send one probe at a time until one lands. At the
 * deadline, requests in flight are aborted (their outcome is unknown) and what was not sent goes to the buffer.
 * A request CloudWatch refuses as invalid is split in halves until the refused datums stand alone and are dropped,
 * within `isolationBudget` extra requests. A request CloudWatch accepted is never sent again.
 */
export class BatchSender {
  private readonly queue: Item[] = [];
  private readonly failures: Error[] = [];
  private readonly idle: Array<() => void> = [];
  private active = 0;
  private allIdle: (() => void) | undefined;
  private closed = false;
  /** Set once this export has seen CloudWatch fail: it stops sending, and leaves probing to later exports. */
  private stopped = false;
  private kept = 0;
  private keptDatums = 0;
  private discardedDatums = 0;
  private lastError: Error | undefined;
  /** Workers waiting on the pace, and the end of their line (see paced). */
  private inLine = 0;
  private line: Promise<void> = Promise.resolve();

  /** Refused requests: the datums CloudWatch refuses found, or the request told apart from them. */
  private readonly isolation: Isolation<Item>;

  constructor(
    private readonly deps: SenderDeps,
    private readonly run: SendRun,
  ) {
    this.isolation = new Isolation<Item>(
      {
        requeueFirst: (items) => {
          this.queue.unshift(...items);
          this.wake();
        },
        giveUp: (item) => {
          run.counters.failedRequests++;
          this.discardedDatums += item.batch.count;
          deps.discard('fatal', item);
        },
        fail: (error) => this.failures.push(error),
        counters: run.counters,
        drops: deps.drops,
        onEnvelopeRefused: deps.onEnvelopeRefused,
      },
      deps.isolationBudget,
    );
  }

  /** Starts sending what the retry buffer holds, before any new batch arrives. */
  start(): void {
    for (let i = Math.min(this.deps.buffer.requests, this.deps.concurrency); i > 0; i--) this.wake();
  }

  /** Queues a batch of this export; a worker picks it up at once if one is free. */
  push(batch: Batch): void {
    this.queue.push({ batch, createdAt: this.run.createdAt, resent: false, half: false });
    this.wake();
  }

  /** No more batches: resolves once every request has landed, failed, or been kept for later. */
  async close(): Promise<SendOutcome> {
    this.closed = true;
    while (this.idle.length > 0) this.idle.shift()!();
    if (this.active > 0) await new Promise<void>((resolve) => (this.allIdle = resolve));
    // Whatever was not sent (CloudWatch down, or the deadline passed) waits in the buffer for a later export.
    // (keeping a half may release its sibling's isolation, which queues more halves: they are kept too)
    for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) this.keep(item);
    return {
      failures: this.failures,
      kept: this.kept,
      keptDatums: this.keptDatums,
      discardedDatums: this.discardedDatums,
      lastError: this.lastError ?? (this.kept + this.discardedDatums > 0 ? this.deps.health.lastError : undefined),
    };
  }

  private wake(): void {
    const waiting = this.idle.shift();
    if (waiting) return waiting();
    if (this.active >= this.deps.concurrency) return;
    this.active++;
    // work() handles its own errors; the catch is for what cannot be foreseen, so that it never goes unhandled.
    void this.work()
      .catch((err: unknown) => report('error', 'a send worker failed', err))
      .finally(() => {
        if (--this.active === 0 && this.allIdle) this.allIdle();
      });
  }

  private async work(): Promise<void> {
    for (;;) {
      if (this.stopped || this.run.abortSignal.aborted) return;
      const probe = this.deps.health.down;
      if (probe && !this.deps.health.claimProbe()) return;
      const item = this.next();
      if (item === undefined) {
        if (probe) this.deps.health.releaseProbe();
        if (this.closed) return;
        await new Promise<void>((resolve) => this.idle.push(resolve));
        continue;
      }
      try {
        await this.send(item, probe);
      } catch (err) {
        // Never expected; the request must not be lost for it. This export stops: going on would take the same
        // request again at once, and a fault that lasts would spin without ever yielding to the event loop.
        this.stopped = true;
        this.keep(item);
        report('error', 'unexpected error while sending', err);
      } finally {
        if (probe) this.deps.health.releaseProbe();
      }
    }
  }

  /** Halves being isolated first, then the oldest kept request, then this export's own. */
  private next(): Item | undefined {
    if (this.queue[0]?.half) return this.queue.shift();
    const kept = this.deps.buffer.take(Date.now());
    if (kept) return { ...kept, resent: true, half: false };
    return this.queue.shift();
  }

  private async send(item: Item, probing: boolean): Promise<void> {
    const { deps } = this;
    const { counters, abortSignal: signal } = this.run;
    // Kept from an earlier export, or on a path where nothing may overtake what was kept (see SenderDeps.inOrder).
    const backlog = item.resent || deps.inOrder === true;
    if ((await this.paced(probing, backlog)) !== 'go') return this.keep(item);
    if (!(await deps.slots.acquire(signal))) return this.keep(item);
    try {
      for (let attempt = 1; ; attempt++) {
        if (attempt === 1) counters.requests++;
        else counters.retries++;
        const sentAt = Date.now();
        try {
          let wired = false;
          const attempted = deps.transport.send(item.batch, signal, counters, () => (wired = true));
          const rejected = await untilAborted(attempted, signal, () => wired);
          counters.datumsExported += item.batch.count - (rejected ?? 0);
          if (item.resent) counters.resentRequests++;
          this.isolation.settled(item);
          deps.rate.landed(Date.now() - sentAt);
          if (deps.health.down) {
            deps.health.markUp();
            deps.rate.recovered();
            // Back up: the other workers may go again.
            for (let i = 1; i < deps.concurrency; i++) this.wake();
          }
          return;
        } catch (err) {
          const kind = deps.transport.classify(err, signal.aborted);
          if (kind === 'invalid') return this.isolation.refused(item, err);
          if (kind === 'throttled') {
            counters.throttledRequests++;
            deps.rate.throttled(sentAt, probing);
          }
          if (this.failedFor(kind, item, err)) return;
          if (signal.aborted || attempt >= deps.retry.maxAttempts) return this.giveUpForNow(item, err);
          // The endpoint's own Retry-After, when it gives one, is a floor under the backoff, and holds later
          // exports too.
          const retryAfter = deps.transport.retryAfterMillis(err);
          if (retryAfter !== undefined && retryAfter > 0) deps.rate.holdFor(retryAfter);
          const delay = Math.max(retryDelay(deps.retry, attempt, kind), retryAfter ?? 0);
          // Never wait past the deadline: the request is better off in the buffer than aborted mid-wait.
          if (Date.now() + delay >= this.run.deadline) return this.giveUpForNow(item, err);
          if (!(await sleep(delay, signal))) return this.giveUpForNow(item, err);
          // A retry the pace leaves no room for: its failure outlasted what this export can give, as above. One
          // whose export is stopping for another reason is only kept.
          const pace = await this.paced(probing, backlog);
          if (pace === 'late') return this.giveUpForNow(item, err);
          if (pace === 'stopped') return this.keepForNow(item, err);
        }
      }
    } finally {
      deps.slots.release();
    }
  }

  /**
   * Waits for the pace kept after throttling (see SendRate) and for the endpoint's Retry-After: 'late', and this
   * export sends nothing more, when the wait would pass the deadline or the export is brought to an end; 'stopped'
   * when CloudWatch was taken for down meanwhile. What is
   * left waits in the buffer. A probe, one request at a time with backoff while CloudWatch is down, waits out a
   * Retry-After only: pacing it would only stretch exports through an outage.
   */
  private async paced(probing: boolean, backlog: boolean): Promise<Pace> {
    const rate = this.deps.rate;
    if (probing) {
      const held = rate.heldFor();
      if (held === 0) return 'go';
      if (Date.now() + held >= this.run.deadline || !(await sleep(held, this.run.abortSignal))) return this.pacedOut();
      return 'go';
    }
    // A request the pace lets through (a new one during slow start) never waits behind those it holds.
    if (this.inLine === 0 || rate.passes(backlog)) {
      const wait = rate.claim(this.run.deadline, backlog);
      if (wait === 0) return 'go';
      if (wait === undefined) return this.pacedOut();
    }
    // Workers wait on the pace in line, first come first served: otherwise a retry waiting out its start could lose
    // every start to new requests until the deadline, and be taken for an outage.
    this.inLine++;
    const turn = this.line.then(() => this.waitForPace(backlog));
    this.line = turn.then(
      () => undefined,
      () => undefined,
    );
    try {
      return await turn;
    } finally {
      this.inLine--;
    }
  }

  private async waitForPace(backlog: boolean): Promise<Pace> {
    for (;;) {
      if (this.run.abortSignal.aborted) break;
      // CloudWatch taken for down meanwhile: only probes go now. (Another request paced out does not stop this one:
      // the pace may have risen since, slow start doubling it with each request that lands.)
      if (this.deps.health.down) return 'stopped';
      const wait = this.deps.rate.claim(this.run.deadline, backlog);
      if (wait === 0) return 'go';
      // Asked again at least every PACE_RECHECK_MS: each request that lands may raise the rate (slow start
      // doubles it), and the head of the line should start as soon as the new rate allows, not at the old one.
      if (wait === undefined || !(await sleep(Math.min(wait, PACE_RECHECK_MS), this.run.abortSignal))) break;
    }
    return this.pacedOut();
  }

  private pacedOut(): 'late' {
    // (before keeping: a worker that found the sender going would take the next request at once, and so on)
    this.stopped = true;
    return 'late';
  }

  /** A request that failed and cannot be tried again in this export, which is stopping: kept, nothing more. */
  private keepForNow(item: Item, err: unknown): void {
    this.run.counters.failedRequests++;
    this.lastError = toError(err);
    this.keep(item);
  }

  /** Handles failures that end a request's attempts at once; true if it did. */
  private failedFor(kind: FailureKind, item: Item, err: unknown): boolean {
    const { deps } = this;
    if (kind === 'unknown-outcome') {
      this.run.counters.unknownOutcomes++;
      if (!deps.resendUnknownOutcome) {
        this.isolation.settled(item);
        this.run.counters.failedRequests++;
        this.discardedDatums += item.batch.count;
        deps.discard('unknown-outcome', item);
        this.lastError = toError(err);
        return true;
      }
    }
    if (kind === 'fatal') {
      this.isolation.settled(item);
      this.run.counters.failedRequests++;
      this.discardedDatums += item.batch.count;
      this.failures.push(toError(err));
      deps.discard('fatal', item);
      return true;
    }
    return false;
  }

  /** A transient failure outlasted the attempts this export can give: CloudWatch is down; keep the request. */
  private giveUpForNow(item: Item, err: unknown): void {
    const error = toError(err);
    this.run.counters.failedRequests++;
    this.lastError = error;
    if (!this.deps.health.down) this.deps.rate.wentDown();
    this.deps.health.markDown(error);
    this.stopped = true;
    this.keep(item);
  }

  private keep(item: Item): void {
    this.isolation.settled(item);
    if (!this.deps.buffer.add({ batch: item.batch, createdAt: item.createdAt })) {
      this.discardedDatums += item.batch.count;
      return;
    }
    this.kept++;
    this.keptDatums += item.batch.count;
    this.run.counters.bufferedRequests++;
  }
}
