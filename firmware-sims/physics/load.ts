/**
 * Load and loss model for a double-conversion UPS.
 *
 * IT load in a data center follows the working day: lowest before dawn, highest mid-afternoon. We model
 * the load fraction as a daily sine between `minLoad` and `maxLoad` (peak at 15:00 local-sim time, UTC
 * here for determinism) plus small seeded noise per physics tick.
 */
import { symmetricNoise, type Rng } from './prng.ts';

export interface DailyLoadShape {
  minLoad: number;
  maxLoad: number;
  /** Hour of day (UTC) when the load peaks. */
  peakHourUtc: number;
  /** Peak-to-peak noise as a fraction of rated power (0.01 = ±1 %). */
  noise: number;
}

export const DEFAULT_LOAD_SHAPE: DailyLoadShape = { minLoad: 0.4, maxLoad: 0.6, peakHourUtc: 15, noise: 0.01 };

const DAY_MS = 86_400_000;

/** Load fraction (0..1) of rated output power at `timeMs`, without noise. */
export function dailyLoadFraction(timeMs: number, shape: DailyLoadShape = DEFAULT_LOAD_SHAPE): number {
  const dayPhase = ((timeMs % DAY_MS) + DAY_MS) % DAY_MS / DAY_MS; // 0..1 through the UTC day
  const peakPhase = shape.peakHourUtc / 24;
  const mid = (shape.minLoad + shape.maxLoad) / 2;
  const amplitude = (shape.maxLoad - shape.minLoad) / 2;
  return mid + amplitude * Math.cos(2 * Math.PI * (dayPhase - peakPhase));
}

/** Load fraction with seeded noise; clamped to [0, 1.5] so a noisy sample never goes negative. */
export function noisyLoadFraction(timeMs: number, rng: Rng, shape: DailyLoadShape = DEFAULT_LOAD_SHAPE): number {
  const load = dailyLoadFraction(timeMs, shape) + symmetricNoise(rng, shape.noise);
  return Math.min(1.5, Math.max(0, load));
}

/**
 * UPS efficiency as a function of load fraction. Losses = fixed no-load loss + a part proportional to
 * load + a part proportional to load² (I²R). Coefficients give ~94.6 % at 25 % load, ~96 % at 50 %
 * and 100 %, the shape of a modern double-conversion UPS datasheet.
 */
export function upsEfficiency(loadFraction: number): number {
  if (loadFraction <= 0) return 0;
  const noLoadLoss = 0.01; // fraction of rated power: transformer, fans, control
  const proportionalLoss = 0.012;
  const resistiveLoss = 0.02;
  const losses = noLoadLoss + proportionalLoss * loadFraction + resistiveLoss * loadFraction * loadFraction;
  return loadFraction / (loadFraction + losses);
}

/**
 * Estimated battery runtime in minutes at a load fraction. Peukert-like: runtime ∝ load^-1.2,
 * `fullLoadMinutes` at 100 % load, capped at a long but finite value at tiny loads.
 */
export function batteryRuntimeMinutes(loadFraction: number, fullLoadMinutes = 8, chargeFraction = 1): number {
  const effectiveLoad = Math.max(loadFraction, 0.02);
  return Math.min(999, fullLoadMinutes * Math.pow(1 / effectiveLoad, 1.2) * chargeFraction);
}
