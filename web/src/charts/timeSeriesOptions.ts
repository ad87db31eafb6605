/**
 * Chart model: uPlot options of a history chart (device and point pages). One y axis (one unit); per
 * point three uPlot series (value, min, max) of which only the value is stroked, with the band between
 * max and min filled where the server aggregated. Gaps stay gaps (`spanGaps: false`). Cursors are synced
 * across the charts of one page by `syncKey`; a drag selects a time range (handed to `onZoom`, which
 * refetches at the new resolution) instead of zooming the canvas. Pure: no Solid, no fetching.
 */
import type uPlot from 'uplot';
import { COLUMNS_PER_POINT } from './seriesHistory.ts';
import { withAlpha, type ChartTheme } from './theme.ts';
import { timeAxisLabels } from './timeAxis.ts';

export interface TimeSeriesSpec {
  key: string;
  label: string;
}

export interface TimeSeriesText {
  locale: string;
  /** Y axis label, e.g. "W" or "°C". */
  axisLabel: string;
  formatNumber(value: number): string;
}

export interface TimeSeriesOptionsInput {
  series: readonly TimeSeriesSpec[];
  width: number;
  height: number;
  theme: ChartTheme;
  text: TimeSeriesText;
  syncKey: string;
  onSelectRange(fromSec: number, toSec: number): void;
  onResetZoom(): void;
  onCursor(chart: uPlot): void;
  onDraw(chart: uPlot): void;
}

/** Width of the y axis, fixed so the plots of one page line up under each other. */
export const Y_AXIS_SIZE = 72;
const MIN_SELECTION_PX = 4;

/** uPlot series index (1-based; 0 is time) of a point's value, min or max column. */
export const plotSeriesIndex = (column: number) => column + 1;

export function seriesColor(theme: ChartTheme, index: number): string {
  return theme.series[index % theme.series.length];
}

export function buildTimeSeriesOptions(input: TimeSeriesOptionsInput): uPlot.Options {
  const { theme, text } = input;
  const axisBase = {
    stroke: theme.axis,
    font: theme.font,
    labelFont: theme.font,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
  };
  const series: uPlot.Series[] = [{}];
  const bands: uPlot.Band[] = [];
  input.series.forEach((spec, index) => {
    const color = seriesColor(theme, index);
    const repeated = index >= theme.series.length;
    series.push({
      label: spec.label,
      stroke: color,
      width: 1.5,
      dash: repeated ? [6, 3] : undefined,
      spanGaps: false,
      // uPlot shows dots only where samples are sparse: a lone sample between gaps stays visible.
      points: { size: 4 },
    });
    const edge = (label: string): uPlot.Series => ({
      label, stroke: 'transparent', width: 0, spanGaps: false, points: { show: false },
    });
    series.push(edge(`${spec.label} min`), edge(`${spec.label} max`));
    const base = 1 + index * COLUMNS_PER_POINT;
    bands.push({ series: [base + 2, base + 1], fill: withAlpha(color, 0.18) });
  });

  return {
    width: input.width,
    height: input.height,
    pxAlign: false,
    scales: { x: { time: true } },
    axes: [
      {
        ...axisBase,
        values: (_u, splits, _axisIdx, _space, incrementSec) => timeAxisLabels(text.locale, splits, incrementSec),
      },
      {
        ...axisBase,
        label: text.axisLabel,
        size: Y_AXIS_SIZE,
        values: (_u, splits) => splits.map((v) => text.formatNumber(v)),
      },
    ],
    series,
    bands,
    legend: { show: false },
    cursor: {
      // Only the cursor position is shared: selecting and double-clicking act on the page's range once.
      sync: { key: input.syncKey, setSeries: false, filters: { pub: (type) => type === 'mousemove' || type === 'mouseleave' } },
      drag: { x: true, y: false, setScale: false },
      // Hover dots on the value lines only, not on the (invisible) min/max edges.
      points: { size: (_u, seriesIdx) => ((seriesIdx - 1) % COLUMNS_PER_POINT === 0 ? 7 : 0) },
      bind: {
        dblclick: () => () => {
          input.onResetZoom();
          return null;
        },
      },
    },
    hooks: {
      setSelect: [(u) => {
        const { left, width } = u.select;
        if (width >= MIN_SELECTION_PX) input.onSelectRange(u.posToVal(left, 'x'), u.posToVal(left + width, 'x'));
        u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
      }],
      setCursor: [(u) => input.onCursor(u)],
      draw: [(u) => input.onDraw(u)],
    },
  };
}
