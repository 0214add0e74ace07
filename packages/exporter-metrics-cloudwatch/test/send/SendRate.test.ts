import { expect } from 'chai';
import { SendRate } from '../../src/send/SendRate';

describe('SendRate', () => {
  let now = 0;
  const rate = () => new SendRate(() => now);
  beforeEach(() => (now = 1_000_000));

  /** Sends `n` requests as fast as the pace allows, the clock following; answers the waits. */
  function sendMany(r: SendRate, n: number): number[] {
    const waits: number[] = [];
    for (let i = 0; i < n; i++) {
      const wait = r.claim(Infinity)!;
      now += wait;
      if (wait > 0) expect(r.claim(Infinity), 'a start once the wait is over').to.equal(0);
      waits.push(wait);
    }
    return waits;
  }

  it('never paces an exporter that was never throttled', () => {
    const r = rate();
    expect(sendMany(r, 1000)).to.satisfy((w: number[]) => w.every((x) => x === 0));
    expect(r.requestsPerSecond).to.equal(Infinity);
  });

  it('on throttling, halves the rate it actually sent at, and spaces requests by it', () => {
    const r = rate();
    for (let i = 0; i < 20; i++) {
      r.claim(Infinity);
      now += 50; // 20 requests a second
    }
    r.throttled(now - 10, false);
    expect(r.requestsPerSecond).to.equal(10);
    // The next request waits one interval (the bucket refills), then every 100 ms.
    expect(sendMany(r, 4)).to.deep.equal([100, 100, 100, 100]);
  });

  it('decreases once per congestion event: answers to requests sent before the decrease do not count', () => {
    const r = rate();
    for (let i = 0; i < 8; i++) r.claim(Infinity);
    const sentAt = now;
    now += 5;
    r.throttled(sentAt, false);
    const after = r.requestsPerSecond;
    for (let i = 0; i < 7; i++) r.throttled(sentAt, false);
    expect(r.requestsPerSecond).to.equal(after);
    now += 1000;
    r.throttled(now - 1, false);
    expect(r.requestsPerSecond).to.be.below(after);
  });

  it('ignores the throttling of a probe: CloudWatch is down, not asking us to slow down', () => {
    const r = rate();
    for (let i = 0; i < 10; i++) r.claim(Infinity);
    r.throttled(now, true);
    expect(r.requestsPerSecond).to.equal(Infinity);
  });

  it('never falls below one request every two seconds', () => {
    const r = rate();
    for (let i = 0; i < 50; i++) {
      now += 10_000;
      r.throttled(now, false);
    }
    expect(r.requestsPerSecond).to.equal(0.5);
    expect(r.claim(Infinity)).to.equal(2000);
  });

  it('raises the rate by a small share per request that lands while the pace binds, and not otherwise', () => {
    const r = rate();
    for (let i = 0; i < 10; i++) r.claim(Infinity);
    r.throttled(now, false);
    const start = r.requestsPerSecond;
    sendMany(r, 1);
    r.landed(10);
    expect(r.requestsPerSecond).to.be.closeTo(start * 1.05, 1e-9);
    // Idle for a while: what was sent in the last second no longer needs the pace; landing raises nothing.
    now += 5_000;
    const idle = r.requestsPerSecond;
    r.landed(10);
    expect(r.requestsPerSecond).to.equal(idle);
  });

  it('climbs quickly after an outage (slow start) until throttled again', () => {
    const r = rate();
    for (let i = 0; i < 4; i++) r.claim(Infinity);
    r.throttled(now, false);
    expect(r.requestsPerSecond).to.equal(2);
    r.recovered();
    for (let i = 0; i < 10; i++) {
      sendMany(r, 1);
      r.landed(10);
    }
    // doubled a request, as long as the pace binds (at most twice what went out over the last second, plus one)
    expect(r.requestsPerSecond).to.be.within(16, 22);
    r.throttled(now, false);
    sendMany(r, 1);
    const afterThrottle = r.requestsPerSecond;
    r.landed(10);
    expect(r.requestsPerSecond, 'back to the small increase').to.be.closeTo(afterThrottle * 1.05, 1e-9);
  });

  it('after an outage, even one without throttling, starts from half the rate sent before it and climbs', () => {
    const r = rate();
    for (let i = 0; i < 8; i++) r.claim(Infinity); // 8 a second, unpaced
    r.wentDown();
    now += 10_000;
    r.recovered();
    expect(r.requestsPerSecond).to.equal(4);
    const waits = sendMany(r, 12);
    expect(waits[1]).to.equal(250);
    r.landed(10);
    expect(r.requestsPerSecond, 'slow start: doubled').to.equal(8);
    now += 60_000;
    expect(r.requestsPerSecond, 'a quiet minute after recovery: unpaced').to.equal(Infinity);
  });

  it("after an outage paces only the retry buffer's requests; once throttled, every request", () => {
    const r = rate();
    for (let i = 0; i < 2; i++) r.claim(Infinity);
    r.wentDown();
    now += 10_000;
    r.recovered(); // 1 a second, slow start
    expect(r.claim(Infinity, true)).to.equal(0);
    expect(r.claim(Infinity, true), 'the next kept request waits').to.equal(1000);
    expect(r.claim(Infinity, false), 'a new request does not').to.equal(0);
    expect(r.claim(Infinity, false)).to.equal(0);
    r.throttled(now, false);
    expect(r.claim(Infinity, false), 'throttled: new requests are paced too').to.be.above(0);
  });

  it("holds every start for the endpoint's Retry-After (at most a minute) without pacing an unpaced exporter", () => {
    const r = rate();
    r.holdFor(1500);
    expect(r.requestsPerSecond, 'the pace is not touched').to.equal(Infinity);
    expect(r.heldFor()).to.equal(1500);
    expect(r.claim(Infinity, false), 'new requests wait too').to.equal(1500);
    expect(r.claim(now + 1000), 'no start that would pass the deadline').to.equal(undefined);
    now += 1500;
    expect(r.heldFor()).to.equal(0);
    expect(r.claim(Infinity)).to.equal(0);
    r.holdFor(3_600_000);
    expect(r.heldFor(), 'an hour is taken as a minute').to.equal(60_000);
  });

  it('goes unpaced again after a minute without throttling', () => {
    const r = rate();
    r.claim(Infinity);
    r.throttled(now, false);
    expect(r.requestsPerSecond).to.equal(0.5);
    now += 59_999;
    expect(r.requestsPerSecond).to.equal(0.5);
    now += 1;
    expect(r.requestsPerSecond).to.equal(Infinity);
    expect(r.claim(Infinity)).to.equal(0);
  });

  it('reserves nothing when the start would pass the deadline', () => {
    const r = rate();
    r.claim(Infinity);
    r.throttled(now, false); // 0.5 a second: the next start is 2 s away
    expect(r.claim(now + 1999)).to.equal(undefined);
    expect(r.claim(now + 2000)).to.equal(2000);
    now += 2000;
    expect(r.claim(now)).to.equal(0);
    expect(r.claim(now + 1999)).to.equal(undefined);
  });

  it('reserves nothing ahead: a rate raised while a request waits counts at once', () => {
    const r = rate();
    for (let i = 0; i < 8; i++) r.claim(Infinity);
    r.wentDown();
    r.recovered(); // 4 a second, slow start
    expect(r.claim(Infinity)).to.equal(0);
    expect(r.claim(Infinity), 'a second worker waits').to.equal(250);
    r.landed(10); // doubled
    expect(r.claim(Infinity), 'and waits less').to.equal(125);
  });

  it('leaves twice the time requests take to land before the deadline: a request cut off in flight may be stored twice', () => {
    const r = rate();
    r.claim(Infinity);
    r.throttled(now, false); // the next start is 2 s away
    r.landed(300);
    expect(r.claim(now + 2599)).to.equal(undefined);
    expect(r.claim(now + 2600)).to.equal(2000);
  });
});
