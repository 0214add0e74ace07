import { expect } from 'chai';
import { CborDecodeError, CborFloat, CborTimestamp, decodeCbor, type CborValue } from '../src/decodeCbor';
import { putMetricDataInputOf } from '../src/cborPutMetricDataInput';
import { cbor, chunkedText, epoch, f16, f32, hex, indefiniteArray, indefiniteMap, raw } from './cborWriter';

const decode = (s: string): CborValue => decodeCbor(hex(s));
const map = (...entries: Array<[string, CborValue]>) => new Map(entries);

describe('decodeCbor', () => {
  const accepted: Array<[string, string, CborValue]> = [
    ['small unsigned', '17', 23],
    ['one-byte unsigned', '1818', 24],
    ['two-byte unsigned', '190100', 256],
    ['four-byte unsigned', '1a000f4240', 1_000_000],
    ['eight-byte unsigned, the largest safe', '1b001fffffffffffff', Number.MAX_SAFE_INTEGER],
    ['negative', '20', -1],
    ['eight-byte negative, the smallest safe', '3b001ffffffffffffe', -Number.MAX_SAFE_INTEGER],
    ['float16 1.0', 'f93c00', new CborFloat(1, 16)],
    ['float16 -2.5', 'f9c100', new CborFloat(-2.5, 16)],
    ['float16 subnormal', 'f90001', new CborFloat(2 ** -24, 16)],
    ['float16 infinity', 'f97c00', new CborFloat(Infinity, 16)],
    ['float32 100000.0', 'fa47c35000', new CborFloat(100000, 32)],
    ['float64 1.1', 'fb3ff199999999999a', new CborFloat(1.1, 64)],
    ['false, true, null', '83f4f5f6', [false, true, null]],
    ['text', '6449455446', 'IETF'],
    ['text with multi-byte UTF-8', '62c3bc', 'ü'],
    ['bytes', '4401020304', new Uint8Array([1, 2, 3, 4])],
    ['indefinite bytes', '5f42010243030405ff', Buffer.from([1, 2, 3, 4, 5])],
    ['indefinite text', '7f657374726561646d696e67ff', 'streaming'],
    ['empty indefinite text', '7fff', ''],
    ['array', '83010203', [1, 2, 3]],
    ['indefinite array, nested both ways', '9f018202039f0405ffff', [1, [2, 3], [4, 5]]],
    ['map', 'a26161016162820203', map(['a', 1], ['b', [2, 3]])],
    ['indefinite map', 'bf61610161629f0203ffff', map(['a', 1], ['b', [2, 3]])],
    ['tag 1 around an integer', 'c11a514b67b0', new CborTimestamp(1363896240)],
    ['tag 1 around a float', 'c1fb41d452d9ec200000', new CborTimestamp(1363896240.5)],
    ['64 levels of nesting', '81'.repeat(63) + '80', JSON.parse('['.repeat(64) + ']'.repeat(64)) as CborValue],
  ];
  for (const [what, bytes, value] of accepted) {
    it(`decodes ${what}`, () => expect(decode(bytes)).to.deep.equal(value));
  }

  const refused: Array<[string, string, RegExp]> = [
    ['an empty body', '', /empty/],
    ['a truncated integer', '19 01', /Truncated.*byte 0/],
    ['a truncated float', '81 fb 3ff1', /Truncated: a double-precision float at byte 1/],
    ['a string longer than the body', '65 6162', /Truncated/],
    ['an array longer than the body', '83 0102', /Truncated/],
    ['an indefinite array without its break', '9f 01 02', /Truncated/],
    ['a length past 2^53', '9b ffffffffffffffff', /Truncated/],
    ['trailing bytes', '01 02', /1 trailing byte.*byte 1/],
    ['reserved additional info 28', '1c', /Reserved additional information 28/],
    ['reserved additional info 29 in a length', '5d', /Reserved additional information 29/],
    ['reserved additional info 30 in major 7', 'fe', /Reserved additional information 30/],
    ['a break at the top', 'ff', /break.*outside/],
    ['a break in a definite array', '82 01 ff', /break at byte 2 inside a definite-length array/],
    ['a break in a definite map', 'a1 ff 01', /break at byte 1 inside a definite-length map/],
    ['a break between a key and its value', 'bf 6161 ff', /after a key, before its value/],
    ['an indefinite integer', '1f', /indefinite length/],
    ['an indefinite tag', 'df', /indefinite length/],
    ['a text chunk in an indefinite byte string', '5f 6161 ff', /chunk at byte 1 that is a text string/],
    ['a byte chunk in an indefinite text string', '7f 4161 ff', /chunk at byte 1 that is a byte string/],
    ['an indefinite chunk in an indefinite string', '7f 7f ff ff', /nests another/],
    ['invalid UTF-8', '62 c328', /byte 0.*not valid UTF-8/],
    ['a character split across chunks', '7f 61c3 61bc ff', /chunk 1\).*UTF-8/],
    ['an integer map key', 'a1 01 02', /key at byte 1 that is not a text string/],
    ['a byte-string map key', 'a1 4161 02', /not a text string/],
    ['a duplicate map key', 'a2 6161 01 6161 02', /key "a" twice/],
    ['tag 0 (a date string)', 'c0 6161', /Tag 0 .*only tag 1/],
    ['tag 2 (a bignum)', 'c2 4101', /Tag 2/],
    ['tag 1 around text', 'c1 6161', /Tag 1 at byte 0 holds a text string/],
    ['tag 1 around null', 'c1 f6', /holds null/],
    ['undefined', 'f7', /undefined \(0xf7\)/],
    ['simple value 16', 'f0', /simple value 16/],
    ['a one-byte simple value', 'f8 20', /simple value 32/],
    ['65 levels of nesting', '81'.repeat(64) + '80', /nests deeper than 64/],
    ['an integer past 2^53 - 1', '1b 0020000000000000', /outside the safe range/],
    ['a negative integer past -(2^53 - 1)', '3b 001fffffffffffff', /outside the safe range/],
  ];
  for (const [what, bytes, message] of refused) {
    it(`refuses ${what}`, () => {
      expect(() => decode(bytes))
        .to.throw(CborDecodeError)
        .with.property('message')
        .that.matches(message);
    });
  }
});

describe('putMetricDataInputOf', () => {
  const input = (value: unknown) => putMetricDataInputOf(decodeCbor(cbor(value)));

  it('gives the AWS JSON 1.0 input: timestamps as epoch seconds, any number width as a double', () => {
    const body = {
      Namespace: chunkedText('Sh', 'op'),
      MetricData: indefiniteArray([
        indefiniteMap({
          MetricName: 'latency',
          Dimensions: [{ Name: 'route', Value: '/a' }],
          Timestamp: epoch(1700000000.25),
          Values: [1, f16(0x3e00), f32(0.5), 2.25],
          Counts: [1, 2, 3, 4],
          StatisticValues: { SampleCount: 10, Sum: f16(0x4a00), Minimum: 0.5, Maximum: 2.25 },
          Unit: 'Milliseconds',
          StorageResolution: 1,
        }),
      ]),
      EntityMetricData: [{ Entity: { KeyAttributes: { Type: 'Service' }, Attributes: {} }, MetricData: [] }],
      StrictEntityValidation: false,
    };
    expect(input(body)).to.deep.equal({
      Namespace: 'Shop',
      MetricData: [
        {
          MetricName: 'latency',
          Dimensions: [{ Name: 'route', Value: '/a' }],
          Timestamp: 1700000000.25,
          Values: [1, 1.5, 0.5, 2.25],
          Counts: [1, 2, 3, 4],
          StatisticValues: { SampleCount: 10, Sum: 12, Minimum: 0.5, Maximum: 2.25 },
          Unit: 'Milliseconds',
          StorageResolution: 1,
        },
      ],
      EntityMetricData: [{ Entity: { KeyAttributes: { Type: 'Service' }, Attributes: {} }, MetricData: [] }],
      StrictEntityValidation: false,
    });
  });

  it('takes a null structure member as absent, and passes NaN on for the rules to refuse', () => {
    expect(input({ Namespace: 'N', MetricData: [{ MetricName: 'm', Value: NaN, Unit: null }] })).to.deep.equal({
      Namespace: 'N',
      MetricData: [{ MetricName: 'm', Value: NaN }],
    });
  });

  it('keeps a map key "__proto__" as an entry, as JSON.parse does', () => {
    const out = input({ EntityMetricData: [{ Entity: { KeyAttributes: raw('a1 69 5f5f70726f746f5f5f 61 78') } }] });
    const keys = (out['EntityMetricData'] as Array<{ Entity: { KeyAttributes: object } }>)[0]!.Entity.KeyAttributes;
    expect(Object.getPrototypeOf(keys)).to.equal(Object.prototype);
    expect(Object.entries(keys)).to.deep.equal([['__proto__', 'x']]);
  });

  const refused: Array<[string, unknown, RegExp]> = [
    ['a body that is not a map', [1], /the input must be a map, not an array/],
    ['an unknown member', { Namespace: 'N', Extra: 1 }, /Extra is not a member of the PutMetricData input/],
    ['an unknown datum member', { MetricData: [{ Foo: 1 }] }, /MetricData\[0\]\.Foo is not a member/],
    ['bytes for a string', { Namespace: Buffer.from('N') }, /Namespace must be a text string, not a byte string/],
    ['a number for a string', { MetricData: [{ MetricName: 5 }] }, /MetricData\[0\]\.MetricName must be a text/],
    ['text for a double', { MetricData: [{ Value: '1' }] }, /Value must be a number, not a text string/],
    ['a float for an integer', { MetricData: [{ StorageResolution: f16(0x5780) }] }, /an integer, not a float/],
    ['a number for a timestamp', { MetricData: [{ Timestamp: 1700000000 }] }, /Timestamp must be a timestamp/],
    ['an integer for a boolean', { StrictEntityValidation: 1 }, /StrictEntityValidation must be a boolean/],
    ['a map for a list', { MetricData: {} }, /MetricData must be an array, not a map/],
    ['a null list element', { MetricData: [null] }, /MetricData\[0\] is null: the list is not sparse/],
    ['a null in Values', { MetricData: [{ Values: [1, null] }] }, /Values\[1\] is null/],
    [
      'a null map value',
      { EntityMetricData: [{ Entity: { KeyAttributes: { Type: null } } }] },
      /KeyAttributes\["Type"\] is null: the map is not sparse/,
    ],
    [
      'a non-text map value',
      { EntityMetricData: [{ Entity: { Attributes: { a: 1 } } }] },
      /Attributes\["a"\] must be a text string/,
    ],
  ];
  for (const [what, body, message] of refused) {
    it(`refuses ${what}`, () => {
      expect(() => input(body))
        .to.throw(CborDecodeError)
        .with.property('message')
        .that.matches(message);
    });
  }
});
