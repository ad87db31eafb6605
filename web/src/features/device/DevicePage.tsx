/**
 * A collector device: who it is (and the configuration item it belongs to), every point grouped by
 * family with live values, and history charts of its numeric points, one per unit, with synchronised
 * cursors, server-chosen resolution, live tail and CSV download.
 */
import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount, Show, untrack } from 'solid-js';
import { fetchDevice, fetchDevicePoints, fetchLatest, findCiOfDevice } from '../../api/device.ts';
import type { CiView } from '../../api/cmdb.ts';
import type { Device, Point } from '../../api/types.ts';
import { createChartRange } from '../../charts/chartRange.ts';
import { displayUnit, t, type MessageKey } from '../../i18n/index.ts';
import { href } from '../../shell/route.ts';
import { createLatestValues, latestSeeds } from '../../stores/latestValues.ts';
import { ErrorBanner } from '../../ui/ErrorBanner.tsx';
import { chartGroups, quantityKey, seriesLabel, type ChartGroup } from './deviceModel.ts';
import { ChartPanel, RangeToolbar } from './HistoryCharts.tsx';
import { familyName, PointsByFamily } from './PointsByFamily.tsx';
import { presetFromHash, writePresetToHash } from './rangeInHash.ts';
import './device.css';

/** While a device has no points yet (a collector just started), look again this often. */
const EMPTY_REFRESH_MS = 2_000;

const KIND_LABELS: Record<string, MessageKey> = {
  ups: 'device.kind.ups', pdu: 'device.kind.pdu', crac: 'device.kind.crac', sensor: 'device.kind.sensor', meter: 'device.kind.meter',
};

const isAbort = (error: unknown) => error instanceof DOMException && error.name === 'AbortError';

/**
 * Resolves after the charts that just mounted have sent their series requests (they do in a microtask
 * after mounting). Requests the charts do not need wait for this: the embedded database answers one
 * query at a time, and the charts are what a person waits for.
 */
export const afterChartRequests = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Title of a chart group: the quantity and unit, plus the family (and part) when a unit was split. */
export function chartTitle(group: Pick<ChartGroup, 'unit' | 'family' | 'part'>): string {
  const quantity = t(quantityKey(group.unit));
  const unit = displayUnit(group.unit);
  const base = unit ? t('device.chart.heading', { quantity, unit }) : t('device.chart.headingNoUnit', { quantity });
  if (!group.family) return base;
  const family = familyName(group.family);
  return `${base} · ${group.part ? t('device.chart.part', { family, index: group.part.index, count: group.part.count }) : family}`;
}

export function DeviceFacts(props: { device: Device | undefined; ci: CiView | undefined; ciChecked: boolean; extra?: { label: string; value: string }[] }) {
  return (
    <dl class="facts">
      <div>
        <dt>{t('device.header.ci')}</dt>
        <dd data-testid="device-ci">
          <Show when={props.ci} fallback={<span class="muted">{props.ciChecked ? t('device.header.ciNone') : t('app.loading')}</span>}>
            {(ci) => <a href={href.ci(ci().key)}>{ci().name}{ci().name !== ci().key ? ` (${ci().key})` : ''}</a>}
          </Show>
        </dd>
      </div>
      <Show when={props.device}>
        {(device) => (
          <>
            <div><dt>{t('device.model')}</dt><dd>{[device().vendor, device().model].filter(Boolean).join(' ') || t('app.none')}</dd></div>
            <div><dt>{t('device.protocol')}</dt><dd>{device().protocol?.toUpperCase() || t('app.none')}</dd></div>
            <div><dt>{t('device.address')}</dt><dd class="mono">{device().address || t('app.none')}</dd></div>
            <Show when={(device() as Device & { collector?: string | null }).collector}>
              {(collector) => <div><dt>{t('device.header.collector')}</dt><dd class="mono">{collector()}</dd></div>}
            </Show>
          </>
        )}
      </Show>
      <For each={props.extra ?? []}>{(fact) => <div><dt>{fact.label}</dt><dd>{fact.value}</dd></div>}</For>
    </dl>
  );
}

function DeviceView(props: { name: string }) {
  const name = props.name;
  const [device, setDevice] = createSignal<Device>();
  const [deviceChecked, setDeviceChecked] = createSignal(false);
  const [ci, setCi] = createSignal<CiView>();
  const [ciChecked, setCiChecked] = createSignal(false);
  const [points, setPoints] = createSignal<Point[]>([]);
  const [pointsLoaded, setPointsLoaded] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  const live = createLatestValues();
  const range = createChartRange(presetFromHash());
  createEffect(on(() => range.range().preset, (preset) => writePresetToHash(preset), { defer: true }));

  const abort = new AbortController();
  onCleanup(() => abort.abort());
  const report = (cause: unknown) => { if (!isAbort(cause)) setError(cause); };

  const loadPoints = async () => {
    const list = await fetchDevicePoints(name, abort.signal);
    setPoints(list);
    setPointsLoaded(true);
    await afterChartRequests();
    live.merge(latestSeeds(await fetchLatest(list.map((p) => p.key), abort.signal)));
  };

  const loadAll = () => {
    setError(undefined);
    fetchDevice(name, abort.signal).then((d) => { setDevice(d); setDeviceChecked(true); }).catch(report);
    loadPoints()
      .then(() => findCiOfDevice(name, abort.signal))
      .then((c) => { setCi(c); setCiChecked(true); })
      .catch(report);
  };
  onMount(loadAll);

  // Right after start-up the collector may not have reported this device's points yet.
  createEffect(() => {
    if (!pointsLoaded() || points().length > 0 || (deviceChecked() && !device())) return;
    const timer = setTimeout(() => loadPoints().catch(report), EMPTY_REFRESH_MS);
    onCleanup(() => clearTimeout(timer));
  });

  const pointKeys = createMemo(() => new Set(points().map((p) => p.key)));
  live.follow({ devices: [name] }, {
    accept: (point) => pointKeys().has(point),
    onResumed: () => void loadPoints().catch(report),
  });

  const groups = createMemo(() => chartGroups(points()));
  /** Charts remount only when a group's points change, not on every refresh of the list. */
  const groupSignature = (group: ChartGroup) => `${group.id}=${group.points.map((p) => p.key).join(',')}`;
  const groupsKey = createMemo(() => groups().map(groupSignature).join(';'));

  const kindLabel = () => {
    const kind = device()?.kind;
    return t(kind && KIND_LABELS[kind] ? KIND_LABELS[kind] : 'device.kind.other');
  };

  return (
    <main class="page device-page" data-testid="device-page" data-device={name}>
      <Show when={error()}>
        {(current) => <ErrorBanner error={current()} onRetry={loadAll} onDismiss={() => setError(undefined)} />}
      </Show>

      <section class="panel device-header" data-testid="device-header" aria-label={t('device.header.label', { name })}>
        <div class="device-title">
          <span class="kind-badge">{kindLabel()}</span>
          <h1>{name}</h1>
        </div>
        <Show when={!deviceChecked() || device()} fallback={<p class="muted" role="status">{t('device.notFound', { name })}</p>}>
          <DeviceFacts device={device()} ci={ci()} ciChecked={ciChecked()} />
        </Show>
      </section>

      <section class="device-history" aria-labelledby="device-history-title">
        <h2 id="device-history-title">{t('device.charts.title')}</h2>
        <RangeToolbar range={range} />
        <Show when={groupsKey()} keyed fallback={
          <p class="panel empty">{pointsLoaded() ? t('device.charts.none') : t('app.loading')}</p>
        }>
          {(_key: string) => (
            <div class="chart-stack">
              <For each={untrack(groups)}>
                {(group) => (
                  <ChartPanel
                    points={group.points}
                    labels={group.points.map((p) => seriesLabel(p, group))}
                    unit={group.unit}
                    title={() => chartTitle(group)}
                    range={range}
                    syncKey={`device:${name}`}
                    fileParts={[name, group.family ? `${group.unit}-${group.family}` : group.unit]}
                    onError={report}
                  />
                )}
              </For>
            </div>
          )}
        </Show>
      </section>

      <Show when={pointsLoaded()}>
        <PointsByFamily points={points()} live={live} />
      </Show>
    </main>
  );
}

export function DevicePage(props: { device: string }) {
  return (
    <Show when={props.device} keyed>
      {(name) => <DeviceView name={name} />}
    </Show>
  );
}
