import seedrandom from 'seedrandom';

/**
 * The only source of randomness in fault generation. One `Rng` is made per fault from the key
 * `seed/layer/index` (DESIGN.md, "Independent seeding"), so fault i of layer L is a pure function
 * of those three and any subset of a fault list regenerates alone.
 *
 * Alea (from seedrandom) is used: it is fast, its output is defined by the seed string alone, and
 * `double()` gives 53 random bits, like numpy's `random_sample`.
 */
export class Rng {
  // Alea's state, kept in our own fields: seedrandom seeds it from the key, and stepping it
  // here avoids seedrandom's closure layers (about 2.5x cheaper per draw on the hot path).
  private c: number;
  private s0: number;
  private s1: number;
  private s2: number;

  constructor(key: string) {
    const st = seedrandom.alea(key, { state: true }).state() as { c: number; s0: number; s1: number; s2: number };
    this.c = st.c;
    this.s0 = st.s0;
    this.s1 = st.s1;
    this.s2 = st.s2;
  }

  /** One Alea step: a double in [0, 1) with 32 random bits (seedrandom's `quick()`). */
  private step(): number {
    const t = 2091639 * this.s0 + this.c * 2.3283064365386963e-10; // 2^-32
    this.s0 = this.s1;
    this.s1 = this.s2;
    this.c = t | 0;
    this.s2 = t - this.c;
    return this.s2;
  }

  static forFault(seed: number | string, layer: string, index: number): Rng {
    return new Rng(`${seed}/${layer}/${index}`);
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  next(): number {
    // seedrandom's `double()`: 32 bits from one step plus 21 from the next
    const hi = this.step();
    return hi + ((this.step() * 0x200000) | 0) * 1.1102230246251565e-16; // 2^-53
  }

  /**
   * Uniform double in [0, 1) with 32 random bits (one Alea step): for draws that end in a float32
   * (24-bit mantissa) or pick among at most 2^32 items, 53 bits buy nothing and cost a second step.
   */
  next32(): number {
    return this.step();
  }

  /** Uniform double in [lo, hi) (numpy `uniform`: lo + (hi - lo) * u). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi) (numpy `randint(lo, hi)`); requires hi > lo. */
  int(lo: number, hi: number): number {
    if (!(hi > lo)) throw new RangeError(`Rng.int: empty range [${lo}, ${hi})`);
    return lo + Math.floor(this.next() * (hi - lo));
  }

  /** Uniform index in [0, n). */
  index(n: number): number {
    return this.int(0, n);
  }

  /**
   * Index drawn with probability proportional to `weights` (numpy `choice(p=w/sum(w))`: the
   * cumulative sums are searched with side='right', so zero weights are never picked).
   */
  weightedIndex(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i];
    if (!(total > 0)) throw new RangeError('Rng.weightedIndex: weights must have a positive sum');
    const u = this.next() * total;
    let acc = 0;
    for (let i = 0; i < weights.length; i++) {
      acc += weights[i];
      if (u < acc) return i;
    }
    // Rounding can leave u == total; return the last non-zero weight.
    for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
    return weights.length - 1;
  }

  /** k distinct integers from [0, n), in draw order (Floyd's algorithm; O(k)). */
  sampleWithoutReplacement(n: number, k: number): number[] {
    if (k > n) throw new RangeError(`Rng.sampleWithoutReplacement: k=${k} > n=${n}`);
    if (k * 2 > n) {
      // dense case: partial Fisher-Yates over the whole range
      const arr = new Uint32Array(n);
      for (let i = 0; i < n; i++) arr[i] = i;
      for (let i = 0; i < k; i++) {
        const j = i + this.index(n - i);
        const t = arr[i];
        arr[i] = arr[j];
        arr[j] = t;
      }
      return Array.from(arr.subarray(0, k));
    }
    const chosen = new Set<number>();
    const out: number[] = [];
    for (let j = n - k; j < n; j++) {
      const t = this.index(j + 1);
      const v = chosen.has(t) ? j : t;
      chosen.add(v);
      out.push(v);
    }
    return out;
  }

  /** k integers from [0, n), with replacement. */
  sampleWithReplacement(n: number, k: number): number[] {
    const out = new Array<number>(k);
    for (let i = 0; i < k; i++) out[i] = this.index(n);
    return out;
  }

  /**
   * Uniform index in [0, n) from ONE 32-bit Alea output rather than the two behind `next()`:
   * about 30 % faster in the pattern generators' per-position loops (added for
   * faults/patterns). For n <= 2^16 the product is exact and any index's probability is off by
   * less than n / 2^32 relative (< 1.6e-5); larger n falls back to `index`.
   */
  quickIndex(n: number): number {
    return n <= 65536 ? Math.floor(this.step() * n) : this.index(n);
  }

  /** One element of `items`, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick: empty list');
    return items[this.index(items.length)];
  }
}
