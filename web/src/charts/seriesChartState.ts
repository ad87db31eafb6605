/**
 * Chart state of one history chart (device and point pages): loads the page's time range from /series at
 * the plot's pixel width (the server picks raw samples or a rollup and says which), keeps the samples in
 * an AlignedSeriesBuffer (typed arrays, outside any store), appends live samples while the range follows
 * "now" (folded into the current bucket when the range is aggregated), and redraws at most once per
 * animation frame. Solid sees only small signals: loading, what resolution was used, how many values are
 * plotted, and how many loads have been drawn.
 */
import { createEffect, createSignal, on, onCleanup, type Accessor } from 'solid-js';
import type uPlot from 'uplot';
import type { ChartSeriesRequest, ChartSeriesResponse } from '../api/series.ts';
import type { StreamSample } from '../api/types.ts';
import { AlignedSeriesBuffer } from './alignedSeriesBuffer.ts';
import type { ChartRange } from './chartRange.ts';
import { chartCsv, type CsvColumn } from './chartCsv.ts';
import { createFrameScheduler } from './frameScheduler.ts';
import { GapTracker, parseResolutionSec } from './gapTracker.ts';
import {
  bucketStartSec, COLUMNS_PER_POINT, historyColumns, maxColumn, minColumn, valueColumn, type PointResolution,
} from './seriesHistory.ts';

/** Performance mark set once per chart when its first data is on screen (read by `kiban bench chart`). */
export const CHART_DRAWN_MARK = 'kiban:chart-drawn';

export interface SeriesChartInfo {
  resolutions: PointResolution[];
  /** Any point shown as buckets with min/max. */
  aggregated: boolean;
  /** The range and plot width (px) the data was loaded for. */
  fromMs: number;
  toMs: number;
  widthPx: number;
}

export interface SeriesChartStateOptions {
  /** Point keys in series order. */
  pointKeys: readonly string[];
  range: ChartRange;
  fetchSeries(request: ChartSeriesRequest, signal: AbortSignal): Promise<ChartSeriesResponse>;
  onError?(error: unknown): void;
}

export interface SeriesChartState {
  readonly pointKeys: readonly string[];
  readonly buffer: AlignedSeriesBuffer;
  info: Accessor<SeriesChartInfo | undefined>;
  loading: Accessor<boolean>;
  /** Values (not min/max) in the buffer after the last redraw. */
  plottedValues: Accessor<number>;
  /** Loads whose data has been drawn (increments after each refetch is on screen). */
  drawnLoads: Accessor<number>;
  /** Bumped after every redraw: legends re-read the buffer. */
  redraws: Accessor<number>;
  ingest(samples: readonly StreamSample[]): void;
  /** Refetches the current range (after the live stream was interrupted). */
  reload(): void;
  attach(chart: uPlot): void;
  detach(): void;
  /** uPlot `draw` hook. */
  onDraw(chart: uPlot): void;
  /** CSV of what is plotted in the current view. */
  csv(timeHeader: string, columns: readonly CsvColumn[]): string;
}

const SLIDE_INTERVAL_MS = 5_000;
const FALLBACK_WIDTH_PX = 1000;
/** Recent sample times handed to a raw point's gap tracker after a load, so it knows the polling interval. */
const GAP_TRACKER_WARMUP = 16;

interface LiveBucket { originMs: number; widthSec: number; startSec: number; n: number; sum: number; min: number; max: number }

export function createSeriesChartState(options: SeriesChartStateOptions): SeriesChartState {
  const { pointKeys, range } = options;
  const pointIndex = new Map(pointKeys.map((key, index) => [key, index]));
  const buffer = new AlignedSeriesBuffer(pointKeys.length * COLUMNS_PER_POINT);
  const gapTrackers = pointKeys.map(() => new GapTracker());
  let liveBuckets: (LiveBucket | undefined)[] = pointKeys.map(() => undefined);
  const [info, setInfo] = createSignal<SeriesChartInfo>();
  const [loading, setLoading] = createSignal(true);
  const [plottedValues, setPlottedValues] = createSignal(0);
  const [drawnLoads, setDrawnLoads] = createSignal(0);
  const [redraws, setRedraws] = createSignal(0);

  let chart: uPlot | undefined;
  let loadSeq = 0;
  let appliedLoad = 0;
  let abort: AbortController | undefined;
  let pendingLive: StreamSample[] | undefined;
  let historyToSec = 0;
  let loadWanted = false;
  let firstDrawMarked = false;

  const countValues = () => {
    let count = 0;
    for (let p = 0; p < pointKeys.length; p++) {
      for (let row = 0; row < buffer.length; row++) if (typeof buffer.cell(valueColumn(p), row) === 'number') count++;
    }
    return count;
  };

  const redraw = () => {
    if (!chart) return;
    const view = range.view();
    if (range.range().follow) {
      // Keep one bucket left of the window so the line enters from the edge.
      const widest = Math.max(0, ...liveBuckets.map((b) => b?.widthSec ?? 0));
      buffer.dropBefore(view.fromMs / 1000 - widest);
    }
    setPlottedValues(countValues()); // before drawing: the draw hook reads it
    const instance = chart;
    instance.batch(() => {
      instance.setData(buffer.toAlignedData(), true);
      instance.setScale('x', { min: view.fromMs / 1000, max: view.toMs / 1000 });
    });
    setRedraws((n) => n + 1);
  };
  const scheduler = createFrameScheduler(redraw);

  const setCell = (column: number, timeSec: number, value: number | null) => buffer.set(column, timeSec, value);

  const recordLive = (sample: StreamSample) => {
    const index = pointIndex.get(sample.point);
    if (index === undefined) return;
    const timeSec = Date.parse(sample.ts) / 1000;
    if (!Number.isFinite(timeSec)) return;
    const value = sample.quality === 'ok' && sample.value !== null && Number.isFinite(sample.value) ? sample.value : null;
    const bucket = liveBuckets[index];
    if (!bucket) {
      const gapAt = gapTrackers[index].observe(timeSec);
      if (gapAt !== undefined) setCell(valueColumn(index), gapAt, null);
      setCell(valueColumn(index), timeSec, value);
      return;
    }
    if (timeSec < historyToSec) return; // already counted in the loaded bucket
    const startSec = bucketStartSec(timeSec, bucket.originMs, bucket.widthSec);
    if (startSec < bucket.startSec) return; // late sample for a bucket already drawn
    if (!(startSec === bucket.startSec)) {
      const gapAt = gapTrackers[index].observe(startSec);
      if (gapAt !== undefined) {
        for (const column of [valueColumn(index), minColumn(index), maxColumn(index)]) setCell(column, gapAt, null);
      }
      Object.assign(bucket, { startSec, n: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY });
    }
    if (value !== null) {
      bucket.n++;
      bucket.sum += value;
      bucket.min = Math.min(bucket.min, value);
      bucket.max = Math.max(bucket.max, value);
    }
    const has = bucket.n > 0;
    setCell(valueColumn(index), startSec, has ? bucket.sum / bucket.n : null);
    setCell(minColumn(index), startSec, has ? bucket.min : null);
    setCell(maxColumn(index), startSec, has ? bucket.max : null);
  };

  /** After a load: each point's gap tracker continues from the loaded data. */
  const warmGapTrackers = (resolutions: PointResolution[]) => {
    const byPoint = new Map(resolutions.map((r) => [r.point, r]));
    pointKeys.forEach((key, index) => {
      const resolution = byPoint.get(key);
      gapTrackers[index].reset(resolution ? parseResolutionSec(resolution.resolution) : undefined);
      const times: number[] = [];
      for (let row = buffer.length - 1; row >= 0 && times.length < GAP_TRACKER_WARMUP; row--) {
        if (buffer.cell(valueColumn(index), row) !== undefined) times.push(buffer.timeAt(row));
      }
      for (let i = times.length - 1; i >= 0; i--) gapTrackers[index].observe(times[i]);
    });
  };

  const load = async () => {
    if (!chart) {
      loadWanted = true;
      return;
    }
    loadWanted = false;
    abort?.abort();
    const controller = new AbortController();
    abort = controller;
    const seq = ++loadSeq;
    setLoading(true);
    pendingLive = [];
    // Whole seconds while following now: the charts of a page loading together ask for the same range
    // (and their requests go out as one).
    const view = range.range().follow ? range.view(Math.floor(Date.now() / 1000) * 1000) : range.view();
    const widthPx = Math.round(chart.over?.clientWidth || chart.bbox.width / devicePixelRatio || FALLBACK_WIDTH_PX);
    try {
      const answer = await options.fetchSeries({ points: pointKeys, fromMs: view.fromMs, toMs: view.toMs, widthPx }, controller.signal);
      if (seq !== loadSeq) return;
      const columns = historyColumns(pointKeys, answer.items, view.fromMs);
      buffer.replaceAll(columns.timesSec, columns.values, columns.cells);
      liveBuckets = columns.buckets.map((b) => (b ? { ...b } : undefined));
      historyToSec = view.toMs / 1000;
      warmGapTrackers(columns.resolutions);
      setInfo({
        resolutions: columns.resolutions,
        aggregated: columns.resolutions.some((r) => r.aggregated),
        fromMs: view.fromMs,
        toMs: view.toMs,
        widthPx,
      });
    } catch (error) {
      if (seq !== loadSeq || (error instanceof DOMException && error.name === 'AbortError')) return;
      options.onError?.(error);
    }
    const queued = pendingLive ?? [];
    pendingLive = undefined;
    if (range.range().follow) queued.forEach(recordLive);
    appliedLoad = seq;
    scheduler.schedule();
  };

  createEffect(on(range.range, () => void load()));

  const slideTimer = setInterval(() => {
    if (range.range().follow && !loading()) scheduler.schedule();
  }, SLIDE_INTERVAL_MS);
  onCleanup(() => {
    clearInterval(slideTimer);
    scheduler.cancel();
    abort?.abort();
    chart = undefined;
  });

  return {
    pointKeys,
    buffer,
    info,
    loading,
    plottedValues,
    drawnLoads,
    redraws,

    ingest(samples) {
      if (!range.range().follow) return; // a pinned range is history: it does not change under the reader
      let mine = false;
      for (const sample of samples) {
        if (!pointIndex.has(sample.point)) continue;
        mine = true;
        if (pendingLive) pendingLive.push(sample);
        else recordLive(sample);
      }
      if (mine && !pendingLive) scheduler.schedule();
    },

    reload: () => void load(),

    attach(instance) {
      chart = instance;
      // uPlot lays itself out in a microtask after construction: load once the plot has its pixel width.
      if (loadWanted || loadSeq === 0) {
        loadWanted = true;
        queueMicrotask(() => { if (chart === instance && loadWanted) void load(); });
      } else {
        scheduler.flush();
      }
    },

    detach() {
      chart = undefined;
    },

    onDraw(instance) {
      if (instance !== chart || appliedLoad === 0) return;
      if (appliedLoad > drawnLoads() && appliedLoad === loadSeq) {
        setDrawnLoads(appliedLoad);
        setLoading(false);
        if (!firstDrawMarked && plottedValues() > 0) {
          firstDrawMarked = true;
          performance.mark(CHART_DRAWN_MARK, { detail: { points: pointKeys.length } });
        }
      }
    },

    csv(timeHeader, columns) {
      const view = range.view();
      return chartCsv({ buffer, timeHeader, columns, fromSec: view.fromMs / 1000, toSec: view.toMs / 1000 });
    },
  };
}
