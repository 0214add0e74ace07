/**
 * A histogram bucket in value order: its samples lie in [lo, hi] (infinite bounds allowed for open ends).
 */
export interface Bucket {
  lo: number;
  hi: number;
  count: number;
}

/**
 * Buckets as parallel arrays of numbers. Histogram translation fills one list per point and reuses it for the
 * next, so a wide histogram costs no object per bucket (the allocations, not the arithmetic, dominated).
 */
export class BucketList {
  lo: Float64Array;
  hi: Float64Array;
  count: Float64Array;
  length = 0;

  constructor(capacity = 64) {
    this.lo = new Float64Array(capacity);
    this.hi = new Float64Array(capacity);
    this.count = new Float64Array(capacity);
  }

  static from(buckets: readonly Bucket[]): BucketList {
    const list = new BucketList(Math.max(1, buckets.length));
    for (const b of buckets) list.push(b.lo, b.hi, b.count);
    return list;
  }

  clear(): this {
    this.length = 0;
    return this;
  }

  /** Makes room for `n` more entries, so that they can be written straight into the arrays. */
  reserve(n: number): void {
    while (this.length + n > this.lo.length) this.grow();
  }

  push(lo: number, hi: number, count: number): void {
    if (this.length === this.lo.length) this.grow();
    const i = this.length++;
    this.lo[i] = lo;
    this.hi[i] = hi;
    this.count[i] = count;
  }

  /** Reverses the entries from `start` to the end (negative buckets are walked upwards in magnitude). */
  reverseFrom(start: number): void {
    for (let i = start, j = this.length - 1; i < j; i++, j--) {
      swap(this.lo, i, j);
      swap(this.hi, i, j);
      swap(this.count, i, j);
    }
  }

  toArray(): Bucket[] {
    return Array.from({ length: this.length }, (_, i) => ({ lo: this.lo[i]!, hi: this.hi[i]!, count: this.count[i]! }));
  }

  private grow(): void {
    const n = Math.max(4, this.lo.length * 2);
    const lo = new Float64Array(n);
    const hi = new Float64Array(n);
    const count = new Float64Array(n);
    lo.set(this.lo);
    hi.set(this.hi);
    count.set(this.count);
    this.lo = lo;
    this.hi = hi;
    this.count = count;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}
