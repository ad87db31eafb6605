/**
 * What is measured (devices and their points) and the measurements themselves (samples). Where things are
 * and what they are is the CMDB (schema/cmdb.ts): a device belongs to a configuration item through ci_devices.
 */
import {
  doublePrecision, index, integer, jsonb, pgEnum, pgTable, primaryKey, serial, smallint, text, timestamp, unique, uuid,
} from 'drizzle-orm/pg-core';

export const pointKind = pgEnum('point_kind', ['gauge', 'counter']);

export const sites = pgTable('sites', {
  id: serial('id').primaryKey(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  timezone: text('timezone').notNull().default('UTC'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const devices = pgTable('devices', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  siteId: integer('site_id').references(() => sites.id, { onDelete: 'restrict' }),
  kind: text('kind').notNull(),
  protocol: text('protocol').notNull(),
  address: text('address'),
  vendor: text('vendor'),
  model: text('model'),
  profile: text('profile'),
  /** The collector that last declared this device. */
  collector: text('collector'),
  /**
   * What the device says about itself when asked (sysDescr, model, serial, firmware, outlet count), as the
   * collector read it: compared with the CMDB by the configuration audit.
   */
  identity: jsonb('identity').$type<Record<string, string | number>>(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A measurable quantity of a device, e.g. `ups-1/output.l1.power` in W. */
export const points = pgTable('points', {
  id: serial('id').primaryKey(),
  deviceId: integer('device_id').notNull().references(() => devices.id, { onDelete: 'cascade' }),
  metric: text('metric').notNull(),
  unit: text('unit').notNull(),
  kind: pointKind('kind').notNull(),
  role: text('role'),
  description: text('description'),
  /** Labels of an enumerated point: raw integer value → state name, e.g. {"2": "batteryNormal"}. */
  states: jsonb('states').$type<Record<string, string>>(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  unique('points_device_metric_uq').on(t.deviceId, t.metric),
  index('points_role_idx').on(t.role),
]);

/**
 * Raw samples. No surrogate key: (point_id, ts) is the identity, which makes replays idempotent and
 * satisfies TimescaleDB's rule that unique indexes include the partitioning column.
 * quality: 0 ok, 1 stale, 2 comm_loss, 3 sentinel, 4 out_of_range (see db/queries/samples.ts).
 */
export const samples = pgTable('samples', {
  pointId: integer('point_id').notNull(),
  ts: timestamp('ts', { withTimezone: true, mode: 'date' }).notNull(),
  value: doublePrecision('value'),
  quality: smallint('quality').notNull().default(0),
}, (t) => [
  primaryKey({ name: 'samples_pk', columns: [t.pointId, t.ts] }),
  index('samples_ts_idx').on(t.ts),
]);

/** Committed collector batches: the idempotency ledger for POST /api/v1/ingest. */
export const ingestBatches = pgTable('ingest_batches', {
  batchId: uuid('batch_id').primaryKey(),
  collector: text('collector').notNull(),
  sampleCount: integer('sample_count').notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
});

export type SiteRow = typeof sites.$inferSelect;
export type DeviceRow = typeof devices.$inferSelect;
export type PointRow = typeof points.$inferSelect;
