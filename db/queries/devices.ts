/** Devices and their points, as declared by collectors. */
import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { devices, points } from '../schema/index.ts';
import type { DeviceDecl, DeviceIdentity, PointDecl } from '../../server/contracts/ingest.ts';

export interface DeviceView {
  name: string; kind: string; protocol: string; address: string | null; vendor: string | null;
  model: string | null; profile: string | null; collector: string | null;
  /** What the device reported about itself at the collector's last identity read (null: never read). */
  identity: DeviceIdentity | null;
  createdAt: Date;
}

export interface PointView {
  id: number; key: string; device: string; metric: string; unit: string; kind: 'gauge' | 'counter';
  role: string | null; description: string | null; states: Record<string, string> | null;
}

const pointColumns = {
  id: points.id,
  key: sql<string>`${devices.name} || '/' || ${points.metric}`,
  device: devices.name,
  metric: points.metric,
  unit: points.unit,
  kind: points.kind,
  role: points.role,
  description: points.description,
  states: points.states,
};

export async function listDevices(db: Db): Promise<DeviceView[]> {
  const rows = await db.orm.select({
    name: devices.name, kind: devices.kind, protocol: devices.protocol, address: devices.address,
    vendor: devices.vendor, model: devices.model, profile: devices.profile, collector: devices.collector,
    identity: devices.identity, createdAt: devices.createdAt,
  }).from(devices).orderBy(asc(devices.name));
  return rows as DeviceView[];
}

export async function listPoints(db: Db, filter: { device?: string; q?: string; limit?: number } = {}): Promise<PointView[]> {
  const conditions = [];
  if (filter.device) conditions.push(eq(devices.name, filter.device));
  if (filter.q) {
    // Substring of the key (device/metric) or the description, case-insensitive; LIKE wildcards in the text are literal.
    const pattern = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(or(
      sql`lower(${devices.name} || '/' || ${points.metric}) like ${pattern}`,
      sql`lower(coalesce(${points.description}, '')) like ${pattern}`,
    ));
  }
  const q = db.orm.select(pointColumns).from(points).innerJoin(devices, eq(points.deviceId, devices.id))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(devices.name), asc(points.metric));
  const rows = filter.limit ? await q.limit(filter.limit) : await q;
  return rows as PointView[];
}

export async function deviceExists(db: Db, name: string): Promise<boolean> {
  const rows = await db.orm.select({ id: devices.id }).from(devices).where(eq(devices.name, name)).limit(1);
  return rows.length > 0;
}

/** Points by key (`<device>/<metric>`); unknown keys are simply absent from the result. */
export async function pointsByKey(db: Db, keys: string[]): Promise<PointView[]> {
  if (keys.length === 0) return [];
  const rows = await db.orm.select(pointColumns).from(points).innerJoin(devices, eq(points.deviceId, devices.id))
    .where(inArray(sql`${devices.name} || '/' || ${points.metric}`, keys));
  return rows as PointView[];
}

/**
 * Creates or updates devices declared by a collector. Idempotent; rows that did not change are not rewritten.
 * A declaration without `identity` keeps the stored one (collectors read identity every few minutes and
 * declare the device with every batch); one with `identity` replaces it.
 */
export async function upsertDevices(db: Db, decls: DeviceDecl[], collector: string): Promise<void> {
  if (decls.length === 0) return;
  const col = <K extends keyof DeviceDecl>(k: K) => decls.map((d) => d[k] ?? null);
  await db.query(
    `insert into devices (name, kind, protocol, address, vendor, model, profile, collector, identity)
     select u.name, u.kind, u.protocol, u.address, u.vendor, u.model, u.profile, $8::text, u.identity::jsonb
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $9::text[])
            as u(name, kind, protocol, address, vendor, model, profile, identity)
     on conflict (name) do update set
       kind = excluded.kind, protocol = excluded.protocol, address = excluded.address, vendor = excluded.vendor,
       model = excluded.model, profile = excluded.profile, collector = excluded.collector,
       identity = coalesce(excluded.identity, devices.identity), updated_at = now()
     where (devices.kind, devices.protocol, devices.address, devices.vendor, devices.model, devices.profile, devices.collector, devices.identity)
       is distinct from
       (excluded.kind, excluded.protocol, excluded.address, excluded.vendor, excluded.model, excluded.profile, excluded.collector,
        coalesce(excluded.identity, devices.identity))`,
    [col('name'), col('kind'), col('protocol'), col('address'), col('vendor'), col('model'), col('profile'), collector,
      decls.map((d) => (d.identity ? JSON.stringify(d.identity) : null))],
  );
}

/** Creates or updates point declarations; their devices must exist. */
export async function upsertPoints(db: Db, decls: PointDecl[]): Promise<void> {
  if (decls.length === 0) return;
  const col = <K extends keyof PointDecl>(k: K) => decls.map((d) => d[k] ?? null);
  await db.query(
    `insert into points (device_id, metric, unit, kind, role, description, states)
     select d.id, u.metric, u.unit, u.kind::point_kind, u.role, u.description, u.states::jsonb
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
            as u(device, metric, unit, kind, role, description, states)
       join devices d on d.name = u.device
     on conflict (device_id, metric) do update set
       unit = excluded.unit, kind = excluded.kind, role = excluded.role, description = excluded.description,
       states = excluded.states
     where (points.unit, points.kind, points.role, points.description, points.states)
       is distinct from (excluded.unit, excluded.kind, excluded.role, excluded.description, excluded.states)`,
    [col('device'), col('metric'), col('unit'), col('kind'), col('role'), col('description'),
      decls.map((d) => (d.states ? JSON.stringify(d.states) : null))],
  );
}
