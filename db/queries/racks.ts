/**
 * Reads behind the rack summaries (floor plan, rack list, overview) and the rack elevation. Every function is
 * one set-based statement for any number of racks: 2,000 racks cost the same handful of round trips as one.
 */
import type { Queryable } from '../client.ts';

/** Metric of a PDU inlet's active power (`inlet.I1.power`, `inlet.AA.power`), not apparent power. */
export const PDU_INLET_POWER_METRIC = '^inlet\\.[^.]+\\.power$';
/** Inlet air temperatures: a rack sensor's `inlet.top.temperature`, or an entity sensor named as an inlet. */
const INLET_TEMPERATURE_SQL = `(p.metric ~ '^inlet\\.[^.]+\\.temperature$'
  or (p.metric ~ '^sensor\\.[^.]+\\.temperature$' and (p.metric ilike '%inlet%' or coalesce(p.description, '') ilike '%inlet%')))`;

export interface RackRow {
  id: number;
  key: string;
  name: string;
  attributes: Record<string, unknown>;
  modelUHeight: number | null;
  siteKey: string | null;
  roomKey: string | null;
  rowKey: string | null;
  /** Distinct U slots covered by mounted equipment, clamped to the rack. */
  usedU: number;
}

export interface RackScopeFilter { site?: string; room?: string; racks?: string[] }

/**
 * Racks with where they stand (site, room, row keys from the location tree) and how many U their mounted
 * equipment covers. A device without a model counts as 1U (as the CMDB's placement check does); 0U devices
 * (vertical PDUs, sensors) take none.
 */
export async function rackRows(q: Queryable, scope: RackScopeFilter): Promise<RackRow[]> {
  // Top-down from the sites through the location tree (index on parent_id), carrying the site, room and row
  // keys along, and stopping at racks: no per-rack walk up the tree, whatever the number of racks.
  const placed = await q.query<{
    id: number; key: string; name: string; attributes: Record<string, unknown> | string; model_u: number | null;
    site_key: string | null; room_key: string | null; row_key: string | null;
  }>(
    `with recursive down(id, type, site_key, room_key, row_key, depth) as (
       select id, type, key, null::text, null::text, 0 from cis where type = 'site' and ($1::text is null or key = $1)
       union all
       select c.id, c.type, d.site_key,
              case when c.type = 'room' then c.key else d.room_key end,
              case when c.type = 'row' then c.key else d.row_key end,
              d.depth + 1
         from down d join cis c on c.parent_id = d.id
        where d.type in ('site', 'building', 'room', 'row') and c.type in ('building', 'room', 'row', 'rack') and d.depth < 16
     )
     select r.id, r.key, r.name, r.attributes, m.u_height as model_u, d.site_key, d.room_key, d.row_key
       from down d join cis r on r.id = d.id left join ci_models m on m.id = r.model_id
      where d.type = 'rack' and ($2::text is null or d.room_key = $2) and ($3::text[] is null or r.key = any($3::text[]))
      order by r.key`,
    [scope.site ?? null, scope.room ?? null, scope.racks ?? null],
  );
  if (placed.length === 0) return [];
  const used = new Map<number, number>();
  for (const r of await q.query<{ rack_id: number; used_u: number }>(
    `select d.parent_id as rack_id, count(distinct u.n)::int as used_u
       from cis d
       left join ci_models dm on dm.id = d.model_id
       cross join lateral generate_series(d.position_u, d.position_u + coalesce(dm.u_height, 1) - 1) as u(n)
      where d.parent_id = any($1::int4[]) and d.position_u is not null and coalesce(dm.u_height, 1) > 0
      group by d.parent_id`,
    [placed.map((r) => r.id)],
  )) used.set(Number(r.rack_id), Number(r.used_u));
  return placed.map((r) => ({
    id: Number(r.id), key: r.key, name: r.name, attributes: jsonObject(r.attributes), modelUHeight: r.model_u === null ? null : Number(r.model_u),
    siteKey: r.site_key, roomKey: r.room_key, rowKey: r.row_key, usedU: used.get(Number(r.id)) ?? 0,
  }));
}

export interface RackPointRow {
  rackId: number;
  role: 'power' | 'inlet';
  pointId: number;
  key: string;
  /** The CI whose collector device has the point (a PDU, a sensor). */
  ciKey: string;
  /** Latest sample, null when the point has none. */
  ts: Date | null;
  value: number | null;
  quality: number | null;
}

/**
 * The points behind each rack's power and inlet temperature, with their latest samples: the inlet power of
 * the PDUs located in the rack, and the inlet air temperatures of every CI located in the rack or monitoring
 * it (`rack monitored_by sensor`).
 */
export async function rackPoints(q: Queryable, rackIds: number[]): Promise<RackPointRow[]> {
  if (rackIds.length === 0) return [];
  const rows = await q.query<{
    rack_id: number; role: 'power' | 'inlet'; point_id: number; key: string; ci_key: string;
    ts: Date | string | null; value: number | null; quality: number | null;
  }>(
    `with members as (
       -- only CIs with collector devices can have points: skip the servers and switches without any
       select c.parent_id as rack_id, c.id as ci_id from cis c
        where c.parent_id = any($1::int4[]) and exists (select 1 from ci_devices cd where cd.ci_id = c.id)
       union
       select r.from_id, r.to_id from ci_relations r where r.kind = 'monitored_by' and r.from_id = any($1::int4[])
     ), pts as (
       select m.rack_id, 'power' as role, p.id as point_id, d.name || '/' || p.metric as key, c.key as ci_key
         from members m
         join cis c on c.id = m.ci_id and c.type = 'pdu'
         join ci_devices cd on cd.ci_id = c.id
         join devices d on d.name = cd.device
         join points p on p.device_id = d.id
        where p.role = 'pdu.inlet.power' or p.metric ~ '${PDU_INLET_POWER_METRIC}'
       union
       select m.rack_id, 'inlet', p.id, d.name || '/' || p.metric, c.key
         from members m
         join cis c on c.id = m.ci_id
         join ci_devices cd on cd.ci_id = c.id
         join devices d on d.name = cd.device
         join points p on p.device_id = d.id
        where ${INLET_TEMPERATURE_SQL}
     )
     select pts.rack_id, pts.role, pts.point_id, pts.key, pts.ci_key, s.ts, s.value, s.quality
       from pts
       left join lateral (
         select ts, value, quality from samples where point_id = pts.point_id order by ts desc limit 1
       ) s on true
      order by pts.rack_id, pts.role, pts.key`,
    [rackIds],
  );
  return rows.map((r) => ({
    rackId: Number(r.rack_id), role: r.role, pointId: Number(r.point_id), key: r.key, ciKey: r.ci_key,
    ts: r.ts === null ? null : new Date(r.ts), value: r.value === null ? null : Number(r.value), quality: r.quality === null ? null : Number(r.quality),
  }));
}

function jsonObject(v: Record<string, unknown> | string | null): Record<string, unknown> {
  if (v === null) return {};
  return typeof v === 'string' ? JSON.parse(v) as Record<string, unknown> : v;
}

// ---------------------------------------------------------------- elevation

export interface RackPowerRelation {
  fromKey: string;
  toKey: string;
  toName: string;
  toType: string;
  feed: string | null;
  port: string | null;
}

/**
 * powered_by links of the rack and of the CIs located in it, and of the feeds they draw from (so a feed's
 * source panel is known even when the feed CI stands outside the rack).
 */
export async function rackPowerRelations(q: Queryable, rackId: number): Promise<RackPowerRelation[]> {
  const rows = await q.query<{ from_key: string; to_key: string; to_name: string; to_type: string; feed: string | null; port: string | null }>(
    `with members as (
       select id from cis where id = $1 or parent_id = $1
     ), feeds as (
       select r.to_id as id from ci_relations r join cis t on t.id = r.to_id
        where r.kind = 'powered_by' and r.from_id in (select id from members) and t.type = 'feed'
     )
     select f.key as from_key, t.key as to_key, t.name as to_name, t.type as to_type, r.feed, r.port
       from ci_relations r join cis f on f.id = r.from_id join cis t on t.id = r.to_id
      where r.kind = 'powered_by' and (r.from_id in (select id from members) or r.from_id in (select id from feeds))
      order by f.key, r.feed nulls last, t.key`,
    [rackId],
  );
  return rows.map((r) => ({ fromKey: r.from_key, toKey: r.to_key, toName: r.to_name, toType: r.to_type, feed: r.feed, port: r.port }));
}

export interface CiPointLatestRow {
  ciKey: string;
  device: string;
  metric: string;
  key: string;
  unit: string;
  role: string | null;
  description: string | null;
  states: Record<string, string> | null;
  ts: Date | null;
  value: number | null;
  quality: number | null;
}

/**
 * The points of these CIs' collector devices whose metric matches `metricRegex` (a PostgreSQL regular
 * expression), each with its latest sample.
 */
export async function ciPointsLatest(q: Queryable, ciKeys: string[], metricRegex: string): Promise<CiPointLatestRow[]> {
  if (ciKeys.length === 0) return [];
  const rows = await q.query<{
    ci_key: string; device: string; metric: string; unit: string; role: string | null; description: string | null;
    states: Record<string, string> | string | null; ts: Date | string | null; value: number | null; quality: number | null;
  }>(
    `select c.key as ci_key, d.name as device, p.metric, p.unit, p.role, p.description, p.states, s.ts, s.value, s.quality
       from cis c
       join ci_devices cd on cd.ci_id = c.id
       join devices d on d.name = cd.device
       join points p on p.device_id = d.id
       left join lateral (
         select ts, value, quality from samples where point_id = p.id order by ts desc limit 1
       ) s on true
      where c.key = any($1::text[]) and p.metric ~ $2
      order by c.key, d.name, p.metric`,
    [ciKeys, metricRegex],
  );
  return rows.map((r) => ({
    ciKey: r.ci_key, device: r.device, metric: r.metric, key: `${r.device}/${r.metric}`, unit: r.unit, role: r.role, description: r.description,
    states: typeof r.states === 'string' ? JSON.parse(r.states) as Record<string, string> : r.states,
    ts: r.ts === null ? null : new Date(r.ts), value: r.value === null ? null : Number(r.value), quality: r.quality === null ? null : Number(r.quality),
  }));
}
