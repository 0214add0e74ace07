/** The rate a throttled exporter falls to at least: one request every two seconds (as the AWS SDK's adaptive mode). */
const MIN_RATE = 0.5;
/** On throttling, the rate actually sent at is multiplied by this. */
const DECREASE = 0.5;
/**
 * Each request that lands raises the rate by this share: a throttled share near INCREASE / (1 - DECREASE) at
 * equilibrium whatever the rate. (A fixed step, as TCP's, would throttle a small exporter of a big fleet most of
 * the time: at 1.5 requests a second, +1 a second is more than its share.)
 */
const INCREASE = 0.05;
/** The window the rate actually sent at is measured over. */
const WINDOW_MS = 1000;
/** The longest Retry-After taken: an endpoint's hour is not worth holding every later export for. */
const MAX_RETRY_AFTER_MS = 60_000;
/** A minute without throttling and the exporter goes unpaced again. */
const QUIET_MS = 60_000;

/**
 * The pace an exporter keeps after throttling or an outage, so that a fleet sharing one account's quota
 * converges to it rather than storming it: after an outage every exporter has its retry buffer to send at once.
 * - Unpaced until the first throttling answer or outage: a healthy exporter is never slowed.
 * - Throttled: the rate actually sent at, halved; once per congestion event (answers to requests sent before the
 *   last decrease do not count). A probe's throttling, while CloudWatch is taken to be down, says the service is
 *   still down, not that we sent too fast: it does not count.
 * - Each request that lands raises the rate a little, while the pace binds.
 * - After an outage: the retry buffer's requests go at half the rate sent before it, doubled with each request
 *   that lands (slow start, never above twice what went out over the last second), until throttled. New requests
 *   go unpaced meanwhile: they are what the exporter sends when healthy (a Lambda invocation's flush must not
 *   wait on the backlog), and the backlog is what would storm the quota.
 * - Unpaced again after a quiet minute.
 *
 * The AWS SDK's adaptive retry mode does something similar inside one client, but its waits cannot be aborted
 * (they would outlast the export's deadline) and it knows nothing of outages and probes.
 */
export class SendRate {
  /** Requests a second; Infinity: unpaced. */
  private rate = Infinity;
  /** When the last paced request started (epoch ms): the next may start 1000 / rate ms later. */
  private lastStart = -Infinity;
  /** No request starts before this (epoch ms): after throttling, the account's bucket gets a moment to refill. */
  private holdUntil = 0;
  /** No request starts before this (epoch ms): the endpoint's Retry-After. */
  private retryAfterUntil = 0;
  private slowStart = false;
  private lastDecrease = -Infinity;
  /** The last throttling answer or recovery: a quiet minute after it, the exporter goes unpaced. */
  private lastEvent = -Infinity;
  /** What the exporter sent at when CloudWatch went down (requests a second). */
  private healthyRate = MIN_RATE;
  /** How long a request takes to land, smoothed (ms): a paced start leaves twice that before the deadline. */
  private latency = 0;
  /** When the requests of the last WINDOW_MS started, oldest first. */
  private readonly starts: number[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Requests a second the exporter keeps to (Infinity when unpaced). */
  get requestsPerSecond(): number {
    if (this.rate !== Infinity && this.now() - this.lastEvent >= QUIET_MS) this.rate = Infinity;
    return this.rate;
  }

  /**
   * Claims a start now and answers 0, or answers how long to wait before asking again (ms) — nothing is reserved
   * ahead, so that a rate raised meanwhile counts at once — or undefined when the next start would leave too
   * little time before `deadline` (epoch ms) for the request to land: a request cut off in flight has an unknown
   * outcome, and sending it again may store it twice. `backlog`: the request was kept from an earlier export.
   */
  claim(deadline: number, backlog = true): number | undefined {
    const now = this.now();
    if (this.retryAfterUntil > now) {
      return this.retryAfterUntil > deadline - 2 * this.latency ? undefined : this.retryAfterUntil - now;
    }
    if (this.passes(backlog)) {
      this.noteStart(now);
      return 0;
    }
    const at = Math.max(now, this.lastStart + 1000 / this.rate, this.holdUntil);
    if (at > now) return at > deadline - 2 * this.latency ? undefined : at - now;
    this.lastStart = now;
    this.noteStart(now);
    return 0;
  }

  /** A request sent at `sentAt` (epoch ms) was throttled; `probing`: it was a probe while CloudWatch was down. */
  throttled(sentAt: number, probing: boolean): void {
    const now = this.now();
    this.lastEvent = now;
    if (probing || sentAt < this.lastDecrease) return;
    const sent = Math.max(this.measured(now), MIN_RATE);
    this.rate = Math.max(MIN_RATE, Math.min(this.rate, sent) * DECREASE);
    this.slowStart = false;
    this.lastDecrease = now;
    // Leave the account's bucket a moment to refill before the next request.
    this.holdUntil = now + 1000 / this.rate;
  }

  /** Whether a request starts without waiting on the pace (Retry-After aside): unpaced, or new during slow start. */
  passes(backlog: boolean): boolean {
    return this.requestsPerSecond === Infinity || (this.slowStart && !backlog);
  }

  /**
   * The endpoint asked to be left alone for `ms` (Retry-After, at most MAX_RETRY_AFTER_MS taken): no request starts
   * before then, this export's or a later one's, probes included (see heldFor). It does not change the pace.
   */
  holdFor(ms: number): void {
    const now = this.now();
    this.retryAfterUntil = Math.max(this.retryAfterUntil, now + Math.min(ms, MAX_RETRY_AFTER_MS));
  }

  /** How long the endpoint's Retry-After still holds (ms; 0 when it does not). */
  heldFor(): number {
    return Math.max(0, this.retryAfterUntil - this.now());
  }

  /** A request landed, `tookMs` after it was sent. */
  landed(tookMs: number): void {
    this.latency = this.latency === 0 ? tookMs : 0.8 * this.latency + 0.2 * tookMs;
    if (this.rate === Infinity) return;
    // Raise the pace only where it binds: a pace far above what is sent would not protect the next storm.
    const ceiling = 2 * this.measured(this.now()) + 1;
    if (this.rate >= ceiling) return;
    this.rate = this.slowStart ? Math.min(2 * this.rate, ceiling) : this.rate * (1 + INCREASE);
  }

  /** CloudWatch is taken to be down: what the exporter sent at until now is where it starts again. */
  wentDown(): void {
    this.healthyRate = Math.max(MIN_RATE, this.measured(this.now()));
  }

  /**
   * CloudWatch is back after an outage, and every exporter of a fleet has its retry buffer to send: start from
   * half the rate sent before the outage and climb quickly (slow start) until throttled.
   */
  recovered(): void {
    const start = Math.max(MIN_RATE, this.healthyRate * DECREASE);
    this.rate = this.rate === Infinity ? start : Math.max(this.rate, start);
    this.slowStart = true;
    this.lastEvent = this.now();
  }

  private noteStart(at: number): void {
    this.starts.push(at);
    const since = at - WINDOW_MS;
    let stale = 0;
    while (stale < this.starts.length && this.starts[stale]! < since) stale++;
    if (stale > 0) this.starts.splice(0, stale);
  }

  /** Requests a second started over the last window. */
  private measured(now: number): number {
    const since = now - WINDOW_MS;
    let n = 0;
    for (let i = this.starts.length - 1; i >= 0 && this.starts[i]! >= since; i--) n++;
    return (n * 1000) / WINDOW_MS;
  }
}
