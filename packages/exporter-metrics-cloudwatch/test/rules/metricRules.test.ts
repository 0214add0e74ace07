import { expect } from 'chai';
import { MetricRuleMatcher, validateMetricRules, type MetricRule } from '../../src/rules/metricRules';

describe('metric rules', () => {
  it('match exact names and * globs, the first matching rule winning', () => {
    const rules: MetricRule[] = [
      { names: ['http.server.request.duration'], storageResolution: 1 },
      { names: ['http.*'], drop: true },
      { names: ['*.count', 'db.*.time'], dimensionSets: [[]] },
    ];
    const m = new MetricRuleMatcher(rules);
    expect(m.match('http.server.request.duration')).to.equal(rules[0]);
    expect(m.match('http.client.request.duration')).to.equal(rules[1]);
    expect(m.match('jobs.count')).to.equal(rules[2]);
    expect(m.match('db.query.time')).to.equal(rules[2]);
    expect(m.match('db.query.times')).to.equal(undefined);
    expect(m.match('httpx')).to.equal(undefined); // a glob is anchored; its dots are dots
    expect(new MetricRuleMatcher(rules).match('http_server')).to.equal(undefined);
  });

  it('take regular-expression characters in names literally', () => {
    const m = new MetricRuleMatcher([{ names: ['a+b(c)*'], drop: true }]);
    expect(m.match('a+b(c)-anything')).to.not.equal(undefined);
    expect(m.match('aab(c)')).to.equal(undefined);
  });

  const invalid: Array<[string, unknown, string[], RegExp]> = [
    ['not an array', { names: ['x'] }, [], /metricRules must be an array/],
    ['empty names', [{ names: [] }], [], /metricRules\[0\]: names must be a non-empty array/],
    ['an empty name', [{ names: ['ok'] }, { names: ['a', ''] }], [], /metricRules\[1\] \("a"\): every name/],
    ['storageResolution 5', [{ names: ['a'], storageResolution: 5 }], [], /storageResolution must be 1 or 60/],
    ['an empty set list', [{ names: ['a'], dimensionSets: [] }], [], /dimensionSets must be a non-empty array/],
    [
      'a set over 30 with the resource dimensions',
      [{ names: ['a'], dimensionSets: [Array.from({ length: 29 }, (_, i) => `k${i}`)] }],
      ['service.name', 'cloud.region'],
      /has 31 dimensions with the resource dimensions \(at most 30\)/,
    ],
    [
      'a set given twice (in any order)',
      [
        {
          names: ['a'],
          dimensionSets: [
            ['x', 'y'],
            ['y', 'x'],
          ],
        },
      ],
      [],
      /the set \[y, x\] is given twice/,
    ],
  ];
  invalid.push(
    [
      'a resource dimension as a set key (its series would count twice)',
      [{ names: ['a'], dimensionSets: [['service.name'], []] }],
      ['service.name'],
      /"service\.name" is a resource dimension/,
    ],
    [
      'keys that fold to one dimension name',
      [{ names: ['a'], dimensionSets: [['é'], ['e']] }],
      [],
      /the set \[e\] is given twice/,
    ],
  );
  for (const [name, rules, resource, message] of invalid) {
    it(`refuse ${name}, naming the rule`, () => {
      expect(() => validateMetricRules(rules, resource)).to.throw(message);
    });
  }
});
