/**
 * Chart state: the time range every chart of a page shows. A preset (1 h … 1 y) follows "now": its end
 * moves with the clock and live samples are appended. Zooming (drag, buttons) or panning pins an explicit
 * range; reaching the present again while panning later resumes following. Each change is a new range
 * object, which is what the charts refetch on; following "now" alone moves the view, not the data.
 */
import { createSignal, type Accessor } from 'solid-js';

export const RANGE_PRESETS = ['1h', '24h', '7d', '30d', '1y'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const PRESET_MS: Record<RangePreset, number> = {
  '1h': HOUR_MS, '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS, '1y': 365 * DAY_MS,
};

/** Shortest range a zoom may reach (the raw polling interval is about a second). */
export const MIN_SPAN_MS = 30_000;
/** The API answers at most 10 years. */
export const MAX_SPAN_MS = 10 * 365 * DAY_MS;
/**
 * A range ending this close to now is "up to now" and follows the clock: 5 s, or 5 % of its span (a
 * selection dragged to the right edge of a chart that slid a few seconds meanwhile still follows).
 */
const nowSlackMs = (spanMs: number) => Math.max(5_000, spanMs * 0.05);

export interface ChartRangeValue {
  fromMs: number;
  toMs: number;
  /** The end is "now" and moves with the clock; live samples are appended. */
  follow: boolean;
  /** The preset the user picked last (reset zoom returns to it). */
  preset: RangePreset;
  /** The user zoomed or panned away from the preset. */
  zoomed: boolean;
}

export interface ChartRange {
  range: Accessor<ChartRangeValue>;
  /** The range the charts show right now: for a following range its window ending at the clock. */
  view(nowMs?: number): { fromMs: number; toMs: number };
  setPreset(preset: RangePreset): void;
  /** Shows [fromMs, toMs] (e.g. a drag selection), clamped to a sensible span. */
  zoomTo(fromMs: number, toMs: number): void;
  /** Zooms by `factor` (< 1 in, > 1 out) around the centre of the view. */
  zoomBy(factor: number): void;
  /** Moves the view by `fraction` of its span (negative = earlier). */
  pan(fraction: number): void;
  reset(): void;
}

export function isRangePreset(value: string | null | undefined): value is RangePreset {
  return !!value && (RANGE_PRESETS as readonly string[]).includes(value);
}

export function createChartRange(initial: RangePreset, clock: () => number = Date.now): ChartRange {
  const presetValue = (preset: RangePreset): ChartRangeValue => {
    const now = clock();
    return { fromMs: now - PRESET_MS[preset], toMs: now, follow: true, preset, zoomed: false };
  };
  const [range, setRange] = createSignal<ChartRangeValue>(presetValue(initial));

  const view = (nowMs = clock()) => {
    const current = range();
    if (!current.follow) return { fromMs: current.fromMs, toMs: current.toMs };
    const span = current.toMs - current.fromMs;
    return { fromMs: nowMs - span, toMs: nowMs };
  };

  const show = (fromMs: number, toMs: number) => {
    const now = clock();
    let span = Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, toMs - fromMs));
    const centre = (fromMs + toMs) / 2;
    let from = centre - span / 2;
    let to = centre + span / 2;
    if (to >= now - nowSlackMs(span)) { // nothing to see in the future: end at now and follow it
      to = now;
      from = to - span;
    }
    span = to - from;
    const follow = to === now;
    const preset = range().preset;
    const zoomed = !(follow && Math.abs(span - PRESET_MS[preset]) < 1);
    setRange({ fromMs: from, toMs: to, follow, preset, zoomed });
  };

  return {
    range,
    view,
    setPreset: (preset) => setRange(presetValue(preset)),
    zoomTo: (fromMs, toMs) => show(Math.min(fromMs, toMs), Math.max(fromMs, toMs)),
    zoomBy: (factor) => {
      const { fromMs, toMs } = view();
      const centre = (fromMs + toMs) / 2;
      const half = ((toMs - fromMs) * factor) / 2;
      // Zooming in on a following range keeps its end at now, so the newest data stays in view.
      if (range().follow) show(toMs - 2 * half, toMs);
      else show(centre - half, centre + half);
    },
    pan: (fraction) => {
      const { fromMs, toMs } = view();
      const shift = (toMs - fromMs) * fraction;
      show(fromMs + shift, toMs + shift);
    },
    reset: () => setRange(presetValue(range().preset)),
  };
}
