import { expect } from 'chai';
import type { Batch } from '../../src/pack/Batch';
import { RetryBuffer, type DiscardReason, type PendingRequest } from '../../src/send/RetryBuffer';

const DAY = 24 * 3600_000;
const batch = (bytes: number, oldest = Date.now()): Batch => ({
  count: 1,
  body: Buffer.alloc(bytes),
  starts: [0],
  bytes,
  oldest,
  envelope: { head: '', tail: '' },
});

function buffer(maxBytes: number, maxAgeMillis = 3600_000) {
  const discarded: Array<[DiscardReason, number]> = [];
  const b = new RetryBuffer({ maxBytes, maxAgeMillis }, (reason, r) => discarded.push([reason, r.createdAt]));
  return { b, discarded };
}
const req = (createdAt: number, bytes = 100, oldest = createdAt): PendingRequest => ({
  batch: batch(bytes, oldest),
  createdAt,
});

describe('RetryBuffer', () => {
  it('gives requests back oldest data first, whatever order they were kept in', () => {
    const { b } = buffer(10_000);
    const now = Date.now();
    for (const t of [now - 30, now - 10, now - 50, now - 20]) b.add(req(t));
    expect([1, 2, 3, 4].map(() => b.take(now)!.createdAt)).to.deep.equal([now - 50, now - 30, now - 20, now - 10]);
    expect(b.take(now)).to.equal(undefined);
    expect(b.bytes).to.equal(0);
  });

  it('past maxBytes, gives up the oldest and counts their bytes out', () => {
    const { b, discarded } = buffer(250);
    const now = Date.now();
    b.add(req(now - 3));
    b.add(req(now - 2));
    b.add(req(now - 1));
    expect(discarded).to.deep.equal([['overflow', now - 3]]);
    expect(b.requests).to.equal(2);
    expect(b.bytes).to.equal(200);
  });

  it('never keeps a request larger than maxBytes (and keeps nothing at 0)', () => {
    const { b, discarded } = buffer(0);
    expect(b.add(req(1))).to.equal(false);
    expect(discarded.map(([r]) => r)).to.deep.equal(['overflow']);
    expect(b.requests).to.equal(0);
  });

  it('gives up, as expired, requests older than maxAgeMillis when they come up', () => {
    const { b, discarded } = buffer(10_000, 1000);
    const now = Date.now();
    b.add(req(now - 5000));
    b.add(req(now - 10));
    expect(b.take(now)!.createdAt).to.equal(now - 10);
    expect(discarded).to.deep.equal([['expired', now - 5000]]);
  });

  it('gives up a request whose datums would fall out of CloudWatch’s two-week window', () => {
    const { b, discarded } = buffer(10_000, 14 * DAY);
    const now = Date.now();
    b.add(req(now - 60_000, 100, now - 14 * DAY + 60_000));
    b.add(req(now - 30_000, 100, now - 13 * DAY));
    expect(b.take(now)!.createdAt).to.equal(now - 30_000);
    expect(discarded.map(([r]) => r)).to.deep.equal(['expired']);
  });

  it('close gives up everything under the reason given, and whatever comes later too', () => {
    const { b, discarded } = buffer(10_000);
    b.add(req(1));
    b.add(req(2));
    b.close('shutdown');
    expect(b.add(req(3))).to.equal(false);
    expect(discarded.map(([r]) => r)).to.deep.equal(['shutdown', 'shutdown', 'shutdown']);
    expect(b.requests).to.equal(0);
    expect(b.bytes).to.equal(0);
  });
});
