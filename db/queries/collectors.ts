/**
 * Central collector configuration: registration (name ↔ token binding) and the devices assigned to each
 * collector. Every change to a collector's targets bumps its `config_version` in the same statement (one
 * statement = one transaction on every backend), so a collector that has version N has exactly the
 * targets of version N.
 */
import type { Db } from '../client.ts';

export interface CollectorRecord {
  id: number;
  name: string;
  tokenId: number | null;
  /** The bound token exists and is not revoked. */
  tokenActive: boolean;
  configVersion: number;
}

export interface CollectorSummary {
  name: string;
  configVersion: number;
  targetCount: number;
  bound: boolean;
  version: string | null;
  hostname: string | null;
  registeredAt: Date | null;
  lastSeenAt: Date | null;
}

export type StoredTarget = Record<string, unknown> & { device: string };

const toDate = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

export async function collectorByName(db: Db, name: string): Promise<CollectorRecord | undefined> {
  const [row] = await db.query<{ id: number; name: string; token_id: number | null; token_active: boolean; config_version: number }>(
    `select c.id, c.name, c.token_id, c.config_version,
            (t.id is not null and t.revoked_at is null) as token_active
       from collectors c left join api_tokens t on t.id = c.token_id
      where c.name = $1`,
    [name],
  );
  return row && { id: row.id, name: row.name, tokenId: row.token_id, tokenActive: row.token_active, configVersion: Number(row.config_version) };
}

export type RegisterOutcome =
  | { ok: true; id: number; configVersion: number }
  | { ok: false; reason: 'bound_to_other_token' };

/**
 * Creates or updates a collector at registration. A collector token claims an unbound name; a name bound
 * to another active token is refused (a second box, or a stolen token, cannot take over a site's devices).
 * The binding is released when its token is revoked or deleted, so a replaced box with a new token can
 * claim the name. `tokenId` null (an admin registering) never changes the binding.
 */
export async function registerCollector(
  db: Db, r: { name: string; tokenId: number | null; version?: string; hostname?: string },
): Promise<RegisterOutcome> {
  const [row] = await db.query<{ id: number; config_version: number }>(
    `insert into collectors as c (name, token_id, version, hostname, registered_at, last_seen_at)
     values ($1, $2::int, $3, $4, now(), now())
     on conflict (name) do update set
       token_id = coalesce(excluded.token_id, c.token_id),
       version = coalesce(excluded.version, c.version), hostname = coalesce(excluded.hostname, c.hostname),
       registered_at = now(), last_seen_at = now()
     where $2::int is null or c.token_id is null or c.token_id = $2::int
        or not exists (select 1 from api_tokens t where t.id = c.token_id and t.revoked_at is null)
     returning c.id, c.config_version`,
    [r.name, r.tokenId, r.version ?? null, r.hostname ?? null],
  );
  return row ? { ok: true, id: row.id, configVersion: Number(row.config_version) } : { ok: false, reason: 'bound_to_other_token' };
}

export async function touchCollector(db: Db, id: number): Promise<void> {
  await db.query(`update collectors set last_seen_at = now() where id = $1`, [id]);
}

/** The collector's version and targets (ordered by device), read in one statement so they match. */
export async function collectorConfig(db: Db, id: number): Promise<{ configVersion: number; targets: StoredTarget[] } | undefined> {
  const [row] = await db.query<{ config_version: number; targets: StoredTarget[] | string }>(
    `select c.config_version,
            coalesce((select jsonb_agg(t.target order by t.device) from collector_targets t where t.collector_id = c.id), '[]'::jsonb) as targets
       from collectors c where c.id = $1`,
    [id],
  );
  if (!row) return undefined;
  return { configVersion: Number(row.config_version), targets: typeof row.targets === 'string' ? JSON.parse(row.targets) : row.targets };
}

export async function configVersionOf(db: Db, id: number): Promise<number | undefined> {
  const [row] = await db.query<{ config_version: number }>(`select config_version from collectors where id = $1`, [id]);
  return row ? Number(row.config_version) : undefined;
}

export async function listCollectors(db: Db): Promise<CollectorSummary[]> {
  const rows = await db.query<{
    name: string; config_version: number; target_count: number; bound: boolean; version: string | null;
    hostname: string | null; registered_at: unknown; last_seen_at: unknown;
  }>(
    `select c.name, c.config_version, c.version, c.hostname, c.registered_at, c.last_seen_at,
            (select count(*) from collector_targets t where t.collector_id = c.id)::int as target_count,
            exists (select 1 from api_tokens k where k.id = c.token_id and k.revoked_at is null) as bound
       from collectors c order by c.name`,
  );
  return rows.map((r) => ({
    name: r.name, configVersion: Number(r.config_version), targetCount: Number(r.target_count), bound: r.bound,
    version: r.version, hostname: r.hostname, registeredAt: toDate(r.registered_at), lastSeenAt: toDate(r.last_seen_at),
  }));
}

/**
 * Replaces a collector's whole target list, creating the collector when it does not exist yet (an admin
 * assigns devices before the edge box is installed). The version is bumped only when the list really
 * changed, so re-applying the same list (config management runs) wakes no collector.
 */
export async function replaceTargets(db: Db, name: string, targets: StoredTarget[]): Promise<{ configVersion: number; created: boolean; changed: boolean }> {
  const devices = targets.map((t) => t.device);
  const asObject = JSON.stringify(Object.fromEntries(targets.map((t) => [t.device, t])));
  const [row] = await db.query<{ config_version: number; created: boolean; changed: boolean }>(
    `with existing as (
       select id, config_version from collectors where name = $1
     ), created as (
       insert into collectors (name) select $1 where not exists (select 1 from existing)
       on conflict (name) do nothing
       returning id, config_version
     ), col as (
       select id from existing union all select id from created
     ), bumped as (
       update collectors c set config_version = c.config_version + 1
        where c.id = (select id from existing)
          and coalesce((select jsonb_object_agg(t.device, t.target) from collector_targets t where t.collector_id = c.id), '{}'::jsonb)
              is distinct from $4::jsonb
       returning c.config_version
     ), removed as (
       delete from collector_targets t where t.collector_id = (select id from col) and t.device <> all($2::text[])
     ), upserted as (
       insert into collector_targets (collector_id, device, target)
       select (select id from col), u.device, u.target::jsonb from unnest($2::text[], $3::text[]) as u(device, target)
        where exists (select 1 from col)
       on conflict (collector_id, device) do update set target = excluded.target, updated_at = now()
         where collector_targets.target is distinct from excluded.target
     )
     select coalesce((select config_version from bumped), (select config_version from created), (select config_version from existing)) as config_version,
            exists (select 1 from created) as created,
            exists (select 1 from bumped) or exists (select 1 from created) as changed`,
    [name, devices, targets.map((t) => JSON.stringify(t)), asObject],
  );
  if (row?.config_version === null || row?.config_version === undefined) {
    // Lost a race with a concurrent creation of the same name: the row exists now, so this succeeds.
    return replaceTargets(db, name, targets);
  }
  return { configVersion: Number(row.config_version), created: row.created, changed: row.changed };
}

/** Assigns or updates one device of an existing collector; undefined when the collector does not exist. */
export async function putTarget(db: Db, collectorId: number, target: StoredTarget): Promise<{ configVersion: number; created: boolean } | undefined> {
  const [row] = await db.query<{ config_version: number | null; existed: boolean }>(
    `with old as (
       select 1 from collector_targets where collector_id = $1 and device = $2
     ), up as (
       insert into collector_targets (collector_id, device, target) select id, $2, $3::jsonb from collectors where id = $1
       on conflict (collector_id, device) do update set target = excluded.target, updated_at = now()
         where collector_targets.target is distinct from excluded.target
       returning 1
     ), bumped as (
       update collectors set config_version = config_version + 1 where id = $1 and exists (select 1 from up)
       returning config_version
     )
     select coalesce((select config_version from bumped), (select config_version from collectors where id = $1)) as config_version,
            exists (select 1 from old) as existed`,
    [collectorId, target.device, JSON.stringify(target)],
  );
  if (row?.config_version === null || row?.config_version === undefined) return undefined;
  return { configVersion: Number(row.config_version), created: !row.existed };
}

/** Unassigns one device; undefined when it was not assigned to this collector. */
export async function deleteTarget(db: Db, collectorId: number, device: string): Promise<{ configVersion: number } | undefined> {
  const [row] = await db.query<{ config_version: number }>(
    `with del as (
       delete from collector_targets where collector_id = $1 and device = $2 returning 1
     )
     update collectors set config_version = config_version + 1
      where id = $1 and exists (select 1 from del)
     returning config_version`,
    [collectorId, device],
  );
  return row ? { configVersion: Number(row.config_version) } : undefined;
}
