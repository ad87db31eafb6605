/** Every point of a device, grouped by metric family, with its live value, quality and age. */
import { For, Show } from 'solid-js';
import type { Point } from '../../api/types.ts';
import { t } from '../../i18n/index.ts';
import { href } from '../../shell/route.ts';
import { useClock } from '../../stores/clock.ts';
import type { LatestValuesHandle } from '../../stores/latestValues.ts';
import { familyLabelKey, groupByFamily } from './deviceModel.ts';
import { isOldSample, SampleCells, SampleHeaderCells } from './SampleCells.tsx';

export function familyName(family: string): string {
  const key = familyLabelKey(family);
  return key ? t(key) : family;
}

export function PointsByFamily(props: { points: readonly Point[]; live: Pick<LatestValuesHandle, 'get'> }) {
  const now = useClock();
  const families = () => groupByFamily(props.points);
  return (
    <section class="panel" data-testid="device-points">
      <header class="panel-header">
        <h2>{t('device.points.title')}</h2>
        <span class="muted">{t('device.points.count', { count: props.points.length })}</span>
      </header>
      <div class="table-scroll">
        <table class="points family-points">
          <thead>
            <tr>
              <th scope="col">{t('points.metric')}</th>
              <SampleHeaderCells />
            </tr>
          </thead>
          <For each={families()} fallback={<tbody><tr><td colSpan={4} class="empty">{t('points.empty')}</td></tr></tbody>}>
            {(group) => (
              <tbody data-family={group.family} aria-label={t('device.points.familyLabel', { family: familyName(group.family) })}>
                <tr class="family-row">
                  <th scope="colgroup" colSpan={4}>{familyName(group.family)}</th>
                </tr>
                <For each={group.points}>
                  {(point) => {
                    const sample = () => props.live.get(point.key);
                    return (
                      <tr data-point={point.key} classList={{ old: isOldSample(sample(), now()) }}>
                        <td>
                          <a class="metric mono" href={href.point(point.key)}>{point.metric}</a>
                          <Show when={point.description}>
                            <div class="description">{point.description}</div>
                          </Show>
                        </td>
                        <SampleCells point={point} sample={sample()} nowMs={now()} valueTestId="point-value" />
                      </tr>
                    );
                  }}
                </For>
              </tbody>
            )}
          </For>
        </table>
      </div>
    </section>
  );
}
