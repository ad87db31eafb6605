/**
 * The points that measure this CI (through its collector device) with their latest values, kept live
 * over the tab's SSE stream (the shared latest-value store: one redraw per frame at most).
 */
import { For, Show, createEffect, createMemo, createResource, on } from 'solid-js';
import { cmdbApi, type CiPoint } from '../../api/cmdb.ts';
import { t } from '../../i18n/index.ts';
import { useClock } from '../../stores/clock.ts';
import { createLatestValues } from '../../stores/latestValues.ts';
import { isOldSample, SampleCells, SampleHeaderCells } from '../device/SampleCells.tsx';
import { Loadable, settled } from './Loadable.tsx';

export function CiPoints(props: { ciKey: string; revision: number }) {
  const now = useClock();
  const [points, { refetch }] = createResource(() => ({ key: props.ciKey, revision: props.revision }),
    ({ key }) => cmdbApi.points(key));
  const live = createLatestValues();

  createEffect(on(() => settled(points), (list) => {
    if (!list) return;
    // The stream may already have delivered something newer than this answer: merge keeps it.
    live.merge(list.items.flatMap((p) => (p.ts === null ? [] : [{ key: p.key, value: p.value, ts: p.ts, quality: p.quality ?? 'unknown' }])));
  }));

  const pointKeys = createMemo(() => new Set((settled(points)?.items ?? []).map((point) => point.key)));
  createEffect(on(pointKeys, (keys) => {
    live.follow({ points: [...keys] }, { accept: (point) => keys.has(point), onResumed: () => void refetch() });
  }));

  const sorted = (items: CiPoint[]) => [...items].sort((a, b) => a.key.localeCompare(b.key, undefined, { numeric: true }));

  return (
    <section class="panel" data-testid="ci-points">
      <header class="panel-header">
        <h2>{t('cmdb.points.title')}</h2>
        <Show when={settled(points)}>{(list) => <span class="muted">{list().items.length}</span>}</Show>
      </header>
      <Loadable resource={points} onRetry={refetch}>
        {(list) => (
          <Show when={list.items.length > 0} fallback={<p class="muted">{t('cmdb.points.none')}</p>}>
            <div class="table-scroll">
              <table class="points" data-testid="ci-points-table">
                <thead>
                  <tr>
                    <th scope="col">{t('points.metric')}</th>
                    <th scope="col">{t('cmdb.points.role')}</th>
                    <SampleHeaderCells />
                  </tr>
                </thead>
                <tbody>
                  <For each={sorted(list.items)}>
                    {(point) => {
                      const sample = () => live.get(point.key);
                      return (
                        <tr data-point={point.key} classList={{ old: isOldSample(sample(), now()) }}>
                          <td>
                            <div class="metric mono">{point.key}</div>
                            <Show when={point.description}><div class="description">{point.description}</div></Show>
                          </td>
                          <td class="mono small">{point.role ?? t('app.none')}</td>
                          <SampleCells point={point} sample={sample()} nowMs={now()} />
                        </tr>
                      );
                    }}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </Loadable>
    </section>
  );
}
