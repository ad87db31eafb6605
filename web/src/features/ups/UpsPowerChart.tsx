/** Chart view: live output power (W, left) and load (%, right) of one UPS over the last 15 minutes. */
import { onCleanup } from 'solid-js';
import { api } from '../../api/client.ts';
import { createLiveChartState } from '../../charts/liveChartState.ts';
import { readChartTheme } from '../../charts/theme.ts';
import { UPlotChart } from '../../charts/UPlotChart.tsx';
import {
  displayUnit, formatClock, formatDateTime, formatNumber, formatValue, locale, t,
} from '../../i18n/index.ts';
import type { LiveSubscription } from '../../stores/liveStream.ts';
import { buildUpsChartOptions, type UpsChartSeries } from './upsPowerChartModel.ts';

export const UPS_CHART_WINDOW_MS = 15 * 60_000;
const CHART_HEIGHT_PX = 320;

export interface UpsPowerChartProps {
  /** Fixed for the life of the component; the page remounts the chart when the series change. */
  series: readonly UpsChartSeries[];
  subscribe(subscription: LiveSubscription): () => void;
  onError(error: unknown): void;
}

export function UpsPowerChart(props: UpsPowerChartProps) {
  const series = props.series;
  const pointKeys = series.map((s) => s.point.key);
  const state = createLiveChartState({
    pointKeys,
    windowMs: UPS_CHART_WINDOW_MS,
    fetchHistory: (range) => api.series(pointKeys, range),
    onError: (error) => props.onError(error),
  });
  onCleanup(props.subscribe({
    onSamples: (samples) => state.ingest(samples),
    onResumed: () => void state.reloadHistory(),
  }));

  let historyRequested = false;

  return (
    <section class="panel chart-panel">
      <header class="panel-header">
        <h2>{t('chart.title')}</h2>
        <span class="muted">{t('chart.window')}</span>
        <span class="spacer" />
        <span class="hint">{state.zoomed() ? t('chart.zoomed') : t('chart.zoomHint')}</span>
      </header>
      <div class="chart-frame" data-testid="ups-chart" data-samples={state.plottedValues()}>
        <UPlotChart
          height={CHART_HEIGHT_PX}
          createOptions={(size) => {
            locale(); // rebuild axes and legend in the new language
            return buildUpsChartOptions({
              series,
              ...size,
              theme: readChartTheme(),
              text: {
                powerLabel: t('chart.power'),
                loadLabel: t('chart.load'),
                timeLabel: t('chart.time'),
                none: t('app.none'),
                formatValue, formatNumber, displayUnit, formatClock, formatDateTime,
              },
              xRange: state.liveRange,
              onScaleChange: state.onScaleChange,
            });
          }}
          onReady={(chart) => {
            state.attach(chart);
            if (!historyRequested) {
              historyRequested = true;
              void state.reloadHistory();
            }
          }}
          onDestroy={() => state.detach()}
        />
      </div>
    </section>
  );
}
