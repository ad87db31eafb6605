/** "What if this fails?": everything downstream that loses power, redundancy, cooling or service. */
import { For, Show, createSignal } from 'solid-js';
import { IMPACT_EFFECTS, cmdbApi, type Impact } from '../../api/cmdb.ts';
import { t } from '../../i18n/index.ts';
import { ErrorBanner } from '../../ui/ErrorBanner.tsx';
import { CiRefLink } from './CiRefLink.tsx';
import { effectLabel, typeLabel } from './labels.ts';

export function ImpactPanel(props: { ciKey: string; ciName: string }) {
  const [impact, setImpact] = createSignal<Impact>();
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<unknown>();

  const ask = async () => {
    setLoading(true);
    setError(undefined);
    const key = props.ciKey;
    try {
      const answer = await cmdbApi.impact(key);
      if (key === props.ciKey) setImpact(answer);
    } catch (cause) {
      setError(cause);
    } finally {
      setLoading(false);
    }
  };

  const counts = () => {
    const current = impact();
    if (!current) return [];
    return IMPACT_EFFECTS.map((effect) => ({ effect, count: current.counts[effect] ?? 0 })).filter((c) => c.count > 0);
  };
  const nameOf = (key: string) => (key === props.ciKey ? props.ciName : impact()?.affected.find((a) => a.key === key)?.name ?? key);
  const sorted = () => [...(impact()?.affected ?? [])].sort((a, b) =>
    IMPACT_EFFECTS.indexOf(a.effect) - IMPACT_EFFECTS.indexOf(b.effect)
    || a.name.localeCompare(b.name, undefined, { numeric: true }));

  return (
    <section class="panel" data-testid="ci-impact">
      <header class="panel-header">
        <h2>{t('cmdb.impact.title')}</h2>
        <span class="spacer" />
        <button type="button" class="primary" data-testid="impact-ask" disabled={loading()} onClick={() => void ask()}>
          {loading() ? t('app.loading') : t('cmdb.impact.ask')}
        </button>
      </header>
      <Show when={error()}>{(current) => <ErrorBanner error={current()} onRetry={() => void ask()} />}</Show>
      <Show when={impact()} fallback={<p class="hint">{t('cmdb.impact.hint')}</p>}>
        {(current) => (
          <Show when={current().affected.length > 0} fallback={<p class="muted" data-testid="impact-none">{t('cmdb.impact.none')}</p>}>
            <p>{t('cmdb.impact.affected', { count: current().affected.length })}</p>
            <div class="effect-counts" data-testid="impact-counts">
              <For each={counts()}>
                {(item) => (
                  <span class="effect-chip" data-effect={item.effect}>
                    <strong>{item.count}</strong> {effectLabel(item.effect)}
                  </span>
                )}
              </For>
            </div>
            <div class="table-scroll">
              <table class="points cmdb-table" data-testid="impact-list">
                <thead>
                  <tr>
                    <th scope="col">{t('cmdb.field.name')}</th>
                    <th scope="col">{t('cmdb.field.type')}</th>
                    <th scope="col">{t('cmdb.impact.effect')}</th>
                    <th scope="col">{t('cmdb.impact.via')}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={sorted()}>
                    {(item) => (
                      <tr data-key={item.key} data-effect={item.effect}>
                        <td><CiRefLink ci={item} /></td>
                        <td>{typeLabel(item.type)}</td>
                        <td><span class="effect-chip" data-effect={item.effect}>{effectLabel(item.effect)}</span></td>
                        <td><CiRefLink ci={{ key: item.via, name: nameOf(item.via) }} /></td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </Show>
    </section>
  );
}
