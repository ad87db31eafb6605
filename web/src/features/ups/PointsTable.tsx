/** Every point of the device with its latest value, quality and age, updated live. */
import { For, Show } from 'solid-js';
import type { Point } from '../../api/types.ts';
import { formatAge, formatDateTime, formatValue, t } from '../../i18n/index.ts';
import { useClock } from '../../stores/clock.ts';
import { OLD_SAMPLE_MS, QualityBadge } from '../../ui/QualityBadge.tsx';
import { devicePoints } from '../../stores/devicePoints.ts';

function PointRow(props: { point: Point; nowMs: number }) {
  const latest = () => devicePoints.latest[props.point.key];
  return (
    <tr data-point={props.point.key} classList={{ old: !!latest() && props.nowMs - latest()!.tsMs > OLD_SAMPLE_MS }}>
      <td>
        <div class="metric mono">{props.point.metric}</div>
        <Show when={props.point.description}>
          <div class="description">{props.point.description}</div>
        </Show>
      </td>
      <td class="num value">
        <Show when={latest()?.value != null} fallback={<span class="muted">{t('points.noSample')}</span>}>
          {props.point.states?.[String(latest()!.value)] ?? formatValue(latest()!.value!, props.point.unit)}
        </Show>
      </td>
      <td>
        <Show when={latest()}>{(sample) => <QualityBadge quality={sample().quality} />}</Show>
      </td>
      <td class="num age">
        <Show when={latest()} fallback={t('app.none')}>
          {(sample) => <time datetime={new Date(sample().tsMs).toISOString()} title={formatDateTime(sample().tsMs)}>
            {formatAge(sample().tsMs, props.nowMs)}
          </time>}
        </Show>
      </td>
    </tr>
  );
}

export function PointsTable() {
  const now = useClock();
  return (
    <section class="panel">
      <header class="panel-header">
        <h2>{t('points.title')}</h2>
        <span class="muted">{devicePoints.points.length}</span>
      </header>
      <div class="table-scroll">
        <table class="points" data-testid="points-table">
          <thead>
            <tr>
              <th scope="col">{t('points.metric')}</th>
              <th scope="col" class="num">{t('points.value')}</th>
              <th scope="col">{t('points.quality')}</th>
              <th scope="col" class="num">{t('points.age')}</th>
            </tr>
          </thead>
          <tbody>
            <For each={devicePoints.points} fallback={
              <tr><td colSpan={4} class="empty">{devicePoints.loaded ? t('points.empty') : t('app.loading')}</td></tr>
            }>
              {(point) => <PointRow point={point} nowMs={now()} />}
            </For>
          </tbody>
        </table>
      </div>
    </section>
  );
}
