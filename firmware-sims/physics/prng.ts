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

/** Uniform noise in [-amplitude, +amplitude]. */
export function symmetricNoise(rng: Rng, amplitude: number): number {
  return (rng() * 2 - 1) * amplitude;
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
