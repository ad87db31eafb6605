/**
 * Chart model: turns a /series answer into time-aligned typed columns for AlignedSeriesBuffer.
 *
 * Every point is three columns: its value, and the bucket's min and max (absent for raw samples), so a
 * chart can fill the band between min and max on aggregated ranges. Holes in the data become gap cells
 * (uPlot breaks the line there): samples without a value (comm loss…) are gaps as they come, and missing
 * samples or buckets are found by a GapTracker per point (the bucket width when aggregated, the learned
 * polling interval for raw samples). Alignment merges the sorted tracks (O(n log k) for k columns) and
 * fills each column in one pass: never an insertion per sample.
 */
import type { ChartSeriesItem } from '../api/series.ts';
import { CELL_GAP, CELL_VALUE } from './alignedSeriesBuffer.ts';
import { GapTracker, parseResolutionSec } from './gapTracker.ts';

/** Columns per point: value, min, max. */
export const COLUMNS_PER_POINT = 3;
export const valueColumn = (pointIndex: number) => pointIndex * COLUMNS_PER_POINT;
export const minColumn = (pointIndex: number) => pointIndex * COLUMNS_PER_POINT + 1;
export const maxColumn = (pointIndex: number) => pointIndex * COLUMNS_PER_POINT + 2;

/** One column's samples in time order; a NaN value is a gap. */
export interface Track {
  timesSec: Float64Array;
  values: Float64Array;
  length: number;
}

export interface AlignedColumns {
  timesSec: Float64Array;
  values: Float64Array[];
  cells: Uint8Array[];
}

/** What the server used for one point. */
export interface PointResolution {
  point: string;
  /** `raw`, or the bucket width such as `60s`. */
  resolution: string;
  source: ChartSeriesItem['source'];
  aggregated: boolean;
}

export interface HistoryColumns extends AlignedColumns {
  resolutions: PointResolution[];
  /** Per point: the bucket start origin (ms) and width (s) of aggregated data, for folding live samples in. */
  buckets: Array<{ originMs: number; widthSec: number; n: number; sum: number; min: number; max: number; startSec: number } | undefined>;
}

function emptyTrack(capacity: number): Track {
  return { timesSec: new Float64Array(capacity), values: new Float64Array(capacity), length: 0 };
}

function push(track: Track, timeSec: number, value: number): void {
  if (track.length === track.timesSec.length) {
    const grow = (a: Float64Array) => { const b = new Float64Array(Math.max(16, a.length * 2)); b.set(a); return b; };
    track.timesSec = grow(track.timesSec);
    track.values = grow(track.values);
  }
  track.timesSec[track.length] = timeSec;
  track.values[track.length] = value;
  track.length++;
}

const finiteOrNaN = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? Number.NaN : v);

/**
 * The three tracks of one series item, with gap markers where data is missing. Samples are sorted first
 * (the API answers in order; a wrong order must not draw a zig-zag).
 */
export function tracksOfItem(item: ChartSeriesItem): { value: Track; min: Track; max: Track; aggregated: boolean } {
  const aggregated = item.agg !== null && item.resolution !== 'raw';
  const n = item.samples.length;
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) times[i] = Date.parse(item.samples[i].ts) / 1000;
  let order: number[] | undefined;
  for (let i = 1; i < n; i++) {
    if (times[i] < times[i - 1]) { order = Array.from({ length: n }, (_, k) => k).sort((a, b) => times[a] - times[b]); break; }
  }
  const value = emptyTrack(n + 8);
  const min = emptyTrack(aggregated ? n + 8 : 0);
  const max = emptyTrack(aggregated ? n + 8 : 0);
  const gaps = new GapTracker(parseResolutionSec(item.resolution));
  for (let k = 0; k < n; k++) {
    const i = order ? order[k] : k;
    const t = times[i];
    const sample = item.samples[i];
    const gapAt = gaps.observe(t);
    if (gapAt !== undefined) {
      push(value, gapAt, Number.NaN);
      if (aggregated) { push(min, gapAt, Number.NaN); push(max, gapAt, Number.NaN); }
    }
    push(value, t, finiteOrNaN(sample.value));
    if (aggregated) {
      push(min, t, finiteOrNaN(sample.min));
      push(max, t, finiteOrNaN(sample.max));
    }
  }
  return { value, min, max, aggregated };
}

/**
 * Aligns tracks on the union of their timestamps. Samples of different tracks closer than `toleranceSec`
 * share a row (one poll of one device stamps its points a few milliseconds apart). A column without a
 * sample at a row is absent there (uPlot joins over it); a NaN sample is a gap (uPlot breaks the line).
 */
export function alignTracks(tracks: readonly (Track | undefined)[], toleranceSec = 0.5): AlignedColumns {
  // Each track is sorted: merge them pairwise (O(n log k)) instead of sorting everything again.
  let runs = tracks.filter((t): t is Track => !!t && t.length > 0).map((t) => t.timesSec.subarray(0, t.length));
  while (runs.length > 1) {
    const next: Float64Array[] = [];
    for (let i = 0; i < runs.length; i += 2) next.push(i + 1 < runs.length ? mergeSorted(runs[i], runs[i + 1]) : runs[i]);
    runs = next;
  }
  const all = runs[0] ?? new Float64Array(0);
  const total = all.length;
  const rows = new Float64Array(total);
  let rowCount = 0;
  for (let i = 0; i < total; i++) {
    if (rowCount === 0 || all[i] - rows[rowCount - 1] > toleranceSec) rows[rowCount++] = all[i];
  }
  const timesSec = rows.slice(0, rowCount);
  const values: Float64Array[] = [];
  const cells: Uint8Array[] = [];
  for (const track of tracks) {
    const columnValues = new Float64Array(rowCount);
    const columnCells = new Uint8Array(rowCount); // CELL_ABSENT everywhere
    if (track) {
      let row = 0;
      for (let i = 0; i < track.length; i++) {
        const t = track.timesSec[i];
        while (row + 1 < rowCount && timesSec[row + 1] <= t) row++;
        const v = track.values[i];
        if (Number.isNaN(v)) {
          columnCells[row] = CELL_GAP;
        } else {
          columnCells[row] = CELL_VALUE;
          columnValues[row] = v;
        }
      }
    }
    values.push(columnValues);
    cells.push(columnCells);
  }
  return { timesSec, values, cells };
}

function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i] <= b[j] ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}

/**
 * Columns for `pointKeys` (three per point, in that order) from a /series answer. Points the answer lacks
 * stay absent. `rangeFromMs` is where raw buckets are aligned (the server bins raw samples from `from`;
 * rollup buckets are aligned to the epoch).
 */
export function historyColumns(pointKeys: readonly string[], items: readonly ChartSeriesItem[], rangeFromMs: number): HistoryColumns {
  const byPoint = new Map(items.map((item) => [item.point, item]));
  const tracks: (Track | undefined)[] = [];
  const resolutions: PointResolution[] = [];
  const buckets: HistoryColumns['buckets'] = [];
  for (const key of pointKeys) {
    const item = byPoint.get(key);
    if (!item) {
      tracks.push(undefined, undefined, undefined);
      buckets.push(undefined);
      continue;
    }
    const { value, min, max, aggregated } = tracksOfItem(item);
    tracks.push(value, aggregated ? min : undefined, aggregated ? max : undefined);
    resolutions.push({ point: key, resolution: item.resolution, source: item.source, aggregated });
    const widthSec = parseResolutionSec(item.resolution);
    if (aggregated && widthSec) {
      const last = item.samples.at(-1);
      const lastValue = last?.value ?? null;
      buckets.push({
        originMs: item.source === 'raw' ? rangeFromMs : 0,
        widthSec,
        startSec: last ? Date.parse(last.ts) / 1000 : Number.NaN,
        n: last?.n ?? 0,
        sum: lastValue !== null && last?.n ? lastValue * last.n : 0,
        min: last?.min ?? Number.POSITIVE_INFINITY,
        max: last?.max ?? Number.NEGATIVE_INFINITY,
      });
    } else {
      buckets.push(undefined);
    }
  }
  return { ...alignTracks(tracks), resolutions, buckets };
}

/** Start (s) of the bucket of `widthSec` holding `timeSec`, buckets aligned to `originMs`. */
export function bucketStartSec(timeSec: number, originMs: number, widthSec: number): number {
  const originSec = originMs / 1000;
  return originSec + Math.floor((timeSec - originSec) / widthSec) * widthSec;
}
