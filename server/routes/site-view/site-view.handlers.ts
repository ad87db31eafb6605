import type { Context } from 'hono';
import {
  coolingUnitsOfRooms, pointsByRole, roomsOfSite, roomWithSite, rowsOfRooms, siteByKey, type CoolingPointRow, type RoomRow, type SiteRef,
} from '../../../db/queries/site-view.ts';
import { latestSamples } from '../../../db/queries/samples.ts';
import type { AppEnv } from '../../lib/context.ts';
import { errorJson } from '../../lib/errors.ts';
import { COOLING_POINT_ROLES, type CoolingPointName } from './site-view.routes.ts';

type C = Context<AppEnv, any, any>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const ROLE_NAMES = new Map(Object.entries(COOLING_POINT_ROLES).map(([name, role]) => [role as string, name as CoolingPointName]));

export async function handleFloor(c: C) {
  const { db } = c.get('deps');
  const q = c.req.valid('query') as { site?: string; room?: string };
  if (!q.site && !q.room) {
    return errorJson(c, 400, 'invalid_request', 'give site or room', { issues: [{ path: 'site', message: 'site or room is required' }] });
  }
  let site: SiteRef | null;
  let rooms: RoomRow[];
  if (q.room) {
    const found = await roomWithSite(db, q.room);
    if (!found) return errorJson(c, 404, 'not_found', `no room ${q.room}`);
    if (q.site && found.site?.key !== q.site) return errorJson(c, 404, 'not_found', `no room ${q.room} in site ${q.site}`);
    site = found.site;
    rooms = [found.room];
  } else {
    const found = await siteByKey(db, q.site!);
    if (!found) return errorJson(c, 404, 'not_found', `no site ${q.site}`);
    site = found;
    rooms = await roomsOfSite(db, found.key);
  }

  const roomIds = rooms.map((r) => r.id);
  const [rows, units] = await Promise.all([rowsOfRooms(db, roomIds), coolingUnitsOfRooms(db, roomIds)]);
  const points = await pointsByRole(db, [...new Set(units.flatMap((u) => u.devices))], Object.values(COOLING_POINT_ROLES));
  const latest = new Map((await latestSamples(db, points.map((p) => p.pointId))).map((s) => [s.pointId, s]));
  // The first point of each role over a unit's devices, in device order (a unit with two cards reports once).
  const pointsOf = (devices: string[]) => {
    const out = Object.fromEntries(Object.keys(COOLING_POINT_ROLES).map((k) => [k, null])) as Record<CoolingPointName, ReturnType<typeof pointJson> | null>;
    for (const p of points) {
      const name = p.role ? ROLE_NAMES.get(p.role) : undefined;
      if (name && devices.includes(p.device) && out[name] === null) out[name] = pointJson(p);
    }
    return out;
  };
  const pointJson = (p: CoolingPointRow) => {
    const s = latest.get(p.pointId);
    return { key: p.key, unit: p.unit, value: s?.value ?? null, ts: s ? s.ts.toISOString() : null, quality: s?.quality ?? null, states: p.states };
  };

  return c.json({
    site,
    rooms: rooms.map((room) => ({
      key: room.key, name: room.name,
      gridColumns: num(room.attributes.gridColumns), gridRows: num(room.attributes.gridRows), tileMm: num(room.attributes.tileMm),
      rows: rows.filter((r) => r.roomKey === room.key).map((r) => ({
        key: r.key, name: r.name, gridRow: num(r.attributes.gridRow),
        aisle: (['hot', 'cold', 'none'] as const).find((a) => a === r.attributes.aisle) ?? null,
      })),
      coolingUnits: units.filter((u) => u.roomKey === room.key).map((u) => ({
        key: u.key, name: u.name, type: u.type, status: u.status, kind: typeof u.attributes.kind === 'string' ? u.attributes.kind : null,
        rowKey: u.rowKey, gridX: num(u.attributes.gridX), gridY: num(u.attributes.gridY), coolingKw: num(u.attributes.coolingKw),
        devices: u.devices, points: pointsOf(u.devices),
      })),
    })),
  }, 200);
}
