/** Samples: the hot ingest path and the reads behind /latest and /series. */
import type { Db } from '../client.ts';
import { SAMPLE_QUALITIES, type SampleQuality } from '../../server/contracts/ingest.ts';
import type { EventInsert } from './events.ts';
import { dirtyMarkSql } from './rollups.ts';

/** Quality is stored as a small integer; its position in SAMPLE_QUALITIES is the code. */
export const qualityCode = (q: SampleQuality): number => SAMPLE_QUALITIES.indexOf(q);
export const qualityName = (code: number): SampleQuality => SAMPLE_QUALITIES[code] ?? 'ok';

export interface SampleRow { pointId: number; ts: string; value: number | null; quality: SampleQuality }

export interface WriteBatchResult {
  duplicate: boolean;
  inserted: number;
  /** eventIds of the batch's events newly written (a replay, or an event already stored, is absent). */
  insertedEventIds: string[];
}

/**
 * Writes one collector batch atomically and idempotently, and acknowledges (resolves) only after commit:
 * the batch id goes into the `ingest_batches` ledger in the same transaction as the samples, so a replayed
 * batch (same id) inserts nothing, a repeated (point, ts) is ignored and so is an event whose eventId is
 * already stored. Either the whole batch is committed or none of it. Events name their device, which must
 * exist. The minutes touched by newly inserted samples are marked dirty for the rollups in the same
 * transaction.
 *
 * PostgreSQL/TimescaleDB (`db.transaction`): ledger row, COPY into a per-connection temporary staging table,
 * then `insert … select … on conflict do nothing` into `samples`, in one transaction. The COPY never goes
 * straight into `samples`: a COPY the server rejects (e.g. a unique violation) never settles in postgres-js
 * 3.4 and leaks its connection in an aborted transaction (porsager/postgres#1173), so the staging table has no
 * constraints and a text `ts` — nothing in our own well-formed rows can make that COPY fail.
 * PGlite (no COPY from the client, one connection): one statement, ledger + `unnest` + ON CONFLICT.
 */
export async function writeSampleBatch(
  db: Db, batch: { batchId: string; collector: string; rows: SampleRow[]; events?: EventInsert[] },
): Promise<WriteBatchResult> {
  if (db.transaction) return writeWithCopy(db, batch);
  return writeWithUnnest(db, batch);
}

type Batch = { batchId: string; collector: string; rows: SampleRow[]; events?: EventInsert[] };

/** Deadlocks and serialization failures between concurrent batches touching the same keys are retried. */
const RETRYABLE = new Set(['40P01', '40001']);

async function writeWithCopy(db: Db, batch: Batch): Promise<WriteBatchResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction!(async (tx) => {
        const fresh = await tx.query('insert into ingest_batches (batch_id, collector, sample_count) values ($1, $2, $3) on conflict (batch_id) do nothing returning 1 as ok',
          [batch.batchId, batch.collector, batch.rows.length]);
        if (fresh.length === 0) return { duplicate: true, inserted: 0, insertedEventIds: [] };
        let inserted = 0;
        if (batch.rows.length > 0) {
          await tx.query(`create temp table if not exists ingest_stage (point_id int4, ts text, value float8, quality int2) on commit delete rows`);
          await tx.copyFrom('copy ingest_stage (point_id, ts, value, quality) from stdin', copyText(batch.rows));
          const [r] = await tx.query<{ n: number }>(
            `with ins as (
               insert into samples (point_id, ts, value, quality)
               select point_id, ts::timestamptz, value, quality from ingest_stage
               on conflict (point_id, ts) do nothing
               returning point_id, ts
             )${markDirty('ins', 'select count(*)::int as n from ins')}`);
          inserted = Number(r.n);
        }
        const events = batch.events ?? [];
        let insertedEventIds: string[] = [];
        if (events.length > 0) {
          const [r] = await tx.query<{ event_ids: string[] | string | null }>(
            `with evs as (${EVENTS_INSERT}) select (select coalesce(array_agg(event_id::text), '{}') from evs) as event_ids`,
            [batch.collector, ...eventParams(events)],
          );
          insertedEventIds = pgTextArray(r.event_ids);
        }
        return { duplicate: false, inserted, insertedEventIds };
      });
    } catch (err) {
      if (attempt < 3 && RETRYABLE.has((err as { code?: string }).code ?? '')) continue;
      throw err;
    }
  }
}

/** Rows per chunk of COPY data: the chunks are encoded and written one at a time, with I/O in between. */
const COPY_CHUNK_ROWS = 1000;

/** Rows in COPY's text format, in chunks. Values are finite numbers (validated), timestamps ISO-8601. */
function* copyText(rows: SampleRow[]): Generator<string> {
  for (let start = 0; start < rows.length; start += COPY_CHUNK_ROWS) {
    let text = '';
    for (let i = start, end = Math.min(rows.length, start + COPY_CHUNK_ROWS); i < end; i++) {
      const r = rows[i];
      text += `${r.pointId}\t${r.ts}\t${r.value === null ? '\\N' : r.value}\t${qualityCode(r.quality)}\n`;
    }
    yield text;
  }
}

/** `, marks as (<mark the minutes of the rows in cte dirty for the rollups>) <final>`. */
function markDirty(cte: string, final: string): string {
  return `, marks as (${dirtyMarkSql(cte)}) ${final}`;
}

const EVENTS_INSERT = `insert into events (event_id, device_id, ts, source, name, severity, message, attributes, collector)
       select u.event_id, d.id, u.ts, u.source, u.name, u.severity::event_severity, u.message, u.attributes::jsonb, $1
         from unnest($2::uuid[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
              as u(event_id, device, ts, source, name, severity, message, attributes)
         join devices d on d.name = u.device
       on conflict (event_id) do nothing
       returning event_id`;

function eventParams(events: EventInsert[]): unknown[] {
  const ev = <K extends keyof EventInsert>(k: K) => events.map((e) => e[k]);
  return [ev('eventId'), ev('device'), ev('ts'), ev('source'), ev('name'), ev('severity'), ev('message'),
    events.map((e) => JSON.stringify(e.attributes))];
}

async function writeWithUnnest(db: Db, batch: Batch): Promise<WriteBatchResult> {
  const { rows } = batch;
  const events = batch.events ?? [];
  const pointIds = rows.map((r) => r.pointId);
  const ts = rows.map((r) => r.ts);
  const values = rows.map((r) => r.value);
  const qualities = rows.map((r) => qualityCode(r.quality));
  const [result] = await db.query<{ new_batch: number; inserted: number; event_ids: string[] | string | null }>(
    `with batch as (
       insert into ingest_batches (batch_id, collector, sample_count) values ($10, $1, $11)
       on conflict (batch_id) do nothing
       returning batch_id
     ), ins as (
       insert into samples (point_id, ts, value, quality)
       select u.point_id, u.ts, u.value, u.quality
         from unnest($12::int4[], $13::timestamptz[], $14::float8[], $15::int2[]) as u(point_id, ts, value, quality)
        where exists (select 1 from batch)
       on conflict (point_id, ts) do nothing
       returning point_id, ts
     ), evs as (
       ${EVENTS_INSERT.replace('join devices d on d.name = u.device', 'join devices d on d.name = u.device\n        where exists (select 1 from batch)')}
     )${markDirty('ins', `select (select count(*) from batch)::int as new_batch, (select count(*) from ins)::int as inserted,
            (select coalesce(array_agg(event_id::text), '{}') from evs) as event_ids`)}`,
    [batch.collector, ...eventParams(events), batch.batchId, rows.length, pointIds, ts, values, qualities],
  );
  return { duplicate: Number(result.new_batch) === 0, inserted: Number(result.inserted), insertedEventIds: pgTextArray(result.event_ids) };
}

/** A text[] column as the driver hands it over: an array (postgres-js, PGlite) or its literal `{a,b}`. */
export function pgTextArray(v: string[] | string | null): string[] {
  if (Array.isArray(v)) return v;
  if (!v || v === '{}') return [];
  return v.replace(/^\{|\}$/g, '').split(',').map((x) => x.replace(/^"|"$/g, ''));
}

export interface LatestRow { pointId: number; ts: Date; value: number | null; quality: SampleQuality }

/** The newest sample of each point (one index probe per point). */
export async function latestSamples(db: Db, pointIds: number[]): Promise<LatestRow[]> {
  if (pointIds.length === 0) return [];
  const rows = await db.query<{ point_id: number; ts: Date | string; value: number | null; quality: number }>(
    `select p.id as point_id, s.ts, s.value, s.quality
       from unnest($1::int4[]) as p(id)
       cross join lateral (
         select ts, value, quality from samples where point_id = p.id order by ts desc limit 1
       ) s`,
    [pointIds],
  );
  return rows.map((r) => ({ pointId: r.point_id, ts: new Date(r.ts), value: r.value, quality: qualityName(r.quality) }));
}

export async function countSamples(db: Db, pointIds: number[], from: Date, to: Date): Promise<Map<number, number>> {
  const rows = await db.query<{ point_id: number; n: number }>(
    `select point_id, count(*)::int as n from samples
      where point_id = any($1::int4[]) and ts >= $2 and ts < $3 group by point_id`,
    [pointIds, from.toISOString(), to.toISOString()],
  );
  return new Map(rows.map((r) => [r.point_id, Number(r.n)]));
}

export interface SeriesSample { ts: Date; value: number | null; min?: number | null; max?: number | null }

/** Raw samples of one point in [from, to). Samples that carry no value (comm_loss, …) stay as null gaps. */
export async function rawSeries(db: Db, pointId: number, from: Date, to: Date, limit: number): Promise<SeriesSample[]> {
  const rows = await db.query<{ ts: Date | string; value: number | null }>(
    `select ts, value from samples where point_id = $1 and ts >= $2 and ts < $3 order by ts limit $4`,
    [pointId, from.toISOString(), to.toISOString(), limit],
  );
  return rows.map((r) => ({ ts: new Date(r.ts), value: r.value }));
}

/**
 * Time-bucketed mean/min/max of one point, buckets aligned to `from` (so a range of R seconds gives at most
 * ceil(R / bucket) buckets). Buckets without samples are absent, so a gap stays a gap.
 * (Rollup tables replace this scan in the time-series store issue.)
 */
export async function bucketedSeries(
  db: Db, pointId: number, from: Date, to: Date, bucketSeconds: number,
): Promise<SeriesSample[]> {
  const rows = await db.query<{ bucket: Date | string; avg: number | null; min: number | null; max: number | null }>(
    `select date_bin(make_interval(secs => $4), ts, $2::timestamptz) as bucket,
            avg(value) as avg, min(value) as min, max(value) as max
       from samples
      where point_id = $1 and ts >= $2 and ts < $3
      group by 1 order by 1`,
    [pointId, from.toISOString(), to.toISOString(), bucketSeconds],
  );
  return rows.map((r) => ({ ts: new Date(r.bucket), value: r.avg === null ? null : Number(r.avg), min: r.min, max: r.max }));
}

export async function sampleCount(db: Db): Promise<number> {
  const [row] = await db.query<{ n: number }>('select count(*)::int as n from samples');
  return Number(row.n);
}
