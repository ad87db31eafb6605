/**
 * Series resolution: which table answers a chart request and how wide its buckets are, so a chart of
 * `width` pixels gets at most 2 × width points per series. Pure logic; the SQL is in db/queries/series.ts.
 *
 * The pixel bucket is range / (2 × width). Short ranges (pixel bucket under a minute) read raw samples:
 * as they are when they fit in 2 × width, else bucketed on the fly. Longer ranges read the coarsest
 * rollup table whose bucket is not wider than the pixel bucket (so the chart keeps its full detail) — or a
 * coarser one when the request would otherwise merge more than MAX_ROLLUP_ROWS_PER_REQUEST rows — and
 * whole rollup rows are merged into pixel buckets that are a multiple of the rollup bucket — exact,
 * because every rollup column merges exactly (n, sum, integral, covered_s, delta add; min/max; last by time).
 */

export const ROLLUP_TABLES = ['1m', '1h', '1d'] as const;
export type RollupTable = typeof ROLLUP_TABLES[number];
export const ROLLUP_SECONDS: Record<RollupTable, number> = { '1m': 60, '1h': 3600, '1d': 86_400 };

export const SERIES_AGGS = ['avg', 'twa', 'min', 'max', 'last', 'sum', 'count', 'delta', 'integral'] as const;
export type SeriesAgg = typeof SERIES_AGGS[number];
export const SERIES_RESOLUTIONS = ['auto', 'raw', ...ROLLUP_TABLES] as const;
export type SeriesResolution = typeof SERIES_RESOLUTIONS[number];

/** Aggregates that need time weighting or counter handling, which only the rollups carry. */
export const ROLLUP_ONLY_AGGS: ReadonlySet<SeriesAgg> = new Set(['twa', 'integral', 'delta']);

/** Explicit `resolution=raw` over a longer range would scan too many samples per request. */
export const MAX_RAW_RANGE_MS = 7 * 86_400_000;

/**
 * Rollup rows one request may merge (all its points together): bounds the work of a chart to a few tens of
 * milliseconds. One point over a year at 1,000 px merges 8,760 hourly rows into 5-hour buckets; ten points
 * over a year read 3,650 daily rows instead of 87,600 hourly ones; a week of 10 points reads hourly rows.
 */
export const MAX_ROLLUP_ROWS_PER_REQUEST = 40_000;

export type SeriesSource = 'raw' | RollupTable;

export interface SeriesPlan {
  source: SeriesSource;
  /**
   * Output bucket width in seconds. For `raw`: the width used only when the samples do not fit in
   * 2 × width (buckets aligned to `from`); for a rollup: a multiple of the rollup bucket, aligned to the epoch.
   */
  bucketSeconds: number;
}

export const pixelBucketSeconds = (rangeMs: number, width: number): number =>
  Math.max(1, Math.ceil(rangeMs / 1000 / (2 * width)));

/** Epoch-aligned buckets of `seconds` that [from, to) touches. */
export function epochBucketCount(fromMs: number, toMs: number, seconds: number): number {
  const ms = seconds * 1000;
  return Math.floor((toMs - 1) / ms) - Math.floor(fromMs / ms) + 1;
}

/** The smallest multiple of the table's bucket that is ≥ the pixel bucket and keeps the count ≤ 2 × width. */
export function rollupBucketSeconds(table: RollupTable, fromMs: number, toMs: number, width: number): number {
  const step = ROLLUP_SECONDS[table];
  let seconds = Math.max(step, Math.ceil(pixelBucketSeconds(toMs - fromMs, width) / step) * step);
  while (epochBucketCount(fromMs, toMs, seconds) > 2 * width) seconds += step;
  return seconds;
}

export function planSeries(req: {
  fromMs: number; toMs: number; width: number; resolution: SeriesResolution; agg: SeriesAgg; pointCount: number;
}): SeriesPlan {
  const { fromMs, toMs, width, resolution, agg, pointCount } = req;
  const pixel = pixelBucketSeconds(toMs - fromMs, width);
  if (resolution === 'raw') return { source: 'raw', bucketSeconds: pixel };
  if (resolution !== 'auto') return { source: resolution, bucketSeconds: rollupBucketSeconds(resolution, fromMs, toMs, width) };
  if (pixel < ROLLUP_SECONDS['1m']) {
    if (!ROLLUP_ONLY_AGGS.has(agg)) return { source: 'raw', bucketSeconds: pixel };
    return { source: '1m', bucketSeconds: rollupBucketSeconds('1m', fromMs, toMs, width) };
  }
  // The coarsest table not wider than a pixel, unless the request would merge too many rows: then coarser.
  const rangeS = (toMs - fromMs) / 1000;
  const fine = ROLLUP_TABLES.filter((t) => ROLLUP_SECONDS[t] <= pixel).at(-1)!;
  const table = ROLLUP_TABLES.slice(ROLLUP_TABLES.indexOf(fine))
    .find((t) => Math.max(1, pointCount) * (rangeS / ROLLUP_SECONDS[t]) <= MAX_ROLLUP_ROWS_PER_REQUEST) ?? '1d';
  return { source: table, bucketSeconds: rollupBucketSeconds(table, fromMs, toMs, width) };
}

/** Mergeable aggregates of one bucket (a rollup row, or several merged). Absent parts are null. */
export interface BucketAggregates {
  n: number; sum: number | null; min: number | null; max: number | null; last: number | null;
  integral: number | null; coveredS: number | null; delta: number | null;
}

/** The value a bucket shows for the chosen aggregate; null when the bucket holds no valid sample. */
export function aggregateValue(agg: SeriesAgg, b: BucketAggregates): number | null {
  switch (agg) {
    case 'avg': return b.n > 0 && b.sum !== null ? b.sum / b.n : null;
    case 'twa': return b.coveredS && b.integral !== null ? b.integral / b.coveredS : null;
    case 'min': return b.min;
    case 'max': return b.max;
    case 'last': return b.last;
    case 'sum': return b.n > 0 ? b.sum : null;
    case 'count': return b.n;
    case 'delta': return b.delta;
    case 'integral': return b.integral;
  }
}

export interface TotalsSegment { table: RollupTable; fromMs: number; toMs: number }

const floorTo = (ms: number, s: number) => Math.floor(ms / (s * 1000)) * s * 1000;
const ceilTo = (ms: number, s: number) => Math.ceil(ms / (s * 1000)) * s * 1000;

/**
 * Tiles [from, to) with the coarsest rollup buckets that fit: whole days from 1d, the hours at either
 * edge from 1h, the minutes at either edge from 1m. A year reads ~365 rows per point instead of 525,600.
 * The ends widen to whole minutes (the minute containing `from` and `to`'s partial minute are included).
 */
export function totalsSegments(fromMs: number, toMs: number): TotalsSegment[] {
  const f = floorTo(fromMs, 60);
  const t = ceilTo(toMs, 60);
  if (f >= t) return [];
  const fh = ceilTo(f, 3600);
  const th = floorTo(t, 3600);
  if (fh >= th) return [{ table: '1m', fromMs: f, toMs: t }];
  const segments: TotalsSegment[] = [];
  if (f < fh) segments.push({ table: '1m', fromMs: f, toMs: fh });
  if (th < t) segments.push({ table: '1m', fromMs: th, toMs: t });
  const fd = ceilTo(fh, 86_400);
  const td = floorTo(th, 86_400);
  if (fd >= td) {
    segments.push({ table: '1h', fromMs: fh, toMs: th });
  } else {
    if (fh < fd) segments.push({ table: '1h', fromMs: fh, toMs: fd });
    if (td < th) segments.push({ table: '1h', fromMs: td, toMs: th });
    segments.push({ table: '1d', fromMs: fd, toMs: td });
  }
  return segments;
}
