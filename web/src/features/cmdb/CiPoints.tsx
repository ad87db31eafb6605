/**
 * The points that measure this CI (through its collector device) with their latest values, kept live
 * over the tab's SSE stream. Latest values are a keyed record so a sample only touches its own row.
 */
import { For, Show, batch, createEffect, createResource, on, onCleanup, untrack } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { cmdbApi, type CiPoint } from '../../api/cmdb.ts';
import type { SampleQuality, StreamSample } from '../../api/types.ts';
import { formatAge, formatDateTime, formatValue, t } from '../../i18n/index.ts';
import { useClock } from '../../stores/clock.ts';
import { connectLive } from '../../stores/liveStream.ts';
import { OLD_SAMPLE_MS, QualityBadge } from '../../ui/QualityBadge.tsx';
import { Loadable, settled } from './Loadable.tsx';

interface LatestValue {
  tsMs: number;
  value: number | null;
  quality: SampleQuality;
}

export function CiPoints(props: { ciKey: string; revision: number }) {
  const now = useClock();
  const [points, { refetch }] = createResource(() => ({ key: props.ciKey, revision: props.revision }),
    ({ key }) => cmdbApi.points(key));
  const [latest, setLatest] = createStore<Record<string, LatestValue | undefined>>({});

  createEffect(on(() => settled(points), (list) => {
    if (!list) return;
    const fresh: Record<string, LatestValue> = {};
    for (const point of list.items) {
      if (point.ts === null) continue;
      const tsMs = Date.parse(point.ts);
      const current = untrack(() => latest[point.key]);
      // The stream may already have delivered something newer than this answer.
      fresh[point.key] = current && current.tsMs > tsMs ? current : { tsMs, value: point.value, quality: point.quality ?? 'unknown' };
    }
    setLatest(reconcile(fresh));
  }));

  const applySamples = (samples: readonly StreamSample[]) => {
    batch(() => {
      for (const sample of samples) {
        const tsMs = Date.parse(sample.ts);
        const current = latest[sample.point];
        if (current && current.tsMs > tsMs) continue;
        setLatest(sample.point, { tsMs, value: sample.value, quality: sample.quality });
      }
    });
  };

  const pointKeys = () => (settled(points)?.items ?? []).map((point) => point.key).sort().join(',');
  createEffect(on(pointKeys, (keys) => {
    if (!keys) return;
    onCleanup(connectLive(keys.split(','), { onSamples: applySamples, onResumed: () => void refetch() }));
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
                    <th scope="col" class="num">{t('points.value')}</th>
                    <th scope="col">{t('points.quality')}</th>
                    <th scope="col" class="num">{t('points.age')}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={sorted(list.items)}>
                    {(point) => {
                      const sample = () => latest[point.key];
                      return (
                        <tr data-point={point.key} classList={{ old: !!sample() && now() - sample()!.tsMs > OLD_SAMPLE_MS }}>
                          <td>
                            <div class="metric mono">{point.key}</div>
                            <Show when={point.description}><div class="description">{point.description}</div></Show>
                          </td>
                          <td class="mono small">{point.role ?? t('app.none')}</td>
                          <td class="num value" data-ts={sample()?.tsMs}>
                            <Show when={sample()?.value != null} fallback={<span class="muted">{t('points.noSample')}</span>}>
                              {formatValue(sample()!.value!, point.unit)}
                            </Show>
                          </td>
                          <td>
                            <Show when={sample()}>
                              {(current) => (
                                <QualityBadge quality={current().quality} />
                              )}
                            </Show>
                          </td>
                          <td class="num age">
                            <Show when={sample()} fallback={t('app.none')}>
                              {(current) => (
                                <time datetime={new Date(current().tsMs).toISOString()} title={formatDateTime(current().tsMs)}>
                                  {formatAge(current().tsMs, now())}
                                </time>
                              )}
                            </Show>
                          </td>
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
