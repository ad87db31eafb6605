/** Every point of a device, grouped by metric family, with its live value, quality and age. */
import { For, Show } from 'solid-js';
import type { Point } from '../../api/types.ts';
import { formatAge, formatDateTime, formatValue, t } from '../../i18n/index.ts';
import { href } from '../../shell/route.ts';
import { useClock } from '../../stores/clock.ts';
import { OLD_SAMPLE_MS, QualityBadge } from '../../ui/QualityBadge.tsx';
import { familyLabelKey, groupByFamily } from './deviceModel.ts';
import type { LiveValue, LiveValues } from './liveValues.ts';

export function familyName(family: string): string {
  const key = familyLabelKey(family);
  return key ? t(key) : family;
}

/** A point's value as people read it: its state label for enumerations, else number and unit. */
export function formatPointValue(point: Point, sample: LiveValue | undefined): string | undefined {
  if (!sample || sample.value === null) return undefined;
  return point.states?.[String(sample.value)] ?? formatValue(sample.value, point.unit);
}

export function PointsByFamily(props: { points: readonly Point[]; live: LiveValues }) {
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
              <th scope="col" class="num">{t('points.value')}</th>
              <th scope="col">{t('points.quality')}</th>
              <th scope="col" class="num">{t('points.age')}</th>
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
                    const sample = () => props.live.latest[point.key];
                    return (
                      <tr data-point={point.key} classList={{ old: !!sample() && now() - sample()!.tsMs > OLD_SAMPLE_MS }}>
                        <td>
                          <a class="metric mono" href={href.point(point.key)}>{point.metric}</a>
                          <Show when={point.description}>
                            <div class="description">{point.description}</div>
                          </Show>
                        </td>
                        <td class="num value" data-testid="point-value">
                          <Show when={formatPointValue(point, sample())} fallback={<span class="muted">{t('points.noSample')}</span>}>
                            {(text) => text()}
                          </Show>
                        </td>
                        <td>
                          <Show when={sample()}>{(s) => <QualityBadge quality={s().quality} />}</Show>
                        </td>
                        <td class="num age">
                          <Show when={sample()} fallback={t('app.none')}>
                            {(s) => (
                              <time datetime={new Date(s().tsMs).toISOString()} title={formatDateTime(s().tsMs)}>
                                {formatAge(s().tsMs, now())}
                              </time>
                            )}
                          </Show>
                        </td>
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
