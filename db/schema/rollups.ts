/**
 * Rollups: 1-minute, 1-hour and 1-day aggregates per point, computed by Kiban itself (db/queries/rollups.ts)
 * so they are identical on PGlite, PostgreSQL and TimescaleDB. Semantics (holds, time weighting, counter
 * deltas, dirty tracking) are documented in docs/storage.md "Rollups and retention".
 */
import { bigserial, doublePrecision, index, integer, pgTable, primaryKey, timestamp } from 'drizzle-orm/pg-core';

/** The columns shared by the three resolutions; `bucket` is the bucket start, aligned to the UTC epoch. */
function rollupTable<N extends string>(name: N) {
  return pgTable(name, {
    pointId: integer('point_id').notNull(),
    bucket: timestamp('bucket', { withTimezone: true, mode: 'date' }).notNull(),
    /** Samples with a value in the bucket. */
    n: integer('n').notNull(),
    sum: doublePrecision('sum'),
    min: doublePrecision('min'),
    max: doublePrecision('max'),
    /** First and last sample with a value in the bucket. */
    firstTs: timestamp('first_ts', { withTimezone: true, mode: 'date' }),
    lastTs: timestamp('last_ts', { withTimezone: true, mode: 'date' }),
    /** Value of the last sample with a value in the bucket. */
    last: doublePrecision('last'),
    /** Time-weighted mean over the covered part of the bucket: integral / covered_s (null when nothing is covered). */
    twa: doublePrecision('twa'),
    /** Σ value × seconds held inside the bucket (W → J). */
    integral: doublePrecision('integral').notNull(),
    /** Seconds of the bucket covered by holds. */
    coveredS: doublePrecision('covered_s').notNull(),
    /** Counter increase attributed to the bucket (resets and wraps handled); null for gauges. */
    delta: doublePrecision('delta'),
  }, (t) => [
    primaryKey({ name: `${name}_pk`, columns: [t.pointId, t.bucket] }),
    index(`${name}_bucket_idx`).on(t.bucket),
  ]);
}

export const rollups1m = rollupTable('rollups_1m');
export const rollups1h = rollupTable('rollups_1h');
export const rollups1d = rollupTable('rollups_1d');

/**
 * Minutes touched by newly inserted samples, written by the ingest statement (dirtyMarkSql). `seq` changes on
 * every re-mark so the rollup job deletes a mark only if nobody re-marked it after the job read it.
 */
export const rollupDirty = pgTable('rollup_dirty', {
  pointId: integer('point_id').notNull(),
  bucket: timestamp('bucket', { withTimezone: true, mode: 'date' }).notNull(),
  seq: bigserial('seq', { mode: 'number' }).notNull(),
  /** When the minute was first marked (rollup lag = age of the oldest mark). */
  markedAt: timestamp('marked_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
}, (t) => [primaryKey({ name: 'rollup_dirty_pk', columns: [t.pointId, t.bucket] })]);

/** Hours and days whose 1-minute rows changed; only the rollup job (under its lock) reads and writes these. */
export const rollupDirty1h = pgTable('rollup_dirty_1h', {
  pointId: integer('point_id').notNull(),
  bucket: timestamp('bucket', { withTimezone: true, mode: 'date' }).notNull(),
}, (t) => [primaryKey({ name: 'rollup_dirty_1h_pk', columns: [t.pointId, t.bucket] })]);

export const rollupDirty1d = pgTable('rollup_dirty_1d', {
  pointId: integer('point_id').notNull(),
  bucket: timestamp('bucket', { withTimezone: true, mode: 'date' }).notNull(),
}, (t) => [primaryKey({ name: 'rollup_dirty_1d_pk', columns: [t.pointId, t.bucket] })]);
