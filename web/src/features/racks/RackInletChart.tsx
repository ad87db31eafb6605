/**
 * Inlet air temperatures of one rack over the last 24 hours (the server picks the resolution for the width),
 * with the ASHRAE recommended range drawn as two dashed lines. Refreshed every minute; holes in the data are
 * shown as gaps. The full zoomable point chart is one click away (each series links to its point page).
 */
import { createSignal, For, onCleanup, Show } from 'solid-js';
import type uPlot from 'uplot';
import { api } from '../../api/client.ts';
import type { SeriesResponse } from '../../api/types.ts';
import { AlignedSeriesBuffer } from '../../charts/alignedSeriesBuffer.ts';
import { GapTracker, parseResolutionSec } from '../../charts/gapTracker.ts';
import { readChartTheme } from '../../charts/theme.ts';
import { UPlotChart } from '../../charts/UPlotChart.tsx';
import { formatClock, formatDateTime, formatNumber, locale, t } from '../../i18n/index.ts';
import { href } from '../../shell/route.ts';
import { formatFixed } from './numbers.ts';
import { ASHRAE_RECOMMENDED_C } from './rackFormat.ts';

export const INLET_CHART_WINDOW_MS = 24 * 3_600_000;
const REFRESH_MS = 60_000;
const HEIGHT_PX = 240;

/** A plotted point; `label` is read when the chart is built, so it follows the language. */
export interface InletSeries { key: string; label(): string }

/** Series response → uPlot columns; a hole longer than 2.5 buckets becomes a gap (null), not a straight line. */
export function inletChartData(response: SeriesResponse, keys: readonly string[]): uPlot.AlignedData {
  const buffer = new AlignedSeriesBuffer(keys.length, { rowMergeToleranceSec: 1 });
  keys.forEach((key, index) => {
    const item = response.items.find((i) => i.point === key);
    if (!item) return;
    const gaps = new GapTracker(parseResolutionSec(item.resolution));
    for (const s of item.samples) {
      const sec = Date.parse(s.ts) / 1000;
      const gapAt = gaps.observe(sec);
      if (gapAt !== undefined) buffer.set(index, gapAt, null);
      buffer.set(index, sec, s.value);
    }
  });
  return buffer.toAlignedData();
}

function lastPlotted(values: uPlot.AlignedData[number] | undefined): number | undefined {
  if (!values) return undefined;
  for (let i = values.length - 1; i >= 0; i--) {
    const value = values[i];
    if (value != null) return value;
  }
  return undefined;
}

export function RackInletChart(props: { series: readonly InletSeries[] }) {
  const series = props.series; // fixed: the page remounts the chart for another rack
  const keys = series.map((s) => s.key);
  const [plotted, setPlotted] = createSignal(0);
  const [failed, setFailed] = createSignal(false);
  let chart: uPlot | undefined;
  let data: uPlot.AlignedData = [new Float64Array(0), ...keys.map(() => [])];
  let abort: AbortController | undefined;

  const load = async () => {
    abort?.abort();
    const controller = new AbortController();
    abort = controller;
    const to = new Date();
    try {
      const response = await api.series(keys, { from: new Date(to.getTime() - INLET_CHART_WINDOW_MS), to, widthPx: chart?.width ?? 800 }, controller.signal);
      data = inletChartData(response, keys);
      setPlotted(response.items.reduce((n, i) => n + i.samples.length, 0));
      setFailed(false);
      chart?.setData(data);
    } catch (err) {
      if (!(err instanceof DOMException && err.name === 'AbortError')) setFailed(true);
    }
  };
  const timer = setInterval(() => void load(), REFRESH_MS);
  onCleanup(() => { clearInterval(timer); abort?.abort(); });

  const options = (size: { width: number; height: number }): uPlot.Options => {
    locale(); // rebuild axes and legend in the new language
    const theme = readChartTheme();
    const band = getComputedStyle(document.documentElement).getPropertyValue('--warn').trim() || '#f5a524';
    const axis = { stroke: theme.axis, font: theme.font, labelFont: theme.font, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 } };
    return {
      ...size,
      pxAlign: false,
      scales: {
        // The last 24 h, or from the first sample when the rack has less history (a new rack, a new install), so
        // its lines fill the chart instead of hugging the right edge.
        x: { time: true, range: (u) => {
          const now = Date.now() / 1000;
          const windowStart = now - INLET_CHART_WINDOW_MS / 1000;
          const first = u.data?.[0]?.[0];
          if (first == null || first <= windowStart) return [windowStart, now];
          return [Math.max(windowStart, first - Math.max(60, (now - first) * 0.05)), now];
        } },
        y: { range: (_u, min, max) => [Math.min(ASHRAE_RECOMMENDED_C.min - 2, min ?? 18), Math.max(ASHRAE_RECOMMENDED_C.max + 2, max ?? 27)] },
      },
      axes: [
        // Seconds on the ticks only when the chart spans a few minutes (a new rack), else they would repeat.
        { ...axis, values: (_u, splits) => splits.map((s) => formatClock(s * 1000, splits.length > 1 && splits[splits.length - 1] - splits[0] < 600)) },
        { ...axis, label: t('rack.chart.axis'), size: 56, values: (_u, splits) => splits.map((v) => formatNumber(v)) },
      ],
      series: [
        {
          label: t('rack.chart.time'),
          value: (u, v, _si, dataIndex) => {
            const shown = dataIndex == null ? lastPlotted(u.data?.[0]) : v;
            return shown == null ? t('rack.none') : formatDateTime(shown * 1000);
          },
        },
        ...series.map((s, i): uPlot.Series => ({
          label: s.label(), stroke: theme.series[i % theme.series.length], width: 2, spanGaps: false, points: { size: 4 },
          // Without a cursor the legend shows the newest value, so the chart reads at a glance.
          value: (u, v, seriesIndex, dataIndex) => {
            const shown = dataIndex == null ? lastPlotted(u.data?.[seriesIndex]) : v;
            return shown == null ? t('rack.none') : `${formatFixed(shown, 1)} °C`;
          },
        })),
      ],
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false, setScale: true } },
      hooks: {
        draw: [(u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = band;
          ctx.lineWidth = 1;
          ctx.setLineDash([6, 4]);
          for (const c of [ASHRAE_RECOMMENDED_C.min, ASHRAE_RECOMMENDED_C.max]) {
            const y = Math.round(u.valToPos(c, 'y', true));
            ctx.beginPath();
            ctx.moveTo(u.bbox.left, y);
            ctx.lineTo(u.bbox.left + u.bbox.width, y);
            ctx.stroke();
          }
          ctx.restore();
        }],
      },
    };
  };

  return (
    <section class="panel rack-chart-panel" aria-labelledby="rack-inlet-chart-title">
      <header class="panel-header">
        <h2 id="rack-inlet-chart-title">{t('rack.chart.title')}</h2>
        <span class="muted">{t('rack.chart.window')}</span>
        <span class="spacer" />
        <span class="hint">{t('rack.chart.band', { min: formatNumber(ASHRAE_RECOMMENDED_C.min), max: formatNumber(ASHRAE_RECOMMENDED_C.max) })}</span>
      </header>
      <Show when={failed()}><p class="form-error" role="alert">{t('rack.chart.failed')}</p></Show>
      <div class="rack-chart-frame" data-testid="rack-inlet-chart" data-samples={plotted()}>
        <UPlotChart
          height={HEIGHT_PX}
          createOptions={options}
          onReady={(instance) => {
            chart = instance;
            instance.setData(data);
            if (plotted() === 0) void load();
          }}
          onDestroy={(instance) => { if (chart === instance) chart = undefined; }}
        />
      </div>
      <ul class="inlet-links">
        <For each={series}>{(s) => <li><a href={href.point(s.key)}>{t('rack.chart.openPoint', { name: s.label() })}</a></li>}</For>
      </ul>
    </section>
  );
}
