/**
 * One rack's elevation: front and rear faces with devices at their U (each a link to its CI), live power per
 * device and outlet, the A/B feeds against their 80 % continuous-load line, the PDUs outlet by outlet, the inlet
 * temperatures top to bottom and their last 24 hours. Live values come from one stream subscription on the
 * rack's location (every device in it), filtered to the points on screen.
 */
import { createEffect, createSignal, For, on, onCleanup, Show } from 'solid-js';
import { racksApi, type ElevationDevice, type RackElevation } from '../../api/racks.ts';
import { formatNumber, t, type MessageKey } from '../../i18n/index.ts';
import { href } from '../../shell/route.ts';
import { formatFixed } from './numbers.ts';
import { createLatestValues, LatestValues, type LatestSeed, type LatestValuesHandle } from '../../stores/latestValues.ts';
import { ConnectionIndicator } from '../../ui/ConnectionIndicator.tsx';
import { ErrorBanner } from '../../ui/ErrorBanner.tsx';
import { RackFace } from './RackFace.tsx';
import { RackInletChart } from './RackInletChart.tsx';
import { feedLevel, inletLevel, powerFraction, powerLevel } from './rackFormat.ts';
import './racks.css';

/** Every point the page shows, with the value the elevation came with (only these are kept live). */
function seedPoints(e: RackElevation): LatestSeed[] {
  const out: LatestSeed[] = [];
  for (const p of e.pdus) {
    out.push(...p.inletPower);
    for (const o of p.outlets) {
      if (o.power) out.push(o.power);
      if (o.state) out.push(o.state);
    }
  }
  out.push(...e.inlets);
  // Own power points of devices (no PDU outlet): their values are not listed elsewhere; start unknown.
  const known = new Set(out.map((p) => p.key));
  for (const d of e.devices) for (const k of d.powerPoints) if (!known.has(k)) out.push({ key: k, value: null, ts: null, quality: null });
  return out;
}

export function RackPage(props: { rackKey: string }) {
  const [elevation, setElevation] = createSignal<RackElevation>();
  const [error, setError] = createSignal<unknown>();
  const [notFound, setNotFound] = createSignal(false);
  // A sample of any quality but ok has no value here: the elevation shows "no value" and its quality.
  const live = createLatestValues(new LatestValues({ sampleValue: (s) => (s.quality === 'ok' ? s.value : null) }));
  let abort: AbortController | undefined;

  const load = async (key: string) => {
    abort?.abort();
    const controller = new AbortController();
    abort = controller;
    try {
      const e = await racksApi.elevation(key, controller.signal);
      live.seed(seedPoints(e));
      setElevation(e);
      setError(undefined);
      setNotFound(false);
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') return;
      if ((err as { status?: number }).status === 404) setNotFound(true);
      setError(err);
    }
  };

  createEffect(on(() => props.rackKey, (key) => {
    setElevation(undefined);
    void load(key);
    live.follow({ locations: [key] }, { onResumed: () => void load(key) });
    onCleanup(() => abort?.abort());
  }));

  return (
    <div class="page rack-page">
      <Show when={error()}>{(err) => <ErrorBanner error={err()} onRetry={notFound() ? undefined : () => void load(props.rackKey)} />}</Show>
      <Show when={notFound()}>
        <p><a href={href.racks()}>{t('rack.backToList')}</a></p>
      </Show>
      <Show when={!elevation() && !error()}><p class="muted" role="status">{t('rack.loading')}</p></Show>
      <Show when={elevation()} keyed>
        {(e) => <RackView elevation={e} live={live} />}
      </Show>
    </div>
  );
}

function RackView(props: { elevation: RackElevation; live: LatestValuesHandle }) {
  const e = props.elevation;
  const live = props.live;
  const totalW = () => live.sum(e.summary.points.power);
  const hottest = () => {
    let max: number | null = null;
    for (const i of e.inlets) {
      const v = live.get(i.key)?.value;
      if (v !== null && v !== undefined) max = max === null ? v : Math.max(max, v);
    }
    return max;
  };
  const devicePower = (d: ElevationDevice) => live.sum(d.powerPoints);
  const inletSeries = e.inlets.map((i) => ({
    key: i.key,
    label: () => t(`rack.inlet.position.${i.position}` as MessageKey) + (e.inlets.filter((x) => x.position === i.position).length > 1 ? ` (${i.key})` : ''),
  }));
  const crumbHref = (p: { key: string; type: string }) => (p.type === 'room' ? href.floor(p.key) : href.ci(p.key));

  return (
    <>
      <header class="rack-head">
        <nav aria-label={t('rack.breadcrumb')} class="breadcrumbs">
          <ol>
            <li><a href={href.racks()}>{t('rack.list.title')}</a></li>
            <For each={e.rack.path}>{(p) => <li><a href={crumbHref(p)}>{p.name}</a></li>}</For>
            <li aria-current="page">{e.rack.name}</li>
          </ol>
        </nav>
        <div class="rack-title">
          <h1 data-testid="rack-title">{e.rack.name}</h1>
          <a href={href.ci(e.rack.key)} class="muted">{t('rack.openCi')}</a>
          <span class="spacer" />
          <ConnectionIndicator />
        </div>
        <dl class="facts rack-facts">
          <div><dt>{t('rack.fact.height')}</dt><dd>{e.rack.uHeight} U<Show when={e.rack.descendingUnits}> · {t('rack.fact.topDown')}</Show></dd></div>
          <div><dt>{t('rack.fact.space')}</dt><dd>{t('rack.list.space', { used: e.summary.usedU, free: e.summary.freeU })}</dd></div>
          <div>
            <dt>{t('rack.fact.power')}</dt>
            <dd data-testid="rack-total-power">
              <Show when={totalW() !== null} fallback={t('rack.none')}>
                <span class="level" data-level={powerLevel(totalW(), e.rack.maxKw)}>
                  {formatFixed(totalW()! / 1000, 2)} {t('rack.unit.kw')}
                  <Show when={e.rack.maxKw !== null}> / {formatFixed(e.rack.maxKw!, 1)} {t('rack.unit.kw')} ({formatNumber(powerFraction(totalW(), e.rack.maxKw)! * 100, 0)}%)</Show>
                </span>
              </Show>
            </dd>
          </div>
          <div>
            <dt>{t('rack.fact.inlet')}</dt>
            <dd><Show when={hottest() !== null} fallback={t('rack.none')}><span class="level" data-level={inletLevel(hottest())}>{formatFixed(hottest()!, 1)} °C</span></Show></dd>
          </div>
        </dl>
      </header>

      <div class="rack-layout">
        <div class="rack-main">
        <section class="panel rack-elevation" data-testid="rack-elevation" data-key={e.rack.key} aria-label={t('rack.elevation')}>
          <div class="rack-faces" style={{ '--rack-u-count': String(e.rack.uHeight) }}>
            <RackFace face="front" elevation={e} powerOf={devicePower} />
            <RackFace face="rear" elevation={e} powerOf={devicePower} />
          </div>
          <p class="hint">{t('rack.elevationHint')}</p>
        </section>
        <Show when={inletSeries.length > 0} fallback={<section class="panel empty" data-testid="rack-inlet-chart">{t('rack.chart.none')}</section>}>
          <RackInletChart series={inletSeries} />
        </Show>
        </div>

        <aside class="rack-sidebar">
          <FeedsPanel elevation={e} live={live} />
          <InletsPanel elevation={e} live={live} />
          <PdusPanel elevation={e} live={live} />
          <Show when={e.unmounted.some((u) => u.type !== 'pdu' && u.type !== 'feed')}>
            <section class="panel">
              <h2>{t('rack.unmounted')}</h2>
              <ul class="plain-list">
                <For each={e.unmounted.filter((u) => u.type !== 'pdu' && u.type !== 'feed')}>
                  {(u) => <li><a href={href.ci(u.key)}>{u.name}</a></li>}
                </For>
              </ul>
            </section>
          </Show>
        </aside>
      </div>

    </>
  );
}

function FeedsPanel(props: { elevation: RackElevation; live: LatestValuesHandle }) {
  return (
    <section class="panel" aria-labelledby="rack-feeds-title" data-testid="rack-feeds">
      <h2 id="rack-feeds-title">{t('rack.feeds.title')}</h2>
      <Show when={props.elevation.feeds.length > 0} fallback={<p class="muted">{t('rack.feeds.none')}</p>}>
        <ul class="feed-list">
          <For each={props.elevation.feeds}>
            {(feed) => {
              const load = () => (feed.loadPoints.length > 0 ? props.live.sum(feed.loadPoints) : null);
              const pct = () => (load() !== null && feed.ratedW ? (load()! / feed.ratedW) * 100 : null);
              return (
                <li class="feed" data-key={feed.key}>
                  <div class="feed-head">
                    <Show when={feed.side}>{(side) => <span class="feed-side">{side()}</span>}</Show>
                    <a href={href.ci(feed.key)}>{feed.name}</a>
                    <span class="spacer" />
                    <span class="value" data-testid="feed-load">
                      <Show when={load() !== null} fallback={<span class="muted">{t('rack.none')}</span>}>{formatNumber(load()!, 0)} W</Show>
                      <Show when={feed.ratedW !== null}> / {formatNumber(feed.ratedW!, 0)} W</Show>
                    </span>
                  </div>
                  <Show when={pct() !== null}>
                    <div class="feed-bar" role="img" aria-label={t('rack.feeds.bar', { pct: formatNumber(pct()!, 0), limit: formatNumber(feed.maxUtilization * 100, 0) })}>
                      <span class="bar-fill" data-level={feedLevel(load(), feed.ratedW, feed.maxUtilization)} style={{ width: `${Math.min(100, pct()!)}%` }} />
                      <span class="feed-limit" style={{ left: `${feed.maxUtilization * 100}%` }} title={t('rack.feeds.limit', { limit: formatNumber(feed.maxUtilization * 100, 0) })} />
                    </div>
                  </Show>
                  <div class="hint">
                    <Show when={feed.ratedA !== null && feed.voltageV !== null}>{t('rack.feeds.rating', { a: formatNumber(feed.ratedA!), v: formatNumber(feed.voltageV!) })} · </Show>
                    {t('rack.feeds.limit', { limit: formatNumber(feed.maxUtilization * 100, 0) })}
                    <Show when={feed.source}>{(src) => <> · {t('rack.feeds.from')} <a href={href.ci(src().key)}>{src().name}</a></>}</Show>
                  </div>
                </li>
              );
            }}
          </For>
        </ul>
      </Show>
    </section>
  );
}

function InletsPanel(props: { elevation: RackElevation; live: LatestValuesHandle }) {
  return (
    <section class="panel" aria-labelledby="rack-inlets-title" data-testid="rack-inlets">
      <h2 id="rack-inlets-title">{t('rack.inlet.title')}</h2>
      <Show when={props.elevation.inlets.length > 0} fallback={<p class="muted">{t('rack.inlet.none')}</p>}>
        <table class="points compact">
          <caption class="visually-hidden">{t('rack.inlet.title')}</caption>
          <thead><tr><th scope="col">{t('rack.inlet.col.position')}</th><th scope="col" class="num">{t('rack.inlet.col.value')}</th></tr></thead>
          <tbody>
            <For each={props.elevation.inlets}>
              {(inlet) => {
                const v = () => props.live.get(inlet.key)?.value ?? null;
                return (
                  <tr data-key={inlet.key}>
                    <td><a href={href.point(inlet.key)}>{t(`rack.inlet.position.${inlet.position}` as MessageKey)}</a></td>
                    <td class="num value">
                      <Show when={v() !== null} fallback={<span class="quality" data-quality={props.live.get(inlet.key)?.quality ?? 'stale'}>{t('rack.noValue')}</span>}>
                        <span class="level" data-level={inletLevel(v())}>{formatFixed(v()!, 1)} °C</span>
                      </Show>
                    </td>
                  </tr>
                );
              }}
            </For>
          </tbody>
        </table>
      </Show>
    </section>
  );
}

function PdusPanel(props: { elevation: RackElevation; live: LatestValuesHandle }) {
  return (
    <section class="panel" aria-labelledby="rack-pdus-title" data-testid="rack-pdus">
      <h2 id="rack-pdus-title">{t('rack.pdus.title')}</h2>
      <Show when={props.elevation.pdus.length > 0} fallback={<p class="muted">{t('rack.pdus.none')}</p>}>
        <For each={props.elevation.pdus}>
          {(pdu) => {
            const inletW = () => props.live.sum(pdu.inletPower.map((p) => p.key));
            return (
              <details class="pdu" open data-key={pdu.key}>
                <summary>
                  <span class="pdu-name">{pdu.name}</span>
                  <Show when={pdu.feed}>{(feed) => <span class="feed-side">{feed()}</span>}</Show>
                  <span class="spacer" />
                  <span class="value" data-testid="pdu-power"><Show when={inletW() !== null} fallback={t('rack.none')}>{formatNumber(inletW()!, 0)} W</Show></span>
                </summary>
                <p class="hint"><a href={href.ci(pdu.key)}>{t('rack.openCi')}</a><For each={pdu.devices}>{(d) => <> · <a href={href.device(d)}>{d}</a></>}</For></p>
                <table class="points compact outlets">
                  <caption class="visually-hidden">{t('rack.pdus.outlets', { name: pdu.name })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('rack.pdus.col.outlet')}</th>
                      <th scope="col">{t('rack.pdus.col.device')}</th>
                      <th scope="col" class="num">{t('rack.pdus.col.power')}</th>
                      <th scope="col">{t('rack.pdus.col.state')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={pdu.outlets}>
                      {(o) => {
                        const w = () => (o.power ? props.live.get(o.power.key)?.value ?? null : null);
                        const stateValue = () => (o.state ? props.live.get(o.state.key)?.value ?? null : null);
                        const stateLabel = () => {
                          const v = stateValue();
                          if (v === null || !o.state) return null;
                          return o.state.states?.[String(Math.round(v))] ?? null;
                        };
                        return (
                          <tr data-outlet={o.outlet}>
                            <td class="mono">{o.outlet}</td>
                            <td><Show when={o.device} fallback={<span class="muted">{t('rack.none')}</span>}>{(d) => <a href={href.ci(d().key)}>{d().name}</a>}</Show></td>
                            <td class="num" data-testid="outlet-power">
                              <Show when={w() !== null} fallback={<span class="muted">{t('rack.none')}</span>}>
                                <Show when={o.power}>{(p) => <a href={href.point(p().key)}>{formatNumber(w()!, 0)} W</a>}</Show>
                              </Show>
                            </td>
                            <td>
                              <Show when={stateLabel() ?? (stateValue() !== null ? String(stateValue()) : null)} fallback={<span class="muted">{t('rack.none')}</span>}>
                                {(label) => <span class="outlet-state" data-state={label()}>{outletStateText(label())}</span>}
                              </Show>
                            </td>
                          </tr>
                        );
                      }}
                    </For>
                  </tbody>
                </table>
              </details>
            );
          }}
        </For>
      </Show>
    </section>
  );
}

/** Outlet relay states the profiles name (on/off); anything else as the device calls it. */
function outletStateText(label: string): string {
  if (label === 'on') return t('rack.outlet.on');
  if (label === 'off') return t('rack.outlet.off');
  return label;
}
