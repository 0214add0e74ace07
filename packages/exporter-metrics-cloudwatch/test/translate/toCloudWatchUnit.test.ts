import { expect } from 'chai';
import { toCloudWatchUnit } from '../../src/translate/toCloudWatchUnit';

describe('toCloudWatchUnit', () => {
  const table: Array<[string | undefined, string, number]> = [
    ['s', 'Seconds', 1],
    ['ms', 'Milliseconds', 1],
    ['us', 'Microseconds', 1],
    ['ns', 'Microseconds', 1e-3],
    ['min', 'Seconds', 60],
    ['h', 'Seconds', 3600],
    ['d', 'Seconds', 86400],
    ['By', 'Bytes', 1],
    ['kBy', 'Kilobytes', 1],
    ['MBy', 'Megabytes', 1],
    ['GBy', 'Gigabytes', 1],
    ['TBy', 'Terabytes', 1],
    ['KiBy', 'Bytes', 1024],
    ['MiBy', 'Bytes', 1024 ** 2],
    ['GiBy', 'Bytes', 1024 ** 3],
    ['TiBy', 'Bytes', 1024 ** 4],
    ['bit', 'Bits', 1],
    ['kbit', 'Kilobits', 1],
    ['Mbit', 'Megabits', 1],
    ['Gbit', 'Gigabits', 1],
    ['Tbit', 'Terabits', 1],
    ['By/s', 'Bytes/Second', 1],
    ['kBy/s', 'Kilobytes/Second', 1],
    ['MBy/s', 'Megabytes/Second', 1],
    ['GBy/s', 'Gigabytes/Second', 1],
    ['TBy/s', 'Terabytes/Second', 1],
    ['KiBy/s', 'Bytes/Second', 1024],
    ['bit/s', 'Bits/Second', 1],
    ['kbit/s', 'Kilobits/Second', 1],
    ['Mbit/s', 'Megabits/Second', 1],
    ['Gbit/s', 'Gigabits/Second', 1],
    ['Tbit/s', 'Terabits/Second', 1],
    ['By/min', 'Bytes/Second', 1 / 60],
    ['{request}/s', 'Count/Second', 1],
    ['{request}/min', 'Count/Second', 1 / 60],
    ['1/s', 'Count/Second', 1],
    ['%', 'Percent', 1],
    ['1', 'None', 1],
    ['{request}', 'Count', 1],
    ['{}', 'Count', 1],
    ['', 'None', 1],
    [undefined, 'None', 1],
    [' ms ', 'Milliseconds', 1],
    ['Cel', 'None', 1],
    ['requests', 'None', 1],
    ['By/d/s', 'None', 1],
    ['s/By', 'None', 1],
    ['%/s', 'None', 1],
  ];
  for (const [ucum, unit, scale] of table) {
    it(`maps ${JSON.stringify(ucum)} to ${unit}${scale === 1 ? '' : ` × ${scale}`}`, () => {
      const m = toCloudWatchUnit(ucum);
      expect(m.unit).to.equal(unit);
      expect(m.scale).to.be.closeTo(scale, scale * 1e-12);
    });
  }
});
