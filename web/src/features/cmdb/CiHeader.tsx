/** Who the CI is and where it stands: breadcrumbs of its location, type, name, key and status. */
import { For, Show } from 'solid-js';
import type { CiRef, CiView } from '../../api/cmdb.ts';
import { t } from '../../i18n/index.ts';
import { statusLabel, typeLabel } from './labels.ts';
import { CMDB_HREF, ciHref } from './route.ts';

export function CiHeader(props: { ci: CiView; path: CiRef[]; canEdit: boolean; editing: boolean; onEdit: () => void }) {
  return (
    <section class="panel ci-header" data-testid="ci-header" data-key={props.ci.key} data-type={props.ci.type}>
      <nav class="breadcrumbs" aria-label={t('cmdb.ci.path')} data-testid="ci-breadcrumbs">
        <ol>
          <li><a href={CMDB_HREF}>{t('nav.cmdb')}</a></li>
          <For each={props.path}>
            {(ancestor) => (
              <li><a href={ciHref(ancestor.key)} title={typeLabel(ancestor.type)}>{ancestor.name}</a></li>
            )}
          </For>
          <li aria-current="page">{props.ci.name}</li>
        </ol>
      </nav>
      <div class="ci-title">
        <span class="kind-badge">{typeLabel(props.ci.type)}</span>
        <h1>{props.ci.name}</h1>
        <span class="mono muted">{props.ci.key}</span>
        <span class="status-chip" data-status={props.ci.status} data-testid="ci-status">{statusLabel(props.ci.status)}</span>
        <span class="spacer" />
        <Show when={props.canEdit && !props.editing}>
          <button type="button" data-testid="ci-edit" onClick={() => props.onEdit()}>{t('cmdb.ci.edit')}</button>
        </Show>
      </div>
      <Show when={props.ci.description}>
        <p class="ci-description">{props.ci.description}</p>
      </Show>
    </section>
  );
}
