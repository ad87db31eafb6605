/**
 * Search box with type and status filters. While a query or filter is set, the matching CIs replace the
 * tree in the sidebar; clearing them brings the tree back.
 */
import { For, Show, createEffect, createSignal, on, onCleanup, type JSX } from 'solid-js';
import { CI_STATUSES, CI_TYPES, cmdbApi, type CiStatus, type CiType, type CiView } from '../../api/cmdb.ts';
import { t } from '../../i18n/index.ts';
import { ErrorBanner } from '../../ui/ErrorBanner.tsx';
import { statusLabel, typeLabel } from './labels.ts';
import { ciHref } from './route.ts';

const TYPING_PAUSE_MS = 250;
const PAGE_SIZE = 50;

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

export interface CiSearchProps {
  currentKey?: string;
  /** Shown instead of results while no query or filter is set (the location tree). */
  children: JSX.Element;
}

export function CiSearch(props: CiSearchProps) {
  const [text, setText] = createSignal('');
  const [query, setQuery] = createSignal('');
  const [type, setType] = createSignal<CiType | ''>('');
  const [status, setStatus] = createSignal<CiStatus | ''>('');
  const [results, setResults] = createSignal<CiView[]>([]);
  const [next, setNext] = createSignal<string>();
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<unknown>();

  // Debounce typing; the filters apply at once.
  createEffect(on(text, (value) => {
    const timer = setTimeout(() => setQuery(value.trim()), TYPING_PAUSE_MS);
    onCleanup(() => clearTimeout(timer));
  }));

  const active = () => query() !== '' || type() !== '' || status() !== '';
  const filters = () => ({ q: query() || undefined, type: type() || undefined, status: status() || undefined, limit: PAGE_SIZE });

  let abort: AbortController | undefined;
  const search = (cursor?: string) => {
    abort?.abort();
    if (!active()) {
      setResults([]);
      setNext(undefined);
      return;
    }
    const controller = new AbortController();
    abort = controller;
    setLoading(true);
    setError(undefined);
    cmdbApi.listCis({ ...filters(), cursor }, controller.signal)
      .then((page) => {
        setResults((current) => (cursor ? [...current, ...page.items] : page.items));
        setNext(page.next);
      })
      .catch((cause) => { if (!isAbort(cause)) setError(cause); })
      .finally(() => { if (abort === controller) setLoading(false); });
  };
  createEffect(on([query, type, status], () => search()));
  onCleanup(() => abort?.abort());

  const clear = () => {
    setText('');
    setQuery('');
    setType('');
    setStatus('');
  };

  return (
    <div class="ci-search">
      <form class="ci-search-form" role="search" onSubmit={(event) => { event.preventDefault(); setQuery(text().trim()); }}>
        <label class="visually-hidden" for="ci-search-text">{t('cmdb.search.label')}</label>
        <input
          id="ci-search-text"
          type="search"
          data-testid="ci-search"
          placeholder={t('cmdb.search.placeholder')}
          value={text()}
          onInput={(event) => setText(event.currentTarget.value)}
        />
        <div class="ci-search-filters">
          <select aria-label={t('cmdb.field.type')} data-testid="ci-search-type" value={type()}
            onChange={(event) => setType(event.currentTarget.value as CiType | '')}>
            <option value="">{t('cmdb.search.anyType')}</option>
            <For each={CI_TYPES}>{(value) => <option value={value}>{typeLabel(value)}</option>}</For>
          </select>
          <select aria-label={t('cmdb.field.status')} data-testid="ci-search-status" value={status()}
            onChange={(event) => setStatus(event.currentTarget.value as CiStatus | '')}>
            <option value="">{t('cmdb.search.anyStatus')}</option>
            <For each={CI_STATUSES}>{(value) => <option value={value}>{statusLabel(value)}</option>}</For>
          </select>
          <Show when={active() || text() !== ''}>
            <button type="button" class="ghost" onClick={clear}>{t('cmdb.search.clear')}</button>
          </Show>
        </div>
      </form>

      <Show when={active()} fallback={props.children}>
        <section class="ci-search-results" aria-label={t('cmdb.search.results')} data-testid="ci-search-results">
          <Show when={error()}>{(current) => <ErrorBanner error={current()} onRetry={() => search()} />}</Show>
          <Show when={!loading() || results().length > 0} fallback={<p class="muted">{t('app.loading')}</p>}>
            <Show when={results().length > 0} fallback={<Show when={!error()}><p class="muted">{t('cmdb.search.none')}</p></Show>}>
              <ul class="result-list">
                <For each={results()}>
                  {(ci) => (
                    <li data-key={ci.key} classList={{ current: props.currentKey === ci.key }}>
                      <a href={ciHref(ci.key)}>
                        <span class="result-name">{ci.name}</span>
                        <span class="result-meta">
                          <span class="mono">{ci.key}</span> · {typeLabel(ci.type)}
                          <Show when={ci.status !== 'active'}> · {statusLabel(ci.status)}</Show>
                        </span>
                      </a>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </Show>
          <Show when={next()}>
            {(cursor) => (
              <button type="button" disabled={loading()} onClick={() => search(cursor())}>{t('cmdb.search.more')}</button>
            )}
          </Show>
        </section>
      </Show>
    </div>
  );
}
