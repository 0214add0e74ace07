import type { StandardUnit } from '@aws-sdk/client-cloudwatch';

/** A CloudWatch unit and the factor that turns a value in the OpenTelemetry unit into it. */
export interface UnitMapping {
  unit: StandardUnit;
  scale: number;
}

const NONE: UnitMapping = { unit: 'None', scale: 1 };

// Amounts CloudWatch names directly, or by scaling into a unit it has (it has no nanoseconds, minutes, hours,
// days, nor binary prefixes).
const AMOUNTS: Record<string, UnitMapping> = {
  s: { unit: 'Seconds', scale: 1 },
  ms: { unit: 'Milliseconds', scale: 1 },
  us: { unit: 'Microseconds', scale: 1 },
  ns: { unit: 'Microseconds', scale: 1e-3 },
  min: { unit: 'Seconds', scale: 60 },
  h: { unit: 'Seconds', scale: 3600 },
  d: { unit: 'Seconds', scale: 86400 },
  By: { unit: 'Bytes', scale: 1 },
  kBy: { unit: 'Kilobytes', scale: 1 },
  MBy: { unit: 'Megabytes', scale: 1 },
  GBy: { unit: 'Gigabytes', scale: 1 },
  TBy: { unit: 'Terabytes', scale: 1 },
  KiBy: { unit: 'Bytes', scale: 1024 },
  MiBy: { unit: 'Bytes', scale: 1024 ** 2 },
  GiBy: { unit: 'Bytes', scale: 1024 ** 3 },
  TiBy: { unit: 'Bytes', scale: 1024 ** 4 },
  bit: { unit: 'Bits', scale: 1 },
  kbit: { unit: 'Kilobits', scale: 1 },
  Mbit: { unit: 'Megabits', scale: 1 },
  Gbit: { unit: 'Gigabits', scale: 1 },
  Tbit: { unit: 'Terabits', scale: 1 },
  '%': { unit: 'Percent', scale: 1 },
  '1': NONE,
};

// Amounts that have a per-second form in CloudWatch.
const PER_SECOND: Record<string, StandardUnit> = {
  Bytes: 'Bytes/Second',
  Kilobytes: 'Kilobytes/Second',
  Megabytes: 'Megabytes/Second',
  Gigabytes: 'Gigabytes/Second',
  Terabytes: 'Terabytes/Second',
  Bits: 'Bits/Second',
  Kilobits: 'Kilobits/Second',
  Megabits: 'Megabits/Second',
  Gigabits: 'Gigabits/Second',
  Terabits: 'Terabits/Second',
  Count: 'Count/Second',
};

// Time denominators of a rate, as the factor that turns "per X" into "per second".
const PER: Record<string, number> = { s: 1, min: 1 / 60, h: 1 / 3600, ms: 1000 };

const ANNOTATION = /^\{[^{}]*\}$/;

/** Maps a numerator: an amount, or a UCUM annotation such as `{request}` (a count). */
function amount(u: string): UnitMapping | undefined {
  if (ANNOTATION.test(u)) return { unit: 'Count', scale: 1 };
  return AMOUNTS[u];
}

/**
 * Maps an OpenTelemetry (UCUM) unit to a CloudWatch unit, scaling where CloudWatch lacks the unit:
 * `ns` → Microseconds ÷ 1000, `min`/`h`/`d` → Seconds, `KiBy` → Bytes × 1024, `By/s` → Bytes/Second,
 * `{request}` → Count, `{request}/s` and `1/s` → Count/Second, `%` → Percent; `1`, empty and unknown → None.
 */
export function toCloudWatchUnit(ucum: string | undefined): UnitMapping {
  const u = (ucum ?? '').trim();
  if (u === '') return NONE;
  const direct = amount(u);
  if (direct) return direct;
  const slash = u.indexOf('/');
  if (slash > 0 && slash === u.lastIndexOf('/')) {
    const num = u.slice(0, slash);
    const per = PER[u.slice(slash + 1)];
    if (per === undefined) return NONE;
    // "1/s" is a plain rate of events.
    const top = num === '1' ? { unit: 'Count' as StandardUnit, scale: 1 } : amount(num);
    const rate = top && PER_SECOND[top.unit];
    if (top && rate) return { unit: rate, scale: top.scale * per };
  }
  return NONE;
}
