/**
 * What Kiban knows about a rack at a glance: where it stands, how full it is, what it draws against its
 * budget, how warm its air intake is. One shape for the floor plan, the rack list and the overview, so every
 * page agrees on "the hottest rack" and "the rack with the least free U".
 *
 * These are the wire shapes the web app reads too (web/src/api/racks.ts imports them as types): keep this file
 * free of runtime imports.
 */
export interface RackSummary {
  key: string;
  name: string;
  siteKey: string | null;
  roomKey: string | null;
  rowKey: string | null;
  /** Position on the room's floor grid (tiles), when documented. */
  gridX: number | null;
  gridY: number | null;
  uHeight: number;
  /** U taken by mounted equipment (CIs with a positionU in this rack and a model/U height). */
  usedU: number;
  freeU: number;
  /** Power budget of the rack (attribute maxKw), kW. */
  maxKw: number | null;
  /** Live draw: sum of the latest power of the rack's PDU inlets, W; null when nothing measured. */
  powerW: number | null;
  /** Hottest latest inlet temperature of the rack's sensors, °C; null when nothing measured. */
  inletC: number | null;
  /** Point keys behind powerW and inletC, so a page can keep them live from the stream. */
  points: { power: string[]; inlet: string[] };
  /** Newest sample time behind the values (ISO), null when none. */
  measuredAt: string | null;
  /** Some point behind the values has no valid recent sample (comm loss, stale). */
  stale: boolean;
  /**
   * Latest sample of each point in `points`, in the same order, so a live client can seed its per-point
   * values and recompute the sum/max when one point changes. value is null when the latest sample has none.
   */
  latest?: { power: RackPointLatest[]; inlet: RackPointLatest[] };
}

/** The latest sample of one point behind a rack summary. */
export interface RackPointLatest {
  value: number | null;
  /** ISO time of the sample; null when the point has never reported. */
  ts: string | null;
  /** The sample is a valid, recent measurement (quality ok, within the stale window). */
  fresh: boolean;
}

// The elevation of one rack (GET /api/v1/racks/{key}/elevation), built by elevation.ts.

export interface ElevationPoint { key: string; value: number | null; ts: string | null; quality: string | null; unit: string }

export interface ElevationDevice {
  key: string; name: string; type: string; status: string; model: string | null; vendor: string | null;
  positionU: number; uHeight: number; face: 'front' | 'rear'; fullDepth: boolean; nameplateW: number | null;
  powerW: number | null; powerPoints: string[];
}

export interface ElevationOutlet {
  outlet: string;
  device: { key: string; name: string } | null;
  power: ElevationPoint | null;
  state: { key: string; value: number | null; label: string | null; states: Record<string, string> | null; ts: string | null; quality: string | null } | null;
}

export interface ElevationPdu { key: string; name: string; feed: string | null; devices: string[]; inletPower: ElevationPoint[]; outlets: ElevationOutlet[] }

export interface ElevationFeed {
  key: string; name: string; side: string | null; voltageV: number | null; ratedA: number | null; maxUtilization: number;
  ratedW: number | null; loadW: number | null; loadPoints: string[]; source: { key: string; name: string } | null;
}

export type InletPosition = 'top' | 'middle' | 'bottom' | 'other';

export interface RackElevation {
  rack: { key: string; name: string; uHeight: number; descendingUnits: boolean; maxKw: number | null; model: string | null; path: Array<{ key: string; type: string; name: string }> };
  summary: RackSummary;
  devices: ElevationDevice[];
  unmounted: Array<{ key: string; name: string; type: string; face: string | null }>;
  emptyRanges: Array<{ from: number; to: number; size: number }>;
  pdus: ElevationPdu[];
  feeds: ElevationFeed[];
  inlets: Array<ElevationPoint & { position: InletPosition; ci: string }>;
}
