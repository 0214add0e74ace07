/** What {@link safeJsonStringify} writes in place of what JSON cannot hold. */
export interface JsonStandIns {
  bigint: (value: bigint) => string;
  circular: string;
}

/** BigInts as their decimal digits, cycles as a marker: readable, for dimension values. */
const READABLE_STAND_INS: JsonStandIns = { bigint: (v) => v.toString(), circular: '[Circular]' };

/**
 * `JSON.stringify` that does not throw on BigInts or circular references: they become the stand-ins' strings.
 * Values JSON can hold come out exactly as `JSON.stringify` writes them. (A value whose `toJSON` or getter
 * throws still throws: that is the value's own fault, and the caller drops the point.)
 */
export function safeJsonStringify(value: unknown, standIns: JsonStandIns = READABLE_STAND_INS): string {
  // Attribute values almost never hold either: the native path, without a replacer, is several times faster.
  try {
    return String(JSON.stringify(value));
  } catch {
    return String(JSON.stringify(value, replacer(standIns)));
  }
}

/**
 * A replacer that tracks the chain of objects above the current one (`this` is the holder of the value), so that
 * only a reference back to an ancestor counts as a cycle — the same object twice side by side does not.
 */
function replacer(standIns: JsonStandIns): (this: unknown, key: string, value: unknown) => unknown {
  const ancestors: unknown[] = [];
  return function (this: unknown, _key: string, value: unknown): unknown {
    if (typeof value === 'bigint') return standIns.bigint(value);
    if (typeof value !== 'object' || value === null) return value;
    while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
    if (ancestors.includes(value)) return standIns.circular;
    ancestors.push(value);
    return value;
  };
}
