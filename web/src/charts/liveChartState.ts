/**
 * Chart state: owns the sample buffer of one live chart, fills it from history, appends live samples,
 * and redraws the uPlot instance at most once per animation frame. Solid only sees one small signal,
 * the number of plotted values; the samples themselves never enter a store.
 */
import { createSignal, onCleanup, type Accessor } from 'solid-js';
import type uPlot from 'uplot';
import type { SeriesResponse, StreamSample } from '../api/types.ts';
import { AlignedSeriesBuffer } from './alignedSeriesBuffer.ts';
import { createFrameScheduler } from './frameScheduler.ts';
import { GapTracker, parseResolutionSec } from './gapTracker.ts';

export interface LiveChartStateOptions {
  /** Point keys in series order (uPlot series 1..n). */
  pointKeys: readonly string[];
  windowMs: number;
  /** Loads history for the window; `widthPx` lets the server pick ~2 samples per pixel. */
  fetchHistory(range: { from: Date; to: Date; widthPx: number }): Promise<SeriesResponse>;
  onError?(error: unknown): void;
}

export interface LiveChartState {
  /** Finite values currently plotted across all series (updated after each redraw). */
  plottedValues: Accessor<number>;
  /** The user zoomed in: live data keeps arriving but the view stays put. */
  zoomed: Accessor<boolean>;
  ingest(samples: readonly StreamSample[]): void;
  /** Refetches the whole window (initially, and after the live stream was interrupted). */
  reloadHistory(): Promise<void>;
  attach(chart: uPlot): void;
  detach(): void;
  /** x-scale range function: the live window, so the chart scrolls even when data is sparse. */
  liveRange: uPlot.Range.Function;
  /** uPlot `setScale` hook: notices user zoom and its reset (double-click). */
  onScaleChange(chart: uPlot, scaleKey: string): void;
}

/** How often the window slides forward when no data arrives (a stalled device still shows time pass). */
const SLIDE_INTERVAL_MS = 5_000;
const FALLBACK_WIDTH_PX = 1200;

export function createLiveChartState(options: LiveChartStateOptions): LiveChartState {
  const seriesIndexByPoint = new Map(options.pointKeys.map((key, index) => [key, index]));
  const buffer = new AlignedSeriesBuffer(options.pointKeys.length);
  const gapTrackers = options.pointKeys.map(() => new GapTracker());
  const [plottedValues, setPlottedValues] = createSignal(0);
  const [zoomed, setZoomed] = createSignal(false);
  let chart: uPlot | undefined;
  let liveWindowEndSec = Date.now() / 1000;
  /** Live samples that arrive while history loads; replayed on top of it. */
  let pendingLive: StreamSample[] | undefined = [];
  let historyRequest = 0;

  const windowSec = options.windowMs / 1000;

  const record = (seriesIndex: number, timeSec: number, value: number | null) => {
    const gapAtSec = gapTrackers[seriesIndex].observe(timeSec);
    if (gapAtSec !== undefined) buffer.set(seriesIndex, gapAtSec, null);
    buffer.set(seriesIndex, timeSec, value);
  };

  const recordLive = (samples: readonly StreamSample[]) => {
    for (const sample of samples) {
      const seriesIndex = seriesIndexByPoint.get(sample.point);
      if (seriesIndex === undefined) continue;
      const timeSec = Date.parse(sample.ts) / 1000;
      record(seriesIndex, timeSec, sample.quality === 'ok' ? sample.value : null);
    }
  };

  const redraw = () => {
    liveWindowEndSec = Date.now() / 1000;
    buffer.dropBefore(liveWindowEndSec - windowSec);
    if (!chart) return;
    chart.setData(buffer.toAlignedData(), !zoomed());
    setPlottedValues(buffer.valueCount());
  };

  const scheduler = createFrameScheduler(redraw);
  const slideTimer = setInterval(() => {
    if (!zoomed()) scheduler.schedule();
  }, SLIDE_INTERVAL_MS);
  onCleanup(() => {
    clearInterval(slideTimer);
    scheduler.cancel();
    chart = undefined;
  });

  return {
    plottedValues,
    zoomed,

    ingest(samples) {
      if (pendingLive) {
        pendingLive.push(...samples);
        return;
      }
      recordLive(samples);
      scheduler.schedule();
    },

    async reloadHistory() {
      const request = ++historyRequest;
      pendingLive ??= [];
      const to = new Date();
      const from = new Date(to.getTime() - options.windowMs);
      try {
        const history = await options.fetchHistory({ from, to, widthPx: chart?.width ?? FALLBACK_WIDTH_PX });
        if (request !== historyRequest) return; // a newer reload superseded this one
        buffer.clear();
        for (const item of history.items) {
          const seriesIndex = seriesIndexByPoint.get(item.point);
          if (seriesIndex === undefined) continue;
          gapTrackers[seriesIndex].reset(parseResolutionSec(item.resolution));
          const samples = [...item.samples].sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
          for (const sample of samples) record(seriesIndex, Date.parse(sample.ts) / 1000, sample.value);
        }
      } catch (error) {
        if (request !== historyRequest) return;
        options.onError?.(error);
      }
      const queued = pendingLive ?? [];
      pendingLive = undefined;
      recordLive(queued);
      scheduler.schedule();
    },

    attach(instance) {
      chart = instance;
      scheduler.flush();
    },

    detach() {
      chart = undefined;
    },

    liveRange: () => [liveWindowEndSec - windowSec, liveWindowEndSec],

    onScaleChange(instance, scaleKey) {
      if (scaleKey !== 'x') return;
      const max = instance.scales.x.max;
      setZoomed(max != null && Math.abs(max - liveWindowEndSec) > 1);
    },
  };
}
