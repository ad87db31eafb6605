/** Every point of the device with its latest value, quality and age, updated live. */
import { For, Show } from 'solid-js';
import type { Point } from '../../api/types.ts';
import { t } from '../../i18n/index.ts';
import { useClock } from '../../stores/clock.ts';
import { devicePoints } from '../../stores/devicePoints.ts';
import { isOldSample, SampleCells, SampleHeaderCells } from '../device/SampleCells.tsx';

function PointRow(props: { point: Point; nowMs: number }) {
  const latest = () => devicePoints.latest[props.point.key];
  return (
    <tr data-point={props.point.key} classList={{ old: isOldSample(latest(), props.nowMs) }}>
      <td>
        <div class="metric mono">{props.point.metric}</div>
        <Show when={props.point.description}>
          <div class="description">{props.point.description}</div>
        </Show>
      </td>
      <SampleCells point={props.point} sample={latest()} nowMs={props.nowMs} />
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
              <SampleHeaderCells />
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
