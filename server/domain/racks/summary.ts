/**
 * Rack summaries: the one answer to "how full, how loaded, how warm" for any set of racks (a site, a room, a
 * list). Two set-based queries whatever the number of racks: the racks with their place and used U, and the
 * points behind power and inlet temperature with their latest samples.
 *
 * A lost poll (a latest sample without a value) is a blip, not a rack that stopped reporting: the point keeps
 * the value it had just before for up to RACK_HOLD_LAST_VALUE_MS, as the site power figures do. Only then does
 * the rack lose that value and turn stale.
 */
import type { Queryable } from '../../../db/client.ts';
import { recentValues } from '../../../db/queries/overview.ts';
import { rackPoints, rackRows, type RackPointRow, type RackRow } from '../../../db/queries/racks.ts';
import { NOT_REPORTING_AFTER_MS } from '../site-power/load.ts';
import type { RackPointLatest, RackSummary } from './types.ts';

export interface RackScope { site?: string; room?: string; racks?: string[] }

export interface RackSummaryOptions {
  /** A latest sample older than this counts as stale (default 10 minutes). */
  staleAfterMs?: number;
  now?: Date;
}

export const RACK_STALE_AFTER_MS = 10 * 60_000;
/** How long a point whose latest poll was lost keeps its last value (the site power model's rule). */
export const RACK_HOLD_LAST_VALUE_MS = NOT_REPORTING_AFTER_MS;
/** Quality code of an ok sample (db/queries/samples.ts qualityCode('ok')). */
const QUALITY_OK = 0;

/** Height of a rack in U: its attribute, else its model's, else the common 42U. */
export function rackUHeight(attributes: Record<string, unknown>, modelUHeight: number | null): number {
  const attr = attributes.uHeight;
  if (typeof attr === 'number' && attr > 0) return attr;
  return modelUHeight && modelUHeight > 0 ? modelUHeight : 42;
}

const numberAttr = (attributes: Record<string, unknown>, name: string): number | null => {
  const v = attributes[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

export async function rackSummaries(db: Queryable, scope: RackScope, opts: RackSummaryOptions = {}): Promise<RackSummary[]> {
  if (scope.racks && scope.racks.length === 0) return [];
  const racks = await rackRows(db, scope);
  const points = await rackPoints(db, racks.map((r) => r.id));
  const now = (opts.now ?? new Date()).getTime();
  const lost = points.filter((p) => p.ts !== null && p.value === null);
  if (lost.length > 0) {
    const held = await recentValues(db, [...new Set(lost.map((p) => p.pointId))], new Date(now - RACK_HOLD_LAST_VALUE_MS));
    for (const p of lost) {
      const h = held.get(p.pointId);
      if (h?.ok) Object.assign(p, { ts: h.ts, value: h.value, quality: QUALITY_OK });
    }
  }
  const byRack = new Map<number, RackPointRow[]>();
  for (const p of points) {
    const list = byRack.get(p.rackId);
    if (list) list.push(p); else byRack.set(p.rackId, [p]);
  }
  const staleAfterMs = opts.staleAfterMs ?? RACK_STALE_AFTER_MS;
  return racks.map((rack) => summarise(rack, byRack.get(rack.id) ?? [], now, staleAfterMs));
}

function summarise(rack: RackRow, points: RackPointRow[], now: number, staleAfterMs: number): RackSummary {
  const uHeight = rackUHeight(rack.attributes, rack.modelUHeight);
  const usedU = Math.min(rack.usedU, uHeight);
  let powerW: number | null = null;
  let inletC: number | null = null;
  let newest: number | null = null;
  let stale = false;
  const power: string[] = [];
  const inlet: string[] = [];
  const latest = { power: [] as RackPointLatest[], inlet: [] as RackPointLatest[] };
  for (const p of points) {
    const fresh = p.ts !== null && p.value !== null && p.quality === QUALITY_OK && now - p.ts.getTime() <= staleAfterMs;
    (p.role === 'power' ? power : inlet).push(p.key);
    latest[p.role].push({ value: p.quality === QUALITY_OK ? p.value : null, ts: p.ts?.toISOString() ?? null, fresh });
    if (!fresh) stale = true;
    if (p.ts !== null) newest = Math.max(newest ?? 0, p.ts.getTime());
    // A value the device did deliver still counts even when old: the stale flag says how much to trust it.
    if (p.value === null || p.quality !== QUALITY_OK) continue;
    if (p.role === 'power') powerW = (powerW ?? 0) + p.value;
    else inletC = inletC === null ? p.value : Math.max(inletC, p.value);
  }
  return {
    key: rack.key,
    name: rack.name,
    siteKey: rack.siteKey,
    roomKey: rack.roomKey,
    rowKey: rack.rowKey,
    gridX: numberAttr(rack.attributes, 'gridX'),
    gridY: numberAttr(rack.attributes, 'gridY'),
    uHeight,
    usedU,
    freeU: uHeight - usedU,
    maxKw: numberAttr(rack.attributes, 'maxKw'),
    powerW,
    inletC,
    points: { power, inlet },
    measuredAt: newest === null ? null : new Date(newest).toISOString(),
    stale,
    latest,
  };
}
