/**
 * Chart view of a history chart: the uPlot canvas with its state (SeriesChartState) and an HTML legend
 * (series toggles, the value under the cursor or the latest one, min–max where aggregated). The plot is
 * keyboard operable: ←/→ pan, +/− zoom, Home resets to the preset; a mouse drag selects a range.
 */
import { createSignal, For, Show } from 'solid-js';
import type uPlot from 'uplot';
import type { ChartRange } from './chartRange.ts';
import type { SeriesChartState } from './seriesChartState.ts';
import { maxColumn, minColumn, valueColumn } from './seriesHistory.ts';
import { readChartTheme, type ChartTheme } from './theme.ts';
import { buildTimeSeriesOptions, plotSeriesIndex, seriesColor } from './timeSeriesOptions.ts';
import { UPlotChart } from './UPlotChart.tsx';

export interface TimeSeriesChartText {
  locale: string;
  /** Accessible name of the plot, with how to operate it. */
  plotLabel: string;
  axisLabel: string;
  legendLabel: string;
  latest: string;
  none: string;
  min: string;
  max: string;
  formatValue(value: number): string;
  formatNumber(value: number): string;
  formatTime(ms: number): string;
}

export interface TimeSeriesChartProps {
  state: SeriesChartState;
  range: ChartRange;
  /** One per point of `state.pointKeys`, same order. */
  series: readonly { key: string; label: string }[];
  syncKey: string;
  height: number;
  /** Read inside the chart's options: a change of language rebuilds the chart. */
  text(): TimeSeriesChartText;
}

const PAN_STEP = 0.25;
const ZOOM_STEP = 0.5;

export function TimeSeriesChart(props: TimeSeriesChartProps) {
  let chart: uPlot | undefined;
  const [cursorIdx, setCursorIdx] = createSignal<number | null>(null);
  const [hidden, setHidden] = createSignal<ReadonlySet<number>>(new Set());
  const [theme, setTheme] = createSignal<ChartTheme>(readChartTheme());

  const applyVisibility = (instance: uPlot) => {
    props.series.forEach((_, index) => {
      const show = !hidden().has(index);
      for (const column of [valueColumn(index), minColumn(index), maxColumn(index)]) {
        const seriesIdx = plotSeriesIndex(column);
        if (instance.series[seriesIdx]?.show !== show) instance.setSeries(seriesIdx, { show }, false);
      }
    });
  };

  const toggle = (index: number) => {
    const next = new Set(hidden());
    if (next.has(index)) next.delete(index);
    else next.add(index);
    setHidden(next);
    if (chart) applyVisibility(chart);
  };

  /** The row the legend describes: under the cursor, else the newest row with a value of that series. */
  const legendValue = (index: number) => {
    props.state.redraws(); // re-read after every redraw
    const buffer = props.state.buffer;
    const at = cursorIdx();
    const read = (row: number) => ({
      value: buffer.cell(valueColumn(index), row),
      min: buffer.cell(minColumn(index), row),
      max: buffer.cell(maxColumn(index), row),
    });
    if (at !== null && at >= 0 && at < buffer.length) return read(at);
    for (let row = buffer.length - 1; row >= 0; row--) {
      const cell = buffer.cell(valueColumn(index), row);
      if (typeof cell === 'number') return read(row);
    }
    return undefined;
  };

  const cursorTime = () => {
    props.state.redraws();
    const at = cursorIdx();
    return at !== null && at >= 0 && at < props.state.buffer.length ? props.state.buffer.timeAt(at) * 1000 : undefined;
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const actions: Record<string, () => void> = {
      ArrowLeft: () => props.range.pan(-PAN_STEP),
      ArrowRight: () => props.range.pan(PAN_STEP),
      '+': () => props.range.zoomBy(ZOOM_STEP),
      '=': () => props.range.zoomBy(ZOOM_STEP),
      '-': () => props.range.zoomBy(1 / ZOOM_STEP),
      Home: () => props.range.reset(),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  };

  return (
    <div class="ts-chart">
      <div
        class="ts-plot"
        role="group"
        tabindex="0"
        aria-label={props.text().plotLabel}
        onKeyDown={onKeyDown}
      >
        <UPlotChart
          height={props.height}
          createOptions={(size) => {
            const text = props.text();
            const currentTheme = readChartTheme();
            setTheme(currentTheme);
            return buildTimeSeriesOptions({
              series: props.series,
              ...size,
              theme: currentTheme,
              text: { locale: text.locale, axisLabel: text.axisLabel, formatNumber: text.formatNumber },
              syncKey: props.syncKey,
              onSelectRange: (fromSec, toSec) => props.range.zoomTo(fromSec * 1000, toSec * 1000),
              onResetZoom: () => props.range.reset(),
              onCursor: (u) => setCursorIdx(u.cursor.idx ?? null),
              onDraw: (u) => props.state.onDraw(u),
            });
          }}
          onReady={(instance) => {
            chart = instance;
            applyVisibility(instance);
            props.state.attach(instance);
          }}
          onDestroy={(instance) => {
            if (chart === instance) chart = undefined;
            props.state.detach();
          }}
        />
      </div>
      <div class="ts-legend-head muted" aria-live="off">
        <Show when={cursorTime()} fallback={props.text().latest}>
          {(ms) => <time datetime={new Date(ms()).toISOString()}>{props.text().formatTime(ms())}</time>}
        </Show>
      </div>
      <ul class="ts-legend" aria-label={props.text().legendLabel}>
        <For each={props.series}>
          {(spec, index) => {
            const reading = () => legendValue(index());
            const isAggregated = () => typeof reading()?.min === 'number' || typeof reading()?.max === 'number';
            return (
              <li classList={{ off: hidden().has(index()) }} data-point={spec.key}>
                <button
                  type="button"
                  class="ts-toggle"
                  aria-pressed={!hidden().has(index())}
                  onClick={() => toggle(index())}
                >
                  <span
                    class="swatch"
                    classList={{ dashed: index() >= theme().series.length }}
                    style={{ 'border-color': seriesColor(theme(), index()) }}
                    aria-hidden="true"
                  />
                  <span class="label">{spec.label}</span>
                </button>
                <span class="num value">
                  {(() => {
                    const value = reading()?.value;
                    return typeof value === 'number' ? props.text().formatValue(value) : props.text().none;
                  })()}
                </span>
                <Show when={isAggregated()}>
                  <span class="num spread">
                    {props.text().min} {typeof reading()?.min === 'number' ? props.text().formatValue(reading()!.min as number) : props.text().none}
                    {' · '}
                    {props.text().max} {typeof reading()?.max === 'number' ? props.text().formatValue(reading()!.max as number) : props.text().none}
                  </span>
                </Show>
              </li>
            );
          }}
        </For>
      </ul>
    </div>
  );
}
