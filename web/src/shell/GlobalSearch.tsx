/**
 * One search box for the whole site: configuration items (racks, UPS, servers, …) and measured points.
 * A combobox (WAI-ARIA 1.2 pattern): type, move with ↑/↓, open with Enter, close with Escape.
 */
import { For, Show, createEffect, createSignal, on, onCleanup } from 'solid-js';
import { request } from '../api/client.ts';
import { cmdbApi, type CiView } from '../api/cmdb.ts';
import type { ListResponse, Point } from '../api/types.ts';
import { typeLabel } from '../features/cmdb/labels.ts';
import { t } from '../i18n/index.ts';
import { href } from './route.ts';

const TYPING_PAUSE_MS = 200;
const PER_KIND = 6;
const CI_CANDIDATES = 30; // fetched to rank, PER_KIND shown

interface Hit { id: string; href: string; title: string; detail: string; kind: 'ci' | 'point' }

function ciHit(ci: CiView): Hit {
  return { id: `ci-${ci.key}`, kind: 'ci', title: ci.name, detail: `${typeLabel(ci.type)} · ${ci.key}`, href: ci.type === 'rack' ? href.rack(ci.key) : href.ci(ci.key) };
}

function pointHit(point: Point): Hit {
  return { id: `pt-${point.key}`, kind: 'point', title: point.key, detail: point.description ?? point.unit, href: href.point(point.key) };
}

export function GlobalSearch() {
  const [text, setText] = createSignal('');
  const [hits, setHits] = createSignal<Hit[]>([]);
  const [open, setOpen] = createSignal(false);
  const [active, setActive] = createSignal(-1);
  const [searching, setSearching] = createSignal(false);
  let input: HTMLInputElement | undefined;

  createEffect(on(text, (value) => {
    const query = value.trim();
    if (query.length < 2) {
      setHits([]);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      setSearching(true);
      try {
        const [cis, points] = await Promise.all([
          cmdbApi.listCis({ q: query, limit: CI_CANDIDATES }, controller.signal),
          request<ListResponse<Point>>('GET', '/points', { query: { q: query, limit: PER_KIND }, signal: controller.signal }),
        ]);
        const needle = query.toLowerCase();
        // Best match first: the exact key or name, then those starting with the text, then the rest.
        const rank = (ci: CiView) => {
          const key = ci.key.toLowerCase();
          const name = ci.name.toLowerCase();
          if (key === needle || name === needle) return 0;
          if (key.startsWith(needle) || name.startsWith(needle)) return 1;
          return 2;
        };
        const ranked = [...cis.items].sort((a, b) => rank(a) - rank(b) || a.key.length - b.key.length);
        setHits([...ranked.slice(0, PER_KIND).map(ciHit), ...points.items.map(pointHit)]);
        setActive(-1);
        setOpen(true);
      } catch (error) {
        if (!(error instanceof DOMException && error.name === 'AbortError')) setHits([]);
      } finally {
        setSearching(false);
      }
    }, TYPING_PAUSE_MS);
    onCleanup(() => { clearTimeout(timer); controller.abort(); });
  }));

  const go = (hit: Hit) => {
    globalThis.location.hash = hit.href;
    setOpen(false);
    setText('');
    input?.blur();
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const list = hits();
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setOpen(true);
      setActive((i) => Math.min(list.length - 1, i + 1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActive((i) => Math.max(0, i - 1));
    } else if (event.key === 'Enter') {
      const hit = list[active()] ?? list[0];
      if (hit) {
        event.preventDefault();
        go(hit);
      }
    } else if (event.key === 'Escape') {
      setOpen(false);
    }
  };

  const showList = () => open() && text().trim().length >= 2;

  return (
    <div class="global-search" data-testid="global-search">
      <input
        ref={input}
        type="search"
        role="combobox"
        aria-label={t('shell.search.label')}
        aria-expanded={showList()}
        aria-controls="global-search-results"
        aria-autocomplete="list"
        aria-activedescendant={active() >= 0 ? hits()[active()]?.id : undefined}
        placeholder={t('shell.search.placeholder')}
        value={text()}
        onInput={(e) => { setText(e.currentTarget.value); setOpen(true); }}
        onKeyDown={onKeyDown}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
      />
      <Show when={showList()}>
        <ul id="global-search-results" role="listbox" class="search-results" aria-label={t('shell.search.results')}>
          <Show when={hits().length === 0}>
            <li class="muted search-empty" role="presentation">{searching() ? t('app.loading') : t('shell.search.none')}</li>
          </Show>
          <For each={hits()}>
            {(hit, index) => (
              <li
                id={hit.id}
                role="option"
                aria-selected={index() === active()}
                class="search-hit"
                classList={{ active: index() === active() }}
                onMouseDown={(e) => { e.preventDefault(); go(hit); }}
              >
                <span class="search-kind">{hit.kind === 'ci' ? t('shell.search.kindCi') : t('shell.search.kindPoint')}</span>
                <span class="search-title">{hit.title}</span>
                <span class="search-detail muted">{hit.detail}</span>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </div>
  );
}
