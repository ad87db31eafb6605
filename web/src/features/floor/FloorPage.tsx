/**
 * The floor plan: every room of the site on its grid (or one room), racks coloured by a chosen overlay (inlet
 * temperature against the ASHRAE ranges, power against budget, free U, alarm state), cooling units with their
 * supply air; live. The drawing is one canvas (floorRenderer.ts); hover or keyboard focus shows a tooltip, a
 * click or Enter opens the rack, and the same racks are in a table for screen readers and for reading values.
 */
import { For, Index, Show, createEffect, createMemo, createSignal, on, onCleanup, onMount, untrack } from 'solid-js';
import type { FloorCoolingUnit } from '../../api/floor.ts';
import type { RackSummary } from '../../api/racks.ts';
import { formatNumber, locale, t, type MessageKey } from '../../i18n/index.ts';
import { href } from '../../shell/route.ts';
import { createRackMetrics, type RackLiveModel } from '../../stores/rackMetrics.ts';
import { ErrorBanner } from '../../ui/ErrorBanner.tsx';
import { createCoolingUnitsLive, goodValue } from '../cooling/coolingUnitsLive.ts';
import {
  ASHRAE_ALLOWABLE_A1_C, ASHRAE_RECOMMENDED_C, CONDITIONS, OVERLAY_SCALES, OVERLAYS, isOverlay, nextRack, overlayValue, powerRatio,
  rackCondition, type Direction, type FloorRack, type Overlay, type RackCondition,
} from './floorModel.ts';
import { createFloorRenderer, type FloorHit, type FloorRenderer, type FloorScene, type SceneCoolingUnit } from './floorRenderer.ts';
import './floor.css';

/** Rows of the rack table before "show all". */
const TABLE_ROWS = 20;
/** The table re-reads live values at most this often (the canvas shows every frame). */
const TABLE_REFRESH_MS = 1000;

declare global {
  interface Window {
    /** Counters of the floor canvas (racks drawn, redraws, rack changes applied), read by the browser tests and the bench. */
    __kibanFloorStats?: FloorRenderer['stats'];
    /** Where a rack is drawn (CSS px relative to the canvas), for the browser tests to point at it. */
    __kibanFloorRackRect?: (key: string) => { x: number; y: number; w: number; h: number } | undefined;
  }
}

/** `?overlay=` of the current hash (the route ignores the query). */
function overlayFromHash(): Overlay {
  const query = globalThis.location?.hash.split('?')[1] ?? '';
  const value = new URLSearchParams(query).get('overlay');
  return isOverlay(value) ? value : 'inlet';
}

/** Link to the floor plan of a room (or the site) with an overlay chosen. */
export function floorHref(roomKey: string | undefined, overlay: Overlay): string {
  return `${href.floor(roomKey)}?overlay=${overlay}`;
}

/** A rack whose live values are read from the rack metrics model (typed arrays), not copied. */
function liveRack(summary: RackSummary, model: RackLiveModel, i: number): FloorRack {
  return {
    key: summary.key, name: summary.name, roomKey: summary.roomKey, rowKey: summary.rowKey,
    gridX: summary.gridX, gridY: summary.gridY, uHeight: summary.uHeight, usedU: summary.usedU, freeU: summary.freeU,
    maxKw: summary.maxKw, measuredAt: summary.measuredAt,
    get powerW() { const v = model.powerW[i]; return v === undefined || Number.isNaN(v) ? null : v; },
    get inletC() { const v = model.inletC[i]; return v === undefined || Number.isNaN(v) ? null : v; },
    get stale() { return model.stale[i] === 1; },
  };
}

const celsius = (v: number | null) => (v === null ? t('app.none') : `${formatNumber(v, 1)} °C`);
const kilowatts = (w: number | null) => (w === null ? t('app.none') : `${formatNumber(w / 1000, 1)} kW`);
const percent = (v: number | null) => (v === null ? t('app.none') : `${formatNumber(v, 0)} %`);
const conditionLabel = (c: RackCondition) => t(`floor.condition.${c}` as MessageKey);
/** Worst first, for the table in the alarm-state overlay. */
const SEVERITY_ORDER: readonly RackCondition[] = ['critical', 'warning', 'notReporting', 'normal'];

/** The drawn scene plus how its racks map to the rack metrics model and which cooling units are drawn. */
type SceneView = FloorScene & { modelIndex: Int32Array; sceneIndex: Int32Array; units: FloorCoolingUnit[] };
/** Width of the tooltip, px (it flips to the left of the rack near the right edge). */
const TIP_WIDTH = 250;

export function FloorPage(props: { siteKey?: string; roomKey?: string }) {
  const [overlay, setOverlay] = createSignal<Overlay>(overlayFromHash());
  const rackScope = () => (props.roomKey ? { room: props.roomKey } : props.siteKey ? { site: props.siteKey } : undefined);
  // Rooms and cooling units of the whole site, so the room selector can offer every room.
  const floorScope = () => (props.siteKey ? { site: props.siteKey } : props.roomKey ? { room: props.roomKey } : undefined);
  const metrics = createRackMetrics(rackScope);
  const cooling = createCoolingUnitsLive(floorScope);

  const onHash = () => setOverlay(overlayFromHash());
  globalThis.addEventListener('hashchange', onHash);
  onCleanup(() => globalThis.removeEventListener('hashchange', onHash));

  const chooseOverlay = (next: Overlay) => {
    setOverlay(next);
    history.replaceState(null, '', floorHref(props.roomKey, next));
  };

  const allRooms = () => cooling.floor()?.rooms ?? [];
  const rooms = createMemo(() => (props.roomKey ? allRooms().filter((r) => r.key === props.roomKey) : allRooms()));
  const unknownRoom = () => Boolean(props.roomKey && cooling.floor() && rooms().length === 0);
  const roomNames = createMemo(() => new Map(allRooms().map((r) => [r.key, r.name])));
  const rowNames = createMemo(() => new Map(allRooms().flatMap((r) => r.rows.map((w) => [w.key, w.name] as const))));

  /** The scene: placed racks of the shown rooms (live values read through the model), placed cooling units. */
  const scene = createMemo<SceneView>(() => {
    const summaries = metrics.racks();
    const shown = rooms();
    const keys = new Set(shown.map((r) => r.key));
    const sceneIndex = new Int32Array(summaries.length).fill(-1);
    const racks: FloorRack[] = [];
    const modelIndex: number[] = [];
    summaries.forEach((s, i) => {
      if (s.gridX === null || s.gridY === null || !s.roomKey || !keys.has(s.roomKey)) return;
      sceneIndex[i] = racks.length;
      modelIndex.push(i);
      racks.push(liveRack(s, metrics.model, i));
    });
    const units = shown.flatMap((r) => r.coolingUnits.filter((u) => u.gridX !== null && u.gridY !== null));
    const coolingUnits: SceneCoolingUnit[] = units.map((u) => {
      const room = shown.find((r) => r.coolingUnits.includes(u))!;
      return { key: u.key, name: u.name, roomKey: room.key, gridX: u.gridX!, gridY: u.gridY!, supplyC: null };
    });
    return { rooms: shown, racks, coolingUnits, units, modelIndex: Int32Array.from(modelIndex), sceneIndex };
  });
  const unplaced = createMemo(() => {
    const keys = new Set(rooms().map((r) => r.key));
    return metrics.racks().filter((s) => (s.gridX === null || s.gridY === null) && (!s.roomKey || keys.has(s.roomKey) || !props.roomKey));
  });

  // ---------------------------------------------------------------- canvas
  let canvas!: HTMLCanvasElement;
  let frameEl!: HTMLDivElement;
  let renderer: FloorRenderer | undefined;
  const [hover, setHover] = createSignal<FloorHit>();
  const [focused, setFocused] = createSignal(-1);
  const [canvasFocused, setCanvasFocused] = createSignal(false);
  const [announcement, setAnnouncement] = createSignal('');
  /** Bumped after each draw that moved the view, so the tooltip follows its rack. */
  const [viewVersion, setViewVersion] = createSignal(0);

  onMount(() => {
    const r = createFloorRenderer(canvas, (stats) => {
      canvas.dataset.racks = String(stats.racks);
      canvas.dataset.draws = String(stats.draws);
      canvas.dataset.applied = String(stats.applied);
    });
    renderer = r;
    window.__kibanFloorStats = r.stats;
    window.__kibanFloorRackRect = (key) => {
      const index = untrack(scene).racks.findIndex((rack) => rack.key === key);
      return index < 0 ? undefined : r.rectOf({ kind: 'rack', index });
    };
    const resize = () => {
      const box = frameEl.getBoundingClientRect();
      r.resize(box.width, box.height);
      setViewVersion((v) => v + 1);
    };
    const observer = new ResizeObserver(resize);
    observer.observe(frameEl);
    resize();
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const box = canvas.getBoundingClientRect();
      r.zoomBy(Math.exp(-e.deltaY * 0.0015), e.clientX - box.left, e.clientY - box.top);
      setViewVersion((v) => v + 1);
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    const offChange = metrics.onChange((keys) => {
      const { sceneIndex } = untrack(scene);
      for (const key of keys) {
        const i = metrics.model.indexOf(key);
        if (i !== undefined && sceneIndex[i] >= 0) r.rackChanged(sceneIndex[i]);
      }
    });
    onCleanup(() => {
      offChange();
      observer.disconnect();
      canvas.removeEventListener('wheel', onWheel);
      r.destroy();
      renderer = undefined;
      if (window.__kibanFloorStats === r.stats) { delete window.__kibanFloorStats; delete window.__kibanFloorRackRect; }
    });

    createEffect(on(scene, (s) => {
      r.setScene(s);
      setFocused(-1);
      setHover(undefined);
      setViewVersion((v) => v + 1);
    }));
    createEffect(on(overlay, (o) => r.setOverlay(o)));
    createEffect(() => {
      // Supply air beside each cooling unit, live.
      cooling.version();
      const s = scene();
      s.units.forEach((u, i) => { s.coolingUnits[i].supplyC = goodValue(cooling.point(u, 'supplyAirC')); });
      r.invalidate();
    });
    createEffect(() => {
      locale();
      const o = overlay();
      r.setLabels((rack) => {
        const v = overlayValue(o, rack);
        if (o === 'alarm') return conditionLabel(rackCondition(rack));
        if (v === null) return t('app.none');
        return o === 'inlet' ? `${formatNumber(v, 1)}°` : o === 'power' ? `${formatNumber(v, 0)}%` : `${formatNumber(v, 0)}U`;
      }, (c) => `${formatNumber(c, 1)} °C`);
    });
    createEffect(() => r.setFocus(focused()));
  });

  const zoom = (factor: number) => { renderer?.zoomBy(factor); setViewVersion((v) => v + 1); };
  const fit = () => { renderer?.fit(); setViewVersion((v) => v + 1); };

  const openRack = (i: number) => {
    const rack = scene().racks[i];
    if (rack) location.hash = href.rack(rack.key);
  };
  const openUnit = (i: number) => {
    const unit = scene().units[i];
    if (unit) location.hash = unit.devices[0] ? href.device(unit.devices[0]) : href.ci(unit.key);
  };

  const announce = (i: number) => {
    const rack = scene().racks[i];
    if (!rack) return;
    setAnnouncement(t('floor.announce.rack', {
      name: rack.name, inlet: celsius(rack.inletC), power: kilowatts(rack.powerW), free: formatNumber(rack.freeU, 0), state: conditionLabel(rackCondition(rack)),
    }));
  };

  const moveFocus = (direction: Direction) => {
    const s = scene();
    if (!renderer || s.racks.length === 0) return;
    const from = focused();
    const next = from < 0 ? firstRack() : nextRack(renderer.positions, s.racks.length, from, direction);
    setFocused(next);
    renderer.reveal(next);
    setViewVersion((v) => v + 1);
    announce(next);
  };
  /** The top-left rack: where keyboard focus starts. */
  const firstRack = () => {
    const p = renderer!.positions;
    let best = 0;
    for (let i = 1; i < scene().racks.length; i++) {
      if (p[i * 2 + 1] < p[best * 2 + 1] || (p[i * 2 + 1] === p[best * 2 + 1] && p[i * 2] < p[best * 2])) best = i;
    }
    return best;
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const arrows: Record<string, Direction> = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' };
    if (arrows[e.key]) { e.preventDefault(); moveFocus(arrows[e.key]); return; }
    if ((e.key === 'Enter' || e.key === ' ') && focused() >= 0) { e.preventDefault(); openRack(focused()); return; }
    if (e.key === '+' || e.key === '=') { e.preventDefault(); zoom(1.25); return; }
    if (e.key === '-' || e.key === '_') { e.preventDefault(); zoom(0.8); return; }
    if (e.key === '0') { e.preventDefault(); fit(); return; }
    if (e.key === 'Escape') setHover(undefined);
  };

  // Pointer: hover shows the tooltip, drag pans, a click without drag opens.
  let drag: { x: number; y: number; moved: boolean } | undefined;
  const local = (e: PointerEvent | MouseEvent) => {
    const box = canvas.getBoundingClientRect();
    return { x: e.clientX - box.left, y: e.clientY - box.top };
  };
  const onPointerDown = (e: PointerEvent) => {
    if (e.button !== 0) return;
    drag = { ...local(e), moved: false };
    canvas.setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: PointerEvent) => {
    const p = local(e);
    if (drag && (drag.moved || Math.abs(p.x - drag.x) + Math.abs(p.y - drag.y) > 4)) {
      renderer?.panBy(p.x - drag.x, p.y - drag.y);
      drag = { ...p, moved: true };
      setHover(undefined);
      renderer?.setHover(undefined);
      setViewVersion((v) => v + 1);
      return;
    }
    const hit = renderer?.hit(p.x, p.y);
    setHover(hit);
    renderer?.setHover(hit);
    canvas.style.cursor = hit ? 'pointer' : 'grab';
  };
  const onPointerUp = (e: PointerEvent) => {
    const wasDrag = drag?.moved;
    drag = undefined;
    if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
    if (wasDrag) return;
    const hit = renderer?.hit(local(e).x, local(e).y);
    if (hit?.kind === 'rack') openRack(hit.index);
    else if (hit?.kind === 'cooling') openUnit(hit.index);
  };
  const onPointerLeave = () => {
    if (drag) return;
    setHover(undefined);
    renderer?.setHover(undefined);
  };

  /** What the tooltip shows: the hovered thing, else the keyboard-focused rack while the canvas has focus. */
  const tip = createMemo(() => {
    viewVersion();
    const h = hover() ?? (canvasFocused() && focused() >= 0 ? { kind: 'rack' as const, index: focused() } : undefined);
    if (!h || !renderer) return undefined;
    const rect = renderer.rectOf(h);
    const right = rect.x + rect.w + 8;
    const left = right + TIP_WIDTH > frameEl.clientWidth ? Math.max(0, rect.x - 8 - TIP_WIDTH) : right;
    return { hit: h, left, top: Math.max(0, Math.min(rect.y, frameEl.clientHeight - 190)) };
  });

  // ---------------------------------------------------------------- table (refreshed at most once a second)
  const [tableTick, setTableTick] = createSignal(0);
  let seenVersion = -1;
  const tableTimer = setInterval(() => {
    const v = untrack(metrics.version);
    if (v !== seenVersion) { seenVersion = v; setTableTick((n) => n + 1); }
  }, TABLE_REFRESH_MS);
  onCleanup(() => clearInterval(tableTimer));
  const [showAll, setShowAll] = createSignal(false);
  /**
   * Racks of the table in the overlay's order (hottest, most loaded, fullest, worst first). Read straight from the
   * model's typed arrays: 2,000 racks sort in a few ms, and only the rows shown become objects.
   */
  const tableOrder = createMemo(() => {
    tableTick();
    const o = overlay();
    const shownRooms = new Set(rooms().map((r) => r.key));
    const summaries = metrics.racks();
    return untrack(() => {
      const model = metrics.model;
      const scratch = { inletC: null as number | null, powerW: null as number | null, maxKw: null as number | null, stale: false };
      const indices: number[] = [];
      const sortKey = new Float64Array(summaries.length);
      summaries.forEach((s, i) => {
        if (props.roomKey && (s.roomKey === null || !shownRooms.has(s.roomKey))) return;
        indices.push(i);
        scratch.inletC = Number.isNaN(model.inletC[i]) ? null : model.inletC[i];
        scratch.powerW = Number.isNaN(model.powerW[i]) ? null : model.powerW[i];
        scratch.maxKw = s.maxKw;
        scratch.stale = model.stale[i] === 1;
        const ratio = powerRatio(scratch);
        sortKey[i] = o === 'inlet' ? -(scratch.inletC ?? -1e9)
          : o === 'power' ? -(ratio ?? -1e9)
          : o === 'freeU' ? s.freeU
          : SEVERITY_ORDER.indexOf(rackCondition(scratch));
      });
      indices.sort((a, b) => sortKey[a] - sortKey[b] || (summaries[a].key < summaries[b].key ? -1 : 1));
      return indices;
    });
  });
  const visibleRows = createMemo(() => {
    const order = tableOrder();
    const summaries = untrack(metrics.racks);
    const model = metrics.model;
    return (showAll() ? order : order.slice(0, TABLE_ROWS)).map((i) => {
      const rack = liveRack(summaries[i], model, i);
      return { rack, inletC: rack.inletC, powerW: rack.powerW, ratio: powerRatio(rack), condition: rackCondition(rack) };
    });
  });
  const tableRows = () => tableOrder();


  const roomTitle = () => (props.roomKey ? rooms()[0]?.name ?? props.roomKey : cooling.floor()?.site?.name ?? props.siteKey ?? '');

  return (
    <main class="page floor-page" data-testid="floor-page">
      <header class="floor-head">
        <div>
          <h1>{t('floor.title')}</h1>
          <p class="muted floor-sub">
            <span>{roomTitle()}</span>
            <Show when={cooling.floor()}>
              {' · '}
              <span data-testid="floor-summary">{t('floor.summary', { racks: formatNumber(scene().racks.length, 0), rooms: formatNumber(rooms().length, 0), units: formatNumber(scene().units.length, 0) })}</span>
            </Show>
          </p>
        </div>
        <div class="floor-controls">
          <Show when={allRooms().length > 1}>
            <label class="floor-room">
              <span>{t('floor.room.label')}</span>
              <select data-testid="floor-room" value={props.roomKey ?? ''} onChange={(e) => { location.hash = floorHref(e.currentTarget.value || undefined, overlay()); }}>
                <option value="">{t('floor.room.all')}</option>
                <For each={allRooms()}>{(room) => <option value={room.key}>{room.name}</option>}</For>
              </select>
            </label>
          </Show>
          <fieldset class="floor-overlay segmented-radio" data-testid="floor-overlay">
            <legend>{t('floor.overlay.label')}</legend>
            <For each={OVERLAYS}>
              {(o) => (
                <label>
                  <input type="radio" name="floor-overlay" value={o} checked={overlay() === o} onChange={() => chooseOverlay(o)} />
                  <span>{t(`floor.overlay.${o}` as MessageKey)}</span>
                </label>
              )}
            </For>
          </fieldset>
          <div class="floor-zoom" role="group" aria-label={t('floor.view.label')}>
            <button type="button" onClick={() => zoom(1.25)} aria-label={t('floor.zoomIn')} title={t('floor.zoomIn')}>+</button>
            <button type="button" onClick={() => zoom(0.8)} aria-label={t('floor.zoomOut')} title={t('floor.zoomOut')}>−</button>
            <button type="button" onClick={fit} title={t('floor.fit.long')} data-testid="floor-fit">{t('floor.fit')}</button>
          </div>
        </div>
      </header>

      <Show when={!rackScope()}><p class="panel empty">{t('floor.noSite')}</p></Show>
      <Show when={metrics.error() ?? cooling.error()}>
        {(err) => <ErrorBanner error={err()} onRetry={() => { void metrics.reload(); void cooling.reload(); }} />}
      </Show>
      <Show when={unknownRoom()}><p class="panel empty">{t('floor.unknownRoom', { room: props.roomKey! })}</p></Show>
      <Show when={cooling.floor() && allRooms().length === 0}><p class="panel empty" data-testid="floor-empty">{t('floor.empty')}</p></Show>

      <div class="floor-main">
        <section class="panel floor-canvas-panel">
          <div class="floor-frame" ref={frameEl}>
            <canvas
              ref={canvas}
              class="floor-canvas"
              data-testid="floor-canvas"
              tabindex="0"
              role="application"
              aria-roledescription={t('floor.title')}
              aria-label={t('floor.canvas.label', { name: roomTitle(), count: formatNumber(scene().racks.length, 0), overlay: t(`floor.overlay.${overlay()}` as MessageKey) })}
              aria-describedby="floor-live"
              onKeyDown={onKeyDown}
              onFocus={() => setCanvasFocused(true)}
              onBlur={() => setCanvasFocused(false)}
              onPointerDown={onPointerDown}
              onPointerMove={onPointerMove}
              onPointerUp={onPointerUp}
              onPointerLeave={onPointerLeave}
            />
            <Show when={tip()}>{(current) => <FloorTooltip tip={current()} scene={scene()} metricsVersion={metrics.version} cooling={cooling} roomNames={roomNames()} rowNames={rowNames()} />}</Show>
            <Show when={(metrics.loading() || cooling.loading()) && scene().racks.length === 0}>
              <p class="floor-loading muted">{t('floor.loading')}</p>
            </Show>
          </div>
          <p class="hint">{t('floor.canvas.hint')}</p>
          <p id="floor-live" class="visually-hidden" aria-live="polite" data-testid="floor-announce">{announcement()}</p>
        </section>
        <FloorLegend overlay={overlay()} />
      </div>

      <Show when={unplaced().length > 0}>
        <p class="hint">{t('floor.unplaced', { count: formatNumber(unplaced().length, 0) })}</p>
      </Show>

      <section class="panel floor-table-panel" aria-labelledby="floor-table-title">
        <div class="panel-header">
          <h2 id="floor-table-title">{t('floor.table.title')}</h2>
          <span class="hint">{t('floor.table.sortedBy', { overlay: t(`floor.overlay.${overlay()}` as MessageKey), shown: formatNumber(visibleRows().length, 0), total: formatNumber(tableRows().length, 0) })}</span>
        </div>
        <div class="table-scroll">
          <table class="points floor-table" data-testid="floor-table">
            <thead>
              <tr>
                <th scope="col">{t('floor.table.rack')}</th>
                <th scope="col">{t('floor.table.room')}</th>
                <th scope="col">{t('floor.table.row')}</th>
                <th scope="col" class="num">{t('floor.table.inlet')}</th>
                <th scope="col" class="num">{t('floor.table.power')}</th>
                <th scope="col" class="num">{t('floor.table.budget')}</th>
                <th scope="col" class="num">{t('floor.table.freeU')}</th>
                <th scope="col">{t('floor.table.state')}</th>
              </tr>
            </thead>
            <tbody>
              <Index each={visibleRows()}>
                {(item) => {
                  const row = () => item();
                  return (
                  <tr data-key={row().rack.key}>
                    <td><a href={href.rack(row().rack.key)}>{row().rack.name}</a></td>
                    <td>{row().rack.roomKey ? roomNames().get(row().rack.roomKey!) ?? row().rack.roomKey : t('app.none')}</td>
                    <td>{row().rack.rowKey ? rowNames().get(row().rack.rowKey!) ?? row().rack.rowKey : t('app.none')}</td>
                    <td class="num" data-testid="floor-table-inlet">{row().inletC === null ? t('app.none') : formatNumber(row().inletC!, 1)}</td>
                    <td class="num" data-testid="floor-table-power">{row().powerW === null ? t('app.none') : formatNumber(row().powerW! / 1000, 2)}</td>
                    <td class="num">{row().ratio === null ? t('app.none') : formatNumber(row().ratio! * 100, 0)}</td>
                    <td class="num">{formatNumber(row().rack.freeU, 0)}</td>
                    <td><span class="floor-state" data-condition={row().condition}>{conditionLabel(row().condition)}</span></td>
                  </tr>
                  );
                }}
              </Index>
            </tbody>
          </table>
        </div>
        <Show when={tableRows().length > TABLE_ROWS}>
          <button type="button" class="ghost floor-more" onClick={() => setShowAll((v) => !v)} data-testid="floor-table-more">
            {showAll() ? t('floor.table.showFewer') : t('floor.table.showAll', { count: formatNumber(tableRows().length, 0) })}
          </button>
        </Show>
      </section>
    </main>
  );
}

function FloorTooltip(props: {
  tip: { hit: FloorHit; left: number; top: number };
  scene: SceneView;
  metricsVersion: () => number;
  cooling: ReturnType<typeof createCoolingUnitsLive>;
  roomNames: Map<string, string>;
  rowNames: Map<string, string>;
}) {
  const style = () => ({ left: `${Math.round(props.tip.left)}px`, top: `${Math.round(props.tip.top)}px`, width: `${TIP_WIDTH}px` });
  return (
    <div class="floor-tip" style={style()} data-testid="floor-tooltip" aria-hidden="true">
      <Show when={props.tip.hit.kind === 'rack' ? props.scene.racks[props.tip.hit.index] : undefined} fallback={
        <Show when={props.tip.hit.kind === 'cooling' ? props.scene.units[props.tip.hit.index] : undefined}>
          {(unit) => {
            const v = (name: Parameters<typeof props.cooling.point>[1]) => goodValue(props.cooling.point(unit(), name));
            return (
              <>
                <strong>{unit().name}</strong>
                <dl>
                  <dt>{t('floor.tip.supply')}</dt><dd data-testid="floor-tip-supply">{celsius(v('supplyAirC'))}</dd>
                  <dt>{t('floor.tip.return')}</dt><dd>{celsius(v('returnAirC'))}</dd>
                  <dt>{t('floor.tip.capacity')}</dt><dd>{percent(v('coolingCapacityPct'))}</dd>
                  <dt>{t('floor.tip.fan')}</dt><dd>{percent(v('fanSpeedPct'))}</dd>
                  <dt>{t('floor.tip.rated')}</dt><dd>{unit().coolingKw === null ? t('app.none') : `${formatNumber(unit().coolingKw!, 0)} kW`}</dd>
                </dl>
              </>
            );
          }}
        </Show>
      }>
        {(rack) => {
          const live = () => { props.metricsVersion(); return rack(); };
          const condition = () => rackCondition(live());
          const ratio = () => powerRatio(live());
          return (
            <>
              <strong data-testid="floor-tip-name">{rack().name}</strong>
              <dl>
                <dt>{t('floor.tip.room')}</dt>
                <dd>{[rack().roomKey && props.roomNames.get(rack().roomKey!), rack().rowKey && props.rowNames.get(rack().rowKey!)].filter(Boolean).join(' · ')}</dd>
                <dt>{t('floor.tip.inlet')}</dt><dd data-testid="floor-tip-inlet">{celsius(live().inletC)}</dd>
                <dt>{t('floor.tip.power')}</dt>
                <dd>
                  {kilowatts(live().powerW)}
                  <Show when={ratio() !== null && live().maxKw !== null}>
                    {' '}({t('floor.tip.ofBudget', { percent: percent(ratio()! * 100), budget: `${formatNumber(live().maxKw!, 1)} kW` })})
                  </Show>
                </dd>
                <dt>{t('floor.tip.freeU')}</dt><dd>{t('floor.tip.freeUValue', { free: formatNumber(rack().freeU, 0), height: formatNumber(rack().uHeight, 0) })}</dd>
                <dt>{t('floor.tip.state')}</dt><dd><span class="floor-state" data-condition={condition()}>{conditionLabel(condition())}</span></dd>
              </dl>
              <span class="hint">{t('floor.tip.open')}</span>
            </>
          );
        }}
      </Show>
    </div>
  );
}

/** Legend of the overlay: the colour scale drawn with the theme's variables, its thresholds, and what faded and empty mean. */
function FloorLegend(props: { overlay: Overlay }) {
  const scale = () => OVERLAY_SCALES[props.overlay];
  const cssColor = (c: { cssVar: string; dim?: number }) => (c.dim ? `color-mix(in srgb, var(${c.cssVar}) ${Math.round((1 - c.dim) * 100)}%, var(--bg-raised))` : `var(${c.cssVar})`);
  const gradient = () => {
    const s = scale();
    if (s.kind !== 'continuous') return '';
    const lo = s.stops[0].at;
    const hi = s.stops[s.stops.length - 1].at;
    return `linear-gradient(to right, ${s.stops.map((stop) => `${cssColor(stop.color)} ${((stop.at - lo) / (hi - lo)) * 100}%`).join(', ')})`;
  };
  const position = (v: number) => {
    const s = scale();
    if (s.kind !== 'continuous') return '0%';
    const lo = s.stops[0].at;
    const hi = s.stops[s.stops.length - 1].at;
    return `${((v - lo) / (hi - lo)) * 100}%`;
  };
  // The unit is in the legend's caption; ticks carry the number only.
  const unitLabel = (v: number) => formatNumber(v, 0);
  return (
    <aside class="panel floor-legend" aria-labelledby="floor-legend-title" data-testid="floor-legend" data-overlay={props.overlay}>
      <h2 id="floor-legend-title">{t('floor.legend.title')}</h2>
      <Show when={scale().kind === 'continuous'} fallback={
        <ul class="floor-categories">
          <For each={CONDITIONS}>
            {(c) => {
              const color = () => (scale() as Extract<ReturnType<typeof scale>, { kind: 'categorical' }>).categories.find((k) => k.id === c)!.color;
              return (
                <li>
                  <span class="floor-swatch" style={{ background: cssColor(color()) }} />
                  <span><strong>{conditionLabel(c)}</strong> <span class="muted">{t(`floor.condition.${c}.hint` as MessageKey)}</span></span>
                </li>
              );
            }}
          </For>
          <li class="hint">{t('floor.legend.alarm.note')}</li>
        </ul>
      }>
        <p class="floor-legend-unit">
          {props.overlay === 'inlet' ? t('floor.legend.inlet.unit') : props.overlay === 'power' ? t('floor.legend.power.unit') : t('floor.legend.freeU.unit')}
        </p>
        <div class="floor-scale" aria-hidden="true">
          <div class="floor-gradient" style={{ background: gradient() }} />
          <Show when={props.overlay === 'inlet'}>
            <div class="floor-band allowable" style={{ left: position(ASHRAE_ALLOWABLE_A1_C.min), width: `calc(${position(ASHRAE_ALLOWABLE_A1_C.max)} - ${position(ASHRAE_ALLOWABLE_A1_C.min)})` }} />
            <div class="floor-band recommended" style={{ left: position(ASHRAE_RECOMMENDED_C.min), width: `calc(${position(ASHRAE_RECOMMENDED_C.max)} - ${position(ASHRAE_RECOMMENDED_C.min)})` }} />
          </Show>
          <div class="floor-ticks">
            <For each={(scale() as Extract<ReturnType<typeof scale>, { kind: 'continuous' }>).ticks ?? []}>
              {(tick) => <span style={{ left: position(tick) }}>{unitLabel(tick)}</span>}
            </For>
          </div>
        </div>
        <Show when={props.overlay === 'inlet'}>
          <ul class="floor-notes">
            <li><span class="floor-key recommended" />{t('floor.legend.inlet.recommended', { min: ASHRAE_RECOMMENDED_C.min, max: ASHRAE_RECOMMENDED_C.max })}</li>
            <li><span class="floor-key allowable" />{t('floor.legend.inlet.allowable', { min: ASHRAE_ALLOWABLE_A1_C.min, max: ASHRAE_ALLOWABLE_A1_C.max })}</li>
          </ul>
        </Show>
        <Show when={props.overlay === 'power'}><p class="hint">{t('floor.legend.power.note')}</p></Show>
        <ul class="floor-notes">
          <li><span class="floor-swatch nodata" />{t('floor.legend.noData')}</li>
          <li><span class="floor-swatch faded" />{t('floor.legend.stale')}</li>
        </ul>
      </Show>
      <ul class="floor-notes">
        <li><span class="floor-swatch cooling" />{t('floor.legend.cooling')}</li>
      </ul>
    </aside>
  );
}
