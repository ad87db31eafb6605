/**
 * The configuration management database: configuration items (CIs), the model library they are built
 * from, the relationships between them, and the history of every change (ISO/IEC 20000 §8.2.6: CIs with a
 * unique id, type, description, relationships, status and an auditable history). Validation lives in
 * server/domain/cmdb; SQL in db/queries/cmdb.ts.
 */
import { sql } from 'drizzle-orm';
import {
  bigserial, check, date, foreignKey, doublePrecision, index, integer, jsonb, pgTable, serial, smallint, text, timestamp, unique, uniqueIndex,
} from 'drizzle-orm/pg-core';

/** Device and rack models (nameplate facts shared by every CI of that model). */
export const ciModels = pgTable('ci_models', {
  id: serial('id').primaryKey(),
  key: text('key').notNull().unique(),
  type: text('type').notNull(),
  vendor: text('vendor').notNull(),
  model: text('model').notNull(),
  uHeight: smallint('u_height'),
  weightKg: doublePrecision('weight_kg'),
  nameplateW: doublePrecision('nameplate_w'),
  psuCount: smallint('psu_count'),
  airflow: text('airflow'),
  attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [unique('ci_models_vendor_model_uq').on(t.vendor, t.model)]);

export const cis = pgTable('cis', {
  id: serial('id').primaryKey(),
  key: text('key').notNull().unique(),
  type: text('type').notNull(),
  name: text('name').notNull(),
  status: text('status').notNull().default('active'),
  description: text('description'),
  modelId: integer('model_id').references(() => ciModels.id, { onDelete: 'restrict' }),
  serial: text('serial'),
  assetTag: text('asset_tag'),
  owner: text('owner'),
  installDate: date('install_date'),
  warrantyEnd: date('warranty_end'),
  supportEnd: date('support_end'),
  maintenanceContract: text('maintenance_contract'),
  maintenanceVendor: text('maintenance_vendor'),
  /** located-in: site → building → room → row → rack → device. */
  parentId: integer('parent_id'),
  positionU: smallint('position_u'),
  face: text('face'),
  attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default({}),
  tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
  links: jsonb('links').$type<Array<{ title: string; url: string }>>().notNull().default([]),
  version: integer('version').notNull().default(1),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  updatedBy: text('updated_by').notNull(),
}, (t) => [
  foreignKey({ columns: [t.parentId], foreignColumns: [t.id], name: 'cis_parent_fk' }).onDelete('restrict'),
  index('cis_parent_idx').on(t.parentId),
  index('cis_type_idx').on(t.type),
  uniqueIndex('cis_asset_tag_uq').on(t.assetTag),
  index('cis_name_idx').on(sql`lower(${t.name})`),
  check('cis_face_ck', sql`${t.face} in ('front', 'rear')`),
]);

/**
 * monitored-by, CI ↔ its points: the collector devices whose points belong to a CI (a UPS answering SNMP and
 * Modbus is two collector devices, one CI). A device belongs to at most one CI.
 */
export const ciDevices = pgTable('ci_devices', {
  device: text('device').primaryKey(),
  ciId: integer('ci_id').notNull().references(() => cis.id, { onDelete: 'cascade' }),
}, (t) => [index('ci_devices_ci_idx').on(t.ciId)]);

export const ciRelations = pgTable('ci_relations', {
  id: serial('id').primaryKey(),
  kind: text('kind').notNull(),
  fromId: integer('from_id').notNull(),
  toId: integer('to_id').notNull(),
  feed: text('feed'),
  port: text('port'),
  phase: text('phase'),
  note: text('note'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedBy: text('updated_by').notNull(),
}, (t) => [
  foreignKey({ columns: [t.fromId], foreignColumns: [cis.id], name: 'ci_relations_from_fk' }).onDelete('cascade'),
  foreignKey({ columns: [t.toId], foreignColumns: [cis.id], name: 'ci_relations_to_fk' }).onDelete('cascade'),
  uniqueIndex('ci_relations_uq').on(t.kind, t.fromId, t.toId, sql`coalesce(${t.port}, '')`),
  index('ci_relations_from_idx').on(t.fromId, t.kind),
  index('ci_relations_to_idx').on(t.toId, t.kind),
]);

/** Every change to a CI, relation or model: who, when, before and after (JSON snapshots). */
export const ciHistory = pgTable('ci_history', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  /** Transaction time: every entry of one change carries the same instant, so an as-of query sees all or none of it. */
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  actor: text('actor').notNull(),
  source: text('source').notNull(),
  entity: text('entity').notNull(),
  entityId: integer('entity_id').notNull(),
  /** The CI concerned: the CI itself, or a relation's `from` CI. */
  ciId: integer('ci_id'),
  /** A relation's `to` CI. */
  otherCiId: integer('other_ci_id'),
  action: text('action').notNull(),
  before: jsonb('before').$type<Record<string, unknown>>(),
  after: jsonb('after').$type<Record<string, unknown>>(),
}, (t) => [
  index('ci_history_entity_idx').on(t.entity, t.entityId, t.at),
  index('ci_history_ci_idx').on(t.ciId, t.at),
  index('ci_history_other_idx').on(t.otherCiId, t.at),
  index('ci_history_at_idx').on(t.at),
  index('ci_history_parent_after_idx').on(sql`((${t.after}->>'parentId'))`),
  index('ci_history_parent_before_idx').on(sql`((${t.before}->>'parentId'))`),
]);

export type CiRow = typeof cis.$inferSelect;
export type CiModelRow = typeof ciModels.$inferSelect;
export type CiRelationRow = typeof ciRelations.$inferSelect;
