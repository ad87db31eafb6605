/**
 * The cooling page: the site's cooling units with their live supply and return air, humidity, capacity in use and
 * fan speed (from their collector devices' points), and per row the inlet temperatures of its racks against the
 * ASHRAE ranges (from the rack summaries, kept live), each linked to the floor plan coloured by inlet temperature.
 */
import { For, Show, createMemo, createSignal, onCleanup, untrack } from 'solid-js';
import type { CoolingPointName, FloorCoolingUnit } from '../../api/floor.ts';
import { formatNumber, t, type MessageKey } from '../../i18n/index.ts';
import { href } from '../../shell/route.ts';
import { createRackMetrics } from '../../stores/rackMetrics.ts';
import { ErrorBanner } from '../../ui/ErrorBanner.tsx';
import { ASHRAE_ALLOWABLE_A1_C, ASHRAE_RECOMMENDED_C } from '../floor/floorModel.ts';
import { floorHref } from '../floor/FloorPage.tsx';
import { createCoolingUnitsLive, goodValue } from './coolingUnitsLive.ts';
import { rowInlets, type RowInlets } from './rowInlets.ts';
import './cooling.css';

/** The row statistics re-read live values at most this often. */
const ROWS_REFRESH_MS = 1000;
/** Temperature span of the range bars, °C. */
const BAR_MIN_C = 10;
const BAR_MAX_C = 40;

const none = () => t('app.none');
const num = (v: number | null, digits = 1) => (v === null ? none() : formatNumber(v, digits));
const barPos = (c: number) => `${((Math.min(BAR_MAX_C, Math.max(BAR_MIN_C, c)) - BAR_MIN_C) / (BAR_MAX_C - BAR_MIN_C)) * 100}%`;

/** A state label the profile gives (on, standby, alarm …) in the reader's language when we know it. */
function stateLabel(prefix: 'cooling.state' | 'cooling.status', label: string | undefined): string | undefined {
  if (!label) return undefined;
  const key = `${prefix}.${label}` as MessageKey;
  const text = t(key);
  return text === undefined ? label : text;
}

export function CoolingPage(props: { siteKey?: string }) {
  const scope = () => (props.siteKey ? { site: props.siteKey } : undefined);
  const cooling = createCoolingUnitsLive(scope);
  const metrics = createRackMetrics(scope);

  const rooms = () => cooling.floor()?.rooms ?? [];
  const units = createMemo(() => rooms().flatMap((room) => room.coolingUnits.map((unit) => ({ unit, room }))));
  const ratedKw = () => units().reduce((s, { unit }) => s + (unit.coolingKw ?? 0), 0);

  const value = (unit: FloorCoolingUnit, name: CoolingPointName) => goodValue(cooling.point(unit, name));
  const enumLabel = (unit: FloorCoolingUnit, name: 'operatingState' | 'status') => {
    const v = value(unit, name);
    return v === null ? undefined : unit.points[name]?.states?.[String(Math.round(v))];
  };

  // Row statistics, refreshed at most once a second from the live rack values.
  const [tick, setTick] = createSignal(0);
  let seen = -1;
  const timer = setInterval(() => {
    const v = untrack(metrics.version);
    if (v !== seen) { seen = v; setTick((n) => n + 1); }
  }, ROWS_REFRESH_MS);
  onCleanup(() => clearInterval(timer));
  const rowStats = createMemo(() => {
    tick();
    const racks = metrics.racks();
    return untrack(() => rowInlets(racks.map((r) => ({ rowKey: r.rowKey, inletC: metrics.model.inlet(r.key) }))));
  });
  const rows = createMemo(() => rooms().flatMap((room) => room.rows.map((row) => ({ row, room }))).filter(({ row }) => rowStats().has(row.key)));

  return (
    <main class="page cooling-page" data-testid="cooling-page">
      <header class="cooling-head">
        <div>
          <h1>{t('cooling.title')}</h1>
          <p class="muted cooling-sub">{cooling.floor()?.site?.name ?? props.siteKey ?? ''}</p>
        </div>
        <a class="cooling-floor-link" href={floorHref(undefined, 'inlet')} data-testid="cooling-floor-link">{t('cooling.floorLink')}</a>
      </header>

      <Show when={!scope()}><p class="panel empty">{t('cooling.noSite')}</p></Show>
      <Show when={cooling.error() ?? metrics.error()}>
        {(err) => <ErrorBanner error={err()} onRetry={() => { void cooling.reload(); void metrics.reload(); }} />}
      </Show>

      <section class="panel" aria-labelledby="cooling-units-title">
        <div class="panel-header">
          <h2 id="cooling-units-title">{t('cooling.units.title')}</h2>
          <Show when={units().length > 0}>
            <span class="hint">{t('cooling.units.count', { count: formatNumber(units().length, 0), rated: formatNumber(ratedKw(), 0) })}</span>
          </Show>
        </div>
        <Show when={cooling.floor()} fallback={<p class="muted">{t('cooling.loading')}</p>}>
          <Show when={units().length > 0} fallback={<p class="muted">{t('cooling.units.empty')}</p>}>
            <div class="table-scroll">
              <table class="points cooling-units" data-testid="cooling-units">
                <thead>
                  <tr>
                    <th scope="col">{t('cooling.col.unit')}</th>
                    <th scope="col">{t('cooling.col.room')}</th>
                    <th scope="col">{t('cooling.col.state')}</th>
                    <th scope="col" class="num">{t('cooling.col.supply')}</th>
                    <th scope="col" class="num">{t('cooling.col.return')}</th>
                    <th scope="col" class="num">{t('cooling.col.deltaT')}</th>
                    <th scope="col" class="num">{t('cooling.col.humidity')}</th>
                    <th scope="col" class="num">{t('cooling.col.capacity')}</th>
                    <th scope="col" class="num">{t('cooling.col.fan')}</th>
                    <th scope="col" class="num">{t('cooling.col.rated')}</th>
                    <th scope="col">{t('cooling.col.cmdb')}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={units()}>
                    {({ unit, room }) => {
                      const supply = () => value(unit, 'supplyAirC');
                      const ret = () => value(unit, 'returnAirC');
                      const state = () => stateLabel('cooling.state', enumLabel(unit, 'operatingState'));
                      const status = () => enumLabel(unit, 'status');
                      return (
                        <tr data-key={unit.key}>
                          <td>
                            <Show when={unit.devices[0]} fallback={<>{unit.name} <span class="hint">{t('cooling.noDevice')}</span></>}>
                              {(device) => <a href={href.device(device())}>{unit.name}</a>}
                            </Show>
                          </td>
                          <td><a href={floorHref(room.key, 'inlet')}>{room.name}</a></td>
                          <td>
                            <span class="cooling-state" data-state={enumLabel(unit, 'operatingState') ?? 'unknown'} data-status={status() ?? 'unknown'}>
                              {state() ?? none()}
                              <Show when={status() && status() !== 'normal'}>{' · '}{stateLabel('cooling.status', status())}</Show>
                            </span>
                          </td>
                          <td class="num value" data-testid="cooling-supply">{num(supply())}</td>
                          <td class="num">{num(ret())}</td>
                          <td class="num">{supply() !== null && ret() !== null ? formatNumber(ret()! - supply()!, 1) : none()}</td>
                          <td class="num">{num(value(unit, 'returnHumidityPct'), 0)}</td>
                          <td class="num">{num(value(unit, 'coolingCapacityPct'), 0)}</td>
                          <td class="num">{num(value(unit, 'fanSpeedPct'), 0)}</td>
                          <td class="num">{num(unit.coolingKw, 0)}</td>
                          <td><a href={href.ci(unit.key)} aria-label={`${t('cooling.col.cmdb')}: ${unit.name}`}>{unit.key}</a></td>
                        </tr>
                      );
                    }}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        </Show>
      </section>

      <section class="panel" aria-labelledby="cooling-rows-title">
        <div class="panel-header">
          <h2 id="cooling-rows-title">{t('cooling.rows.title')}</h2>
          <span class="hint">{t('cooling.rows.hint')}</span>
        </div>
        <ul class="cooling-legend">
          <li><span class="cooling-key allowable" />{t('cooling.legend.allowable', { min: ASHRAE_ALLOWABLE_A1_C.min, max: ASHRAE_ALLOWABLE_A1_C.max })}</li>
          <li><span class="cooling-key recommended" />{t('cooling.legend.recommended', { min: ASHRAE_RECOMMENDED_C.min, max: ASHRAE_RECOMMENDED_C.max })}</li>
          <li><span class="cooling-key range" />{t('cooling.legend.range')}</li>
        </ul>
        <Show when={rows().length > 0} fallback={<p class="muted">{metrics.loading() ? t('cooling.loading') : t('cooling.rows.empty')}</p>}>
          <div class="table-scroll">
            <table class="points cooling-rows" data-testid="cooling-rows">
              <thead>
                <tr>
                  <th scope="col">{t('cooling.rows.col.row')}</th>
                  <th scope="col">{t('cooling.rows.col.room')}</th>
                  <th scope="col" class="num">{t('cooling.rows.col.racks')}</th>
                  <th scope="col" class="num">{t('cooling.rows.col.min')}</th>
                  <th scope="col" class="num">{t('cooling.rows.col.avg')}</th>
                  <th scope="col" class="num">{t('cooling.rows.col.max')}</th>
                  <th scope="col" class="cooling-range-col">{t('cooling.rows.col.range')}</th>
                  <th scope="col" class="num">{t('cooling.rows.col.outside')}</th>
                </tr>
              </thead>
              <tbody>
                <For each={rows()}>
                  {({ row, room }) => {
                    const stats = (): RowInlets => rowStats().get(row.key)!;
                    return (
                      <tr data-key={row.key}>
                        <td><a href={floorHref(room.key, 'inlet')} aria-label={`${row.name}: ${t('cooling.rows.open', { room: room.name })}`}>{row.name}</a></td>
                        <td>{room.name}</td>
                        <td class="num">{formatNumber(stats().racks, 0)}</td>
                        <td class="num" data-testid="cooling-row-min">{num(stats().minC)}</td>
                        <td class="num">{num(stats().avgC)}</td>
                        <td class="num" data-testid="cooling-row-max">{num(stats().maxC)}</td>
                        <td><RangeBar stats={stats()} /></td>
                        <td class="num" classList={{ 'cooling-outside': stats().outsideRecommended > 0 }}>{formatNumber(stats().outsideRecommended, 0)}</td>
                      </tr>
                    );
                  }}
                </For>
              </tbody>
            </table>
          </div>
        </Show>
      </section>
    </main>
  );
}

/** The coolest-to-hottest span of a row over the allowable and recommended bands (a picture of the numbers beside it). */
function RangeBar(props: { stats: RowInlets }) {
  const label = () => (props.stats.minC === null ? none() : t('cooling.rows.range', {
    min: `${formatNumber(props.stats.minC, 1)} °C`, max: `${formatNumber(props.stats.maxC!, 1)} °C`, rmin: ASHRAE_RECOMMENDED_C.min, rmax: ASHRAE_RECOMMENDED_C.max,
  }));
  const severity = () => {
    const { minC, maxC } = props.stats;
    if (minC === null || maxC === null) return 'none';
    if (minC < ASHRAE_ALLOWABLE_A1_C.min || maxC > ASHRAE_ALLOWABLE_A1_C.max) return 'bad';
    if (minC < ASHRAE_RECOMMENDED_C.min || maxC > ASHRAE_RECOMMENDED_C.max) return 'warn';
    return 'ok';
  };
  return (
    <div class="cooling-bar" role="img" aria-label={label()} title={label()}>
      <span class="band allowable" style={{ left: barPos(ASHRAE_ALLOWABLE_A1_C.min), right: `calc(100% - ${barPos(ASHRAE_ALLOWABLE_A1_C.max)})` }} />
      <span class="band recommended" style={{ left: barPos(ASHRAE_RECOMMENDED_C.min), right: `calc(100% - ${barPos(ASHRAE_RECOMMENDED_C.max)})` }} />
      <Show when={props.stats.minC !== null}>
        <span class="span" data-severity={severity()} style={{ left: barPos(props.stats.minC!), right: `calc(100% - ${barPos(props.stats.maxC!)})` }} />
        <span class="avg" style={{ left: barPos(props.stats.avgC!) }} />
      </Show>
    </div>
  );
}
