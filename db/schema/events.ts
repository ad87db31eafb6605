/**
 * Events: things that happened at a moment (a UPS went to battery, a door opened), as opposed to samples
 * of a quantity. Collectors send them in ingest batches (SNMP traps and informs today); alarms build on them.
 */
import { bigserial, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { devices } from './core.ts';

export const eventSeverity = pgEnum('event_severity', ['critical', 'major', 'minor', 'warning', 'info', 'cleared']);

export const events = pgTable('events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  /** Chosen by the collector; a replayed event changes nothing. */
  eventId: uuid('event_id').notNull().unique(),
  deviceId: integer('device_id').notNull().references(() => devices.id, { onDelete: 'cascade' }),
  ts: timestamp('ts', { withTimezone: true, mode: 'date' }).notNull(),
  /** Where it came from: snmp-trap, snmp-inform, collector. */
  source: text('source').notNull(),
  /** Stable machine name from the profile, e.g. `ups.on_battery`. */
  name: text('name').notNull(),
  severity: eventSeverity('severity').notNull(),
  message: text('message').notNull(),
  /** Decoded details (trap OID, varbinds by name, agent address). */
  attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default({}),
  collector: text('collector').notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  index('events_device_ts_idx').on(t.deviceId, t.ts),
  index('events_ts_idx').on(t.ts),
]);

export type EventRow = typeof events.$inferSelect;
export type EventSeverity = (typeof eventSeverity.enumValues)[number];
