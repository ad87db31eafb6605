/**
 * Small seeded PRNG (mulberry32). The simulator must be reproducible: the same seed gives the same
 * noise sequence, so a failing test or a demo can be replayed exactly.
 */
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derive an independent stream per device so adding a device does not change the others' values. */
export function deriveSeed(seed: number, label: string): number {
  let hash = seed >>> 0 ^ 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * Stateless hash noise in [0, 1) for (seed, stream, step). The physics uses it instead of a running Rng so
 * that a value at a given simulated time does not depend on how many ticks led there: a model advanced in
 * 60 s steps sees the same load at 12:00 as one advanced in 2 s steps.
 */
export function hashUnit(seed: number, stream: number, step: number): number {
  let h = (seed ^ Math.imul(stream + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = (h ^ Math.imul((step | 0) + 0x632be5ab, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** Hash noise in [-amplitude, +amplitude]; see hashUnit. */
export function hashNoise(seed: number, stream: number, step: number, amplitude: number): number {
  return (hashUnit(seed, stream, step) * 2 - 1) * amplitude;
}
