/**
 * The CMDB's SQL: configuration items, the model library, relationships, history and the graph queries
 * (power path, impact, dependent services, the state as of a past date). Writes take a `Queryable` so the
 * caller runs them inside `db.atomic`, with the change and its history in one transaction.
 */
import type { Db, DbKind, Queryable } from '../client.ts';
import { pgTextArray } from './samples.ts';

// ---------------------------------------------------------------- snapshots (what history records)

/** A CI as the history records it: every field a person can change, by key, plus `parentId` for as-of queries. */
export interface CiSnapshot {
  key: string; type: string; name: string; status: string; description: string | null;
  model: string | null; serial: string | null; assetTag: string | null; owner: string | null;
  installDate: string | null; warrantyEnd: string | null; supportEnd: string | null;
  maintenanceContract: string | null; maintenanceVendor: string | null;
  parentId: number | null; parent: string | null; positionU: number | null; face: 'front' | 'rear' | null;
  devices: string[]; attributes: Record<string, unknown>; tags: string[]; links: Array<{ title: string; url: string }>;
  version: number;
}

export interface RelationSnapshot {
  kind: string; fromId: number; from: string; toId: number; to: string;
  feed: string | null; port: string | null; phase: string | null; note: string | null;
}

const CI_SNAPSHOT = `jsonb_build_object(
  'key', c.key, 'type', c.type, 'name', c.name, 'status', c.status, 'description', c.description,
  'model', m.key, 'serial', c.serial, 'assetTag', c.asset_tag, 'owner', c.owner,
  'installDate', c.install_date, 'warrantyEnd', c.warranty_end, 'supportEnd', c.support_end,
  'maintenanceContract', c.maintenance_contract, 'maintenanceVendor', c.maintenance_vendor,
  'parentId', c.parent_id, 'parent', p.key, 'positionU', c.position_u, 'face', c.face,
  'devices', coalesce((select jsonb_agg(d.device order by d.device) from ci_devices d where d.ci_id = c.id), '[]'::jsonb),
  'attributes', c.attributes, 'tags', to_jsonb(c.tags), 'links', c.links, 'version', c.version)`;
const CI_FROM = `cis c left join cis p on p.id = c.parent_id left join ci_models m on m.id = c.model_id`;

const RELATION_SNAPSHOT = `jsonb_build_object('kind', r.kind, 'fromId', r.from_id, 'from', f.key, 'toId', r.to_id, 'to', t.key,
  'feed', r.feed, 'port', r.port, 'phase', r.phase, 'note', r.note)`;
const RELATION_FROM = `ci_relations r join cis f on f.id = r.from_id join cis t on t.id = r.to_id`;

const json = (v: unknown) => JSON.stringify(v);
const parseJson = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export async function ciSnapshotsByKey(q: Queryable, keys: string[]): Promise<Map<string, { id: number; snap: CiSnapshot }>> {
  const out = new Map<string, { id: number; snap: CiSnapshot }>();
  if (keys.length === 0) return out;
  const rows = await q.query<{ id: number; snap: unknown }>(
    `select c.id, ${CI_SNAPSHOT} as snap from ${CI_FROM} where c.key = any($1::text[])`, [keys]);
  for (const r of rows) { const snap = parseJson<CiSnapshot>(r.snap); out.set(snap.key, { id: Number(r.id), snap }); }
  return out;
}

export async function relationSnapshotsById(q: Queryable, ids: number[]): Promise<Map<number, RelationSnapshot>> {
  const out = new Map<number, RelationSnapshot>();
  if (ids.length === 0) return out;
  const rows = await q.query<{ id: number; snap: unknown }>(
    `select r.id, ${RELATION_SNAPSHOT} as snap from ${RELATION_FROM} where r.id = any($1::int4[])`, [ids]);
  for (const r of rows) out.set(Number(r.id), parseJson<RelationSnapshot>(r.snap));
  return out;
}

// ---------------------------------------------------------------- locking

/** Serialises CMDB writers (replicas included): validation reads and the write see one consistent CMDB. */
export async function lockCmdb(q: Queryable, kind: DbKind): Promise<void> {
  // PGlite: a transaction already excludes every other statement.
  if (kind !== 'pglite') await q.query(`select pg_advisory_xact_lock(hashtext('kiban.cmdb'))`);
}

/** Fresh planner statistics after a bulk import (without them a join over 60,000 relations takes seconds, not ms). */
export async function analyzeCmdb(q: Queryable): Promise<void> {
  await q.query('analyze cis, ci_relations, ci_devices, ci_models');
}

// ---------------------------------------------------------------- models

export interface CiModelView {
  id: number; key: string; type: string; vendor: string; model: string; uHeight: number | null; weightKg: number | null;
  nameplateW: number | null; psuCount: number | null; airflow: string | null; attributes: Record<string, unknown>;
}

const MODEL_SELECT = `select id, key, type, vendor, model, u_height as "uHeight", weight_kg as "weightKg", nameplate_w as "nameplateW",
  psu_count as "psuCount", airflow, attributes from ci_models`;

function modelRow(r: any): CiModelView {
  return { ...r, id: Number(r.id), attributes: parseJson(r.attributes) ?? {}, weightKg: r.weightKg === null ? null : Number(r.weightKg), nameplateW: r.nameplateW === null ? null : Number(r.nameplateW) };
}

export async function listModels(q: Queryable, filter: { type?: string } = {}): Promise<CiModelView[]> {
  const rows = await q.query(`${MODEL_SELECT} where ($1::text is null or type = $1) order by vendor, model`, [filter.type ?? null]);
  return rows.map(modelRow);
}

export async function modelsByKey(q: Queryable, keys: string[]): Promise<Map<string, CiModelView>> {
  const out = new Map<string, CiModelView>();
  if (keys.length === 0) return out;
  for (const r of await q.query(`${MODEL_SELECT} where key = any($1::text[])`, [keys])) { const m = modelRow(r); out.set(m.key, m); }
  return out;
}

export interface ModelWrite { key: string; type: string; vendor: string; model: string; uHeight?: number; weightKg?: number; nameplateW?: number; psuCount?: number; airflow?: string; attributes: Record<string, unknown> }

/** Creates or updates library models by key; returns the keys that changed with before/after for the history. */
export async function upsertModels(q: Queryable, models: ModelWrite[]): Promise<Array<{ id: number; key: string; before: CiModelView | null; after: CiModelView }>> {
  if (models.length === 0) return [];
  const before = await modelsByKey(q, models.map((m) => m.key));
  await q.query(
    `insert into ci_models as m (key, type, vendor, model, u_height, weight_kg, nameplate_w, psu_count, airflow, attributes)
     select x.key, x.type, x.vendor, x.model, x.u_height, x.weight_kg, x.nameplate_w, x.psu_count, x.airflow, coalesce(x.attributes, '{}'::jsonb)
       from jsonb_to_recordset($1::jsonb) as x(key text, type text, vendor text, model text, u_height smallint, weight_kg float8,
            nameplate_w float8, psu_count smallint, airflow text, attributes jsonb)
     on conflict (key) do update set type = excluded.type, vendor = excluded.vendor, model = excluded.model, u_height = excluded.u_height,
       weight_kg = excluded.weight_kg, nameplate_w = excluded.nameplate_w, psu_count = excluded.psu_count, airflow = excluded.airflow,
       attributes = excluded.attributes, updated_at = now()
     where (m.type, m.vendor, m.model, m.u_height, m.weight_kg, m.nameplate_w, m.psu_count, m.airflow, m.attributes)
       is distinct from (excluded.type, excluded.vendor, excluded.model, excluded.u_height, excluded.weight_kg, excluded.nameplate_w,
                         excluded.psu_count, excluded.airflow, excluded.attributes)`,
    [json(models.map((m) => ({
      key: m.key, type: m.type, vendor: m.vendor, model: m.model, u_height: m.uHeight ?? null, weight_kg: m.weightKg ?? null,
      nameplate_w: m.nameplateW ?? null, psu_count: m.psuCount ?? null, airflow: m.airflow ?? null, attributes: m.attributes,
    })))],
  );
  const after = await modelsByKey(q, models.map((m) => m.key));
  const changed: Array<{ id: number; key: string; before: CiModelView | null; after: CiModelView }> = [];
  for (const [key, a] of after) {
    const b = before.get(key) ?? null;
    if (!b || json({ ...b, id: 0 }) !== json({ ...a, id: 0 })) changed.push({ id: a.id, key, before: b, after: a });
  }
  return changed;
}

// ---------------------------------------------------------------- CI writes

/** One CI as written: the validated input with its model and parent resolved by key. */
export interface CiWrite {
  key: string; type: string; name: string; status: string; description?: string | null;
  modelId?: number | null; serial?: string | null; assetTag?: string | null; owner?: string | null;
  installDate?: string | null; warrantyEnd?: string | null; supportEnd?: string | null;
  maintenanceContract?: string | null; maintenanceVendor?: string | null;
  parent?: string | null; positionU?: number | null; face?: string | null;
  devices: string[]; attributes: Record<string, unknown>; tags: string[]; links: Array<{ title: string; url: string }>;
}

/**
 * Creates or updates CIs by key in one statement per level of the location tree (a parent created in the same
 * call is written before its children). Rows that did not change are not rewritten; `version` counts changes.
 */
export async function upsertCis(q: Queryable, rows: CiWrite[], actor: string): Promise<void> {
  if (rows.length === 0) return;
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const depth = new Map<string, number>();
  const depthOf = (key: string, seen = new Set<string>()): number => {
    const known = depth.get(key);
    if (known !== undefined) return known;
    const parent = byKey.get(key)?.parent;
    const d = parent && byKey.has(parent) && !seen.has(parent) ? depthOf(parent, seen.add(key)) + 1 : 0;
    depth.set(key, d);
    return d;
  };
  const levels: CiWrite[][] = [];
  for (const r of rows) (levels[depthOf(r.key)] ??= []).push(r);
  for (const level of levels) {
    if (!level) continue;
    await q.query(
      `insert into cis as c (key, type, name, status, description, model_id, serial, asset_tag, owner, install_date, warranty_end, support_end,
                             maintenance_contract, maintenance_vendor, parent_id, position_u, face, attributes, tags, links, updated_by)
       select x.key, x.type, x.name, x.status, x.description, x.model_id, x.serial, x.asset_tag, x.owner, x.install_date, x.warranty_end,
              x.support_end, x.maintenance_contract, x.maintenance_vendor, p.id, x.position_u, x.face, coalesce(x.attributes, '{}'::jsonb),
              coalesce(array(select jsonb_array_elements_text(x.tags)), '{}'::text[]), coalesce(x.links, '[]'::jsonb), $2
         from jsonb_to_recordset($1::jsonb) as x(key text, type text, name text, status text, description text, model_id int4, serial text,
              asset_tag text, owner text, install_date date, warranty_end date, support_end date, maintenance_contract text,
              maintenance_vendor text, parent text, position_u smallint, face text, attributes jsonb, tags jsonb, links jsonb)
         left join cis p on p.key = x.parent
       on conflict (key) do update set type = excluded.type, name = excluded.name, status = excluded.status, description = excluded.description,
         model_id = excluded.model_id, serial = excluded.serial, asset_tag = excluded.asset_tag, owner = excluded.owner,
         install_date = excluded.install_date, warranty_end = excluded.warranty_end, support_end = excluded.support_end,
         maintenance_contract = excluded.maintenance_contract, maintenance_vendor = excluded.maintenance_vendor, parent_id = excluded.parent_id,
         position_u = excluded.position_u, face = excluded.face, attributes = excluded.attributes, tags = excluded.tags, links = excluded.links,
         version = c.version + 1, updated_at = now(), updated_by = excluded.updated_by
       where (c.type, c.name, c.status, c.description, c.model_id, c.serial, c.asset_tag, c.owner, c.install_date, c.warranty_end, c.support_end,
              c.maintenance_contract, c.maintenance_vendor, c.parent_id, c.position_u, c.face, c.attributes, c.tags, c.links)
         is distinct from
             (excluded.type, excluded.name, excluded.status, excluded.description, excluded.model_id, excluded.serial, excluded.asset_tag,
              excluded.owner, excluded.install_date, excluded.warranty_end, excluded.support_end, excluded.maintenance_contract,
              excluded.maintenance_vendor, excluded.parent_id, excluded.position_u, excluded.face, excluded.attributes, excluded.tags, excluded.links)`,
      [json(level.map((r) => ({
        key: r.key, type: r.type, name: r.name, status: r.status, description: r.description ?? null, model_id: r.modelId ?? null,
        serial: r.serial ?? null, asset_tag: r.assetTag ?? null, owner: r.owner ?? null, install_date: r.installDate ?? null,
        warranty_end: r.warrantyEnd ?? null, support_end: r.supportEnd ?? null, maintenance_contract: r.maintenanceContract ?? null,
        maintenance_vendor: r.maintenanceVendor ?? null, parent: r.parent ?? null, position_u: r.positionU ?? null, face: r.face ?? null,
        attributes: r.attributes, tags: r.tags, links: r.links,
      }))), actor],
    );
  }
  // monitored-by: the collector devices of each CI, exactly as given.
  const deviceRows = json(rows.map((r) => ({ key: r.key, devices: r.devices })));
  await q.query(
    `delete from ci_devices d using jsonb_to_recordset($1::jsonb) as x(key text, devices jsonb), cis c
      where c.key = x.key and d.ci_id = c.id and not (x.devices ? d.device)`, [deviceRows]);
  await q.query(
    `insert into ci_devices (device, ci_id)
     select e.device, c.id from jsonb_to_recordset($1::jsonb) as x(key text, devices jsonb)
       join cis c on c.key = x.key cross join lateral jsonb_array_elements_text(x.devices) as e(device)
     on conflict (device) do update set ci_id = excluded.ci_id where ci_devices.ci_id <> excluded.ci_id`, [deviceRows]);
}

export async function deleteCis(q: Queryable, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await q.query(`delete from ci_relations where from_id = any($1::int4[]) or to_id = any($1::int4[])`, [ids]);
  await q.query(`delete from cis where id = any($1::int4[])`, [ids]);
}

// ---------------------------------------------------------------- relation writes

export interface RelationWrite { kind: string; from: string; to: string; feed?: string | null; port?: string | null; phase?: string | null; note?: string | null }

/** Creates relations (or updates feed/phase/note of an existing one with the same kind, ends and port); returns their ids. */
export async function upsertRelations(q: Queryable, rows: RelationWrite[], actor: string): Promise<number[]> {
  if (rows.length === 0) return [];
  const out = await q.query<{ id: number }>(
    `insert into ci_relations as r (kind, from_id, to_id, feed, port, phase, note, updated_by)
     select x.kind, f.id, t.id, x.feed, x.port, x.phase, x.note, $2
       from jsonb_to_recordset($1::jsonb) as x(kind text, "from" text, "to" text, feed text, port text, phase text, note text)
       join cis f on f.key = x."from" join cis t on t.key = x."to"
     on conflict (kind, from_id, to_id, coalesce(port, '')) do update set feed = excluded.feed, phase = excluded.phase, note = excluded.note,
       updated_by = excluded.updated_by
     where (r.feed, r.phase, r.note) is distinct from (excluded.feed, excluded.phase, excluded.note)
     returning r.id`,
    [json(rows.map((r) => ({ kind: r.kind, from: r.from, to: r.to, feed: r.feed ?? null, port: r.port ?? null, phase: r.phase ?? null, note: r.note ?? null }))), actor],
  );
  return out.map((r) => Number(r.id));
}

/** Ids of existing relations matching (kind, from, to, port). */
export async function relationIdsFor(q: Queryable, rows: RelationWrite[]): Promise<number[]> {
  if (rows.length === 0) return [];
  const out = await q.query<{ id: number }>(
    `select r.id from jsonb_to_recordset($1::jsonb) as x(kind text, "from" text, "to" text, port text)
       join cis f on f.key = x."from" join cis t on t.key = x."to"
       join ci_relations r on r.kind = x.kind and r.from_id = f.id and r.to_id = t.id and coalesce(r.port, '') = coalesce(x.port, '')`,
    [json(rows.map((r) => ({ kind: r.kind, from: r.from, to: r.to, port: r.port ?? null })))],
  );
  return out.map((r) => Number(r.id));
}

export async function deleteRelations(q: Queryable, ids: number[]): Promise<void> {
  if (ids.length > 0) await q.query(`delete from ci_relations where id = any($1::int4[])`, [ids]);
}

/** Ids of the relations touching any of these CIs. */
export async function relationIdsOfCis(q: Queryable, ciIds: number[]): Promise<number[]> {
  if (ciIds.length === 0) return [];
  const rows = await q.query<{ id: number }>(`select id from ci_relations where from_id = any($1::int4[]) or to_id = any($1::int4[])`, [ciIds]);
  return rows.map((r) => Number(r.id));
}

// ---------------------------------------------------------------- history

export interface HistoryWrite {
  entity: 'ci' | 'relation' | 'model'; entityId: number; ciId: number | null; otherCiId: number | null;
  action: 'create' | 'update' | 'delete'; before: unknown; after: unknown;
}

export async function writeHistory(q: Queryable, entries: HistoryWrite[], actor: string, source: string): Promise<void> {
  if (entries.length === 0) return;
  await q.query(
    `insert into ci_history (actor, source, entity, entity_id, ci_id, other_ci_id, action, before, after)
     select $2, $3, x.entity, x.entity_id, x.ci_id, x.other_ci_id, x.action, x.before, x.after
       from jsonb_to_recordset($1::jsonb) as x(entity text, entity_id int4, ci_id int4, other_ci_id int4, action text, before jsonb, after jsonb)`,
    [json(entries.map((e) => ({ entity: e.entity, entity_id: e.entityId, ci_id: e.ciId, other_ci_id: e.otherCiId, action: e.action, before: e.before, after: e.after }))), actor, source],
  );
}

export interface HistoryRow {
  id: number; at: Date; actor: string; source: string; entity: 'ci' | 'relation' | 'model'; entityId: number;
  action: 'create' | 'update' | 'delete'; before: Record<string, unknown> | null; after: Record<string, unknown> | null;
}

function historyRow(r: any): HistoryRow {
  return { id: Number(r.id), at: new Date(r.at), actor: r.actor, source: r.source, entity: r.entity, entityId: Number(r.entity_id), action: r.action, before: parseJson(r.before), after: parseJson(r.after) };
}

/** Changes to a CI and to the relations touching it, newest first. */
export async function historyOfCi(q: Queryable, ciId: number, limit = 500): Promise<HistoryRow[]> {
  const rows = await q.query(
    `select id, at, actor, source, entity, entity_id, action, before, after from ci_history
      where (entity = 'ci' and entity_id = $1) or (entity = 'relation' and (ci_id = $1 or other_ci_id = $1))
      order by at desc, id desc limit $2`, [ciId, limit]);
  return rows.map(historyRow);
}

/** The id a key had (also for a deleted CI, from its history). */
export async function ciIdEverKeyed(q: Queryable, key: string): Promise<number | undefined> {
  const live = await q.query<{ id: number }>(`select id from cis where key = $1`, [key]);
  if (live.length > 0) return Number(live[0].id);
  const past = await q.query<{ id: number }>(
    `select entity_id as id from ci_history where entity = 'ci' and (after->>'key' = $1 or before->>'key' = $1) order by at desc, id desc limit 1`, [key]);
  return past.length > 0 ? Number(past[0].id) : undefined;
}

/**
 * What a CI, the CIs located in it and the relations touching it looked like at `at`: the newest history
 * entry of each at or before `at` (a `delete` entry means it no longer existed then).
 */
export async function stateAsOf(q: Queryable, ciId: number, at: Date): Promise<{ ci: CiSnapshot | null; children: CiSnapshot[]; relations: Array<RelationSnapshot & { id: number }> }> {
  const [ciRow] = await q.query<{ after: unknown }>(
    `select after from ci_history where entity = 'ci' and entity_id = $1 and at <= $2 order by at desc, id desc limit 1`, [ciId, at.toISOString()]);
  const children = await q.query<{ after: unknown }>(
    `with candidates as (
       select distinct entity_id from ci_history
        where entity = 'ci' and (after->>'parentId' = $1::text or before->>'parentId' = $1::text)
     )
     select s.after from candidates k cross join lateral (
       select after from ci_history h where h.entity = 'ci' and h.entity_id = k.entity_id and h.at <= $2 order by h.at desc, h.id desc limit 1
     ) s where s.after->>'parentId' = $1::text`, [ciId, at.toISOString()]);
  const relations = await q.query<{ id: number; after: unknown }>(
    `with candidates as (
       select distinct entity_id from ci_history where entity = 'relation' and (ci_id = $1 or other_ci_id = $1)
     )
     select k.entity_id as id, s.after from candidates k cross join lateral (
       select after from ci_history h where h.entity = 'relation' and h.entity_id = k.entity_id and h.at <= $2 order by h.at desc, h.id desc limit 1
     ) s where s.after is not null`, [ciId, at.toISOString()]);
  return {
    ci: ciRow ? parseJson<CiSnapshot | null>(ciRow.after) : null,
    children: children.map((r) => parseJson<CiSnapshot>(r.after)).sort((a, b) => (b.positionU ?? 0) - (a.positionU ?? 0) || a.key.localeCompare(b.key)),
    relations: relations.map((r) => ({ id: Number(r.id), ...parseJson<RelationSnapshot>(r.after) })),
  };
}

// ---------------------------------------------------------------- reads

export interface CiView extends Omit<CiSnapshot, 'model'> {
  id: number;
  model: CiModelView | null;
  createdAt: Date; updatedAt: Date; updatedBy: string;
}

const CI_VIEW_SELECT = `select c.id, ${CI_SNAPSHOT} as snap, c.model_id, c.created_at, c.updated_at, c.updated_by from ${CI_FROM}`;

async function ciViews(q: Queryable, rows: any[]): Promise<CiView[]> {
  const modelIds = [...new Set(rows.map((r) => r.model_id).filter((x) => x !== null).map(Number))];
  const models = new Map<number, CiModelView>();
  if (modelIds.length > 0) for (const r of await q.query(`${MODEL_SELECT} where id = any($1::int4[])`, [modelIds])) models.set(Number(r.id), modelRow(r));
  return rows.map((r) => {
    const snap = parseJson<CiSnapshot>(r.snap);
    return { ...snap, id: Number(r.id), model: r.model_id === null ? null : models.get(Number(r.model_id)) ?? null, createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at), updatedBy: r.updated_by };
  });
}

export async function ciByKey(q: Queryable, key: string): Promise<CiView | undefined> {
  const rows = await q.query(`${CI_VIEW_SELECT} where c.key = $1`, [key]);
  return (await ciViews(q, rows))[0];
}

export interface CiFilter { q?: string; type?: string[]; status?: string[]; parent?: string; tag?: string; device?: string; after?: string; limit: number }

/** CIs ordered by key; `q` matches key, name, serial or asset tag (case-insensitive substring). */
export async function listCis(q: Queryable, f: CiFilter): Promise<CiView[]> {
  const like = f.q ? `%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
  const rows = await q.query(
    `${CI_VIEW_SELECT}
      where ($1::text is null or c.key ilike $1 or c.name ilike $1 or c.serial ilike $1 or c.asset_tag ilike $1)
        and ($2::text[] is null or c.type = any($2::text[]))
        and ($3::text[] is null or c.status = any($3::text[]))
        and ($4::text is null or p.key = $4)
        and ($5::text is null or $5 = any(c.tags))
        and ($6::text is null or c.key > $6)
        and ($8::text is null or exists (select 1 from ci_devices d where d.ci_id = c.id and d.device = $8))
      order by c.key limit $7`,
    [like, f.type ?? null, f.status ?? null, f.parent ?? null, f.tag ?? null, f.after ?? null, f.limit, f.device ?? null],
  );
  return ciViews(q, rows);
}

export async function childrenOf(q: Queryable, ciId: number): Promise<CiView[]> {
  const rows = await q.query(`${CI_VIEW_SELECT} where c.parent_id = $1 order by c.position_u desc nulls last, c.key`, [ciId]);
  return ciViews(q, rows);
}

/** Ancestors of a CI, the site first. */
export async function ancestorsOf(q: Queryable, ciId: number): Promise<Array<{ id: number; key: string; type: string; name: string }>> {
  const rows = await q.query<{ id: number; key: string; type: string; name: string; depth: number }>(
    `with recursive up(id, depth) as (
       select parent_id, 1 from cis where id = $1 and parent_id is not null
       union
       select c.parent_id, u.depth + 1 from cis c join up u on c.id = u.id where c.parent_id is not null and u.depth < 64
     )
     select c.id, c.key, c.type, c.name, u.depth from up u join cis c on c.id = u.id order by u.depth desc`, [ciId]);
  return rows.map((r) => ({ id: Number(r.id), key: r.key, type: r.type, name: r.name }));
}

export interface RelationView {
  id: number; kind: string; from: { key: string; type: string; name: string }; to: { key: string; type: string; name: string };
  feed: string | null; port: string | null; phase: string | null; note: string | null;
}

const RELATION_VIEW_SELECT = `select r.id, r.kind, f.key as from_key, f.type as from_type, f.name as from_name,
  t.key as to_key, t.type as to_type, t.name as to_name, r.feed, r.port, r.phase, r.note from ${RELATION_FROM}`;

function relationView(r: any): RelationView {
  return {
    id: Number(r.id), kind: r.kind, from: { key: r.from_key, type: r.from_type, name: r.from_name }, to: { key: r.to_key, type: r.to_type, name: r.to_name },
    feed: r.feed, port: r.port, phase: r.phase, note: r.note,
  };
}

export async function relationsOf(q: Queryable, ciId: number): Promise<RelationView[]> {
  const rows = await q.query<any>(
    `${RELATION_VIEW_SELECT} where r.from_id = $1 or r.to_id = $1
      order by r.kind, (r.from_id = $1) desc, r.feed nulls last, t.key, f.key`, [ciId]);
  return rows.map(relationView);
}

export async function relationById(q: Queryable, id: number): Promise<RelationView | undefined> {
  const rows = await q.query<any>(
    `${RELATION_VIEW_SELECT} where r.id = $1`, [id]);
  return rows.map(relationView)[0];
}

export async function ciCount(q: Queryable): Promise<number> {
  const [r] = await q.query<{ n: number }>(`select count(*)::int as n from cis`);
  return Number(r.n);
}

// ---------------------------------------------------------------- validation inputs

/** What a rack holds: the CIs located in it with their U span and weight (from their model). */
export interface RackOccupant { key: string; type: string; positionU: number | null; face: string | null; uHeight: number | null; weightKg: number | null }

export async function rackOccupants(q: Queryable, rackKeys: string[]): Promise<Map<string, RackOccupant[]>> {
  const out = new Map<string, RackOccupant[]>();
  if (rackKeys.length === 0) return out;
  const rows = await q.query<any>(
    `select r.key as rack, c.key, c.type, c.position_u, c.face, m.u_height, m.weight_kg
       from cis r join cis c on c.parent_id = r.id left join ci_models m on m.id = c.model_id
      where r.key = any($1::text[])`, [rackKeys]);
  for (const r of rows) {
    const list = out.get(r.rack) ?? [];
    list.push({ key: r.key, type: r.type, positionU: r.position_u === null ? null : Number(r.position_u), face: r.face, uHeight: r.u_height === null ? null : Number(r.u_height), weightKg: r.weight_kg === null ? null : Number(r.weight_kg) });
    out.set(r.rack, list);
  }
  return out;
}

/** Existing CIs by key: id, type, parent key, and a rack's height/max weight. */
export async function ciHeads(q: Queryable, keys: string[]): Promise<Map<string, { id: number; type: string; parent: string | null; attributes: Record<string, unknown> }>> {
  const out = new Map<string, { id: number; type: string; parent: string | null; attributes: Record<string, unknown> }>();
  if (keys.length === 0) return out;
  const rows = await q.query<any>(`select c.id, c.key, c.type, p.key as parent, c.attributes from cis c left join cis p on p.id = c.parent_id where c.key = any($1::text[])`, [keys]);
  for (const r of rows) out.set(r.key, { id: Number(r.id), type: r.type, parent: r.parent, attributes: parseJson(r.attributes) ?? {} });
  return out;
}

/** The devices already linked to a CI other than the one given. */
export async function deviceOwners(q: Queryable, devices: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (devices.length === 0) return out;
  const rows = await q.query<{ device: string; key: string }>(`select d.device, c.key from ci_devices d join cis c on c.id = d.ci_id where d.device = any($1::text[])`, [devices]);
  for (const r of rows) out.set(r.device, r.key);
  return out;
}

/**
 * A path `from` → … → `to` along relations of `kind`, if one exists (used to refuse a new edge to → from that
 * would close a cycle). Keys, in order.
 */
export async function relationPath(q: Queryable, kind: string, fromKey: string, toKey: string): Promise<string[] | undefined> {
  const rows = await q.query<{ path: string[] | string }>(
    `with recursive walk(id, path) as (
       select id, array[key] from cis where key = $2
       union all
       select r.to_id, w.path || c.key
         from walk w join ci_relations r on r.from_id = w.id and r.kind = $1 join cis c on c.id = r.to_id
        where not c.key = any(w.path) and cardinality(w.path) < 64
     )
     select path from walk w join cis c on c.id = w.id where c.key = $3 limit 1`, [kind, fromKey, toKey]);
  if (rows.length === 0) return undefined;
  return pgTextArray(rows[0].path);
}

/** Whole relation graph of one kind (for validating a bulk import in memory). */
export async function relationEdges(q: Queryable, kinds: string[]): Promise<Array<{ kind: string; from: string; to: string }>> {
  const rows = await q.query<{ kind: string; from_key: string; to_key: string }>(
    `select r.kind, f.key as from_key, t.key as to_key from ${RELATION_FROM} where r.kind = any($1::text[])`, [kinds]);
  return rows.map((r) => ({ kind: r.kind, from: r.from_key, to: r.to_key }));
}

// ---------------------------------------------------------------- graph queries

export interface GraphCiRow { id: number; key: string; type: string; name: string; status: string; parentId: number | null }
export interface GraphRelationRow { id: number; kind: string; fromId: number; toId: number; feed: string | null; port: string | null }

/** Every CI and every supply relation (powered_by, cooled_by, depends_on, part_of): the in-memory graph's load. */
export async function loadGraphRows(q: Queryable): Promise<{ cis: GraphCiRow[]; relations: GraphRelationRow[] }> {
  const cis = await q.query<any>(`select id, key, type, name, status, parent_id from cis`);
  const relations = await q.query<any>(
    `select id, kind, from_id, to_id, feed, port from ci_relations where kind in ('powered_by', 'cooled_by', 'depends_on', 'part_of')`);
  return {
    cis: cis.map((r) => ({ id: Number(r.id), key: r.key, type: r.type, name: r.name, status: r.status, parentId: r.parent_id === null ? null : Number(r.parent_id) })),
    relations: relations.map((r) => ({ id: Number(r.id), kind: r.kind, fromId: Number(r.from_id), toId: Number(r.to_id), feed: r.feed, port: r.port })),
  };
}

export async function maxHistoryId(q: Queryable): Promise<number> {
  const [r] = await q.query<{ id: number | null }>(`select max(id) as id from ci_history`);
  return r?.id === null || r?.id === undefined ? 0 : Number(r.id);
}

/** CI and relation history entries after `afterId`, in commit order (writers are serialised). */
export async function graphHistoryTail(q: Queryable, afterId: number, limit: number): Promise<Array<{ id: number; entity: string; entityId: number; after: any }>> {
  const rows = await q.query<any>(
    `select id, entity, entity_id, after from ci_history where id > $1 and entity in ('ci', 'relation') order by id limit $2`, [afterId, limit]);
  return rows.map((r) => ({ id: Number(r.id), entity: r.entity, entityId: Number(r.entity_id), after: parseJson(r.after) }));
}

/** The location tree (every CI of a location type) as flat rows; the caller nests them. */
export async function locationRows(q: Queryable, types: readonly string[]): Promise<Array<GraphCiRow & { children: number }>> {
  const rows = await q.query<any>(
    `select c.id, c.key, c.type, c.name, c.status, c.parent_id,
            (select count(*)::int from cis k where k.parent_id = c.id and not (k.type = any($1::text[]))) as children
       from cis c where c.type = any($1::text[]) order by c.key`, [types]);
  return rows.map((r) => ({ id: Number(r.id), key: r.key, type: r.type, name: r.name, status: r.status, parentId: r.parent_id === null ? null : Number(r.parent_id), children: Number(r.children) }));
}

// ---------------------------------------------------------------- points and audit inputs

export interface CiPointRow { pointId: number; key: string; device: string; metric: string; unit: string; role: string | null; description: string | null }

/** Points of the CI's own devices, then of the CIs it is monitored by (a rack's sensor, a utility's meter). */
export async function pointsOfCi(q: Queryable, ciId: number): Promise<CiPointRow[]> {
  const rows = await q.query<any>(
    `select p.id, d.name || '/' || p.metric as key, d.name as device, p.metric, p.unit, p.role, p.description
       from (select $1::int4 as ci_id, 0 as rank
             union all
             select to_id, 1 from ci_relations where from_id = $1 and kind = 'monitored_by') owner
       join ci_devices cd on cd.ci_id = owner.ci_id join devices d on d.name = cd.device join points p on p.device_id = d.id
      order by owner.rank, d.name, p.metric`, [ciId]);
  return rows.map((r) => ({ pointId: Number(r.id), key: r.key, device: r.device, metric: r.metric, unit: r.unit, role: r.role, description: r.description }));
}

// ---------------------------------------------------------------- configuration audit inputs

export interface AuditRows {
  cis: Array<{ key: string; type: string; name: string; status: string; serial: string | null; vendor: string | null; model: string | null; devices: string[]; attributes: Record<string, unknown> }>;
  outletLinks: Array<{ pduKey: string; pduDevice: string | null; outlet: number; ciKey: string; ciStatus: string }>;
  devices: Array<{ name: string; kind: string; vendor: string | null; model: string | null; identity: Record<string, string | number> | null; lastSeen: Date | null }>;
  outletPower: Array<{ device: string; metric: string; value: number }>;
  pduDevices: Array<{ pduKey: string; device: string; outletCount?: number }>;
}

/**
 * What the configuration audit compares: CIs that name collector devices or are documented on PDU outlets,
 * those outlet links, the collector devices with the identity they reported and when they last reported (the
 * newest sample of their first few points: one index probe each), and the latest power of every PDU outlet.
 */
export async function auditRows(db: Db, outletMetricRegex: string): Promise<AuditRows> {
  const cis = await db.query<any>(
    `select c.key, c.type, c.name, c.status, c.serial, m.vendor, m.model, c.attributes,
            coalesce((select array_agg(d.device order by d.device) from ci_devices d where d.ci_id = c.id), '{}') as devices
       from cis c left join ci_models m on m.id = c.model_id
      where exists (select 1 from ci_devices d where d.ci_id = c.id)
         or exists (select 1 from ci_relations r join cis p on p.id = r.to_id where r.from_id = c.id and r.kind = 'powered_by' and p.type = 'pdu')`);
  const outletLinks = await db.query<any>(
    `select p.key as pdu_key, (select min(d.device) from ci_devices d where d.ci_id = p.id) as pdu_device, r.port, c.key as ci_key, c.status
       from ci_relations r join cis p on p.id = r.to_id and p.type = 'pdu' join cis c on c.id = r.from_id
      where r.kind = 'powered_by' and r.port ~ '^[0-9]{1,4}$'`);
  const devices = await db.query<any>(
    `select d.name, d.kind, d.vendor, d.model, d.identity,
            (select max(s.ts) from (select id from points where device_id = d.id order by id limit 3) p
               cross join lateral (select ts from samples where point_id = p.id order by ts desc limit 1) s) as last_seen
       from devices d`);
  const outletPower = await db.query<any>(
    `select d.name as device, p.metric, s.value
       from ci_devices cd join cis c on c.id = cd.ci_id and c.type = 'pdu' join devices d on d.name = cd.device
       join points p on p.device_id = d.id and p.metric ~ $1
       cross join lateral (select value, quality from samples where point_id = p.id order by ts desc limit 1) s
      where s.quality = 0 and s.value is not null`, [outletMetricRegex]);
  const pduDevices = await db.query<any>(
    `select c.key as pdu_key, cd.device, (m.attributes->>'outletCount')::int as outlet_count
       from cis c join ci_devices cd on cd.ci_id = c.id left join ci_models m on m.id = c.model_id where c.type = 'pdu'`);
  return {
    cis: cis.map((r) => ({ key: r.key, type: r.type, name: r.name, status: r.status, serial: r.serial, vendor: r.vendor, model: r.model, devices: pgTextArray(r.devices), attributes: parseJson(r.attributes) ?? {} })),
    outletLinks: outletLinks.map((r) => ({ pduKey: r.pdu_key, pduDevice: r.pdu_device, outlet: Number(r.port), ciKey: r.ci_key, ciStatus: r.status })),
    devices: devices.map((r) => ({ name: r.name, kind: r.kind, vendor: r.vendor, model: r.model, identity: parseJson(r.identity), lastSeen: r.last_seen ? new Date(r.last_seen) : null })),
    outletPower: outletPower.map((r) => ({ device: r.device, metric: r.metric, value: Number(r.value) })),
    pduDevices: pduDevices.map((r) => ({ pduKey: r.pdu_key, device: r.device, ...(r.outlet_count !== null && r.outlet_count !== undefined ? { outletCount: Number(r.outlet_count) } : {}) })),
  };
}
