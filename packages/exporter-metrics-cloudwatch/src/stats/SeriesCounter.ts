// 2^12 one-byte registers: 4 KiB per exporter for any number of series, with a standard error of
// 1.04 / √4096 ≈ 1.6 % (HyperLogLog, Flajolet et al. 2007). Below ~10,000 series the linear-counting branch
// answers instead, closer than that. Plus 16 KiB of hashes waiting to be folded in.
const INDEX_BITS = 12;
const REGISTERS = 1 << INDEX_BITS;
const ALPHA = 0.7213 / (1 + 1.079 / REGISTERS);
const PENDING = 4096;

/**
 * Counts the series one export publishes (each published point is one), and adds each to the exporter's
 * {@link SeriesSketch} of series since start. Overlapping exports each have their own counter and share the sketch.
 */
export class SeriesCounter {
  /** Series published by this export. */
  count = 0;

  constructor(private readonly sketch: SeriesSketch) {}

  /** One published point, of the series whose identity hashes to `hash` (see {@link combineHash}). */
  add(hash: number): void {
    this.count++;
    this.sketch.add(hash);
  }
}

/**
 * The distinct series an exporter has published since it started, as a HyperLogLog estimate from a 32-bit hash of
 * each series' identity: fixed memory, and a few operations per published point.
 */
export class SeriesSketch {
  private readonly registers = new Uint8Array(REGISTERS);
  private readonly pending = new Int32Array(PENDING);
  private waiting = 0;
  // The estimate's sum over registers of 2^-register, and the empty ones, kept as registers change: reading the
  // estimate costs nothing however often the stats are read.
  private sum = REGISTERS;
  private zeros = REGISTERS;

  /** One published point, of the series whose identity hashes to `hash`. */
  add(hash: number): void {
    // Hashes wait in a small buffer and go into the registers a few thousand at a time: a tight loop there costs
    // a fraction of doing it point by point in translation's.
    this.pending[this.waiting++] = hash;
    if (this.waiting === PENDING) this.fold();
  }

  /** Distinct series since the exporter started, estimated (standard error about 1.6 %). */
  estimate(): number {
    this.fold();
    const { sum, zeros } = this;
    const raw = (ALPHA * REGISTERS * REGISTERS) / sum;
    // Few series leave registers empty; counting those is the better estimate there.
    if (raw <= 2.5 * REGISTERS && zeros > 0) return Math.round(REGISTERS * Math.log(REGISTERS / zeros));
    return Math.round(raw);
  }

  private fold(): void {
    const { registers, pending } = this;
    for (let i = 0; i < this.waiting; i++) {
      const h = finalize(pending[i]!);
      const index = h >>> (32 - INDEX_BITS);
      // The rank of the first 1 in the remaining bits; the OR keeps it within the register's range when all are 0.
      const rank = Math.clz32((h << INDEX_BITS) | (1 << (INDEX_BITS - 1))) + 1;
      const old = registers[index]!;
      if (rank > old) {
        registers[index] = rank;
        this.sum += 2 ** -rank - 2 ** -old;
        if (old === 0) this.zeros--;
      }
    }
    this.waiting = 0;
  }
}

/** Mixes the bits of a 32-bit hash so that neighbouring inputs land far apart (MurmurHash3's finalizer). */
function finalize(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** FNV-1a of a string's code units: the hash every part of a series' identity starts from. */
export function hashString(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** One more part of an identity folded in, order mattering (parts are added in a fixed order). */
export function combineHash(h: number, part: number): number {
  return Math.imul((h ^ part) + 0x9e3779b9, 0x01000193) | 0;
}
