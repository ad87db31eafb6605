/**
 * The power chain of a site: supply → transformers → UPS → panels → PDUs → racks and cooling, drawn as an SVG
 * diagram whose links carry the power flowing now (and the feed side), whose nodes show their live kW and
 * their load against the rating, and click through to the rack, the device or the CI. The circuits behind
 * each UPS can be hidden (a big site starts with them hidden). Below, the site's UPSs with their live status.
 */
import { createEffect, createMemo, createResource, createSignal, For, on, onCleanup, onMount, Show } from 'solid-js';
import { ApiError } from '../../api/client.ts';
import { overviewApi, type ChainLink, type ChainNode, type PowerChain } from '../../api/overview.ts';
import { formatNumber, t } from '../../i18n/index.ts';
import { href } from '../../shell/route.ts';
import { ConnectionIndicator } from '../../ui/ConnectionIndicator.tsx';
import { ErrorBanner } from '../../ui/ErrorBanner.tsx';
import { typeLabel } from '../cmdb/labels.ts';
import { settled } from '../cmdb/Loadable.tsx';
import { fitName, layoutChain, NODE_H, NODE_W, type PlacedLink } from './chainLayout.ts';
import { createLiveReadings, type LiveReadingsHandle } from './liveReadings.ts';
import { formatKw, formatPct, loadLevel, loadPctOf, upsLive, upsStatusLabel } from './powerFormat.ts';
import './power.css';

/** The chain is refetched this often (topology changes, a generator starting); values are live in between. */
const REFRESH_MS = 60_000;
/** Above this many nodes the circuits start hidden, UPS by UPS. */
const COLLAPSE_ABOVE_NODES = 200;
const HEADER_H = 26;
/** A chain a little wider than the panel is scaled down to fit (to this factor at most); a wider one scrolls. */
const MIN_FIT_SCALE = 0.75;

export function PowerPage(props: { siteKey?: string }) {
  const [chain, { refetch }] = createResource(() => ({ site: props.siteKey }), ({ site }) => overviewApi.powerChain(site));
  const live = createLiveReadings();
  const [collapsed, setCollapsed] = createSignal<ReadonlySet<string>>(new Set());
  let collapsedFor: string | undefined;

  createEffect(on(() => settled(chain), (value) => {
    if (!value) return;
    // Points in the order they matter most: supply and UPS first, then panels, PDUs, racks.
    const points = [...value.nodes.flatMap((n) => [...n.points, ...n.loadPoints, ...upsPointKeys(n)]), ...value.links.flatMap((l) => l.points)];
    live.follow(value.readings, points, () => void refetch());
    if (collapsedFor !== value.site.key) {
      collapsedFor = value.site.key;
      const big = value.nodes.length > COLLAPSE_ABOVE_NODES;
      setCollapsed(new Set(big ? value.nodes.filter((n) => n.type === 'ups').map((n) => n.key) : []));
    }
  }));
  const timer = setInterval(() => void refetch(), REFRESH_MS);
  onCleanup(() => clearInterval(timer));

  return (
    <main class="page power-page">
      <header class="power-header">
        <div>
          <h1>{t('power.title')}</h1>
          <p class="muted">{t('power.subtitle')}</p>
        </div>
        <span class="spacer" />
        <ConnectionIndicator />
      </header>
      <Show when={chain.error}>
        {(error) => (
          <Show when={!(error() instanceof ApiError && error().status === 404)} fallback={<p class="panel empty">{t('power.empty')}</p>}>
            <ErrorBanner error={error()} onRetry={() => void refetch()} />
          </Show>
        )}
      </Show>
      <Show when={settled(chain)} fallback={<Show when={!chain.error}><p class="muted">{t('app.loading')}</p></Show>}>
        {(value) => (
          <Show when={value().nodes.length > 0} fallback={<p class="panel empty">{t('power.empty')}</p>}>
            <ChainPanel chain={value()} live={live} collapsed={collapsed()} setCollapsed={setCollapsed} />
            <UpsTable chain={value()} live={live} />
          </Show>
        )}
      </Show>
    </main>
  );
}

function upsPointKeys(n: ChainNode): string[] {
  if (!n.ups) return [];
  return [...n.ups.source.map((s) => s.key), ...n.ups.onBattery, ...(n.ups.charge ? [n.ups.charge] : []), ...(n.ups.runtime ? [n.ups.runtime] : [])];
}

/** Where a node clicks through to: a rack to its elevation, a device-backed node to its points, others to the CI. */
export function nodeHref(n: Pick<ChainNode, 'key' | 'type' | 'devices'>): string {
  if (n.type === 'rack') return href.rack(n.key);
  if (n.devices[0] && (n.type === 'ups' || n.type === 'pdu' || n.type === 'crac')) return href.device(n.devices[0]);
  return href.ci(n.key);
}

function ChainPanel(props: { chain: PowerChain; live: LiveReadingsHandle; collapsed: ReadonlySet<string>; setCollapsed: (s: ReadonlySet<string>) => void }) {
  const layout = createMemo(() => layoutChain(props.chain, props.collapsed));
  let scroller: HTMLDivElement | undefined;
  const [available, setAvailable] = createSignal(0);
  onMount(() => {
    if (!scroller || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver((entries) => setAvailable(entries[0].contentRect.width));
    observer.observe(scroller);
    onCleanup(() => observer.disconnect());
  });
  const scale = () => {
    const natural = layout().width;
    const room = available();
    return room > 0 && natural > room && room / natural >= MIN_FIT_SCALE ? room / natural : 1;
  };
  const upsNodes = () => props.chain.nodes.filter((n) => n.type === 'ups');
  const names = createMemo(() => new Map(props.chain.nodes.map((n) => [n.key, n.name])));
  const toggle = (key: string) => {
    const next = new Set(props.collapsed);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    props.setCollapsed(next);
  };
  // Link widths follow the largest flow shown, so the main paths stand out.
  const maxFlowKw = createMemo(() => {
    props.live.version();
    let max = 0;
    for (const l of layout().links) max = Math.max(max, linkKw(props.live, l.link) ?? 0);
    return max;
  });

  return (
    <section class="panel chain-panel" aria-labelledby="power-chain-title">
      <header class="panel-header chain-toolbar">
        <h2 id="power-chain-title">{t('power.chain.title')}</h2>
        <span class="spacer" />
        <Show when={upsNodes().length > 0}>
          <div class="chain-collapse" role="group" aria-label={t('power.collapse.label')}>
            <span class="muted">{t('power.collapse.label')}</span>
            <For each={upsNodes()}>
              {(ups) => (
                <button type="button" class="chain-toggle" data-testid="chain-toggle" data-ups={ups.key}
                  aria-pressed={!props.collapsed.has(ups.key)} aria-label={t('power.collapse.toggle', { name: ups.name })}
                  onClick={() => toggle(ups.key)}>
                  {ups.name}
                </button>
              )}
            </For>
            <button type="button" class="ghost" onClick={() => props.setCollapsed(new Set())}>{t('power.collapse.expandAll')}</button>
            <button type="button" class="ghost" onClick={() => props.setCollapsed(new Set(upsNodes().map((u) => u.key)))}>{t('power.collapse.collapseAll')}</button>
          </div>
        </Show>
      </header>
      <p class="hint">{t('power.chain.hint')}</p>
      <div class="chain-scroll" ref={scroller} tabindex="0" role="region" aria-label={t('power.chain.label', { site: props.chain.site.name })}>
        <svg class="power-chain" data-testid="power-chain" width={layout().width * scale()} height={(layout().height + HEADER_H) * scale()}
          viewBox={`0 0 ${layout().width} ${layout().height + HEADER_H}`}>
          <g class="chain-columns">
            <For each={layout().columns}>
              {(c) => <text class="chain-column-title" x={c.x} y={16}>{t(`power.column.${c.column}`)}</text>}
            </For>
          </g>
          <g transform={`translate(0 ${HEADER_H})`}>
            <g class="chain-links">
              <For each={layout().links}>
                {(placed) => <LinkView placed={placed} live={props.live} maxFlowKw={maxFlowKw()} names={names()} />}
              </For>
            </g>
            <g class="chain-link-labels">
              <For each={layout().links}>{(placed) => <LinkLabel placed={placed} live={props.live} />}</For>
            </g>
            <g class="chain-nodes">
              <For each={layout().nodes}>{(placed) => <NodeView node={placed.node} x={placed.x} y={placed.y} live={props.live} />}</For>
            </g>
          </g>
        </svg>
      </div>
      <ul class="chain-legend" aria-label={t('power.chain.title')}>
        <li><span class="swatch" data-level="ok" />{t('power.legend.ok')}</li>
        <li><span class="swatch" data-level="warn" />{t('power.legend.warn')}</li>
        <li><span class="swatch" data-level="bad" />{t('power.legend.bad')}</li>
        <li><span class="swatch line idle" />{t('power.legend.idle')}</li>
        <li><span class="swatch line unmeasured" />{t('power.legend.unmeasured')}</li>
      </ul>
    </section>
  );
}

/** kW flowing on a link now: 0 when its supplier stands by, null when it cannot be measured. */
function linkKw(live: LiveReadingsHandle, link: ChainLink): number | null {
  live.version();
  return link.idle ? 0 : link.points.length ? live.readings.sumKw(link.points).kw : null;
}

function LinkView(props: { placed: PlacedLink; live: LiveReadingsHandle; maxFlowKw: number; names: Map<string, string> }) {
  const link = () => props.placed.link;
  const kw = () => linkKw(props.live, link());
  const width = () => {
    const v = kw();
    return v === null || props.maxFlowKw <= 0 ? 1.5 : 1.5 + 4.5 * Math.sqrt(Math.max(0, v) / props.maxFlowKw);
  };
  return (
    <g class="chain-link" data-from={link().from} data-to={link().to} data-side={link().side ?? undefined}
      classList={{ idle: link().idle, unmeasured: !link().idle && link().points.length === 0 }}>
      <title>{t('power.link.title', { from: props.names.get(link().from) ?? link().from, to: props.names.get(link().to) ?? link().to, power: link().idle ? t('power.link.idle') : formatKw(kw()) })}{link().side ? ` · ${t('power.link.side', { side: link().side! })}` : ''}</title>
      <path d={props.placed.path} stroke-width={width()} />
    </g>
  );
}

/** A link's label (drawn above every line, so no line crosses a label): the kW flowing and the feed side. */
function LinkLabel(props: { placed: PlacedLink; live: LiveReadingsHandle }) {
  const link = () => props.placed.link;
  const label = () => {
    if (link().idle) return t('power.link.idle');
    const parts: string[] = [];
    const v = linkKw(props.live, link());
    if (v !== null) parts.push(formatKw(v));
    if (link().side) parts.push(link().side!);
    return parts.join(' · ');
  };
  return (
    <Show when={label()}>
      <text class="chain-link-label" data-testid="link-label" data-from={link().from} data-to={link().to}
        x={props.placed.labelX} y={props.placed.labelY} text-anchor={props.placed.labelAnchor}>{label()}</text>
    </Show>
  );
}

function NodeView(props: { node: ChainNode; x: number; y: number; live: LiveReadingsHandle }) {
  const n = () => props.node;
  const sum = () => {
    props.live.version();
    return props.live.readings.sumKw(n().points);
  };
  const kw = () => (n().points.length ? sum().kw : null);
  /** Some of the points behind the figure did not report: it is a partial sum. */
  const partial = () => n().points.length > 0 && sum().kw !== null && sum().reported < n().points.length;
  const loadPct = () => {
    props.live.version();
    return loadPctOf(props.live.readings.maxOf(n().loadPoints), kw(), n().ratedKw, n().ratedKva);
  };
  const level = () => loadLevel(loadPct());
  const power = () => (n().basis === null ? t('power.notMetered') : formatKw(kw()));
  const rating = () => (n().ratedKw !== null ? formatKw(n().ratedKw) : n().ratedKva !== null ? `${formatNumber(n().ratedKva!)} kVA` : null);
  const name = () => fitName(n().name, NODE_W - 20);
  const barWidth = () => Math.max(0, Math.min(100, loadPct() ?? 0)) / 100 * (NODE_W - 20);
  return (
    <g class="chain-node" data-key={n().key} data-type={n().type} data-level={level()} data-partial={partial() ? 'true' : undefined} transform={`translate(${props.x} ${props.y})`}>
      <a href={nodeHref(n())}>
        <rect class="node-box" width={NODE_W} height={NODE_H} rx={6} />
        <text class="node-type" x={10} y={14}>{typeLabel(n().type)}</text>
        <Show when={loadPct() !== null}>
          <text class="node-load" data-testid="node-load" x={NODE_W - 10} y={14} text-anchor="end">{formatPct(loadPct())}</text>
        </Show>
        <text class="node-name" x={10} y={31} textLength={name().squeeze ? NODE_W - 20 : undefined} lengthAdjust={name().squeeze ? 'spacingAndGlyphs' : undefined}>{name().text}</text>
        <text class="node-kw" data-testid="node-kw" x={10} y={46}>
          {power()}
          <Show when={partial()}>
            <tspan class="node-partial" data-testid="node-partial" dx={4}>{t('power.node.partial', { reported: sum().reported, expected: n().points.length })}</tspan>
          </Show>
          <Show when={rating()}>{(r) => <tspan class="node-rating" dx={6}>{t('power.node.rating', { rating: r() })}</tspan>}</Show>
        </text>
        <Show when={loadPct() !== null}>
          <rect class="node-bar-track" x={10} y={NODE_H - 6} width={NODE_W - 20} height={3} rx={1.5} />
          <rect class="node-bar" x={10} y={NODE_H - 6} width={barWidth()} height={3} rx={1.5} />
        </Show>
      </a>
    </g>
  );
}

function UpsTable(props: { chain: PowerChain; live: LiveReadingsHandle }) {
  const upss = () => props.chain.nodes.filter((n) => n.type === 'ups');
  return (
    <Show when={upss().length > 0}>
      <section class="panel" aria-labelledby="power-ups-title">
        <header class="panel-header">
          <h2 id="power-ups-title">{t('power.ups.title')}</h2>
          <span class="spacer" />
          <a href={href.ups()} data-testid="ups-detail-link">{t('power.ups.detail')}</a>
        </header>
        <div class="table-scroll">
          <table class="points ups-table" data-testid="ups-table">
            <caption class="visually-hidden">{t('power.ups.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('power.ups.col.name')}</th>
                <th scope="col">{t('power.ups.col.status')}</th>
                <th scope="col" class="num">{t('power.ups.col.output')}</th>
                <th scope="col" class="num">{t('power.ups.col.load')}</th>
                <th scope="col" class="num">{t('power.ups.col.charge')}</th>
                <th scope="col" class="num">{t('power.ups.col.runtime')}</th>
                <th scope="col">{t('power.ups.col.devices')}</th>
              </tr>
            </thead>
            <tbody>
              <For each={upss()}>
                {(ups) => {
                  const status = () => {
                    props.live.version();
                    return upsLive(props.live.readings, ups.ups!, ups.ratedKw, ups.ratedKva);
                  };
                  return (
                    <tr data-key={ups.key}>
                      <td><a href={href.ci(ups.key)}>{ups.name}</a></td>
                      <td><span class="ups-status" data-testid="ups-status" data-on-battery={String(status().onBattery)}>{upsStatusLabel(status().onBattery)}</span></td>
                      <td class="num value">{formatKw(status().kw)}</td>
                      <td class="num"><span class="load-text" data-level={loadLevel(status().loadPct)}>{formatPct(status().loadPct)}</span></td>
                      <td class="num">{formatPct(status().chargePct)}</td>
                      <td class="num">{status().runtimeMin === null ? t('power.noValue') : t('power.ups.runtimeMin', { value: formatNumber(status().runtimeMin!, 0) })}</td>
                      <td>
                        <ul class="device-links">
                          <For each={ups.devices}>{(d) => <li><a href={href.device(d)} class="mono">{d}</a></li>}</For>
                        </ul>
                      </td>
                    </tr>
                  );
                }}
              </For>
            </tbody>
          </table>
        </div>
      </section>
    </Show>
  );
}
