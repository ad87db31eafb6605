/**
 * Draws the rooms of a site on one canvas: the floor grid, racks coloured by the chosen overlay, cooling units
 * with their supply air temperature, focus and hover. A whole redraw costs well under a millisecond for 2,000
 * racks because racks of one colour are filled as one path; it runs at most once per animation frame and only
 * when something changed (a live value, the view, the theme). Per-rack state lives in typed arrays: the draw
 * never walks reactive objects.
 */
import { createFrameScheduler } from '../../charts/frameScheduler.ts';
import {
  bucketColors, bucketCount, bucketOf, colorAt, layoutRooms, luminance, mix, NO_DATA, OVERLAY_SCALES, overlayValue, roomExtent,
  ROOM_GAP, type FloorRack, type Overlay, type Rgb, type RoomPlacement, type ScaleColor,
} from './floorModel.ts';

export interface SceneRoom {
  key: string;
  name: string;
  gridColumns: number | null;
  gridRows: number | null;
  rows: Array<{ key: string; name: string; gridRow: number | null }>;
}

export interface SceneCoolingUnit {
  key: string;
  name: string;
  roomKey: string;
  gridX: number;
  gridY: number;
  /** Latest supply air temperature, °C. */
  supplyC: number | null;
}

export interface FloorScene {
  rooms: SceneRoom[];
  /** Racks placed on a grid (gridX/gridY set, room among `rooms`); others are not drawn. */
  racks: FloorRack[];
  coolingUnits: SceneCoolingUnit[];
}

export interface FloorStats {
  /** Racks drawn in the last frame. */
  racks: number;
  /** Frames drawn since the page opened. */
  draws: number;
  /** Rack value changes applied (each live sample that changed a rack's value counts once). */
  applied: number;
  lastDrawMs: number;
  /** Time spent drawing since the page opened, ms (divide by draws for the mean). */
  drawMsTotal: number;
}

export type FloorHit = { kind: 'rack'; index: number } | { kind: 'cooling'; index: number };

interface Theme {
  fg: Rgb; muted: Rgb; bg: Rgb; raised: Rgb; inset: Rgb; border: Rgb; accent: Rgb;
  font: string;
  resolve(c: ScaleColor): Rgb;
}

const css = (c: Rgb, alpha = 1) => (alpha >= 1 ? `rgb(${c[0]},${c[1]},${c[2]})` : `rgba(${c[0]},${c[1]},${c[2]},${alpha})`);
/** Racks not reporting are drawn faded (the legend says so). */
const STALE_ALPHA = 0.4;
/** Gap around a rack inside its tile, as a share of the tile. */
const RACK_INSET = 0.08;

function readTheme(element: Element): Theme {
  const style = getComputedStyle(element);
  const probe = document.createElement('canvas').getContext('2d', { willReadFrequently: true })!;
  const rgb = (name: string, fallback: string): Rgb => {
    probe.clearRect(0, 0, 1, 1);
    probe.fillStyle = fallback;
    probe.fillStyle = style.getPropertyValue(name).trim() || fallback;
    probe.fillRect(0, 0, 1, 1);
    const d = probe.getImageData(0, 0, 1, 1).data;
    return [d[0], d[1], d[2]];
  };
  const vars: Record<ScaleColor['cssVar'], Rgb> = {
    '--accent': rgb('--accent', '#4aa3ff'), '--ok': rgb('--ok', '#3ccf91'), '--warn': rgb('--warn', '#f5a524'),
    '--bad': rgb('--bad', '#f87171'), '--fg-muted': rgb('--fg-muted', '#8a97a5'),
  };
  const raised = rgb('--bg-raised', '#161d25');
  return {
    fg: rgb('--fg', '#dbe2e9'), muted: vars['--fg-muted'], bg: rgb('--bg', '#0f1419'), raised, inset: rgb('--bg-inset', '#0b1015'),
    border: rgb('--border', '#26313d'), accent: vars['--accent'],
    font: style.getPropertyValue('--font-sans').trim() || 'system-ui, sans-serif',
    resolve: (c) => (c.dim ? mix(vars[c.cssVar], raised, c.dim) : vars[c.cssVar]),
  };
}

export interface FloorRenderer {
  readonly stats: FloorStats;
  setScene(scene: FloorScene): void;
  setOverlay(overlay: Overlay): void;
  /** Rack `index` of the scene has new values. */
  rackChanged(index: number): void;
  /** Something else changed (cooling values): redraw on the next frame. */
  invalidate(): void;
  rethemed(): void;
  resize(widthCss: number, heightCss: number): void;
  fit(): void;
  zoomBy(factor: number, atX?: number, atY?: number): void;
  panBy(dx: number, dy: number): void;
  hit(x: number, y: number): FloorHit | undefined;
  /** Rack or unit rectangle in CSS pixels relative to the canvas. */
  rectOf(hit: FloorHit): { x: number; y: number; w: number; h: number };
  setFocus(index: number): void;
  setHover(hit: FloorHit | undefined): void;
  /** Pans so that rack `index` is in view. */
  reveal(index: number): void;
  /** World positions (tile centres) of the racks, x0 y0 x1 y1 … */
  readonly positions: Float32Array;
  /** How values are written on large tiles and beside cooling units (localised by the page). */
  setLabels(rackValue: (rack: FloorRack) => string, supplyAir: (celsius: number) => string): void;
  destroy(): void;
}

export function createFloorRenderer(canvas: HTMLCanvasElement, onDraw?: (stats: FloorStats) => void): FloorRenderer {
  const ctx = canvas.getContext('2d', { alpha: false })!;
  let theme = readTheme(canvas);
  let scene: FloorScene = { rooms: [], racks: [], coolingUnits: [] };
  let overlay: Overlay = 'inlet';
  let colors: string[] = [];
  let textOnColor: string[] = [];
  let placements: RoomPlacement[] = [];
  const roomIndex = new Map<string, number>();
  let world = { width: 1, height: 1 };
  let positions = new Float32Array(0);
  let buckets = new Uint8Array(0);
  let staleFlags = new Uint8Array(0);
  /** Rack at a tile: `${room}:${x}:${y}` → index. */
  let tileIndex = new Map<string, number>();
  let coolingPositions = new Float32Array(0);
  /** Where each row's name goes: after its last rack. */
  let rowLabels: Array<{ room: number; name: string; gridRow: number; afterX: number }> = [];
  let widthCss = 300;
  let heightCss = 150;
  let dpr = globalThis.devicePixelRatio || 1;
  const view = { scale: 10, x: 0, y: 0 };
  let userMoved = false;
  let focus = -1;
  let hover: FloorHit | undefined;
  const stats: FloorStats = { racks: 0, draws: 0, applied: 0, lastDrawMs: 0, drawMsTotal: 0 };
  const scheduler = createFrameScheduler(draw);

  function recolor(): void {
    const scale = OVERLAY_SCALES[overlay];
    const rgbs = bucketColors(scale, theme.resolve);
    colors = rgbs.map((c) => css(c));
    textOnColor = rgbs.map((c) => (luminance(c) > 0.35 ? '#0b1015' : '#ffffff'));
  }

  function computeBucket(i: number): void {
    const rack = scene.racks[i];
    buckets[i] = bucketOf(OVERLAY_SCALES[overlay], overlayValue(overlay, rack));
    staleFlags[i] = rack.stale && overlay !== 'alarm' ? 1 : 0;
  }

  function layout(): void {
    roomIndex.clear();
    scene.rooms.forEach((r, i) => roomIndex.set(r.key, i));
    const placedByRoom = scene.rooms.map(() => [] as Array<{ x: number; y: number }>);
    for (const r of scene.racks) placedByRoom[roomIndex.get(r.roomKey!)!]?.push({ x: r.gridX!, y: r.gridY! });
    for (const u of scene.coolingUnits) placedByRoom[roomIndex.get(u.roomKey)!]?.push({ x: u.gridX, y: u.gridY });
    const sizes = scene.rooms.map((room, i) => roomExtent(room, placedByRoom[i]));
    const laid = layoutRooms(sizes, widthCss / Math.max(1, heightCss));
    placements = laid.rooms;
    world = { width: laid.width, height: laid.height };
    positions = new Float32Array(scene.racks.length * 2);
    tileIndex = new Map();
    scene.racks.forEach((r, i) => {
      const room = roomIndex.get(r.roomKey!)!;
      const p = placements[room];
      positions[i * 2] = p.x + r.gridX! + 0.5;
      positions[i * 2 + 1] = p.y + r.gridY! + 0.5;
      tileIndex.set(`${room}:${r.gridX}:${r.gridY}`, i);
    });
    const rowEnds = new Map<string, number>();
    for (const r of scene.racks) if (r.rowKey) rowEnds.set(r.rowKey, Math.max(rowEnds.get(r.rowKey) ?? -1, r.gridX!));
    rowLabels = scene.rooms.flatMap((room, ri) => room.rows
      .filter((row) => row.gridRow !== null && rowEnds.has(row.key))
      .map((row) => ({ room: ri, name: row.name, gridRow: row.gridRow!, afterX: rowEnds.get(row.key)! + 1 })));
    coolingPositions = new Float32Array(scene.coolingUnits.length * 2);
    scene.coolingUnits.forEach((u, i) => {
      const p = placements[roomIndex.get(u.roomKey)!];
      coolingPositions[i * 2] = p.x + u.gridX + 0.5;
      coolingPositions[i * 2 + 1] = p.y + u.gridY + 0.5;
    });
  }

  function fitView(): void {
    const pad = 12;
    const scale = Math.max(0.5, Math.min((widthCss - 2 * pad) / world.width, (heightCss - 2 * pad) / world.height, 64));
    view.scale = scale;
    view.x = (widthCss - world.width * scale) / 2;
    view.y = (heightCss - world.height * scale) / 2;
  }

  const sx = (x: number) => view.x + x * view.scale;
  const sy = (y: number) => view.y + y * view.scale;

  /**
   * The floor itself (room floors, tile grid, room and row names) changes only with the view, the scene or the
   * theme: it is drawn once into an offscreen canvas and copied under the racks on every redraw.
   */
  const backdrop = document.createElement('canvas');
  const backdropCtx = backdrop.getContext('2d', { alpha: false })!;
  let backdropValid = false;

  function drawBackdrop(): void {
    const c = backdropCtx;
    const s = view.scale;
    if (backdrop.width !== canvas.width || backdrop.height !== canvas.height) {
      backdrop.width = canvas.width;
      backdrop.height = canvas.height;
    }
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    c.fillStyle = css(theme.raised);
    c.fillRect(0, 0, widthCss, heightCss);
    c.textBaseline = 'alphabetic';
    const titleSize = Math.max(10, Math.min(16, s * 1.2));
    placements.forEach((p, i) => {
      const x0 = sx(p.x);
      const y0 = sy(p.y);
      if (x0 > widthCss || y0 > heightCss || x0 + p.columns * s < 0 || y0 + p.rows * s < -titleSize - 8) return;
      c.fillStyle = css(theme.inset);
      c.fillRect(x0, y0, p.columns * s, p.rows * s);
      if (s >= 6) {
        c.beginPath();
        for (let col = 0; col <= p.columns; col++) { c.moveTo(x0 + col * s + 0.5, y0); c.lineTo(x0 + col * s + 0.5, y0 + p.rows * s); }
        for (let row = 0; row <= p.rows; row++) { c.moveTo(x0, y0 + row * s + 0.5); c.lineTo(x0 + p.columns * s, y0 + row * s + 0.5); }
        c.strokeStyle = css(theme.border, 0.55);
        c.lineWidth = 1;
        c.stroke();
      }
      c.strokeStyle = css(theme.border);
      c.lineWidth = 1;
      c.strokeRect(x0 + 0.5, y0 + 0.5, p.columns * s, p.rows * s);
      c.fillStyle = css(theme.fg);
      c.font = `600 ${titleSize}px ${theme.font}`;
      c.fillText(scene.rooms[i].name, x0, y0 - Math.min(ROOM_GAP * s * 0.3, 8));
    });
    // Row names just after the last rack of each row.
    if (s >= 10) {
      c.font = `${Math.min(12, s * 0.6)}px ${theme.font}`;
      c.fillStyle = css(theme.muted);
      c.textBaseline = 'middle';
      for (const label of rowLabels) {
        const p = placements[label.room];
        c.fillText(label.name, sx(p.x + label.afterX) + 4, sy(p.y + label.gridRow + 0.5), Math.max(10, (p.columns - label.afterX) * s - 6));
      }
      c.textBaseline = 'alphabetic';
    }
    backdropValid = true;
  }

  function draw(): void {
    const started = performance.now();
    const s = view.scale;
    if (!backdropValid) drawBackdrop();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(backdrop, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);

    // Racks: one path per colour bucket (and faded for racks not reporting).
    const n = scene.racks.length;
    const inset = s * RACK_INSET;
    const size = s - 2 * inset;
    const keys = bucketCount(OVERLAY_SCALES[overlay]) + 1;
    const counts = new Uint32Array(keys * 2 + 1);
    const keyOf = (i: number) => (buckets[i] === NO_DATA ? keys - 1 : buckets[i]) * 2 + staleFlags[i];
    for (let i = 0; i < n; i++) counts[keyOf(i) + 1]++;
    for (let k = 1; k < counts.length; k++) counts[k] += counts[k - 1];
    const order = new Uint32Array(n);
    const cursor = counts.slice(0, keys * 2);
    for (let i = 0; i < n; i++) order[cursor[keyOf(i)]++] = i;
    for (let k = 0; k < keys * 2; k++) {
      const from = counts[k];
      const to = counts[k + 1];
      if (from === to) continue;
      const bucket = k >> 1;
      const noData = bucket === keys - 1;
      ctx.globalAlpha = k & 1 ? STALE_ALPHA : 1;
      ctx.beginPath();
      for (let j = from; j < to; j++) {
        const i = order[j];
        const x = sx(positions[i * 2] - 0.5) + inset;
        const y = sy(positions[i * 2 + 1] - 0.5) + inset;
        if (x > widthCss || y > heightCss || x + size < 0 || y + size < 0) continue;
        ctx.rect(x, y, size, size);
      }
      ctx.fillStyle = noData ? css(theme.inset) : colors[bucket];
      ctx.fill();
      if (noData) {
        ctx.strokeStyle = css(theme.muted);
        ctx.lineWidth = 1;
        ctx.stroke();
      }
    }
    ctx.globalAlpha = 1;

    // Labels when the tiles are large enough to read them.
    if (s >= 30) {
      const labelSize = Math.min(13, Math.floor(s / 3.2));
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      for (let i = 0; i < n; i++) {
        const cx = sx(positions[i * 2]);
        const cy = sy(positions[i * 2 + 1]);
        if (cx < -s || cy < -s || cx > widthCss + s || cy > heightCss + s) continue;
        const rack = scene.racks[i];
        const bucket = buckets[i];
        ctx.fillStyle = bucket === NO_DATA || staleFlags[i] ? css(theme.fg) : textOnColor[bucket];
        ctx.font = `600 ${labelSize}px ${theme.font}`;
        const label = rack.rowKey && rack.key.startsWith(rack.rowKey) ? rack.key.slice(rack.rowKey.length).replace(/^[-_.]/, '') : rack.key;
        ctx.fillText(label, cx, s >= 48 ? cy - labelSize * 0.6 : cy, size - 4);
        if (s >= 48) {
          ctx.font = `${labelSize}px ${theme.font}`;
          ctx.fillText(valueLabel(rack), cx, cy + labelSize * 0.7, size - 4);
        }
      }
      ctx.textAlign = 'start';
      ctx.textBaseline = 'alphabetic';
    }

    // Cooling units: outlined, filled by their supply air on the inlet scale, with the temperature beside.
    const inletScale = OVERLAY_SCALES.inlet;
    scene.coolingUnits.forEach((u, i) => {
      const x = sx(coolingPositions[i * 2] - 0.5) + inset;
      const y = sy(coolingPositions[i * 2 + 1] - 0.5) + inset;
      const fill = u.supplyC === null || inletScale.kind !== 'continuous' ? theme.inset : colorAt(inletScale, u.supplyC, theme.resolve);
      ctx.fillStyle = css(fill);
      ctx.fillRect(x, y, size, size);
      ctx.lineWidth = Math.max(1, Math.min(3, s / 12));
      ctx.strokeStyle = css(theme.accent);
      ctx.strokeRect(x, y, size, size);
      // Fan: a cross in the unit.
      ctx.beginPath();
      ctx.moveTo(x + size * 0.25, y + size * 0.25); ctx.lineTo(x + size * 0.75, y + size * 0.75);
      ctx.moveTo(x + size * 0.75, y + size * 0.25); ctx.lineTo(x + size * 0.25, y + size * 0.75);
      ctx.strokeStyle = luminance(fill) > 0.35 ? '#0b1015' : '#ffffff';
      ctx.lineWidth = 1;
      ctx.stroke();
      if (s >= 14 && u.supplyC !== null) {
        // Beside the unit, in the free tiles to its right; left out when it would cover a rack.
        const room = roomIndex.get(u.roomKey)!;
        let free = 0;
        while (free < 3 && !tileIndex.has(`${room}:${u.gridX + 1 + free}:${u.gridY}`) && u.gridX + 1 + free < placements[room].columns) free++;
        ctx.font = `600 ${Math.min(13, Math.max(10, s * 0.4))}px ${theme.font}`;
        const text = formatSupply(u.supplyC);
        if (ctx.measureText(text).width <= free * s - 6) {
          ctx.fillStyle = css(theme.fg);
          ctx.textBaseline = 'middle';
          ctx.fillText(text, x + size + 4, y + size / 2);
          ctx.textBaseline = 'alphabetic';
        }
      }
    });

    // Hover and focus rings.
    const ring = (h: FloorHit, color: Rgb, width: number) => {
      const r = rectOf(h);
      ctx.lineWidth = width;
      ctx.strokeStyle = css(color);
      ctx.strokeRect(r.x - width / 2, r.y - width / 2, r.w + width, r.h + width);
    };
    if (hover) ring(hover, theme.accent, 2);
    if (focus >= 0 && focus < n) ring({ kind: 'rack', index: focus }, theme.fg, 3);

    stats.racks = n;
    stats.draws++;
    stats.lastDrawMs = performance.now() - started;
    stats.drawMsTotal += stats.lastDrawMs;
    onDraw?.(stats);
  }

  let valueLabel: (rack: FloorRack) => string = () => '';
  let formatSupply: (c: number) => string = (c) => `${c.toFixed(1)}°C`;

  function rectOf(h: FloorHit) {
    const p = h.kind === 'rack' ? positions : coolingPositions;
    const inset = view.scale * RACK_INSET;
    return {
      x: sx(p[h.index * 2] - 0.5) + inset, y: sy(p[h.index * 2 + 1] - 0.5) + inset,
      w: view.scale - 2 * inset, h: view.scale - 2 * inset,
    };
  }

  const onTheme = () => renderer.rethemed();
  globalThis.addEventListener('kiban:theme', onTheme);

  const renderer: FloorRenderer = {
    stats,
    get positions() { return positions; },
    setScene(next) {
      backdropValid = false;
      scene = next;
      buckets = new Uint8Array(scene.racks.length);
      staleFlags = new Uint8Array(scene.racks.length);
      for (let i = 0; i < scene.racks.length; i++) computeBucket(i);
      layout();
      if (!userMoved) fitView();
      if (focus >= scene.racks.length) focus = -1;
      hover = undefined;
      scheduler.schedule();
    },
    setOverlay(next) {
      overlay = next;
      recolor();
      for (let i = 0; i < scene.racks.length; i++) computeBucket(i);
      scheduler.schedule();
    },
    rackChanged(index) {
      if (index < 0 || index >= scene.racks.length) return;
      computeBucket(index);
      stats.applied++;
      scheduler.schedule();
    },
    invalidate() { scheduler.schedule(); },
    rethemed() {
      backdropValid = false;
      theme = readTheme(canvas);
      recolor();
      scheduler.schedule();
    },
    resize(w, h) {
      backdropValid = false;
      widthCss = Math.max(50, Math.floor(w));
      heightCss = Math.max(50, Math.floor(h));
      dpr = globalThis.devicePixelRatio || 1;
      canvas.width = Math.round(widthCss * dpr);
      canvas.height = Math.round(heightCss * dpr);
      canvas.style.width = `${widthCss}px`;
      canvas.style.height = `${heightCss}px`;
      if (!userMoved) { layout(); fitView(); }
      scheduler.flush();
    },
    fit() {
      backdropValid = false;
      userMoved = false;
      layout();
      fitView();
      scheduler.schedule();
    },
    zoomBy(factor, atX = widthCss / 2, atY = heightCss / 2) {
      backdropValid = false;
      const next = Math.max(0.5, Math.min(120, view.scale * factor));
      const wx = (atX - view.x) / view.scale;
      const wy = (atY - view.y) / view.scale;
      view.scale = next;
      view.x = atX - wx * next;
      view.y = atY - wy * next;
      userMoved = true;
      scheduler.schedule();
    },
    panBy(dx, dy) {
      backdropValid = false;
      view.x += dx;
      view.y += dy;
      userMoved = true;
      scheduler.schedule();
    },
    hit(x, y) {
      const wx = (x - view.x) / view.scale;
      const wy = (y - view.y) / view.scale;
      for (let ri = 0; ri < placements.length; ri++) {
        const p = placements[ri];
        if (wx < p.x || wy < p.y || wx >= p.x + p.columns || wy >= p.y + p.rows) continue;
        const gx = Math.floor(wx - p.x);
        const gy = Math.floor(wy - p.y);
        const rack = tileIndex.get(`${ri}:${gx}:${gy}`);
        if (rack !== undefined) return { kind: 'rack', index: rack };
        const unit = scene.coolingUnits.findIndex((u) => u.roomKey === scene.rooms[ri].key && u.gridX === gx && u.gridY === gy);
        if (unit >= 0) return { kind: 'cooling', index: unit };
      }
      return undefined;
    },
    rectOf,
    setFocus(index) {
      if (focus === index) return;
      focus = index;
      scheduler.schedule();
    },
    setHover(h) {
      if (hover?.kind === h?.kind && hover?.index === h?.index) return;
      hover = h;
      scheduler.schedule();
    },
    reveal(index) {
      const r = rectOf({ kind: 'rack', index });
      const margin = Math.max(8, view.scale);
      let dx = 0;
      let dy = 0;
      if (r.x < margin) dx = margin - r.x; else if (r.x + r.w > widthCss - margin) dx = widthCss - margin - r.x - r.w;
      if (r.y < margin) dy = margin - r.y; else if (r.y + r.h > heightCss - margin) dy = heightCss - margin - r.y - r.h;
      if (dx || dy) renderer.panBy(dx, dy);
    },
    setLabels(value, supply) {
      valueLabel = value;
      formatSupply = supply;
      scheduler.schedule();
    },
    destroy() {
      scheduler.cancel();
      globalThis.removeEventListener('kiban:theme', onTheme);
    },
  };
  recolor();
  return renderer;
}

