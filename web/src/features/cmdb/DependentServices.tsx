/** Services that need this CI, directly or through the equipment they run on. */
import { For, Show, createResource } from 'solid-js';
import { cmdbApi } from '../../api/cmdb.ts';
import { t } from '../../i18n/index.ts';
import { CiRefLink } from './CiRefLink.tsx';
import { Loadable, settled } from './Loadable.tsx';
import { statusLabel } from './labels.ts';

export function DependentServices(props: { ciKey: string; revision: number }) {
  const [services, { refetch }] = createResource(() => ({ key: props.ciKey, revision: props.revision }),
    ({ key }) => cmdbApi.services(key));
  return (
    <section class="panel" data-testid="ci-services">
      <header class="panel-header">
        <h2>{t('cmdb.services.title')}</h2>
        <Show when={settled(services)}>{(list) => <span class="muted">{list().items.length}</span>}</Show>
      </header>
      <Loadable resource={services} onRetry={refetch}>
        {(list) => (
          <Show when={list.items.length > 0} fallback={<p class="muted">{t('cmdb.services.none')}</p>}>
            <ul class="service-list">
              <For each={list.items}>
                {(service) => (
                  <li data-key={service.key}>
                    <CiRefLink ci={{ ...service, type: 'service' }} />
                    <span class="status-chip" data-status={service.status}>{statusLabel(service.status)}</span>
                    <Show when={service.via !== props.ciKey}>
                      <span class="muted small">{t('cmdb.services.via', { via: service.via })}</span>
                    </Show>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Loadable>
    </section>
  );
}
