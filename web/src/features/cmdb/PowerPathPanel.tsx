/** The power path upstream of the CI, drawn as levels from the utility down to the CI itself. */
import { For, Show, createResource } from 'solid-js';
import { cmdbApi, type PowerPath } from '../../api/cmdb.ts';
import { t } from '../../i18n/index.ts';
import { CiRefLink } from './CiRefLink.tsx';
import { Loadable } from './Loadable.tsx';
import { statusLabel, typeLabel } from './labels.ts';
import { powerPathLevels } from './powerPathModel.ts';

function PowerPathView(props: { path: PowerPath }) {
  const levels = () => powerPathLevels(props.path);
  const nameOf = (key: string) => props.path.nodes.find((node) => node.key === key)?.name ?? key;
  return (
    <Show when={props.path.edges.length > 0} fallback={<p class="muted">{t('cmdb.power.none')}</p>}>
      <ol class="power-path" data-testid="power-path">
        <For each={levels()}>
          {(level) => (
            <li class="power-level">
              <For each={level}>
                {(card) => (
                  <div class="power-node" data-key={card.node.key} data-type={card.node.type}
                    classList={{ root: card.node.key === props.path.root }}>
                    <span class="power-node-type">{typeLabel(card.node.type)}</span>
                    <CiRefLink ci={card.node} />
                    <Show when={card.node.status !== 'active'}>
                      <span class="status-chip" data-status={card.node.status}>{statusLabel(card.node.status)}</span>
                    </Show>
                    <For each={card.feeds}>
                      {(edge) => (
                        <span class="power-feeds">
                          ↓ {nameOf(edge.from)}
                          <Show when={edge.feed}>{(feed) => <> · {t('cmdb.relations.feed', { feed: feed() })}</>}</Show>
                          <Show when={edge.port}>{(port) => <> · {t('cmdb.relations.port', { port: port() })}</>}</Show>
                        </span>
                      )}
                    </For>
                  </div>
                )}
              </For>
            </li>
          )}
        </For>
      </ol>
    </Show>
  );
}

export function PowerPathPanel(props: { ciKey: string; revision: number }) {
  const [path, { refetch }] = createResource(() => ({ key: props.ciKey, revision: props.revision }),
    ({ key }) => cmdbApi.powerPath(key));
  return (
    <section class="panel" data-testid="ci-power-path">
      <header class="panel-header">
        <h2>{t('cmdb.power.title')}</h2>
        <span class="muted">{t('cmdb.power.subtitle')}</span>
      </header>
      <Loadable resource={path} onRetry={refetch}>{(value) => <PowerPathView path={value} />}</Loadable>
    </section>
  );
}
