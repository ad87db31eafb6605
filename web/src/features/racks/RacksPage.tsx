/**
 * The rack list of a site: where each rack stands, how full it is, what it draws against its budget and how
 * warm its inlet air is, kept live. Sortable by any column; a filter box narrows by name, room or row.
 * The order is fixed when the sort or filter changes, not on every sample, so rows do not jump while read.
 */
import { createMemo, createSignal, For, Show, untrack } from 'solid-js';
import type { RackSummary } from '../../api/racks.ts';
import { formatNumber, t, type MessageKey } from '../../i18n/index.ts';
import { href } from '../../shell/route.ts';
import { formatFixed } from './numbers.ts';
import { createRackMetrics } from '../../stores/rackMetrics.ts';
import { ConnectionIndicator } from '../../ui/ConnectionIndicator.tsx';
import { ErrorBanner } from '../../ui/ErrorBanner.tsx';
import {
  ASHRAE_RECOMMENDED_C, filterRacks, inletLevel, powerFraction, powerLevel, sortRacks, type RackSort, type RackSortKey,
} from './rackFormat.ts';
import './racks.css';

const COLUMNS: Array<{ key: RackSortKey; label: MessageKey; numeric: boolean }> = [
  { key: 'name', label: 'rack.list.col.name', numeric: false },
  { key: 'place', label: 'rack.list.col.place', numeric: false },
  { key: 'freeU', label: 'rack.list.col.space', numeric: true },
  { key: 'power', label: 'rack.list.col.power', numeric: true },
  { key: 'powerPct', label: 'rack.list.col.budget', numeric: true },
  { key: 'inlet', label: 'rack.list.col.inlet', numeric: true },
];

export function RacksPage(props: { siteKey?: string }) {
  const metrics = createRackMetrics(() => (props.siteKey ? { site: props.siteKey } : {}));
  const [sort, setSort] = createSignal<RackSort>({ key: 'name', descending: false });
  const [query, setQuery] = createSignal('');

  const rows = createMemo(() => {
    const racks = filterRacks(metrics.racks(), query());
    const current = sort();
    // Live values decide the order at the moment of sorting only (see the file comment).
    return untrack(() => sortRacks(racks, current, { powerW: metrics.powerW, inletC: metrics.inletC }));
  });

  const toggleSort = (key: RackSortKey) => {
    const current = sort();
    // Numbers people scan for trouble (power, heat) start with the largest; names and free U ascending.
    const firstDescending = key === 'power' || key === 'powerPct' || key === 'inlet';
    setSort(current.key === key ? { key, descending: !current.descending } : { key, descending: firstDescending });
  };
  const ariaSort = (key: RackSortKey) => (sort().key === key ? (sort().descending ? 'descending' : 'ascending') : 'none');

  return (
    <div class="page racks-page">
      <header class="racks-header">
        <h1>{t('rack.list.title')}</h1>
        <span class="muted" data-testid="rack-count">{t('rack.list.count', { shown: rows().length, total: metrics.racks().length })}</span>
        <span class="spacer" />
        <label class="rack-filter">
          <span class="visually-hidden">{t('rack.list.filter')}</span>
          <input
            type="search"
            data-testid="rack-filter"
            placeholder={t('rack.list.filterPlaceholder')}
            aria-label={t('rack.list.filter')}
            value={query()}
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
        </label>
        <ConnectionIndicator />
      </header>

      <Show when={metrics.error()}>{(err) => <ErrorBanner error={err()} onRetry={() => void metrics.reload()} />}</Show>

      <section class="panel">
        <p class="hint rack-legend">
          {t('rack.list.legend', { min: formatNumber(ASHRAE_RECOMMENDED_C.min), max: formatNumber(ASHRAE_RECOMMENDED_C.max) })}
        </p>
        <div class="table-scroll">
          <table class="points rack-table" data-testid="rack-table" aria-busy={metrics.loading()}>
            <caption class="visually-hidden">{t('rack.list.caption')}</caption>
            <thead>
              <tr>
                <For each={COLUMNS}>
                  {(col) => (
                    <th scope="col" aria-sort={ariaSort(col.key)} classList={{ num: col.numeric }}>
                      <button type="button" class="sort-button" data-testid={`sort-${col.key}`} onClick={() => toggleSort(col.key)}>
                        {t(col.label)}
                        <span class="sort-mark" aria-hidden="true">{sort().key === col.key ? (sort().descending ? '▼' : '▲') : ''}</span>
                      </button>
                    </th>
                  )}
                </For>
                <th scope="col">{t('rack.list.col.state')}</th>
              </tr>
            </thead>
            <tbody>
              <For each={rows()} fallback={
                <tr><td class="empty" colSpan={COLUMNS.length + 1}>{metrics.loading() ? t('rack.loading') : t('rack.list.empty')}</td></tr>
              }>
                {(rack) => <RackRow rack={rack} metrics={metrics} />}
              </For>
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}

function RackRow(props: { rack: RackSummary; metrics: ReturnType<typeof createRackMetrics> }) {
  const rack = props.rack;
  const power = () => props.metrics.powerW(rack.key);
  const inlet = () => props.metrics.inletC(rack.key);
  const stale = () => props.metrics.stale(rack.key);
  const fraction = () => powerFraction(power(), rack.maxKw);
  const usedPct = rack.uHeight > 0 ? (rack.usedU / rack.uHeight) * 100 : 0;
  return (
    <tr data-key={rack.key} data-testid="rack-row" data-free-u={rack.freeU}>
      <td><a href={href.rack(rack.key)} class="rack-link">{rack.name}</a></td>
      <td>
        <Show when={rack.roomKey} fallback={<span class="muted">{t('rack.none')}</span>}>
          {(room) => <a href={href.floor(room())}>{room()}</a>}
        </Show>
        <Show when={rack.rowKey}>{(row) => <span class="muted"> / {row()}</span>}</Show>
      </td>
      <td class="num" data-col="space">
        <span class="cell-with-bar">
          <span>{t('rack.list.space', { used: rack.usedU, free: rack.freeU })}</span>
          <span class="bar" role="img" aria-label={t('rack.list.spaceBar', { pct: formatNumber(usedPct, 0) })}>
            <span class="bar-fill" data-level={usedPct >= 90 ? 'warn' : 'ok'} style={{ width: `${Math.min(100, usedPct)}%` }} />
          </span>
        </span>
      </td>
      <td class="num value" data-col="power" data-testid="rack-power">
        <Show when={power() !== null} fallback={<span class="muted">{t('rack.none')}</span>}>
          {formatFixed(power()! / 1000, 1)}
          <Show when={rack.maxKw !== null}> / {formatFixed(rack.maxKw!, 1)}</Show> {t('rack.unit.kw')}
        </Show>
      </td>
      <td class="num" data-col="budget">
        <Show when={fraction() !== null} fallback={<span class="muted">{t('rack.none')}</span>}>
          <span class="cell-with-bar">
            <span class="level" data-level={powerLevel(power(), rack.maxKw)}>{formatNumber(fraction()! * 100, 0)}%</span>
            <span class="bar" aria-hidden="true">
              <span class="bar-fill" data-level={powerLevel(power(), rack.maxKw)} style={{ width: `${Math.min(100, fraction()! * 100)}%` }} />
            </span>
          </span>
        </Show>
      </td>
      <td class="num value" data-col="inlet" data-testid="rack-inlet">
        <Show when={inlet() !== null} fallback={<span class="muted">{t('rack.none')}</span>}>
          <span class="level" data-level={inletLevel(inlet())} title={t(`rack.inlet.level.${inletLevel(inlet())}` as MessageKey)}>
            {formatFixed(inlet()!, 1)} °C
          </span>
        </Show>
      </td>
      <td>
        <Show when={stale()}>
          <span class="quality" data-quality="stale" title={t('rack.staleHint')}>{t('rack.stale')}</span>
        </Show>
      </td>
    </tr>
  );
}
