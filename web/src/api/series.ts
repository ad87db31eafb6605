/**
 * Typed client for GET /api/v1/series as the charts read it: the server picks the resolution for the range
 * and the plot width (`width` = plot pixels, at most 2 samples per pixel) and says what it used (`resolution`,
 * `source`), and aggregated items carry min/max per bucket.
 */
import { request } from './client.ts';

/** Table the server read: raw samples, or one of the rollups. */
export type SeriesSource = 'raw' | '1m' | '1h' | '1d';

export interface ChartSeriesSample {
  /** Sample time, or the start of the bucket. */
  ts: string;
  /** The value, or the bucket's aggregate; null = no valid data (comm loss…). */
  value: number | null;
  /** Aggregated items only. */
  min?: number | null;
  max?: number | null;
  /** Valid samples in the bucket (aggregated items only). */
  n?: number;
}

export interface ChartSeriesItem {
  point: string;
  unit: string;
  /** `raw`, or the width of each returned bucket such as `60s`. */
  resolution: string;
  source: SeriesSource;
  /** Aggregate shown as value; null for raw samples. */
  agg: string | null;
  samples: ChartSeriesSample[];
}

export interface ChartSeriesResponse {
  from: string;
  to: string;
  items: ChartSeriesItem[];
}

export interface ChartSeriesRequest {
  points: readonly string[];
  fromMs: number;
  toMs: number;
  /** Plot width in CSS pixels. */
  widthPx: number;
}

/** The API takes at most this many points per request; larger sets are fetched in parallel slices. */
export const MAX_POINTS_PER_REQUEST = 50;

async function fetchSlices(points: readonly string[], fromMs: number, toMs: number, width: number, signal?: AbortSignal): Promise<ChartSeriesResponse> {
  const slices: string[][] = [];
  for (let i = 0; i < points.length; i += MAX_POINTS_PER_REQUEST) slices.push(points.slice(i, i + MAX_POINTS_PER_REQUEST));
  const from = new Date(fromMs).toISOString();
  const to = new Date(toMs).toISOString();
  const answers = await Promise.all(slices.map((slice) => request<ChartSeriesResponse>('GET', '/series', {
    query: { points: slice.join(','), from, to, width, resolution: 'auto' },
    signal,
  })));
  return { from, to, items: answers.flatMap((a) => a.items) };
}

interface PendingBatch {
  points: Set<string>;
  waiters: Array<{ req: ChartSeriesRequest; resolve(r: ChartSeriesResponse): void; reject(e: unknown): void }>;
}

const pendingBatches = new Map<string, PendingBatch>();

/**
 * Series of `req.points` for a chart `req.widthPx` wide. Requests made in the same task for the same range
 * and width (the charts of one page after a range change) go out as one: the server bounds the work of one
 * request (it reads a coarser rollup when a request would merge too many rows), and a page of eight charts
 * should not cost the database eight times that bound, nor take the browser's six connections per host.
 * An aborted caller stops waiting at once; the shared request runs on for the others.
 */
export function fetchChartSeries(req: ChartSeriesRequest, signal?: AbortSignal): Promise<ChartSeriesResponse> {
  const width = Math.min(10_000, Math.max(1, Math.round(req.widthPx)));
  const batchKey = `${req.fromMs}|${req.toMs}|${width}`;
  return new Promise<ChartSeriesResponse>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException('aborted', 'AbortError'));
      return;
    }
    let batch = pendingBatches.get(batchKey);
    if (!batch) {
      const created: PendingBatch = { points: new Set(), waiters: [] };
      batch = created;
      pendingBatches.set(batchKey, created);
      queueMicrotask(() => {
        pendingBatches.delete(batchKey);
        fetchSlices([...created.points], req.fromMs, req.toMs, width).then((answer) => {
          const byPoint = new Map(answer.items.map((item) => [item.point, item]));
          for (const waiter of created.waiters) {
            waiter.resolve({ ...answer, items: waiter.req.points.map((p) => byPoint.get(p)).filter((i): i is ChartSeriesItem => !!i) });
          }
        }, (error) => created.waiters.forEach((waiter) => waiter.reject(error)));
      });
    }
    req.points.forEach((p) => batch.points.add(p));
    batch.waiters.push({ req, resolve, reject });
    signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true });
  });
}
