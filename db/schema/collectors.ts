/**
 * Central collector configuration: which collectors exist and which devices each one polls. A collector
 * registers with its token and fetches its targets; `config_version` grows with every change so a
 * collector can ask "anything new since version N?" cheaply.
 */
import { integer, jsonb, pgTable, serial, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { apiTokens } from './auth.ts';

export const collectors = pgTable('collectors', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  /** The token it registered with last (a collector-role token). */
  tokenId: integer('token_id').references(() => apiTokens.id, { onDelete: 'set null' }),
  configVersion: integer('config_version').notNull().default(1),
  /** Reported at registration: software version, host name. */
  version: text('version'),
  hostname: text('hostname'),
  registeredAt: timestamp('registered_at', { withTimezone: true }),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** One device assigned to one collector: the target definition the collector polls (profile, address…). */
export const collectorTargets = pgTable('collector_targets', {
  id: serial('id').primaryKey(),
  collectorId: integer('collector_id').notNull().references(() => collectors.id, { onDelete: 'cascade' }),
  device: text('device').notNull(),
  /** The collector's TargetConfig (collector/index.ts targetConfigSchema), validated on write. */
  target: jsonb('target').$type<Record<string, unknown>>().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [unique('collector_targets_collector_device_uq').on(t.collectorId, t.device)]);

export type CollectorRow = typeof collectors.$inferSelect;
