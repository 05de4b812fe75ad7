/**
 * A seeded pseudo-random source (mulberry32) so that the selection policy is a pure function of
 * its inputs: the same seed gives the same choices, in tests, in simulations and between the
 * "what should I probe" and "now decide" calls of one refresh.
 */

/** Deterministic random helpers over one seeded stream. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** `n` distinct items drawn uniformly (all of them, shuffled, when n ≥ length). */
  sample<T>(items: readonly T[], n: number): T[];
}

/** Creates the random stream of `seed` (any 32-bit integer). */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    sample<T>(items: readonly T[], n: number): T[] {
      const copy = [...items];
      const count = Math.min(n, copy.length);
      for (let i = 0; i < count; i++) {
        const j = i + int(copy.length - i);
        [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      }
      return copy.slice(0, count);
    },
  };
}
