/**
 * The daily shape of IT load: lowest before dawn, highest mid-afternoon, as a sine between `minLoad` and
 * `maxLoad`. The site model passes local solar time (UTC + longitude), so "15:00" is the site's afternoon.
 */

export interface DailyLoadShape {
  minLoad: number;
  maxLoad: number;
  /** Hour of the (local) day when the load peaks. */
  peakHour: number;
}

export const DEFAULT_LOAD_SHAPE: DailyLoadShape = { minLoad: 0.4, maxLoad: 0.6, peakHour: 15 };

const DAY_MS = 86_400_000;

/** Load fraction (0..1) of nominal at `timeMs` (local time as ms since epoch), without noise. */
export function dailyLoadFraction(timeMs: number, shape: DailyLoadShape = DEFAULT_LOAD_SHAPE): number {
  const dayPhase = ((timeMs % DAY_MS) + DAY_MS) % DAY_MS / DAY_MS;
  const peakPhase = shape.peakHour / 24;
  const mid = (shape.minLoad + shape.maxLoad) / 2;
  const amplitude = (shape.maxLoad - shape.minLoad) / 2;
  return mid + amplitude * Math.cos(2 * Math.PI * (dayPhase - peakPhase));
}
