/**
 * One point: what it measures (unit, kind, role, description), where it comes from (device and
 * configuration item links), its latest value live, and its history chart with the device page's tools.
 */
import { createEffect, createSignal, on, onCleanup, onMount, Show, untrack } from 'solid-js';
import { fetchDevice, fetchDevicePoints, fetchLatest, findCiOfDevice } from '../../api/device.ts';
import type { CiView } from '../../api/cmdb.ts';
import type { Device, Point } from '../../api/types.ts';
import { createChartRange } from '../../charts/chartRange.ts';
import { formatTimestamp } from '../../charts/timeAxis.ts';
import { displayUnit, formatAge, locale, t } from '../../i18n/index.ts';
import { href } from '../../shell/route.ts';
import { useClock } from '../../stores/clock.ts';
import { createLatestValues, latestSeeds } from '../../stores/latestValues.ts';
import { ErrorBanner } from '../../ui/ErrorBanner.tsx';
import { QualityBadge } from '../../ui/QualityBadge.tsx';
import { afterChartRequests, chartTitle, DeviceFacts } from './DevicePage.tsx';
import { canonicalUnit, metricFamily } from './deviceModel.ts';
import { ChartPanel, RangeToolbar } from './HistoryCharts.tsx';
import { familyName } from './PointsByFamily.tsx';
import { formatPointValue } from './SampleCells.tsx';
import { presetFromHash, writePresetToHash } from './rangeInHash.ts';
import './device.css';

const isAbort = (error: unknown) => error instanceof DOMException && error.name === 'AbortError';

/** `<device>/<metric>`: the device is everything before the first slash. */
export function deviceOfPointKey(key: string): string {
  const slash = key.indexOf('/');
  return slash > 0 ? key.slice(0, slash) : key;
}

function PointView(props: { pointKey: string }) {
  const key = props.pointKey;
  const deviceName = deviceOfPointKey(key);
  const [point, setPoint] = createSignal<Point>();
  const [checked, setChecked] = createSignal(false);
  const [device, setDevice] = createSignal<Device>();
  const [ci, setCi] = createSignal<CiView>();
  const [ciChecked, setCiChecked] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  const live = createLatestValues();
  const now = useClock();
  const range = createChartRange(presetFromHash());
  createEffect(on(() => range.range().preset, (preset) => writePresetToHash(preset), { defer: true }));

  const abort = new AbortController();
  onCleanup(() => abort.abort());
  const report = (cause: unknown) => { if (!isAbort(cause)) setError(cause); };

  const loadPoint = async () => {
    const points = await fetchDevicePoints(deviceName, abort.signal).catch((cause) => {
      if ((cause as { status?: number }).status === 404) return [] as Point[];
      throw cause;
    });
    setPoint(points.find((p) => p.key === key));
    setChecked(true);
    await afterChartRequests();
    if (points.some((p) => p.key === key)) live.merge(latestSeeds(await fetchLatest([key], abort.signal)));
  };
  const loadAll = () => {
    setError(undefined);
    loadPoint()
      .then(() => Promise.all([
        fetchDevice(deviceName, abort.signal).then(setDevice),
        findCiOfDevice(deviceName, abort.signal).then((c) => { setCi(c); setCiChecked(true); }),
      ]))
      .catch(report);
  };
  onMount(loadAll);

  live.follow({ points: [key] }, {
    accept: (p) => p === key,
    onResumed: () => void loadPoint().catch(report),
  });

  const sample = () => live.get(key);

  return (
    <main class="page device-page point-page" data-testid="point-page" data-point={key}>
      <Show when={error()}>
        {(current) => <ErrorBanner error={current()} onRetry={loadAll} onDismiss={() => setError(undefined)} />}
      </Show>
      <section class="panel device-header" data-testid="point-header" aria-label={t('device.point.label', { key })}>
        <div class="device-title">
          <Show when={point()}>{(p) => <span class="kind-badge">{familyName(metricFamily(p().metric))}</span>}</Show>
          <h1 class="mono">{key}</h1>
        </div>
        <Show when={!checked() || point()} fallback={<p class="muted" role="status">{t('device.point.notFound', { key })}</p>}>
          <div class="point-latest" data-testid="point-latest" aria-live="polite">
            <span class="label muted">{t('device.point.latest')}</span>
            <span class="big-value" data-testid="point-value">
              {(point() && formatPointValue(point()!, sample())) ?? t('points.noSample')}
            </span>
            <Show when={sample()}>
              {(s) => (
                <>
                  <Show when={s().quality}>{(quality) => <QualityBadge quality={quality()} />}</Show>
                  <time class="muted" datetime={new Date(s().tsMs).toISOString()} title={formatTimestamp(locale(), s().tsMs)}>
                    {formatAge(s().tsMs, now())}
                  </time>
                </>
              )}
            </Show>
          </div>
          <dl class="facts">
            <div>
              <dt>{t('device.point.device')}</dt>
              <dd><a href={href.device(deviceName)} data-testid="point-device-link">{deviceName}</a></dd>
            </div>
            <Show when={point()}>
              {(p) => (
                <>
                  <div><dt>{t('device.point.unit')}</dt><dd>{displayUnit(p().unit) || t('device.point.unitless')}</dd></div>
                  <div><dt>{t('device.point.kind')}</dt><dd>{t(p().kind === 'counter' ? 'device.point.kind.counter' : 'device.point.kind.gauge')}</dd></div>
                  <Show when={p().role}><div><dt>{t('device.point.role')}</dt><dd class="mono">{p().role}</dd></div></Show>
                  <Show when={p().description}><div><dt>{t('device.point.description')}</dt><dd>{p().description}</dd></div></Show>
                </>
              )}
            </Show>
          </dl>
          <DeviceFacts device={device()} ci={ci()} ciChecked={ciChecked()} />
        </Show>
      </section>

      <Show when={point() ? key : undefined} keyed>
        {(_key: string) => {
          const p = untrack(point)!; // the chart stays when the point is reloaded
          return (
          <section class="device-history" aria-labelledby="point-history-title">
            <h2 id="point-history-title">{t('device.charts.title')}</h2>
            <RangeToolbar range={range} />
            <div class="chart-stack">
              <ChartPanel
                points={[p]}
                labels={[p.metric]}
                unit={canonicalUnit(p.unit)}
                title={() => chartTitle({ unit: canonicalUnit(p.unit) })}
                range={range}
                syncKey={`point:${key}`}
                fileParts={[key, p.unit]}
                onError={report}
              />
            </div>
          </section>
          );
        }}
      </Show>
    </main>
  );
}

export function PointPage(props: { point: string }) {
  return (
    <Show when={props.point} keyed>
      {(key) => <PointView pointKey={key} />}
    </Show>
  );
}
