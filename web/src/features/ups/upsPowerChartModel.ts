/**
 * Chart model for the UPS output chart: which points to plot (chosen by role, never by metric name)
 * and the uPlot options (power on the left axis, load on the right). Pure: no Solid, no fetching.
 */
import type uPlot from 'uplot';
import type { Point } from '../../api/types.ts';
import type { ChartTheme } from '../../charts/theme.ts';

export const UPS_OUTPUT_POWER_ROLE = 'ups.output.power';
export const UPS_OUTPUT_LOAD_ROLE = 'ups.output.load';

export type UpsChartAxis = 'power' | 'load';

export interface UpsChartSeries {
  point: Point;
  axis: UpsChartAxis;
}

/** Power series first, then load; several points with one role (e.g. per phase) each get a series. */
export function pickUpsChartSeries(points: readonly Point[]): UpsChartSeries[] {
  const byKey = (a: Point, b: Point) => a.key.localeCompare(b.key, undefined, { numeric: true });
  const withRole = (role: string) => points.filter((point) => point.role === role).sort(byKey);
  return [
    ...withRole(UPS_OUTPUT_POWER_ROLE).map((point) => ({ point, axis: 'power' as const })),
    ...withRole(UPS_OUTPUT_LOAD_ROLE).map((point) => ({ point, axis: 'load' as const })),
  ];
}

export interface UpsChartFormatting {
  powerLabel: string;
  loadLabel: string;
  timeLabel: string;
  /** Shown in the legend where there is no value. */
  none: string;
  formatValue(value: number, unit: string): string;
  formatNumber(value: number): string;
  displayUnit(unit: string): string;
  formatClock(ms: number, withSeconds: boolean): string;
  formatDateTime(ms: number): string;
}

export interface UpsChartOptionsInput {
  series: readonly UpsChartSeries[];
  width: number;
  height: number;
  theme: ChartTheme;
  text: UpsChartFormatting;
  xRange: uPlot.Range.Function;
  onScaleChange(chart: uPlot, scaleKey: string): void;
}

const POWER_SCALE = 'power';
const LOAD_SCALE = 'load';

/** The newest plotted value of a series: what the legend shows while the cursor is off the chart. */
function lastPlotted(values: uPlot.AlignedData[number] | undefined): number | undefined {
  if (!values) return undefined;
  for (let i = values.length - 1; i >= 0; i--) {
    const value = values[i];
    if (value != null) return value;
  }
  return undefined;
}

function seriesLabel(series: UpsChartSeries, all: readonly UpsChartSeries[], text: UpsChartFormatting): string {
  const base = series.axis === 'power' ? text.powerLabel : text.loadLabel;
  const sameAxis = all.filter((other) => other.axis === series.axis).length;
  return sameAxis > 1 ? `${base} · ${series.point.metric}` : base;
}

export function buildUpsChartOptions(input: UpsChartOptionsInput): uPlot.Options {
  const { theme, text } = input;
  const powerUnit = input.series.find((s) => s.axis === 'power')?.point.unit ?? 'W';
  const loadUnit = input.series.find((s) => s.axis === 'load')?.point.unit ?? '%';
  const hasPower = input.series.some((s) => s.axis === 'power');
  const hasLoad = input.series.some((s) => s.axis === 'load');

  const axisBase = {
    stroke: theme.axis,
    font: theme.font,
    labelFont: theme.font,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
  };

  const axes: uPlot.Axis[] = [
    {
      ...axisBase,
      values: (_chart, splits, _axisIndex, _space, incrementSec) =>
        splits.map((sec) => text.formatClock(sec * 1000, incrementSec < 60)),
    },
  ];
  if (hasPower) {
    axes.push({
      ...axisBase,
      scale: POWER_SCALE,
      label: `${text.powerLabel} (${text.displayUnit(powerUnit)})`,
      size: 64,
      values: (_chart, splits) => splits.map((value) => text.formatNumber(value)),
    });
  }
  if (hasLoad) {
    axes.push({
      ...axisBase,
      scale: LOAD_SCALE,
      side: 1,
      label: `${text.loadLabel} (${text.displayUnit(loadUnit)})`,
      size: 56,
      grid: { show: !hasPower, stroke: theme.grid, width: 1 },
      values: (_chart, splits) => splits.map((value) => text.formatNumber(value)),
    });
  }

  return {
    width: input.width,
    height: input.height,
    pxAlign: false,
    scales: {
      x: { time: true, range: input.xRange },
      // Power starts at zero: a UPS output chart that floats its baseline exaggerates small changes.
      [POWER_SCALE]: { range: (_c, _min, max) => [0, max != null && max > 0 ? max * 1.15 : 1] },
      // Load is a percentage of rating: always show 0–100 %, more if overloaded.
      [LOAD_SCALE]: { range: (_c, _min, max) => [0, Math.max(100, max != null ? max * 1.05 : 100)] },
    },
    axes,
    series: [
      {
        label: text.timeLabel,
        value: (chart, sec, _seriesIndex, dataIndex) => {
          const shown = dataIndex == null ? lastPlotted(chart.data?.[0]) : sec;
          return shown == null ? text.none : text.formatDateTime(shown * 1000);
        },
      },
      ...input.series.map((series, index): uPlot.Series => ({
        label: seriesLabel(series, input.series, text),
        scale: series.axis === 'power' ? POWER_SCALE : LOAD_SCALE,
        stroke: theme.series[index % theme.series.length],
        width: 2,
        spanGaps: false,
        // uPlot's default shows dots only where samples are sparse: a lone sample between gaps or the
        // first seconds of a new device stay visible instead of vanishing.
        points: { size: 5 },
        value: (chart, value, seriesIndex, dataIndex) => {
          const shown = dataIndex == null ? lastPlotted(chart.data?.[seriesIndex]) : value;
          return shown == null ? text.none : text.formatValue(shown, series.point.unit);
        },
      })),
    ],
    cursor: { drag: { x: true, y: false, setScale: true } },
    legend: { show: true, live: true },
    hooks: {
      setScale: [(chart, scaleKey) => input.onScaleChange(chart, scaleKey)],
    },
  };
}
