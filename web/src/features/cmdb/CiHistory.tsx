/**
 * Every recorded change of the CI and its relationships (who, when, from where, each field before → after),
 * and the CI as it was at a chosen moment: its attributes, contents and relationships then.
 */
import { For, Show, createResource, createSignal } from 'solid-js';
import { cmdbApi, type CiAsOf, type CiType, type HistoryEntry } from '../../api/cmdb.ts';
import { formatDateTime, t } from '../../i18n/index.ts';
import { CiAttributes } from './CiAttributes.tsx';
import { CiChildren } from './CiChildren.tsx';
import { CiRelations } from './CiRelations.tsx';
import { Loadable, settled } from './Loadable.tsx';
import { CiRefLink } from './CiRefLink.tsx';
import { historyView } from './historyModel.ts';
import { fieldLabel, formatChangeValue, relationLabel, tMaybe } from './labels.ts';

/** `YYYY-MM-DDTHH:mm` in local time, the value format of `<input type="datetime-local">`. */
function toLocalInput(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function HistoryItem(props: { entry: HistoryEntry; ciKey: string; ciType?: CiType; onViewAt: (at: Date) => void }) {
  const atMs = () => Date.parse(props.entry.at);
  const view = () => historyView(props.entry, props.ciKey);
  return (
    <li class="history-entry" data-action={props.entry.action} data-entity={props.entry.entity}>
      <div class="history-head">
        <time datetime={props.entry.at}>{formatDateTime(atMs())}</time>
        <strong class="history-actor">{props.entry.actor}</strong>
        <span class="chip">{tMaybe(`cmdb.action.${props.entry.action}`) ?? props.entry.action}</span>
        <span class="chip">{tMaybe(`cmdb.entity.${props.entry.entity}`) ?? props.entry.entity}</span>
        <span class="muted small">{t('cmdb.history.source', { source: props.entry.source })}</span>
        <span class="spacer" />
        <button type="button" class="ghost small" data-testid="history-view-at" onClick={() => props.onViewAt(new Date(atMs()))}>
          {t('cmdb.history.viewAt')}
        </button>
      </div>
      <Show when={view().relation}>
        {(relation) => (
          <p class="history-relation" classList={{ removed: props.entry.action === 'delete' }}>
            {relationLabel(relation().kind, relation().outgoing)}{' '}
            <CiRefLink ci={{ key: relation().other, name: relation().other }} />
            <Show when={relation().feed}>{(feed) => <> <span class="chip">{t('cmdb.relations.feed', { feed: feed() })}</span></>}</Show>
            <Show when={relation().port}>{(port) => <> <span class="chip">{t('cmdb.relations.port', { port: port() })}</span></>}</Show>
          </p>
        )}
      </Show>
      <Show when={view().rows.length > 0}>
        <table class="changes">
          <tbody>
            <For each={view().rows}>
              {(row) => (
                <tr data-field={row.field}>
                  <th scope="row">{fieldLabel(row.field)}</th>
                  <Show when={view().showBefore} fallback={
                    <td class="value">{formatChangeValue(row.field, props.entry.action === 'delete' ? row.before : row.after, props.ciType)}</td>
                  }>
                    <td class="before">{formatChangeValue(row.field, row.before, props.ciType)}</td>
                    <td class="arrow" aria-hidden="true">→</td>
                    <td class="after">{formatChangeValue(row.field, row.after, props.ciType)}</td>
                  </Show>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
    </li>
  );
}

function AsOfView(props: { snapshot: CiAsOf; ciKey: string; onClose: () => void }) {
  return (
    <section class="as-of" data-testid="ci-as-of" data-as-of={props.snapshot.asOf}>
      <header class="panel-header">
        <h3>{t('cmdb.history.asOfTitle', { time: formatDateTime(Date.parse(props.snapshot.asOf)) })}</h3>
        <span class="spacer" />
        <button type="button" data-testid="as-of-close" onClick={() => props.onClose()}>{t('cmdb.history.backToNow')}</button>
      </header>
      <Show when={props.snapshot.ci} fallback={<p class="muted">{t('cmdb.history.notYet')}</p>}>
        {(ci) => (
          <div class="as-of-body">
            <CiAttributes ci={ci()} />
            <CiChildren ci={ci()} children={props.snapshot.children} />
            <CiRelations ciKey={props.ciKey} relations={props.snapshot.relations} />
          </div>
        )}
      </Show>
    </section>
  );
}

export function CiHistory(props: { ciKey: string; ciType?: CiType; revision: number }) {
  const [history, { refetch }] = createResource(() => ({ key: props.ciKey, revision: props.revision }),
    ({ key }) => cmdbApi.history(key));
  const [asOfInput, setAsOfInput] = createSignal(toLocalInput(Date.now()));
  const [asOfAt, setAsOfAt] = createSignal<Date>();
  const [inputError, setInputError] = createSignal(false);
  const [snapshot, { refetch: refetchSnapshot }] = createResource(
    () => { const at = asOfAt(); return at ? { key: props.ciKey, at } : false; },
    ({ key, at }) => cmdbApi.asOf(key, at),
  );

  const showAsOf = (event: SubmitEvent) => {
    event.preventDefault();
    const ms = Date.parse(asOfInput()); // a datetime-local value is read as local time
    if (!asOfInput() || Number.isNaN(ms)) {
      setInputError(true);
      return;
    }
    setInputError(false);
    setAsOfAt(new Date(ms));
  };

  const viewAt = (at: Date) => {
    setAsOfInput(toLocalInput(at.getTime()));
    // Changes are stamped to the millisecond; one more makes sure the change itself is included.
    setAsOfAt(new Date(at.getTime() + 1));
  };

  return (
    <section class="panel" data-testid="ci-history">
      <header class="panel-header">
        <h2>{t('cmdb.history.title')}</h2>
        <Show when={settled(history)}>{(list) => <span class="muted">{list().items.length}</span>}</Show>
        <span class="spacer" />
        <form class="as-of-form" onSubmit={showAsOf}>
          <label for="ci-as-of">{t('cmdb.history.asOfLabel')}</label>
          <input id="ci-as-of" type="datetime-local" data-testid="as-of-input" value={asOfInput()}
            aria-invalid={inputError()} onInput={(event) => setAsOfInput(event.currentTarget.value)} />
          <button type="submit" data-testid="as-of-show">{t('cmdb.history.show')}</button>
        </form>
      </header>
      <Show when={inputError()}><p class="field-error" role="alert">{t('cmdb.history.invalidDate')}</p></Show>

      <Show when={asOfAt()}>
        <Loadable resource={snapshot} onRetry={refetchSnapshot}>
          {(value) => <Show when={value}>{(current) => <AsOfView snapshot={current()} ciKey={props.ciKey} onClose={() => setAsOfAt(undefined)} />}</Show>}
        </Loadable>
      </Show>

      <Loadable resource={history} onRetry={refetch}>
        {(list) => (
          <Show when={list.items.length > 0} fallback={<p class="muted">{t('cmdb.history.none')}</p>}>
            <ol class="history-list" data-testid="history-list">
              <For each={list.items}>{(entry) => <HistoryItem entry={entry} ciKey={props.ciKey} ciType={props.ciType} onViewAt={viewAt} />}</For>
            </ol>
          </Show>
        )}
      </Loadable>
    </section>
  );
}

