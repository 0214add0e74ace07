import { createHash } from 'node:crypto';

const COMBINING_MARKS = /[\u0300-\u036f]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const NON_ASCII = /[^\x20-\x7e]/gu;

/**
 * Makes a string printable ASCII, the same way every time: accents are dropped (é → e), control characters
 * become spaces, and any other character becomes its code point written as `\uXXXX`, so that different
 * non-Latin strings stay different dimensions.
 */
export function toAscii(s: string): string {
  if (/^[\x20-\x7e]*$/.test(s)) return s;
  return s
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .replace(CONTROL, ' ')
    .replace(NON_ASCII, (c) => {
      const cp = c.codePointAt(0)!;
      return cp <= 0xffff
        ? `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`
        : `\\u{${cp.toString(16).toUpperCase()}}`;
    });
}

/**
 * Shortens a string to `max` characters deterministically. The cut keeps a short hash of the whole, so two long
 * strings that share a prefix remain two different names.
 */
export function shorten(s: string, max: number): string {
  if (s.length <= max) return s;
  const hash = createHash('sha256').update(s).digest('hex').slice(0, 8);
  return `${s.slice(0, max - 9)}~${hash}`;
}
