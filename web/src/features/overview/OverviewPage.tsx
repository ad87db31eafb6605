/**
 * The site at a glance (the default page): where the power goes now (utility, IT, cooling, losses), the
 * hottest and coldest rack inlets against the ASHRAE recommended range, the racks with the least free U, the
 * devices that stopped reporting and the UPSs' status. Every tile is live and its heading leads to its page.
 * The grid takes more tiles (PUE, alarms, capacity) as their issues land.
 */
import { createEffect, createMemo, createResource, For, on, onCleanup, Show } from 'solid-js';
import { ApiError } from '../../api/client.ts';
import { overviewApi, type DeviceReport, type DeviceReporting, type PowerFigure, type PowerFlag, type SitePower } from '../../api/overview.ts';
import type { RackSummary } from '../../api/racks.ts';
import { formatAge, formatNumber, t, type MessageKey } from '../../i18n/index.ts';
import { href } from '../../shell/route.ts';
import { useClock } from '../../stores/clock.ts';
import { createRackMetrics, hottest, leastFreeU } from '../../stores/rackMetrics.ts';
import { ConnectionIndicator } from '../../ui/ConnectionIndicator.tsx';
import { ErrorBanner } from '../../ui/ErrorBanner.tsx';
import { settled } from '../cmdb/Loadable.tsx';
import { createLiveReadings, type LiveReadingsHandle } from '../power/liveReadings.ts';
import { formatKw, formatPct, loadLevel, lossesKw, upsLive, upsStatusLabel } from '../power/powerFormat.ts';
import { ASHRAE_RECOMMENDED_C, inletLevel } from '../racks/rackFormat.ts';
import '../power/power.css';
import './overview.css';

/** Figures and device states are refetched this often (a device silent without comm_loss, a new meter). */
const REFRESH_MS = 60_000;
const FREE_U_SHOWN = 5;
const SILENT_SHOWN = 8;

export function OverviewPage(props: { siteKey?: string }) {
  const site = () => ({ site: props.siteKey });
  const [power, { refetch: refetchPower }] = createResource(site, ({ site: key }) => overviewApi.sitePower(key));
  const [devices, { refetch: refetchDevices }] = createResource(site, ({ site: key }) => overviewApi.deviceReporting(key));
  const racks = createRackMetrics(() => (props.siteKey ? { site: props.siteKey } : {}));
  const live = createLiveReadings();
  const refetch = () => { void refetchPower(); void refetchDevices(); };

  createEffect(on([() => settled(power), () => settled(devices)], ([p, d]) => {
    if (!p && !d) return;
    const points = p ? [
      ...p.utility.points, ...p.it.points, ...p.cooling.points,
      ...p.ups.flatMap((u) => [...u.points.output, ...u.points.load, ...u.points.source.map((s) => s.key), ...u.points.onBattery, ...(u.points.charge ? [u.points.charge] : []), ...(u.points.runtime ? [u.points.runtime] : [])]),
    ] : [];
    const probes = d ? d.items.map((i) => i.probePoint).filter((k): k is string => k !== null) : [];
    live.follow(p?.readings ?? {}, [...points, ...probes], refetch);
  }));
  const timer = setInterval(refetch, REFRESH_MS);
  onCleanup(() => clearInterval(timer));

  const siteName = () => settled(power)?.site.name ?? settled(devices)?.site.name;
  return (
    <main class="page overview-page">
      <header class="overview-header">
        <h1>{t('overview.title')}</h1>
        <Show when={siteName()}>{(name) => <span class="muted">{t('overview.site', { name: name() })}</span>}</Show>
        <span class="spacer" />
        <ConnectionIndicator />
      </header>
      <Show when={power.error ?? devices.error}>
        {(error) => (
          <Show when={!isNoSite(error())} fallback={<p class="panel empty" data-testid="no-site">{t('overview.noSite')}</p>}>
            <ErrorBanner error={error()} onRetry={refetch} />
          </Show>
        )}
      </Show>
      <div class="overview-grid">
        <PowerTile power={settled(power)} live={live} />
        <TemperatureTile racks={racks.live()} loaded={!racks.loading() || racks.racks().length > 0} />
        <FreeUTile racks={racks.racks()} loaded={!racks.loading() || racks.racks().length > 0} />
        <NotReportingTile reporting={settled(devices)} live={live} />
        <UpsTile power={settled(power)} live={live} />
      </div>
    </main>
  );
}

/** A fresh installation: no site in the CMDB yet (the API answers 404). */
export function isNoSite(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

function Tile(props: { id: string; title: MessageKey; to: string; class?: string; children: import('solid-js').JSX.Element }) {
  return (
    <section class={`panel tile ${props.class ?? ''}`} data-testid={props.id} aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`} class="tile-title"><a href={props.to}>{t(props.title)}</a></h2>
      {props.children}
    </section>
  );
}

const Loading = () => <p class="muted">{t('app.loading')}</p>;

// ---------------------------------------------------------------- site power

interface LiveFigure { kw: number | null; reported: number; expected: number; flags: PowerFlag[] }

function liveFigure(live: LiveReadingsHandle, f: PowerFigure<string>): LiveFigure {
  live.version();
  if (f.points.length === 0) return { kw: f.kw, reported: f.coverage.reported, expected: f.coverage.expected, flags: f.flags };
  const { kw, reported } = live.readings.sumKw(f.points);
  const flags: PowerFlag[] = f.flags.filter((x) => x !== 'partial');
  if (reported < f.coverage.expected) flags.push('partial');
  return { kw, reported, expected: f.coverage.expected, flags };
}

function PowerTile(props: { power: SitePower | undefined; live: LiveReadingsHandle }) {
  const figures = createMemo(() => {
    const p = props.power;
    if (!p) return undefined;
    const utility = liveFigure(props.live, p.utility);
    const it = liveFigure(props.live, p.it);
    const cooling = liveFigure(props.live, p.cooling);
    const losses = lossesKw(utility.kw, it.kw, cooling.kw);
    const lossFlags: PowerFlag[] = p.losses.flags.filter((x) => x !== 'negative-clamped');
    if (losses.clamped) lossFlags.push('negative-clamped');
    return { utility, it, cooling, losses: { kw: losses.kw, flags: lossFlags } };
  });
  const share = (kw: number | null) => {
    const total = figures()?.utility.kw;
    return kw === null || !total || total <= 0 ? 0 : Math.max(0, Math.min(100, kw / total * 100));
  };
  return (
    <Tile id="tile-power" title="overview.power.title" to={href.power()} class="tile-wide">
      <Show when={props.power && figures()} fallback={<Loading />}>
        {(f) => (
          <>
            <dl class="power-figures">
              <Figure id="power-utility" label="overview.power.utility" figure={f().utility} basis={basisLabel(props.power!.utility.basis)} />
              <Figure id="power-it" label="overview.power.it" figure={f().it} basis={basisLabel(props.power!.it.basis)} />
              <Figure id="power-cooling" label="overview.power.cooling" figure={f().cooling} basis={basisLabel(props.power!.cooling.basis)} />
              <Figure id="power-losses" label="overview.power.losses" figure={{ ...f().losses, reported: 0, expected: 0 }} basis={t('overview.power.losses.basis')} />
            </dl>
            <div class="power-share" role="img"
              aria-label={t('overview.power.share', { it: formatPct(share(f().it.kw)), cooling: formatPct(share(f().cooling.kw)), losses: formatPct(share(f().losses.kw)) })}>
              <span class="share it" style={{ width: `${share(f().it.kw)}%` }} />
              <span class="share cooling" style={{ width: `${share(f().cooling.kw)}%` }} />
              <span class="share losses" style={{ width: `${share(f().losses.kw)}%` }} />
            </div>
          </>
        )}
      </Show>
    </Tile>
  );
}

function basisLabel(basis: string | null): string | undefined {
  return basis ? t(`overview.power.basis.${basis}` as MessageKey) : undefined;
}

function Figure(props: { id: string; label: MessageKey; figure: LiveFigure; basis: string | undefined }) {
  return (
    <div class="figure" data-testid={props.id} data-flags={props.figure.flags.join(' ')}>
      <dt>{t(props.label)}</dt>
      <dd>
        <span class="figure-value" data-testid="figure-value">
          {props.figure.kw === null ? (props.figure.flags.includes('not-metered') ? t('power.notMetered') : t('power.noValue')) : formatKw(props.figure.kw)}
        </span>
        <span class="figure-basis">
          <Show when={props.basis}>{(b) => <span>{b()}</span>}</Show>
          <Show when={props.figure.expected > 0}>
            <span>{t('overview.power.coverage', { reported: props.figure.reported, expected: props.figure.expected })}</span>
          </Show>
        </span>
        <Show when={props.figure.flags.filter((x) => x !== 'not-metered').length > 0}>
          <span class="figure-flags">
            <For each={props.figure.flags.filter((x) => x !== 'not-metered')}>
              {(flag) => <span class="flag" data-flag={flag}>{t(`overview.power.flag.${flag}` as MessageKey)}</span>}
            </For>
          </span>
        </Show>
      </dd>
    </div>
  );
}

// ---------------------------------------------------------------- temperature extremes

function TemperatureTile(props: { racks: RackSummary[]; loaded: boolean }) {
  const measured = () => props.racks.filter((r) => r.inletC !== null);
  const hot = () => hottest(props.racks);
  const cold = () => {
    let best: RackSummary | undefined;
    for (const r of measured()) if (!best || r.inletC! < best.inletC! || (r.inletC === best.inletC && r.key < best.key)) best = r;
    return best;
  };
  const outside = () => measured().filter((r) => r.inletC! < ASHRAE_RECOMMENDED_C.min || r.inletC! > ASHRAE_RECOMMENDED_C.max).length;
  const range = () => ({ min: formatNumber(ASHRAE_RECOMMENDED_C.min), max: formatNumber(ASHRAE_RECOMMENDED_C.max) });
  return (
    <Tile id="tile-temperature" title="overview.temp.title" to={href.floor()}>
      <Show when={props.loaded} fallback={<Loading />}>
        <Show when={hot()} fallback={<p class="muted">{t('overview.temp.none')}</p>}>
          {(h) => (
            <>
              <dl class="extremes">
                <div>
                  <dt>{t('overview.temp.hottest')}</dt>
                  <dd>
                    <a href={href.rack(h().key)} data-testid="hottest-rack" data-key={h().key}>
                      <span class="extreme-value" data-level={inletLevel(h().inletC)}>{formatNumber(h().inletC!, 1)} °C</span>
                      <span class="extreme-name">{h().name}</span>
                    </a>
                  </dd>
                </div>
                <Show when={cold()}>
                  {(c) => (
                    <div>
                      <dt>{t('overview.temp.coldest')}</dt>
                      <dd>
                        <a href={href.rack(c().key)} data-testid="coldest-rack" data-key={c().key}>
                          <span class="extreme-value" data-level={inletLevel(c().inletC)}>{formatNumber(c().inletC!, 1)} °C</span>
                          <span class="extreme-name">{c().name}</span>
                        </a>
                      </dd>
                    </div>
                  )}
                </Show>
              </dl>
              <p class="range-note" data-testid="racks-outside" data-count={outside()} data-level={outside() > 0 ? 'warn' : 'ok'}>
                {outside() > 0
                  ? t('overview.temp.outside', { count: outside(), total: measured().length, ...range() })
                  : t('overview.temp.allInside', { total: measured().length, ...range() })}
                <span class="muted"> · {t('overview.temp.range')}</span>
              </p>
            </>
          )}
        </Show>
      </Show>
    </Tile>
  );
}

// ---------------------------------------------------------------- free U

function FreeUTile(props: { racks: readonly RackSummary[]; loaded: boolean }) {
  const fullest = () => leastFreeU(props.racks, FREE_U_SHOWN);
  return (
    <Tile id="tile-free-u" title="overview.freeU.title" to={href.racks()}>
      <Show when={props.loaded} fallback={<Loading />}>
        <Show when={fullest().length > 0} fallback={<p class="muted">{t('overview.freeU.none')}</p>}>
          <ol class="tile-list">
            <For each={fullest()}>
              {(rack) => {
                const usedPct = () => (rack.uHeight > 0 ? (rack.uHeight - rack.freeU) / rack.uHeight * 100 : 0);
                return (
                  <li data-key={rack.key}>
                    <a href={href.rack(rack.key)}>{rack.name}</a>
                    <span class="muted">{t('overview.freeU.free', { free: rack.freeU, height: rack.uHeight })}</span>
                    <span class="mini-bar" aria-hidden="true"><span style={{ width: `${usedPct()}%` }} data-level={rack.freeU <= 2 ? 'warn' : 'ok'} /></span>
                  </li>
                );
              }}
            </For>
          </ol>
        </Show>
      </Show>
    </Tile>
  );
}

// ---------------------------------------------------------------- devices not reporting

/**
 * A device's state now: the server's, unless its probe point brought something newer on the stream — a value
 * means it reports; comm_loss means it stopped once its last value is older than the server's silence limit.
 */
function liveReport(d: DeviceReport, live: LiveReadingsHandle, reportedAtMs: number, nowMs: number, silentAfterMs: number): DeviceReport {
  if (!d.probePoint) return d;
  const sampleMs = live.readings.sampleMs(d.probePoint);
  if (!(sampleMs > reportedAtMs)) return d;
  if (live.readings.current(d.probePoint) !== null) {
    const at = new Date(sampleMs).toISOString();
    return { ...d, reporting: true, reason: null, lastSample: at, lastValue: at };
  }
  const lastValueMs = Math.max(live.readings.lastValueMs(d.probePoint) || 0, d.lastValue ? Date.parse(d.lastValue) : 0);
  const silent = lastValueMs === 0 || nowMs - lastValueMs > silentAfterMs;
  return {
    ...d, reporting: !silent, reason: silent ? (lastValueMs === 0 && !d.lastValue ? 'never' : 'comm_loss') : null,
    lastSample: new Date(sampleMs).toISOString(), lastValue: lastValueMs ? new Date(lastValueMs).toISOString() : null,
  };
}

function NotReportingTile(props: { reporting: DeviceReporting | undefined; live: LiveReadingsHandle }) {
  const now = useClock();
  const items = createMemo(() => {
    props.live.version();
    const r = props.reporting;
    if (!r) return [];
    const at = Date.parse(r.at);
    const nowMs = now();
    return r.items.map((d) => liveReport(d, props.live, at, nowMs, r.silentAfterSeconds * 1000));
  });
  const silent = () => items().filter((d) => !d.reporting);
  return (
    <Tile id="tile-not-reporting" title="overview.devices.title" to={href.admin()}>
      <Show when={props.reporting} fallback={<Loading />}>
        {(r) => (
          <Show when={r().total > 0} fallback={<p class="muted">{t('overview.devices.none')}</p>}>
            <Show when={silent().length > 0}
              fallback={<p class="all-reporting" data-testid="all-reporting">{t('overview.devices.all', { total: r().total })}</p>}>
              <p class="tile-summary" data-testid="not-reporting-count" data-count={silent().length}>
                {t('overview.devices.count', { count: silent().length, total: r().total })}
              </p>
              <ul class="tile-list">
                <For each={silent().slice(0, SILENT_SHOWN)}>
                  {(d) => (
                    <li data-device={d.device}>
                      <a href={href.device(d.device)} class="mono">{d.device}</a>
                      <span class="muted">{d.ci.name}</span>
                      <span class="reason" data-reason={d.reason ?? undefined}>
                        {t(`overview.devices.reason.${d.reason ?? 'stale'}` as MessageKey)}
                        <Show when={d.lastValue}>{(at) => <> · {t('overview.devices.lastValue', { age: formatAge(Date.parse(at()), now()) })}</>}</Show>
                      </span>
                    </li>
                  )}
                </For>
              </ul>
              <Show when={silent().length > SILENT_SHOWN}>
                <p class="muted">{t('overview.devices.more', { count: silent().length - SILENT_SHOWN })}</p>
              </Show>
            </Show>
          </Show>
        )}
      </Show>
    </Tile>
  );
}

// ---------------------------------------------------------------- UPS

function UpsTile(props: { power: SitePower | undefined; live: LiveReadingsHandle }) {
  return (
    <Tile id="tile-ups" title="overview.ups.title" to={href.power()}>
      <Show when={props.power} fallback={<Loading />}>
        {(p) => (
          <Show when={p().ups.length > 0} fallback={<p class="muted">{t('overview.ups.none')}</p>}>
            <ul class="tile-list ups-list">
              <For each={p().ups}>
                {(ups) => {
                  const status = () => {
                    props.live.version();
                    return upsLive(props.live.readings, ups.points, ups.ratedKw, ups.ratedKva);
                  };
                  return (
                    <li data-key={ups.key}>
                      <a href={ups.devices[0] ? href.device(ups.devices[0]) : href.ci(ups.key)}>{ups.name}</a>
                      <span class="ups-status" data-testid="ups-status" data-on-battery={String(status().onBattery)}>{upsStatusLabel(status().onBattery)}</span>
                      <span class="ups-facts">
                        <span data-level={loadLevel(status().loadPct)} class="load-text">{t('overview.ups.load', { value: formatPct(status().loadPct) })}</span>
                        <Show when={status().chargePct !== null}><span>{t('overview.ups.charge', { value: formatPct(status().chargePct) })}</span></Show>
                        <Show when={status().runtimeMin !== null}><span>{t('overview.ups.runtime', { value: formatNumber(status().runtimeMin!, 0) })}</span></Show>
                      </span>
                      <span class="mini-bar" aria-hidden="true"><span style={{ width: `${Math.min(100, status().loadPct ?? 0)}%` }} data-level={loadLevel(status().loadPct)} /></span>
                    </li>
                  );
                }}
              </For>
            </ul>
          </Show>
        )}
      </Show>
    </Tile>
  );
}
