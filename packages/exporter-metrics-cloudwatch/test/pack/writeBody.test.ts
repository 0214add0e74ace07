import { expect } from 'chai';
import { writeBody } from '../../src/pack/Batch';

describe('writeBody', () => {
  const envelope = { head: '{"Namespace":"App","MetricData":[', tail: ']}' };
  const cases: Array<[string, { head: string; tail: string }, string[], boolean]> = [
    ['ASCII datums, known to be ASCII', envelope, ['{"a":1}', '{"b":22}', '{"c":333}'], true],
    ['ASCII datums, checked', envelope, ['{"a":1}', '{"b":22}'], false],
    ['one non-ASCII datum among ASCII ones', envelope, ['{"a":1}', '{"é":"用户 😀"}', '{"c":3}'], false],
    ['a non-ASCII envelope', { head: '{"Namespace":"Zürich","MetricData":[', tail: ']}' }, ['{"a":1}'], false],
    ['no datums', envelope, [], false],
    ['one datum', envelope, ['{"only":true}'], true],
  ];
  for (const [name, env, json, knownAscii] of cases) {
    it(`writes the envelope around the datums as UTF-8, each start exact: ${name}`, () => {
      const { body, starts } = writeBody(env, json, knownAscii);
      expect(body.equals(Buffer.from(env.head + json.join(',') + env.tail, 'utf8'))).to.equal(true);
      expect(starts).to.have.length(json.length);
      json.forEach((text, i) => {
        const bytes = Buffer.from(text, 'utf8');
        expect(body.subarray(starts[i], starts[i]! + bytes.length).equals(bytes)).to.equal(true);
      });
    });
  }
});
