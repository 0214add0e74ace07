import { expect } from 'chai';
import { DEFAULT_DIMENSION_CACHE_CHARS } from '../../src/defaults';
import { DimensionCache } from '../../src/translate/DimensionCache';
import { shorten } from '../../src/points/toAscii';
import { toDimensionsJson } from '../../src/translate/toDimensions';

const expected = (dims: Array<[string, string]>) => JSON.stringify(dims.map(([Name, Value]) => ({ Name, Value })));

describe('DimensionCache', () => {
  it('is bounded by 4 MiB of characters unless told otherwise', () => {
    expect(new DimensionCache().maxChars).to.equal(DEFAULT_DIMENSION_CACHE_CHARS);
    expect(DEFAULT_DIMENSION_CACHE_CHARS).to.equal(4 * 1024 * 1024);
  });

  it('stays under its bound through 5,000 distinct 100,000-character keys, and translation stays right', () => {
    const cache = new DimensionCache();
    const long = 'k'.repeat(100_000 - 8);
    for (let i = 0; i < 5000; i++) {
      // Distinct from the first character: V8 hashes strings this long by their length alone, and keys alike up
      // to their last characters would make the test itself quadratic, however the cache behaves.
      const key = `${String(i).padStart(8, '0')}${long}`;
      expect(toDimensionsJson([], { [key]: 'v', route: '/a' }, 30, cache).json).to.equal(
        expected([
          [shorten(key, 255), 'v'],
          ['route', '/a'],
        ]),
      );
    }
    expect(cache.chars).to.be.above(0).and.at.most(cache.maxChars);
    // Long keys are not kept at all; a short one is.
    expect(cache.names.size).to.equal(1);
    expect(cache.names.has('route')).to.equal(true);
  });

  it('stops remembering when full, and translation stays right', () => {
    const cache = new DimensionCache(50_000);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 5000; i++) {
        const key = `key-${'x'.repeat(190)}-${i}`;
        expect(toDimensionsJson([], { [key]: `v${i % 3}` }, 30, cache).json).to.equal(expected([[key, `v${i % 3}`]]));
      }
    }
    expect(cache.chars).to.be.at.most(50_000);
    expect(cache.names.size).to.be.above(0).and.below(5000);
  });

  it('gives back what the fragments of a key with too many values counted', () => {
    const cache = new DimensionCache();
    for (let i = 0; i < 64; i++) toDimensionsJson([], { id: `u${i}` }, 30, cache);
    const withFragments = cache.chars;
    toDimensionsJson([], { id: 'u64' }, 30, cache);
    expect(cache.chars).to.be.below(withFragments);
    expect(cache.names.get('id')!.fragments).to.equal(null);
    expect(toDimensionsJson([], { id: 'u65' }, 30, cache).json).to.equal(expected([['id', 'u65']]));
  });

  it('counts the CBOR it gives fragments kept as JSON first, and stays within its bound', () => {
    const attributes = { route: '/api/orders', method: 'GET' };
    const roomy = new DimensionCache();
    toDimensionsJson([], attributes, 30, roomy);
    const json = roomy.chars;
    const cbor = toDimensionsJson([], attributes, 30, roomy, true);
    const withCbor = roomy.chars;
    expect(withCbor).to.be.greaterThan(json);
    expect(toDimensionsJson([], attributes, 30, roomy, true)).to.deep.equal(cbor);
    expect(roomy.chars).to.equal(withCbor);
    const full = new DimensionCache(json);
    toDimensionsJson([], attributes, 30, full);
    expect(full.chars).to.equal(json);
    // No room for the CBOR: made for the point all the same, not kept.
    expect(toDimensionsJson([], attributes, 30, full, true)).to.deep.equal(cbor);
    expect(full.chars).to.equal(json);
  });

  it('is one per owner: what one cache holds, another does not', () => {
    const a = new DimensionCache();
    const b = new DimensionCache();
    toDimensionsJson([], { only: 'a' }, 30, a);
    expect(a.names.has('only')).to.equal(true);
    expect(b.names.has('only')).to.equal(false);
    expect(b.chars).to.equal(0);
  });
});
