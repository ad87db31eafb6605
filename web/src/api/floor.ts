/**
 * Typed client for the site view: rooms of a site with their floor grid, rows and cooling units
 * (GET /api/v1/floor). Racks on the grid come from the rack summaries (GET /api/v1/racks).
 */
import { request } from './client.ts';
import type { SampleQuality } from './types.ts';

/** Latest value of one point of a cooling unit's device. */
export interface FloorPoint {
  key: string;
  unit: string;
  value: number | null;
  ts: string | null;
  quality: SampleQuality | null;
  /** Labels of an enumerated point: raw value → state. */
  states: Record<string, string> | null;
}

export const COOLING_POINT_NAMES = [
  'supplyAirC', 'returnAirC', 'returnHumidityPct', 'coolingCapacityPct', 'fanSpeedPct', 'operatingState', 'status',
] as const;
export type CoolingPointName = (typeof COOLING_POINT_NAMES)[number];

export interface FloorCoolingUnit {
  key: string;
  name: string;
  type: 'crac' | 'chiller';
  status: string;
  kind: string | null;
  rowKey: string | null;
  gridX: number | null;
  gridY: number | null;
  coolingKw: number | null;
  devices: string[];
  points: Record<CoolingPointName, FloorPoint | null>;
}

export interface FloorRow {
  key: string;
  name: string;
  gridRow: number | null;
  aisle: 'hot' | 'cold' | 'none' | null;
}

export interface FloorRoom {
  key: string;
  name: string;
  gridColumns: number | null;
  gridRows: number | null;
  tileMm: number | null;
  rows: FloorRow[];
  coolingUnits: FloorCoolingUnit[];
}

export interface FloorResponse {
  site: { key: string; name: string } | null;
  rooms: FloorRoom[];
}

export const floorApi = {
  /** Rooms of a site, or one room. */
  floor: (scope: { site?: string; room?: string }, signal?: AbortSignal) =>
    request<FloorResponse>('GET', '/floor', { query: { site: scope.site, room: scope.room }, signal }),
};
