/**
 * The CMDB area: the location tree and search on the left, the CMDB home or one CI on the right.
 * The CI page is keyed by the CI so moving to another CI starts it fresh (its panels, live points, edits).
 */
import { Show, createSignal, onMount } from 'solid-js';
import { t } from '../../i18n/index.ts';
import { ErrorBanner } from '../../ui/ErrorBanner.tsx';
import { CiPage } from './CiPage.tsx';
import { CiSearch } from './CiSearch.tsx';
import { CmdbHome } from './CmdbHome.tsx';
import { LocationTree } from './LocationTree.tsx';
import { loadLocationTree } from './locationTreeStore.ts';
import './cmdb.css';

export function CmdbPage(props: { ciKey?: string }) {
  const [treeError, setTreeError] = createSignal<unknown>();
  const refreshTree = () => {
    setTreeError(undefined);
    loadLocationTree().catch(setTreeError);
  };
  onMount(refreshTree);

  return (
    <main class="page cmdb" data-testid="cmdb-page">
      <aside class="panel cmdb-sidebar">
        <header class="panel-header">
          <h2>{t('cmdb.locations')}</h2>
          <span class="spacer" />
          <button type="button" class="ghost small" onClick={refreshTree}>{t('cmdb.refresh')}</button>
        </header>
        <CiSearch currentKey={props.ciKey}>
          <Show when={treeError()}>{(error) => <ErrorBanner error={error()} onRetry={refreshTree} />}</Show>
          <LocationTree currentKey={props.ciKey} />
        </CiSearch>
      </aside>
      <div class="cmdb-main">
        <Show when={props.ciKey} keyed fallback={<CmdbHome />}>
          {(key: string) => <CiPage ciKey={key} />}
        </Show>
      </div>
    </main>
  );
}
