/**
 * One configuration item: identity and location, attributes (or the edit form for admins), contents,
 * relationships, power path, failure impact, dependent services, live points and history. The CI itself
 * is one resource; each panel loads its own part so a slow impact or history query never holds up the rest.
 * `revision` goes up after a save so every panel reloads what the change may have touched.
 */
import { Match, Show, Switch, createEffect, createResource, createSignal } from 'solid-js';
import { ApiError } from '../../api/client.ts';
import { cmdbApi, type CiView } from '../../api/cmdb.ts';
import { t } from '../../i18n/index.ts';
import { session } from '../../stores/session.ts';
import { ErrorBanner } from '../../ui/ErrorBanner.tsx';
import { CiAttributes } from './CiAttributes.tsx';
import { CiChildren } from './CiChildren.tsx';
import { CiEditForm } from './CiEditForm.tsx';
import { CiHeader } from './CiHeader.tsx';
import { CiHistory } from './CiHistory.tsx';
import { CiPoints } from './CiPoints.tsx';
import { CiRelations } from './CiRelations.tsx';
import { DependentServices } from './DependentServices.tsx';
import { ImpactPanel } from './ImpactPanel.tsx';
import { expandPath } from './locationTreeStore.ts';
import { settled } from './Loadable.tsx';
import { PowerPathPanel } from './PowerPathPanel.tsx';

export function CiPage(props: { ciKey: string }) {
  const [revision, setRevision] = createSignal(0);
  const [editing, setEditing] = createSignal(false);
  const [savedNotice, setSavedNotice] = createSignal(false);
  const [detail, { refetch, mutate }] = createResource(() => ({ key: props.ciKey, revision: revision() }),
    ({ key }) => cmdbApi.getCi(key));

  const isAdmin = () => {
    const current = session();
    return current.status === 'signedIn' && current.user.role === 'admin';
  };
  const notFound = () => detail.error instanceof ApiError && detail.error.status === 404;

  // Show where this CI is in the tree.
  createEffect(() => {
    const current = settled(detail);
    if (current) expandPath(current.path.map((ancestor) => ancestor.key));
  });

  const saved = (ci: CiView) => {
    const current = settled(detail);
    if (current) mutate({ ...current, ci });
    setEditing(false);
    setSavedNotice(true);
    setRevision((n) => n + 1);
  };
  /** After a conflict: fetch the CI again; the form is rebuilt from the new version, still open. */
  const reload = () => {
    setSavedNotice(false);
    setRevision((n) => n + 1);
  };

  const current = () => settled(detail);
  const loadingPanel = () => <section class="panel"><p class="muted">{t('app.loading')}</p></section>;

  // Only the panels built from the CI itself wait for it; the others load in parallel, so one slow
  // query never leaves the whole page blank.
  return (
    <div class="ci-page" data-testid="ci-page" data-key={props.ciKey}>
      <Switch fallback={<p class="muted">{t('app.loading')}</p>}>
        <Match when={notFound()}>
          <section class="panel empty" data-testid="ci-not-found">{t('cmdb.ci.notFound', { key: props.ciKey })}</section>
        </Match>
        <Match when={detail.state === 'errored'}>
          <ErrorBanner error={detail.error} onRetry={() => void refetch()} />
        </Match>
        <Match when={current()}>
          {(loaded) => (
            <CiHeader ci={loaded().ci} path={loaded().path} canEdit={isAdmin()} editing={editing()}
              onEdit={() => { setSavedNotice(false); setEditing(true); }} />
          )}
        </Match>
      </Switch>
      <Show when={!notFound()}>
        <Show when={savedNotice()}>
          <p class="saved-notice" role="status" data-testid="ci-saved">{t('cmdb.edit.saved')}</p>
        </Show>
        <div class="ci-columns">
          <div class="ci-column">
            <Show when={current()} fallback={loadingPanel()}>
              {(loaded) => (
                <Show when={editing()} fallback={
                  <CiAttributes ci={loaded().ci} parentName={loaded().path.at(-1)?.name} />
                }>
                  <Show when={loaded().ci.version} keyed>
                    {(_version: number) => (
                      <CiEditForm ci={loaded().ci} onSaved={saved} onCancel={() => setEditing(false)} onReload={reload} />
                    )}
                  </Show>
                </Show>
              )}
            </Show>
          </div>
          <div class="ci-column">
            <Show when={current()} fallback={loadingPanel()}>
              {(loaded) => <CiRelations ciKey={props.ciKey} relations={loaded().relations} />}
            </Show>
            <PowerPathPanel ciKey={props.ciKey} revision={revision()} />
          </div>
        </div>
        <Show when={current()}>
          {(loaded) => <CiChildren ci={loaded().ci} children={loaded().children} />}
        </Show>
        <div class="ci-columns">
          <ImpactPanel ciKey={props.ciKey} ciName={current()?.ci.name ?? props.ciKey} />
          <DependentServices ciKey={props.ciKey} revision={revision()} />
        </div>
        <CiPoints ciKey={props.ciKey} revision={revision()} />
        <CiHistory ciKey={props.ciKey} ciType={current()?.ci.type} revision={revision()} />
      </Show>
    </div>
  );
}
