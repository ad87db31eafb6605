/**
 * The history part of the device and point pages: the range toolbar (presets, zoom, pan, reset, live or
 * fixed) and one chart panel per group of points, each with the resolution the server used and a CSV
 * download of what it plots. All charts of a page share one ChartRange and one cursor sync key.
 */
import { createMemo, For, onCleanup, Show } from 'solid-js';
import { fetchChartSeries } from '../../api/series.ts';
import type { Point } from '../../api/types.ts';
import { csvFileName, downloadText, type CsvColumn } from '../../charts/chartCsv.ts';
import { RANGE_PRESETS, type ChartRange } from '../../charts/chartRange.ts';
import { createSeriesChartState, type SeriesChartInfo } from '../../charts/seriesChartState.ts';
import { maxColumn, minColumn, valueColumn } from '../../charts/seriesHistory.ts';
import { formatDurationSec, formatTimestamp } from '../../charts/timeAxis.ts';
import { TimeSeriesChart } from '../../charts/TimeSeriesChart.tsx';
import { parseResolutionSec } from '../../charts/gapTracker.ts';
import { displayUnit, formatNumber, formatValue, locale, t, type MessageKey } from '../../i18n/index.ts';
import { useClock } from '../../stores/clock.ts';
import { subscribeLive } from '../../stores/liveStream.ts';

const CHART_HEIGHT_PX = 260;

export function RangeToolbar(props: { range: ChartRange }) {
  const now = useClock();
  const current = () => props.range.range();
  const shown = () => {
    const view = props.range.view(current().follow ? now() : undefined);
    return t('device.range.shown', {
      from: formatTimestamp(locale(), view.fromMs, false),
      to: formatTimestamp(locale(), view.toMs, false),
    });
  };
  return (
    <div class="range-toolbar" data-testid="range-toolbar">
      <div class="range-presets" role="group" aria-label={t('device.range.label')}>
        <For each={RANGE_PRESETS}>
          {(preset) => (
            <button
              type="button"
              data-testid={`range-${preset}`}
              aria-pressed={current().preset === preset && !current().zoomed}
              aria-label={t('device.range.presetLabel', { range: t(`device.range.${preset}` as MessageKey) })}
              onClick={() => props.range.setPreset(preset)}
            >
              {t(`device.range.${preset}` as MessageKey)}
            </button>
          )}
        </For>
      </div>
      <div class="range-moves" role="group" aria-label={t('device.range.label')}>
        <button type="button" data-testid="range-earlier" onClick={() => props.range.pan(-0.5)}>
          <span aria-hidden="true">← </span>{t('device.range.earlier')}
        </button>
        <button type="button" data-testid="range-zoom-in" onClick={() => props.range.zoomBy(0.5)}>
          <span aria-hidden="true">+ </span>{t('device.range.zoomIn')}
        </button>
        <button type="button" data-testid="range-zoom-out" onClick={() => props.range.zoomBy(2)}>
          <span aria-hidden="true">− </span>{t('device.range.zoomOut')}
        </button>
        <button type="button" data-testid="range-later" disabled={current().follow} onClick={() => props.range.pan(0.5)}>
          {t('device.range.later')}<span aria-hidden="true"> →</span>
        </button>
        <button type="button" data-testid="range-reset" disabled={!current().zoomed} onClick={() => props.range.reset()}>
          {t('device.range.reset')}
        </button>
      </div>
      <div class="range-status">
        <Show when={current().follow} fallback={<span class="range-badge pinned">{t('device.range.pinned')}</span>}>
          <span class="range-badge live" title={t('device.range.liveHint')}>{t('device.range.live')}</span>
        </Show>
        <span class="range-shown" data-testid="range-shown">{shown()}</span>
      </div>
      <p class="hint muted">{t('device.range.hint')}</p>
    </div>
  );
}

/** The resolution read-out: raw samples, raw samples bucketed, or rollup buckets, per distinct answer. */
export function describeResolution(info: SeriesChartInfo | undefined): string {
  if (!info || info.resolutions.length === 0) return t('app.none');
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const r of info.resolutions) {
    const key = `${r.source}|${r.resolution}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const widthSec = parseResolutionSec(r.resolution);
    if (r.resolution === 'raw' || widthSec === undefined) parts.push(t('device.chart.resolution.raw'));
    else if (r.source === 'raw') parts.push(t('device.chart.resolution.rawBuckets', { width: formatDurationSec(locale(), widthSec) }));
    else {
      parts.push(t('device.chart.resolution.rollup', {
        width: formatDurationSec(locale(), widthSec),
        source: t(`device.chart.source.${r.source}` as MessageKey),
      }));
    }
  }
  return parts.join(' · ');
}

export interface ChartPanelProps {
  /** Fixed for the life of the panel: the page remounts it when the group changes. */
  points: readonly Point[];
  labels: readonly string[];
  unit: string;
  title(): string;
  range: ChartRange;
  syncKey: string;
  /** Parts of the CSV file name (device or point, unit). */
  fileParts: readonly string[];
  onError(error: unknown): void;
}

export function ChartPanel(props: ChartPanelProps) {
  const points = props.points;
  const pointKeys = points.map((p) => p.key);
  const state = createSeriesChartState({
    pointKeys,
    range: props.range,
    fetchSeries: fetchChartSeries,
    onError: (error) => props.onError(error),
  });
  onCleanup(subscribeLive({ points: pointKeys }, {
    onSamples: (samples) => state.ingest(samples),
    onResumed: () => state.reload(),
  }));

  const unitShown = () => displayUnit(props.unit);
  const resolutionAttr = createMemo(() => [...new Set(state.info()?.resolutions.map((r) => r.resolution) ?? [])].join(','));
  const sourceAttr = createMemo(() => [...new Set(state.info()?.resolutions.map((r) => r.source) ?? [])].join(','));

  const downloadCsv = () => {
    const aggregated = new Set(state.info()?.resolutions.filter((r) => r.aggregated).map((r) => r.point) ?? []);
    const columns: CsvColumn[] = [];
    points.forEach((point, index) => {
      const series = props.labels[index];
      const unit = displayUnit(point.unit);
      columns.push({ header: t('device.csv.value', { series, unit }), column: valueColumn(index) });
      if (aggregated.has(point.key)) {
        columns.push({ header: t('device.csv.min', { series, unit }), column: minColumn(index) });
        columns.push({ header: t('device.csv.max', { series, unit }), column: maxColumn(index) });
      }
    });
    const view = props.range.view();
    const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace(/[:]/g, '');
    downloadText(state.csv(t('device.csv.time'), columns), csvFileName([...props.fileParts, stamp(view.fromMs), stamp(view.toMs)]));
  };

  return (
    <section
      class="panel chart-panel history-chart"
      data-testid="point-chart"
      data-unit={props.unit}
      data-points={pointKeys.join(',')}
      data-resolution={resolutionAttr()}
      data-source={sourceAttr()}
      data-from={state.info()?.fromMs}
      data-to={state.info()?.toMs}
      data-width={state.info()?.widthPx}
      data-loading={state.loading() ? 'true' : 'false'}
      data-drawn-loads={state.drawnLoads()}
      data-samples={state.plottedValues()}
      aria-busy={state.loading()}
    >
      <header class="panel-header">
        <h3>{props.title()}</h3>
        <span class="resolution" data-testid="chart-resolution" title={t('device.chart.resolutionLabel')}>
          <span class="visually-hidden">{t('device.chart.resolutionLabel')}: </span>
          {describeResolution(state.info())}
        </span>
        <span class="spacer" />
        <Show when={state.loading()}>
          <span class="muted loading" role="status">{t('device.chart.loading')}</span>
        </Show>
        <button
          type="button"
          class="ghost"
          data-testid="chart-csv"
          aria-label={t('device.chart.csvLabel', { title: props.title() })}
          disabled={state.drawnLoads() === 0}
          onClick={downloadCsv}
        >
          {t('device.chart.csv')}
        </button>
      </header>
      <TimeSeriesChart
        state={state}
        range={props.range}
        series={points.map((point, index) => ({ key: point.key, label: props.labels[index] }))}
        syncKey={props.syncKey}
        height={CHART_HEIGHT_PX}
        text={() => ({
          locale: locale(),
          plotLabel: t('device.chart.plotLabel', { title: props.title() }),
          axisLabel: unitShown(),
          legendLabel: t('device.chart.legend', { title: props.title() }),
          latest: t('device.chart.latest'),
          none: t('app.none'),
          min: t('device.chart.min'),
          max: t('device.chart.max'),
          formatValue: (value) => formatValue(value, props.unit),
          formatNumber: (value) => formatNumber(value),
          formatTime: (ms) => formatTimestamp(locale(), ms),
        })}
      />
      <Show when={!state.loading() && state.drawnLoads() > 0 && state.plottedValues() === 0}>
        <p class="muted chart-note">{t('device.chart.noData')}</p>
      </Show>
      <Show when={state.info()?.aggregated}>
        <p class="muted chart-note">{t('device.chart.band')}</p>
      </Show>
    </section>
  );
}
