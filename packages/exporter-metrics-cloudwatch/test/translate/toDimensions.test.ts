import { expect } from 'chai';
import { DimensionCache } from '../../src/translate/DimensionCache';
import { shorten, toAscii } from '../../src/points/toAscii';
import { toDimensionName } from '../../src/points/dimensionText';
import { toDimensions, toDimensionsJson, toResourceDimensions } from '../../src/translate/toDimensions';

describe('toAscii', () => {
  const table: Array<[string, string]> = [
    ['plain /path?q=1', 'plain /path?q=1'],
    ['café', 'cafe'],
    ['Zürich', 'Zurich'],
    ['line1\nline2\ttab', 'line1 line2 tab'],
    ['用户', '\\u7528\\u6237'],
    ['emoji 🚀', 'emoji \\u{1F680}'],
    ['ﬁ ligature', 'fi ligature'],
  ];
  for (const [input, output] of table) {
    it(`makes ${JSON.stringify(input)} ASCII as ${JSON.stringify(output)}`, () => {
      expect(toAscii(input)).to.equal(output);
      expect(toAscii(input)).to.match(/^[\x20-\x7e]*$/);
    });
  }
  it('keeps different non-Latin strings different', () => {
    expect(toAscii('/用户')).to.not.equal(toAscii('/订单'));
  });
});

describe('shorten', () => {
  it('leaves short strings alone and cuts long ones to the limit, deterministically', () => {
    expect(shorten('abc', 5)).to.equal('abc');
    const long = 'x'.repeat(2000);
    expect(shorten(long, 1024)).to.have.length(1024);
    expect(shorten(long, 1024)).to.equal(shorten(long, 1024));
  });
  it('keeps two long strings with the same prefix apart', () => {
    const a = 'p'.repeat(1100) + 'a';
    const b = 'p'.repeat(1100) + 'b';
    expect(shorten(a, 1024)).to.not.equal(shorten(b, 1024));
  });
});

describe('toDimensions', () => {
  const table: Array<[string, Record<string, unknown>, Array<[string, string]>]> = [
    [
      'strings as they are',
      { route: '/pay', method: 'GET' },
      [
        ['method', 'GET'],
        ['route', '/pay'],
      ],
    ],
    [
      'numbers, booleans and arrays as strings',
      { code: 200, ok: true, tags: ['a', 'b'] },
      [
        ['code', '200'],
        ['ok', 'true'],
        ['tags', '["a","b"]'],
      ],
    ],
    ['empty and whitespace values dropped', { a: '', b: '  ', c: 'x' }, [['c', 'x']]],
    ['non-ASCII made ASCII', { clé: 'été' }, [['cle', 'ete']]],
    ['a name starting with a colon escaped', { ':x': 'v' }, [['_:x', 'v']]],
    ['a whitespace-only name dropped', { ' ': 'v', k: 'v' }, [['k', 'v']]],
  ];
  for (const [name, attrs, expected] of table) {
    it(`turns attributes into dimensions: ${name}`, () => {
      const { dimensions, truncated, json } = toDimensions([], attrs as never);
      expect(dimensions.map((d) => [d.Name, d.Value])).to.deep.equal(expected);
      expect(truncated).to.equal(false);
      expect(json).to.equal(JSON.stringify(dimensions));
    });
  }

  it('shortens names over 255 and values over 1024 characters', () => {
    const { dimensions } = toDimensions([], { ['n'.repeat(300)]: 'v'.repeat(2000) });
    expect(dimensions[0]!.Name).to.have.length(255);
    expect(dimensions[0]!.Value).to.have.length(1024);
  });

  it('keeps 30: resource dimensions first, then attribute keys in sorted order', () => {
    const resource = toResourceDimensions(['service.name', 'host.name'], { 'service.name': 'svc', 'host.name': 'h1' });
    const attrs: Record<string, string> = {};
    for (let i = 39; i >= 0; i--) attrs[`k${String(i).padStart(2, '0')}`] = 'v';
    const { dimensions, truncated } = toDimensions(resource, attrs);
    expect(truncated).to.equal(true);
    expect(dimensions).to.have.length(30);
    expect(dimensions.slice(0, 3).map((d) => d.Name)).to.deep.equal(['service.name', 'host.name', 'k00']);
    expect(dimensions[29]!.Name).to.equal('k27');
  });

  it('does not repeat a dimension name the resource already gave', () => {
    const resource = toResourceDimensions(['service.name'], { 'service.name': 'svc' });
    const { dimensions } = toDimensions(resource, { 'service.name': 'other', a: '1' });
    expect(dimensions.map((d) => `${d.Name}=${d.Value}`)).to.deep.equal(['service.name=svc', 'a=1']);
  });

  it('skips resource keys the resource does not have', () => {
    expect(toResourceDimensions(['missing', 'service.name'], { 'service.name': 's' })).to.deep.equal([
      { Name: 'service.name', Value: 's' },
    ]);
  });

  it('gives the same dimensions for the same input every time', () => {
    const attrs = { b: 'ü', a: '用户', c: 'x'.repeat(1500) };
    expect(toDimensions([], attrs)).to.deep.equal(toDimensions([], { ...attrs }));
  });

  it('writes the JSON of the dimensions as JSON.stringify would, whatever they hold', () => {
    const resource = toResourceDimensions(['service.name'], { 'service.name': 'say "hi" \\ o/' });
    const cases: Array<[typeof resource, Record<string, unknown>]> = [
      [[], {}],
      [resource, {}],
      [resource, { 'service.name': 'again', q: 'a "quoted" \\ value', b: '\\', c: '"' }],
      [[], { ctl: 'tab\there', uni: 'Zürich 用户 🚀', nl: 'a\u2028b', blank: ' ', lead: '  x', trail: 'x  ' }],
      [[], { n: -1.5e-7, big: 2 ** 70, nan: NaN, t: false, arr: ['"', 1, null], long: 'y'.repeat(1500) }],
      [[], { é: 'accent first', e: 'plain', ':e': 'colon', '_:e': 'escaped' }],
      [resource, Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, `"v${i}"`]))],
    ];
    for (const [res, attrs] of cases) {
      const { dimensions, json } = toDimensions(res, attrs as never);
      expect(json).to.equal(JSON.stringify(dimensions));
      expect(new Set(dimensions.map((d) => d.Name)).size).to.equal(dimensions.length);
    }
  });

  it('gives the same JSON from remembered values as from new ones, for keys with few values and many', () => {
    const expected = (i: number) =>
      `[{"Name":"b","Value":"${i % 2 === 0}"},{"Name":"id","Value":"u${i}"},` +
      `{"Name":"n","Value":"${i % 3}"},{"Name":"q","Value":"say \\"${i % 5}\\""}]`;
    // `id` takes more values than are remembered for one key; the others take a few, over and over.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 150; i++) {
        const attrs = { q: `say "${i % 5}"`, n: i % 3, id: `u${i}`, b: i % 2 === 0 };
        expect(toDimensionsJson([], attrs).json).to.equal(expected(i));
      }
    }
    // A number and a string with the same text are the same dimension value.
    expect(toDimensionsJson([], { n: '1' }).json).to.equal(toDimensionsJson([], { n: 1 }).json);
  });

  it('writes object and array values as JSON, BigInts as digits and cycles marked, keeping distinct ones apart', () => {
    const loop: Record<string, unknown> = { id: 7 };
    loop.self = loop;
    const attrs = { a: { x: 1 }, b: { x: 2 }, big: 12345678901234567890n, arr: [1n, 'two'], loop };
    const { dimensions, json } = toDimensions([], attrs as never);
    expect(dimensions.map((d) => [d.Name, d.Value])).to.deep.equal([
      ['a', '{"x":1}'],
      ['arr', '["1","two"]'],
      ['b', '{"x":2}'],
      ['big', '12345678901234567890'],
      ['loop', '{"id":7,"self":"[Circular]"}'],
    ]);
    expect(json).to.equal(JSON.stringify(dimensions));
  });

  it('never answers an object value from what it remembered for another', () => {
    const value = { state: 'before' };
    const cache = new DimensionCache();
    expect(toDimensionsJson([], { o: value } as never, 30, cache).json).to.contain('before');
    value.state = 'after';
    expect(toDimensionsJson([], { o: value } as never, 30, cache).json).to.contain('after');
    expect(cache.names.get('o')!.fragments!.size).to.equal(0);
  });

  it('refuses a dimension name with nothing printable', () => {
    expect(toDimensionName('\t')).to.equal(undefined);
  });
});
