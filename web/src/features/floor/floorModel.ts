/**
 * The floor plan's model, free of the DOM: what each overlay colours a rack by (with the ASHRAE thermal
 * guideline and the power-budget thresholds), the condition of a rack while there are no alarms yet, where the
 * rooms of a site sit next to each other in one drawing, and which rack an arrow key moves to.
 */
import type { RackSummary } from '../../api/racks.ts';

// ---------------------------------------------------------------- thresholds

/** ASHRAE TC 9.9 thermal guideline for data processing environments, inlet air, °C (classes A1–A4 share the recommended range). */
export const ASHRAE_RECOMMENDED_C = { min: 18, max: 27 } as const;
/** Allowable range of class A1 (enterprise servers), °C. */
export const ASHRAE_ALLOWABLE_A1_C = { min: 15, max: 32 } as const;
/** Share of the rack's power budget (maxKw) at which it is worth a look (the continuous-load 80 % rule), and over budget. */
export const POWER_WARNING_RATIO = 0.8;
export const POWER_CRITICAL_RATIO = 1.0;

// ---------------------------------------------------------------- racks

/** What the floor plan needs of a rack (a subset of the rack summary). */
export type FloorRack = Pick<RackSummary,
  'key' | 'name' | 'roomKey' | 'rowKey' | 'gridX' | 'gridY' | 'uHeight' | 'usedU' | 'freeU' | 'maxKw' | 'powerW' | 'inletC' | 'stale' | 'measuredAt'>;

export type Overlay = 'inlet' | 'power' | 'freeU' | 'alarm';
export const OVERLAYS: readonly Overlay[] = ['inlet', 'power', 'freeU', 'alarm'];

export function isOverlay(value: unknown): value is Overlay {
  return typeof value === 'string' && (OVERLAYS as readonly string[]).includes(value);
}

/** Power draw as a share of the rack's budget; null without a budget or a measurement. */
export function powerRatio(rack: Pick<FloorRack, 'powerW' | 'maxKw'>): number | null {
  if (rack.powerW === null || rack.maxKw === null || rack.maxKw <= 0) return null;
  return rack.powerW / (rack.maxKw * 1000);
}

/**
 * Condition of a rack derived from its data (until alarms exist): critical when the inlet is outside the A1
 * allowable range or the draw is at or over budget; warning when the inlet is outside the recommended range or
 * the draw is at 80 % of budget; not reporting when a point behind the values is stale or nothing was measured.
 */
export type RackCondition = 'critical' | 'warning' | 'notReporting' | 'normal';
export const CONDITIONS: readonly RackCondition[] = ['normal', 'warning', 'critical', 'notReporting'];

export function rackCondition(rack: Pick<FloorRack, 'inletC' | 'powerW' | 'maxKw' | 'stale'>): RackCondition {
  const ratio = powerRatio(rack);
  const t = rack.inletC;
  if ((t !== null && (t < ASHRAE_ALLOWABLE_A1_C.min || t > ASHRAE_ALLOWABLE_A1_C.max)) || (ratio !== null && ratio >= POWER_CRITICAL_RATIO)) return 'critical';
  if ((t !== null && (t < ASHRAE_RECOMMENDED_C.min || t > ASHRAE_RECOMMENDED_C.max)) || (ratio !== null && ratio >= POWER_WARNING_RATIO)) return 'warning';
  if (rack.stale || (t === null && rack.powerW === null)) return 'notReporting';
  return 'normal';
}

/** The number an overlay colours by; null = no data (drawn as an empty tile). */
export function overlayValue(overlay: Overlay, rack: FloorRack): number | null {
  switch (overlay) {
    case 'inlet': return rack.inletC;
    case 'power': { const r = powerRatio(rack); return r === null ? null : r * 100; }
    case 'freeU': return rack.freeU;
    case 'alarm': return CONDITIONS.indexOf(rackCondition(rack));
  }
}

// ---------------------------------------------------------------- colour scales

/** Colours come from the theme's CSS variables; `dim` mixes the colour toward the panel background. */
export interface ScaleColor { cssVar: '--accent' | '--ok' | '--warn' | '--bad' | '--fg-muted'; dim?: number }

export interface ContinuousScale {
  kind: 'continuous';
  unit: string;
  stops: Array<{ at: number; color: ScaleColor }>;
  /** Values labelled on the legend. */
  ticks: number[];
}
export interface CategoricalScale {
  kind: 'categorical';
  categories: Array<{ id: RackCondition; color: ScaleColor }>;
}
export type OverlayScale = ContinuousScale | CategoricalScale;

export const OVERLAY_SCALES: Record<Overlay, OverlayScale> = {
  inlet: {
    kind: 'continuous', unit: 'degC',
    // Saturated a little beyond the allowable range so the legend's labels have room.
    stops: [
      { at: 12, color: { cssVar: '--accent' } },
      { at: ASHRAE_ALLOWABLE_A1_C.min, color: { cssVar: '--accent' } },
      { at: ASHRAE_RECOMMENDED_C.min, color: { cssVar: '--ok' } },
      { at: 25, color: { cssVar: '--ok' } },
      { at: ASHRAE_RECOMMENDED_C.max, color: { cssVar: '--warn' } },
      { at: ASHRAE_ALLOWABLE_A1_C.max, color: { cssVar: '--bad' } },
      { at: 35, color: { cssVar: '--bad' } },
    ],
    ticks: [ASHRAE_ALLOWABLE_A1_C.min, ASHRAE_RECOMMENDED_C.min, ASHRAE_RECOMMENDED_C.max, ASHRAE_ALLOWABLE_A1_C.max],
  },
  power: {
    kind: 'continuous', unit: '%',
    stops: [
      { at: 0, color: { cssVar: '--ok', dim: 0.55 } },
      { at: 60, color: { cssVar: '--ok' } },
      { at: POWER_WARNING_RATIO * 100, color: { cssVar: '--warn' } },
      { at: POWER_CRITICAL_RATIO * 100, color: { cssVar: '--bad' } },
    ],
    ticks: [0, 50, POWER_WARNING_RATIO * 100, POWER_CRITICAL_RATIO * 100],
  },
  freeU: {
    kind: 'continuous', unit: 'U',
    stops: [
      { at: 0, color: { cssVar: '--bad' } },
      { at: 4, color: { cssVar: '--warn' } },
      { at: 10, color: { cssVar: '--ok' } },
      { at: 42, color: { cssVar: '--accent' } },
    ],
    ticks: [0, 4, 10, 20, 30, 42],
  },
  alarm: {
    kind: 'categorical',
    categories: [
      { id: 'normal', color: { cssVar: '--ok', dim: 0.45 } },
      { id: 'warning', color: { cssVar: '--warn' } },
      { id: 'critical', color: { cssVar: '--bad' } },
      { id: 'notReporting', color: { cssVar: '--fg-muted', dim: 0.35 } },
    ],
  },
};

/** Buckets of a continuous scale: racks of one bucket are filled with one colour in one path. */
export const SCALE_BUCKETS = 48;
/** Bucket of a rack without data. */
export const NO_DATA = 255;

/** The colour bucket of a value on a scale. */
export function bucketOf(scale: OverlayScale, value: number | null): number {
  if (value === null || !Number.isFinite(value)) return NO_DATA;
  if (scale.kind === 'categorical') return Math.max(0, Math.min(scale.categories.length - 1, Math.round(value)));
  const lo = scale.stops[0].at;
  const hi = scale.stops[scale.stops.length - 1].at;
  const f = (Math.min(hi, Math.max(lo, value)) - lo) / (hi - lo);
  return Math.min(SCALE_BUCKETS - 1, Math.floor(f * SCALE_BUCKETS));
}

export function bucketCount(scale: OverlayScale): number {
  return scale.kind === 'categorical' ? scale.categories.length : SCALE_BUCKETS;
}

export type Rgb = readonly [number, number, number];

/** Colour of each bucket of a scale, given the theme's resolved colours. */
export function bucketColors(scale: OverlayScale, resolve: (c: ScaleColor) => Rgb): Rgb[] {
  if (scale.kind === 'categorical') return scale.categories.map((c) => resolve(c.color));
  const lo = scale.stops[0].at;
  const hi = scale.stops[scale.stops.length - 1].at;
  return Array.from({ length: SCALE_BUCKETS }, (_, i) => colorAt(scale, lo + ((i + 0.5) / SCALE_BUCKETS) * (hi - lo), resolve));
}

/** The colour of a value on a continuous scale (linear between stops). */
export function colorAt(scale: ContinuousScale, value: number, resolve: (c: ScaleColor) => Rgb): Rgb {
  const stops = scale.stops;
  if (value <= stops[0].at) return resolve(stops[0].color);
  for (let i = 1; i < stops.length; i++) {
    if (value <= stops[i].at) {
      const a = stops[i - 1];
      const b = stops[i];
      const f = (value - a.at) / (b.at - a.at);
      return mix(resolve(a.color), resolve(b.color), f);
    }
  }
  return resolve(stops[stops.length - 1].color);
}

export function mix(a: Rgb, b: Rgb, f: number): Rgb {
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

/** Relative luminance (WCAG), to pick dark or light text on a fill. */
export function luminance([r, g, b]: Rgb): number {
  const c = (v: number) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * c(r) + 0.7152 * c(g) + 0.0722 * c(b);
}

// ---------------------------------------------------------------- layout of rooms in one drawing

export interface RoomSize { key: string; columns: number; rows: number }
export interface RoomPlacement extends RoomSize {
  /** Top-left of the room's grid in world units (tiles); its title sits above, inside the gap. */
  x: number;
  y: number;
}

/** Tiles kept between rooms and above each room for its name. */
export const ROOM_GAP = 3;

/** Extent of a room's grid: its documented size, grown to hold everything placed on it. */
export function roomExtent(room: { key: string; gridColumns: number | null; gridRows: number | null }, placed: Array<{ x: number; y: number }>): RoomSize {
  let columns = room.gridColumns ?? 0;
  let rows = room.gridRows ?? 0;
  for (const p of placed) {
    columns = Math.max(columns, p.x + 1);
    rows = Math.max(rows, p.y + 1);
  }
  return { key: room.key, columns: Math.max(columns, 1), rows: Math.max(rows, 1) };
}

/**
 * Rooms side by side in a grid of as many columns as makes the whole drawing largest in a viewport of this
 * aspect (width / height), in the order given.
 */
export function layoutRooms(rooms: RoomSize[], viewportAspect: number): { rooms: RoomPlacement[]; width: number; height: number } {
  if (rooms.length === 0) return { rooms: [], width: 1, height: 1 };
  let best: { rooms: RoomPlacement[]; width: number; height: number; fit: number } | undefined;
  for (let cols = 1; cols <= rooms.length; cols++) {
    const colWidths = new Array<number>(cols).fill(0);
    const rowHeights = new Array<number>(Math.ceil(rooms.length / cols)).fill(0);
    rooms.forEach((r, i) => {
      colWidths[i % cols] = Math.max(colWidths[i % cols], r.columns);
      rowHeights[Math.floor(i / cols)] = Math.max(rowHeights[Math.floor(i / cols)], r.rows);
    });
    const xs = colWidths.map((_, c) => colWidths.slice(0, c).reduce((s, w) => s + w + ROOM_GAP, 0));
    const ys = rowHeights.map((_, r) => rowHeights.slice(0, r).reduce((s, h) => s + h + ROOM_GAP, 0) + ROOM_GAP);
    const width = colWidths.reduce((s, w) => s + w, 0) + ROOM_GAP * (cols - 1);
    const height = rowHeights.reduce((s, h) => s + h, 0) + ROOM_GAP * rowHeights.length;
    const fit = Math.min(viewportAspect / width, 1 / height);
    if (!best || fit > best.fit) {
      best = { rooms: rooms.map((r, i) => ({ ...r, x: xs[i % cols], y: ys[Math.floor(i / cols)] })), width, height, fit };
    }
  }
  return { rooms: best!.rooms, width: best!.width, height: best!.height };
}

// ---------------------------------------------------------------- keyboard navigation

export type Direction = 'left' | 'right' | 'up' | 'down';

/**
 * The rack an arrow key moves to from `from`: the nearest one in that direction, preferring the same line
 * (a step sideways costs four steps ahead). Positions are the racks' world coordinates.
 */
export function nextRack(positions: ArrayLike<number>, count: number, from: number, direction: Direction): number {
  const fx = positions[from * 2];
  const fy = positions[from * 2 + 1];
  let best = from;
  let bestScore = Infinity;
  for (let i = 0; i < count; i++) {
    if (i === from) continue;
    const dx = positions[i * 2] - fx;
    const dy = positions[i * 2 + 1] - fy;
    let ahead: number;
    let aside: number;
    switch (direction) {
      case 'right': ahead = dx; aside = dy; break;
      case 'left': ahead = -dx; aside = dy; break;
      case 'down': ahead = dy; aside = dx; break;
      case 'up': ahead = -dy; aside = dx; break;
    }
    if (ahead <= 0.001) continue;
    const score = ahead + 4 * Math.abs(aside);
    if (score < bestScore) { bestScore = score; best = i; }
  }
  return best;
}
