import { expect } from 'chai';
import { safeJsonStringify } from '../../src/util/safeJsonStringify';

describe('safeJsonStringify', () => {
  it('writes what JSON can hold exactly as JSON.stringify does', () => {
    const shared = { x: 1 };
    for (const v of [['a', 1, null], { b: [true, 'x"y'], c: { d: 2 } }, { s1: shared, s2: shared }, 'plain', 3]) {
      expect(safeJsonStringify(v)).to.equal(JSON.stringify(v));
    }
  });

  it('writes BigInts as their digits, at any depth', () => {
    expect(safeJsonStringify(12345678901234567890n)).to.equal('"12345678901234567890"');
    expect(safeJsonStringify([1n, { n: -2n }])).to.equal('["1",{"n":"-2"}]');
  });

  it('marks a reference back to an ancestor, and only that', () => {
    const loop: Record<string, unknown> = { name: 'loop' };
    const shared = { x: 1 };
    loop.self = loop;
    loop.a = shared;
    loop.b = [shared, { up: loop }];
    expect(safeJsonStringify(loop)).to.equal(
      '{"name":"loop","self":"[Circular]","a":{"x":1},"b":[{"x":1},{"up":"[Circular]"}]}',
    );
  });

  it('uses the stand-ins it is given', () => {
    const loop: unknown[] = [5n];
    loop.push(loop);
    expect(safeJsonStringify(loop, { bigint: (v) => `big:${v}`, circular: 'cycle' })).to.equal('["big:5","cycle"]');
  });
});
