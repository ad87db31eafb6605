/**
 * The UPS page: identity, live output chart and every point of one UPS. Owns the page's live stream:
 * one SSE connection for all points of the device, fanned out to the table and the chart.
 */
import { For, Show, createEffect, createMemo, createSignal, on, onCleanup, onMount, untrack } from 'solid-js';
import { t } from '../../i18n/index.ts';
import { applyLiveSamples, devicePoints, loadDevicePoints, resetDevicePoints } from '../../stores/devicePoints.ts';
import { devices, devicesOfKind, loadDevices } from '../../stores/devices.ts';
import { connectLive, type LiveSubscription } from '../../stores/liveStream.ts';
import { ErrorBanner } from '../../ui/ErrorBanner.tsx';
import { DeviceHeader } from './DeviceHeader.tsx';
import { PointsTable } from './PointsTable.tsx';
import { UpsPowerChart } from './UpsPowerChart.tsx';
import { pickUpsChartSeries } from './upsPowerChartModel.ts';

const EMPTY_REFRESH_MS = 2_000;
const INVENTORY_REFRESH_MS = 60_000;

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

export function UpsPage() {
  const [error, setError] = createSignal<unknown>();
  const [selectedName, setSelectedName] = createSignal<string>();
  const upsDevices = createMemo(() => devicesOfKind('ups'));
  const device = createMemo(() => upsDevices().find((d) => d.name === selectedName()) ?? upsDevices()[0]);
  const deviceName = createMemo(() => device()?.name);

  const reportError = (cause: unknown) => {
    if (!isAbort(cause)) setError(cause);
  };

  const loadInventory = () => {
    setError(undefined);
    loadDevices().catch(reportError);
  };
  onMount(loadInventory);

  // Right after start-up the collector may not have reported the UPS or its points yet: look again
  // soon while the page is empty, and now and then afterwards so new devices and points show up.
  const [refreshRound, setRefreshRound] = createSignal(0);
  createEffect(() => {
    refreshRound();
    const waitingForData = !devices.loaded || upsDevices().length === 0
      || (devicePoints.loaded && devicePoints.points.length === 0);
    const timer = setTimeout(async () => {
      const name = untrack(deviceName);
      await Promise.allSettled([
        loadDevices().catch(reportError),
        name ? loadDevicePoints(name).catch(reportError) : undefined,
      ]);
      setRefreshRound((round) => round + 1);
    }, waitingForData ? EMPTY_REFRESH_MS : INVENTORY_REFRESH_MS);
    onCleanup(() => clearTimeout(timer));
  });

  createEffect(on(deviceName, (name) => {
    resetDevicePoints();
    if (!name) return;
    const abort = new AbortController();
    loadDevicePoints(name, abort.signal).catch(reportError);
    onCleanup(() => abort.abort());
  }));

  // Chart subscribers get every live sample after the table has applied it.
  const chartSubscribers = new Set<LiveSubscription>();
  const subscribeChart = (subscription: LiveSubscription) => {
    chartSubscribers.add(subscription);
    return () => chartSubscribers.delete(subscription);
  };

  const livePointKeys = createMemo(() =>
    devicePoints.loaded && devicePoints.device === deviceName() ? devicePoints.points.map((p) => p.key).join(',') : '');

  createEffect(on(livePointKeys, (keys) => {
    if (!keys) return;
    const close = connectLive(keys.split(','), {
      onSamples: (samples) => {
        applyLiveSamples(samples);
        for (const subscriber of chartSubscribers) subscriber.onSamples(samples);
      },
      onResumed: () => {
        const name = untrack(deviceName);
        if (name) loadDevicePoints(name).catch(reportError);
        for (const subscriber of chartSubscribers) subscriber.onResumed?.();
      },
    });
    onCleanup(close);
  }));

  const chartSeries = createMemo(() => pickUpsChartSeries(devicePoints.points));
  /** Remount the chart only when the plotted points change, not on every store update. */
  const chartSeriesKey = createMemo(() =>
    devicePoints.loaded ? `${deviceName()}|${chartSeries().map((s) => `${s.axis}:${s.point.key}`).join(',')}` : '');

  return (
    <main class="page">
      <Show when={error()}>
        {(current) => <ErrorBanner error={current()} onRetry={loadInventory} onDismiss={() => setError(undefined)} />}
      </Show>

      <Show when={upsDevices().length > 1}>
        <label class="device-picker">
          <span>{t('ups.select')}</span>
          <select value={deviceName() ?? ''} onChange={(event) => setSelectedName(event.currentTarget.value)}>
            <For each={upsDevices()}>{(ups) => <option value={ups.name}>{ups.name}</option>}</For>
          </select>
        </label>
      </Show>

      <Show when={device()} fallback={
        <section class="panel empty">{devices.loaded ? t('ups.noDevices') : t('app.loading')}</section>
      }>
        {(current) => <DeviceHeader device={current()} />}
      </Show>

      <Show when={chartSeriesKey()} keyed>
        {(_seriesKey: string) => (
          <Show when={untrack(chartSeries).length > 0} fallback={
            <section class="panel empty">{t('chart.noRolePoints')}</section>
          }>
            <UpsPowerChart series={untrack(chartSeries)} subscribe={subscribeChart} onError={reportError} />
          </Show>
        )}
      </Show>

      <Show when={device()}>
        <PointsTable />
      </Show>
    </main>
  );
}
