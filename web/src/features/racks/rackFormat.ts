/**
 * How the racks area judges and sorts what it shows: power against budget, inlet temperature against the
 * ASHRAE envelope, table sorting and filtering. Pure (no Solid, no fetching) so the rules are tested alone.
 */
import type { RackSummary } from '../../api/racks.ts';

/** ASHRAE TC 9.9 recommended inlet range for IT equipment (classes A1–A4), °C. */
export const ASHRAE_RECOMMENDED_C = { min: 18, max: 27 } as const;
/** ASHRAE class A1 allowable range, °C: outside it equipment is at risk. */
export const ASHRAE_A1_ALLOWABLE_C = { min: 15, max: 32 } as const;
/** Share of the power budget at which a rack is shown as a warning, and as over budget. */
export const POWER_WARN_FRACTION = 0.8;
export const POWER_BAD_FRACTION = 1;

export type Level = 'ok' | 'warn' | 'bad' | 'none';

export function powerLevel(powerW: number | null, maxKw: number | null): Level {
  if (powerW === null || maxKw === null || maxKw <= 0) return 'none';
  const fraction = powerW / (maxKw * 1000);
  return fraction >= POWER_BAD_FRACTION ? 'bad' : fraction >= POWER_WARN_FRACTION ? 'warn' : 'ok';
}

export function powerFraction(powerW: number | null, maxKw: number | null): number | null {
  if (powerW === null || maxKw === null || maxKw <= 0) return null;
  return powerW / (maxKw * 1000);
}

export function inletLevel(inletC: number | null): Level {
  if (inletC === null) return 'none';
  if (inletC < ASHRAE_A1_ALLOWABLE_C.min || inletC > ASHRAE_A1_ALLOWABLE_C.max) return 'bad';
  if (inletC < ASHRAE_RECOMMENDED_C.min || inletC > ASHRAE_RECOMMENDED_C.max) return 'warn';
  return 'ok';
}

/** A feed's load against its continuous-load limit (rating × maxUtilization, NEC 80 %). */
export function feedLevel(loadW: number | null, ratedW: number | null, maxUtilization: number): Level {
  if (loadW === null || ratedW === null || ratedW <= 0) return 'none';
  const fraction = loadW / ratedW;
  return fraction >= maxUtilization ? 'bad' : fraction >= maxUtilization * 0.9 ? 'warn' : 'ok';
}

export const RACK_SORT_KEYS = ['name', 'place', 'freeU', 'power', 'powerPct', 'inlet'] as const;
export type RackSortKey = (typeof RACK_SORT_KEYS)[number];
export interface RackSort { key: RackSortKey; descending: boolean }

export interface LiveRackValues { powerW(key: string): number | null; inletC(key: string): number | null }

/** Sorts racks by `sort`, reading live values through `live`; racks without a value go last either way. */
export function sortRacks(racks: readonly RackSummary[], sort: RackSort, live: LiveRackValues): RackSummary[] {
  const byName = (a: RackSummary, b: RackSummary) => a.name.localeCompare(b.name, undefined, { numeric: true }) || a.key.localeCompare(b.key);
  const value = (r: RackSummary): number | string | null => {
    switch (sort.key) {
      case 'name': return null;
      case 'place': return `${r.roomKey ?? ''}\u0000${r.rowKey ?? ''}`;
      case 'freeU': return r.freeU;
      case 'power': return live.powerW(r.key);
      case 'powerPct': return powerFraction(live.powerW(r.key), r.maxKw);
      case 'inlet': return live.inletC(r.key);
    }
  };
  const sign = sort.descending ? -1 : 1;
  const keyed = racks.map((r) => ({ r, v: value(r) }));
  keyed.sort((a, b) => {
    if (sort.key !== 'name') {
      if (a.v === null && b.v !== null) return 1;
      if (b.v === null && a.v !== null) return -1;
      if (a.v !== null && b.v !== null && a.v !== b.v) {
        const cmp = typeof a.v === 'string' ? a.v.localeCompare(b.v as string, undefined, { numeric: true }) : (a.v as number) - (b.v as number);
        if (cmp !== 0) return sign * cmp;
      }
      return byName(a.r, b.r);
    }
    return sign * byName(a.r, b.r);
  });
  return keyed.map((k) => k.r);
}

/** Racks whose name, key, room or row contains every word of `query` (case-insensitive). */
export function filterRacks(racks: readonly RackSummary[], query: string): RackSummary[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...racks];
  return racks.filter((r) => {
    const text = `${r.name} ${r.key} ${r.roomKey ?? ''} ${r.rowKey ?? ''}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** The U rows of a rack face, top first: U numbers as printed on the rails. */
export function uRowsTopFirst(uHeight: number, descendingUnits: boolean): number[] {
  return Array.from({ length: uHeight }, (_, i) => (descendingUnits ? i + 1 : uHeight - i));
}

/** CSS grid row (1-based, top first) where a device spanning U positionU…positionU+height−1 starts. */
export function gridRowOf(positionU: number, height: number, uHeight: number, descendingUnits: boolean): number {
  return descendingUnits ? positionU : uHeight - (positionU + height - 1) + 1;
}
