/**
 * Typed client for the rack endpoints: summaries (GET /api/v1/racks) and one rack's elevation
 * (GET /api/v1/racks/{key}/elevation). Wire shapes mirror server/domain/racks/types.ts and
 * server/routes/racks/racks.routes.ts; kept free of server imports so the bundle never pulls zod in.
 */
import { request } from './client.ts';
import type { ListResponse } from './types.ts';

export interface RackPointLatest {
  value: number | null;
  ts: string | null;
  fresh: boolean;
}

export interface RackSummary {
  key: string;
  name: string;
  siteKey: string | null;
  roomKey: string | null;
  rowKey: string | null;
  gridX: number | null;
  gridY: number | null;
  uHeight: number;
  usedU: number;
  freeU: number;
  /** Power budget, kW. */
  maxKw: number | null;
  /** Sum of the latest PDU inlet power, W. */
  powerW: number | null;
  /** Hottest latest inlet air temperature, °C. */
  inletC: number | null;
  points: { power: string[]; inlet: string[] };
  measuredAt: string | null;
  stale: boolean;
  latest?: { power: RackPointLatest[]; inlet: RackPointLatest[] };
}

export interface RackScope {
  site?: string;
  room?: string;
  racks?: readonly string[];
}

export interface ElevationPoint {
  key: string;
  value: number | null;
  ts: string | null;
  quality: string | null;
  unit: string;
}

export interface ElevationDevice {
  key: string;
  name: string;
  type: string;
  status: string;
  model: string | null;
  vendor: string | null;
  positionU: number;
  uHeight: number;
  face: 'front' | 'rear';
  fullDepth: boolean;
  nameplateW: number | null;
  powerW: number | null;
  powerPoints: string[];
}

export interface ElevationOutlet {
  outlet: string;
  device: { key: string; name: string } | null;
  power: ElevationPoint | null;
  state: { key: string; value: number | null; label: string | null; states: Record<string, string> | null; ts: string | null; quality: string | null } | null;
}

export interface ElevationPdu {
  key: string;
  name: string;
  feed: string | null;
  devices: string[];
  inletPower: ElevationPoint[];
  outlets: ElevationOutlet[];
}

export interface ElevationFeed {
  key: string;
  name: string;
  side: string | null;
  voltageV: number | null;
  ratedA: number | null;
  maxUtilization: number;
  ratedW: number | null;
  loadW: number | null;
  loadPoints: string[];
  source: { key: string; name: string } | null;
}

export type InletPosition = 'top' | 'middle' | 'bottom' | 'other';

export interface RackElevation {
  rack: {
    key: string;
    name: string;
    uHeight: number;
    descendingUnits: boolean;
    maxKw: number | null;
    model: string | null;
    path: Array<{ key: string; type: string; name: string }>;
  };
  summary: RackSummary;
  devices: ElevationDevice[];
  unmounted: Array<{ key: string; name: string; type: string; face: string | null }>;
  emptyRanges: Array<{ from: number; to: number; size: number }>;
  pdus: ElevationPdu[];
  feeds: ElevationFeed[];
  inlets: Array<ElevationPoint & { position: InletPosition; ci: string }>;
}

export const racksApi = {
  summaries: (scope: RackScope, signal?: AbortSignal) =>
    request<ListResponse<RackSummary>>('GET', '/racks', {
      query: { site: scope.site, room: scope.room, racks: scope.racks?.length ? scope.racks.join(',') : undefined },
      signal,
    }),
  elevation: (rackKey: string, signal?: AbortSignal) =>
    request<RackElevation>('GET', `/racks/${encodeURIComponent(rackKey)}/elevation`, { signal }),
};
