/**
 * A seeded pseudo-random source, so a demo run, a seed and a test can be replayed exactly from one number.
 * mulberry32: 32 bits of state, fast, statistically fine for demo data; never for anything secret.
 */
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A float in [min, max). */
export function between(rng: Rng, min: number, max: number): number {
  return min + rng() * (max - min);
}

/** An integer in [min, max], both included. */
export function intBetween(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function chance(rng: Rng, probability: number): boolean {
  return rng() < probability;
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new Error('cannot pick from an empty list');
  return items[Math.floor(rng() * items.length)]!;
}

/** An index into `weights`, each chosen in proportion to its weight. */
export function weightedIndex(rng: Rng, weights: readonly number[]): number {
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (!(total > 0)) throw new Error(`weights must have a positive sum, got ${JSON.stringify(weights)}`);
  let r = rng() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i]!;
    if (r < 0) return i;
  }
  // Floating-point leftovers land on the last positive weight.
  return weights.findLastIndex((w) => w > 0);
}

/** A key of `weights`, each chosen in proportion to its value. */
export function weightedKey<K extends string>(rng: Rng, weights: Readonly<Record<K, number>>): K {
  const keys = Object.keys(weights) as K[];
  return keys[
    weightedIndex(
      rng,
      keys.map((k) => weights[k]),
    )
  ]!;
}

/** `count` lowercase hex digits. */
export function hexString(rng: Rng, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += Math.floor(rng() * 16).toString(16);
  return out;
}
