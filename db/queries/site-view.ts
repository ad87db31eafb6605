/**
 * What the floor plan and the cooling page read about a site: its rooms with their floor grid, the rows on
 * that grid, and the cooling units standing in the rooms with the points of their collector devices (supply
 * and return air, humidity, capacity, fan). Racks come from the rack summaries (server/domain/racks).
 */
import type { Db } from '../client.ts';
import { pgTextArray } from './samples.ts';

const parseJson = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
/** Keys as people number them: r2 before r10. */
const naturalOrder = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

export interface SiteRef { key: string; name: string }
export interface RoomRow { id: number; key: string; name: string; attributes: Record<string, unknown> }
export interface RowRow { key: string; name: string; roomKey: string; attributes: Record<string, unknown> }
export interface CoolingUnitRow {
  key: string; name: string; type: string; status: string; roomKey: string; rowKey: string | null;
  attributes: Record<string, unknown>; devices: string[];
}
export interface CoolingPointRow { key: string; device: string; metric: string; unit: string; role: string | null; pointId: number; states: Record<string, string> | null }

/** The site CI with this key, if it is one. */
export async function siteByKey(db: Db, key: string): Promise<SiteRef | undefined> {
  const rows = await db.query<{ key: string; name: string }>(`select key, name from cis where key = $1 and type = 'site'`, [key]);
  return rows[0];
}

/** The room CI with this key and the site it stands in (null when it hangs under no site). */
export async function roomWithSite(db: Db, key: string): Promise<{ room: RoomRow; site: SiteRef | null } | undefined> {
  const rows = await db.query<any>(
    `with recursive up(id, depth) as (
       select parent_id, 1 from cis where key = $1 and type = 'room' and parent_id is not null
       union all
       select c.parent_id, u.depth + 1 from cis c join up u on c.id = u.id where c.parent_id is not null and u.depth < 16
     )
     select r.id, r.key, r.name, r.attributes,
            (select s.key from up join cis s on s.id = up.id where s.type = 'site' order by up.depth limit 1) as site_key,
            (select s.name from up join cis s on s.id = up.id where s.type = 'site' order by up.depth limit 1) as site_name
       from cis r where r.key = $1 and r.type = 'room'`, [key]);
  const r = rows[0];
  if (!r) return undefined;
  return {
    room: { id: Number(r.id), key: r.key, name: r.name, attributes: parseJson(r.attributes) ?? {} },
    site: r.site_key ? { key: r.site_key, name: r.site_name } : null,
  };
}

/** Rooms of a site (directly in it or in its buildings), in natural key order (r2 before r10). */
export async function roomsOfSite(db: Db, siteKey: string): Promise<RoomRow[]> {
  const rows = await db.query<any>(
    `with recursive tree(id, depth) as (
       select id, 0 from cis where key = $1 and type = 'site'
       union all
       select c.id, t.depth + 1 from cis c join tree t on c.parent_id = t.id
        where c.type in ('building', 'room') and t.depth < 16
     )
     select c.id, c.key, c.name, c.attributes from tree t join cis c on c.id = t.id where c.type = 'room'`, [siteKey]);
  return rows.map((r) => ({ id: Number(r.id), key: r.key as string, name: r.name, attributes: parseJson<Record<string, unknown>>(r.attributes) ?? {} }))
    .sort((a, b) => naturalOrder(a.key, b.key));
}

/** Rows of these rooms, in natural key order. */
export async function rowsOfRooms(db: Db, roomIds: number[]): Promise<RowRow[]> {
  if (roomIds.length === 0) return [];
  const rows = await db.query<any>(
    `select w.key, w.name, w.attributes, r.key as room_key from cis w join cis r on r.id = w.parent_id
      where w.type = 'row' and w.parent_id = any($1::int4[])`, [roomIds]);
  return rows.map((r) => ({ key: r.key as string, name: r.name, roomKey: r.room_key, attributes: parseJson<Record<string, unknown>>(r.attributes) ?? {} }))
    .sort((a, b) => naturalOrder(a.key, b.key));
}

/** Cooling units (CRAC, chiller) standing in these rooms or in one of their rows, with their collector devices. */
export async function coolingUnitsOfRooms(db: Db, roomIds: number[]): Promise<CoolingUnitRow[]> {
  if (roomIds.length === 0) return [];
  const rows = await db.query<any>(
    `select c.key, c.name, c.type, c.status, c.attributes,
            case when p.type = 'row' then g.key else p.key end as room_key,
            case when p.type = 'row' then p.key else null end as row_key,
            coalesce((select array_agg(d.device order by d.device) from ci_devices d where d.ci_id = c.id), '{}') as devices
       from cis c join cis p on p.id = c.parent_id left join cis g on g.id = p.parent_id
      where c.type in ('crac', 'chiller')
        and (p.id = any($1::int4[]) or (p.type = 'row' and p.parent_id = any($1::int4[])))
      order by c.key`, [roomIds]);
  return rows.map((r) => ({
    key: r.key, name: r.name, type: r.type, status: r.status, roomKey: r.room_key, rowKey: r.row_key,
    attributes: parseJson(r.attributes) ?? {}, devices: pgTextArray(r.devices),
  }));
}

/** Points of these devices whose role is one of `roles`. */
export async function pointsByRole(db: Db, devices: string[], roles: readonly string[]): Promise<CoolingPointRow[]> {
  if (devices.length === 0 || roles.length === 0) return [];
  const rows = await db.query<any>(
    `select p.id, d.name as device, p.metric, p.unit, p.role, p.states from points p join devices d on d.id = p.device_id
      where d.name = any($1::text[]) and p.role = any($2::text[]) order by d.name, p.metric`, [devices, [...roles]]);
  return rows.map((r) => ({ pointId: Number(r.id), key: `${r.device}/${r.metric}`, device: r.device, metric: r.metric, unit: r.unit, role: r.role, states: parseJson(r.states) ?? null }));
}
