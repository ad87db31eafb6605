/**
 * Rollups: 1-minute aggregates computed from raw samples, 1-hour from 1-minute rows, 1-day from 1-hour rows,
 * incrementally from dirty marks; and retention. The exact semantics (holds, time weighting, counter deltas,
 * which buckets a late sample dirties) are in docs/storage.md "Rollups and retention"; the brute-force model
 * in test/store/rollups.test.ts implements the same rules independently.
 */
import type { Db } from '../client.ts';

/**
 * A valued sample holds (step interpolation) until the next sample of its point, but at most this long; a
 * sample without a value (comm_loss …) ends the previous hold and holds nothing itself. Fixed for a database:
 * changing it means rebuilding the rollups (rebuildRollups).
 */
export const ROLLUP_MAX_HOLD_S = 300;

/** Buckets are aligned to the UTC epoch (date_bin is independent of the session time zone). */
const ORIGIN = "timestamptz '1970-01-01 00:00:00+00'";
const bin = (width: string, expr: string) => `date_bin(interval '${width}', ${expr}, ${ORIGIN})`;

/** Counter wrap: previous value in the top quarter of a 2^32 / 2^64 range and the new one in the bottom quarter. */
export const WRAP_32 = 4294967296;
export const WRAP_64 = 18446744073709551616;

/** Advisory lock key of the rollup job ('kiban' rollups); only one replica computes at a time. */
export const ROLLUP_LOCK_KEY = 0x6b6962616e01;

export type RollupResolution = '1m' | '1h' | '1d';
const TABLE: Record<RollupResolution, string> = { '1m': 'rollups_1m', '1h': 'rollups_1h', '1d': 'rollups_1d' };

/**
 * Body of a CTE for the ingest statement: marks the minutes of newly inserted samples dirty. `insertedCte`
 * names a CTE or table with columns point_id, ts (the rows actually inserted). Re-marking a minute bumps
 * `seq` (and row-locks the mark), so a refresh that read the mark before this insert committed keeps it.
 */
export function dirtyMarkSql(insertedCte: string): string {
  // In key order, so concurrent batches lock the marks they share in the same order (fewer deadlocks).
  return `insert into rollup_dirty (point_id, bucket)
    select distinct point_id, ${bin('1 minute', 'ts')} from ${insertedCte} order by 1, 2
    on conflict (point_id, bucket) do update set seq = nextval(pg_get_serial_sequence('rollup_dirty', 'seq'))`;
}

/** Marks every minute with samples of `pointIds` (all points when empty) in [from, to) dirty: backfills, rebuilds, tests. */
export async function markDirtyRange(db: Db, from: Date, to: Date, pointIds: number[] = []): Promise<number> {
  const [r] = await db.query<{ n: number }>(
    `with s as (
       select point_id, ts from samples
        where ts >= $1 and ts < $2 and (cardinality($3::int4[]) = 0 or point_id = any($3::int4[]))
     ), m as (${dirtyMarkSql('s')} returning 1)
     select count(*)::int as n from m`,
    [from.toISOString(), to.toISOString(), pointIds]);
  return Number(r.n);
}

export interface RefreshOptions {
  /** Dirty marks (or dirty hours/days) per statement; default 2000. */
  chunk?: number;
  /** Statements per resolution per call; default unbounded (until nothing is dirty). */
  maxChunks?: number;
  /**
   * Minutes before this are not recomputed (their marks are dropped): raw samples there may already be deleted
   * by retention, and recomputing from partial data would destroy correct rollups.
   */
  notBefore?: Date;
}

export interface RefreshResult { minutes: number; hours: number; days: number }

/**
 * Recomputes the 1-minute rows of the dirty minutes and of every minute their samples can influence, then the
 * affected hours (from 1-minute rows) and days (from hourly rows). On PostgreSQL each chunk runs in its own
 * transaction under a transaction-level advisory lock, so concurrent callers (replicas) never interleave; when
 * the lock is busy the call returns what it did so far. On PGlite (one connection) statements are atomic.
 */
export async function refreshRollups(db: Db, opts: RefreshOptions = {}): Promise<RefreshResult> {
  const chunk = Math.max(1, Math.floor(opts.chunk ?? 2000));
  const maxChunks = opts.maxChunks ?? Infinity;
  const notBefore = opts.notBefore ? opts.notBefore.toISOString() : null;
  const result: RefreshResult = { minutes: 0, hours: 0, days: 0 };
  const steps: Array<[keyof RefreshResult, string, unknown[]]> = [
    ['minutes', minuteRefreshSql(ROLLUP_MAX_HOLD_S), [chunk, notBefore]],
    ['hours', coarseRefreshSql('rollup_dirty_1h', 'rollups_1m', 'rollups_1h', '1 hour', 'rollup_dirty_1d', '1 day'), [chunk]],
    ['days', coarseRefreshSql('rollup_dirty_1d', 'rollups_1h', 'rollups_1d', '1 day', null, null), [chunk]],
  ];
  for (const [key, text, params] of steps) {
    for (let i = 0; i < maxChunks; i++) {
      const rows = await exclusive(db, (q) => q.query<{ claimed: number; buckets: number }>(text, params));
      if (!rows) return result; // another runner holds the lock
      result[key] += Number(rows[0].buckets);
      if (Number(rows[0].claimed) < chunk) break;
    }
  }
  return result;
}

/** Runs `fn` alone: in a transaction holding the rollup advisory lock (PostgreSQL), or directly (PGlite). */
async function exclusive<T>(db: Db, fn: (q: Db) => Promise<T>): Promise<T | null> {
  if (!db.transaction) return fn(db);
  // Ingest upserting a dirty mark while this chunk deletes it can deadlock (PostgreSQL picks one victim):
  // the chunk is one transaction, so it is simply run again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await exclusiveOnce(db, fn);
    } catch (err) {
      if (attempt < 4 && ['40P01', '40001'].includes((err as { code?: string }).code ?? '')) continue;
      throw err;
    }
  }
}

async function exclusiveOnce<T>(db: Db, fn: (q: Db) => Promise<T>): Promise<T | null> {
  return db.transaction!(async (tx) => {
    const [lock] = await tx.query<{ ok: boolean }>('select pg_try_advisory_xact_lock($1::int8) as ok', [ROLLUP_LOCK_KEY]);
    if (!lock.ok) return null;
    // The planner's estimates for these statements are large (lateral series, CTEs), which triggers JIT
    // compilation costing seconds for work that takes milliseconds.
    await tx.query('set local jit = off');
    return fn({ ...db, query: tx.query, transaction: undefined });
  });
}

/** Deletes every rollup and recomputes from raw samples (e.g. after changing ROLLUP_MAX_HOLD_S). */
export async function rebuildRollups(db: Db, opts: RefreshOptions = {}): Promise<RefreshResult> {
  for (const t of ['rollups_1m', 'rollups_1h', 'rollups_1d', 'rollup_dirty_1h', 'rollup_dirty_1d']) await db.query(`delete from ${t}`);
  await markDirtyRange(db, new Date(0), new Date('9999-01-01T00:00:00Z'));
  return refreshRollups(db, opts);
}

/** The value columns written by the refresh statements, in order. */
const COLS = ['n', 'sum', 'min', 'max', 'first_ts', 'last_ts', 'last', 'twa', 'integral', 'covered_s', 'delta'];
const upsertSql = (table: string, from: string) =>
  `insert into ${table} (point_id, bucket, ${COLS.join(', ')})
   select point_id, bucket, ${COLS.join(', ')} from ${from}
   on conflict (point_id, bucket) do update set ${COLS.map((c) => `${c} = excluded.${c}`).join(', ')}`;

/**
 * One chunk of 1-minute work. A mark for minute M means samples were inserted in [M, M+1m). They change:
 * - the minutes their holds (and the shortened hold of the previous sample) reach: [M, M + 1m + maxHold);
 * - the minute of the first valued sample after M, whose counter increase is now measured from a new
 *   previous value.
 * Those minutes ("affected") are grouped into runs of consecutive minutes per point ("islands"); each island
 * reads its samples once with the neighbours its edges need: every sample from maxHold before the island (holds
 * reaching into it), the first sample after it (ends the last hold) and the last valued sample before that
 * window (previous value for the first counter increase).
 */
function minuteRefreshSql(maxHoldS: number): string {
  if (!(Number.isFinite(maxHoldS) && maxHoldS > 0)) throw new Error(`invalid max hold ${maxHoldS}`);
  const hold = `interval '${maxHoldS} seconds'`;
  return `
  with claimed as (
    select point_id, bucket, seq from rollup_dirty order by point_id, bucket limit $1
  ), affected as (
    select distinct a.point_id, a.bucket from (
      select c.point_id, m.bucket
        from claimed c
        cross join lateral generate_series(c.bucket,
          ${bin('1 minute', `c.bucket + interval '1 minute' + ${hold} - interval '1 microsecond'`)},
          interval '1 minute') as m(bucket)
      union all
      select c.point_id, ${bin('1 minute', 'nx.ts')}
        from claimed c
        cross join lateral (
          select s.ts from samples s
           where s.point_id = c.point_id and s.ts >= c.bucket + interval '1 minute' and s.value is not null
           order by s.ts limit 1) nx
    ) a
    where $2::timestamptz is null or a.bucket >= $2::timestamptz
  ), islands as (
    select point_id, min(bucket) as lo, max(bucket) + interval '1 minute' as hi
      from (select point_id, bucket,
                   bucket - (row_number() over (partition by point_id order by bucket)) * interval '1 minute' as grp
              from affected) x
     group by point_id, grp
  ), raw as (
    select i.point_id, i.lo, i.hi, s.ts, s.value
      from islands i join samples s on s.point_id = i.point_id and s.ts >= i.lo - ${hold} and s.ts < i.hi
    union all
    select i.point_id, i.lo, i.hi, nx.ts, nx.value
      from islands i cross join lateral (
        select s.ts, s.value from samples s where s.point_id = i.point_id and s.ts >= i.hi order by s.ts limit 1) nx
    union all
    select i.point_id, i.lo, i.hi, pv.ts, pv.value
      from islands i cross join lateral (
        select s.ts, s.value from samples s
         where s.point_id = i.point_id and s.ts < i.lo - ${hold} and s.value is not null
         order by s.ts desc limit 1) pv
  ), ordered as (
    select r.*,
           lead(r.ts) over (partition by r.point_id, r.lo order by r.ts) as next_ts,
           case when r.value is not null
                then lag(r.value) over (partition by r.point_id, r.lo, r.value is not null order by r.ts) end as prev_value
      from raw r
  ), stepped as (
    select o.*,
           least(coalesce(o.next_ts, o.ts + ${hold}), o.ts + ${hold}) as hold_end,
           case
             when o.value is null or o.prev_value is null then 0::float8
             when o.value >= o.prev_value then o.value - o.prev_value
             when o.prev_value >= ${WRAP_32 * 0.75} and o.prev_value < ${WRAP_32} and o.value < ${WRAP_32 * 0.25}
               then (o.value + ${WRAP_32}::float8) - o.prev_value
             when o.prev_value >= ${WRAP_64 * 0.75}::float8 and o.value < ${WRAP_64 * 0.25}::float8
               then (o.value + ${WRAP_64}::float8) - o.prev_value
             else o.value
           end as increase
      from ordered o
  ), stats as (
    select point_id, ${bin('1 minute', 'ts')} as bucket,
           count(value)::int as n, sum(value order by ts) as sum, min(value) as min, max(value) as max,
           min(ts) filter (where value is not null) as first_ts,
           max(ts) filter (where value is not null) as last_ts,
           (array_agg(value order by ts desc) filter (where value is not null))[1] as last,
           sum(increase order by ts) as delta
      from stepped
     where ts >= lo and ts < hi
     group by 1, 2
  ), holds as (
    select s.point_id, m.bucket,
           sum(s.value * d.secs order by s.ts) as integral, sum(d.secs order by s.ts) as covered_s
      from stepped s
      cross join lateral generate_series(${bin('1 minute', 'greatest(s.ts, s.lo)')},
                                         ${bin('1 minute', `least(s.hold_end, s.hi) - interval '1 microsecond'`)},
                                         interval '1 minute') as m(bucket)
      cross join lateral (
        select (extract(epoch from least(s.hold_end, m.bucket + interval '1 minute'))
              - extract(epoch from greatest(s.ts, m.bucket)))::float8 as secs) d
     where s.value is not null and s.hold_end > s.lo and s.ts < s.hi
     group by 1, 2
  ), computed as (
    select coalesce(st.point_id, h.point_id) as point_id, coalesce(st.bucket, h.bucket) as bucket,
           coalesce(st.n, 0) as n, st.sum, st.min, st.max, st.first_ts, st.last_ts, st.last,
           case when coalesce(h.covered_s, 0) > 0 then h.integral / h.covered_s end as twa,
           coalesce(h.integral, 0) as integral, coalesce(h.covered_s, 0) as covered_s,
           case when p.kind = 'counter' then coalesce(st.delta, 0) end as delta
      from stats st
      full join holds h on h.point_id = st.point_id and h.bucket = st.bucket
      join points p on p.id = coalesce(st.point_id, h.point_id)
     where coalesce(st.n, 0) > 0 or coalesce(h.covered_s, 0) > 0
  ), upserted as (
    ${upsertSql('rollups_1m', 'computed')}
    returning 1
  ), removed as (
    delete from rollups_1m r using affected a
     where r.point_id = a.point_id and r.bucket = a.bucket
       and not exists (select 1 from computed c where c.point_id = r.point_id and c.bucket = r.bucket)
    returning 1
  ), coarser as (
    insert into rollup_dirty_1h (point_id, bucket)
    select distinct point_id, ${bin('1 hour', 'bucket')} from affected
    on conflict do nothing
    returning 1
  ), done as (
    delete from rollup_dirty d using claimed c
     where d.point_id = c.point_id and d.bucket = c.bucket and d.seq = c.seq
    returning 1
  )
  select (select count(*) from claimed)::int as claimed, (select count(*) from affected)::int as buckets,
         (select count(*) from upserted)::int as upserted, (select count(*) from removed)::int as removed,
         (select count(*) from coarser)::int as coarser, (select count(*) from done)::int as done`;
}

/**
 * One chunk of hourly (or daily) work: every dirty bucket is recomputed from the finer rows inside it, which is
 * exact because the finer rows partition the bucket: counts, sums, integrals, covered seconds and counter
 * deltas add up, min/max/first/last combine, and twa = integral / covered_s.
 */
function coarseRefreshSql(dirty: string, source: string, target: string, width: string, nextDirty: string | null, nextWidth: string | null): string {
  return `
  with claimed as (
    delete from ${dirty}
     where (point_id, bucket) in (select point_id, bucket from ${dirty} order by point_id, bucket limit $1)
    returning point_id, bucket
  ), computed as (
    select c.point_id, c.bucket,
           sum(r.n)::int as n, sum(r.sum order by r.bucket) as sum, min(r.min) as min, max(r.max) as max,
           min(r.first_ts) as first_ts, max(r.last_ts) as last_ts,
           (array_agg(r.last order by r.bucket desc) filter (where r.n > 0))[1] as last,
           case when sum(r.covered_s) > 0
                then sum(r.integral order by r.bucket) / sum(r.covered_s order by r.bucket) end as twa,
           sum(r.integral order by r.bucket) as integral, sum(r.covered_s order by r.bucket) as covered_s,
           sum(r.delta order by r.bucket) as delta
      from claimed c
      join ${source} r on r.point_id = c.point_id and r.bucket >= c.bucket and r.bucket < c.bucket + interval '${width}'
     group by c.point_id, c.bucket
  ), upserted as (
    ${upsertSql(target, 'computed')}
    returning 1
  ), removed as (
    delete from ${target} t using claimed c
     where t.point_id = c.point_id and t.bucket = c.bucket
       and not exists (select 1 from computed x where x.point_id = t.point_id and x.bucket = t.bucket)
    returning 1
  )${nextDirty ? `, coarser as (
    insert into ${nextDirty} (point_id, bucket)
    select distinct point_id, ${bin(nextWidth!, 'bucket')} from claimed
    on conflict do nothing
    returning 1
  )` : ''}
  select (select count(*) from claimed)::int as claimed, (select count(*) from claimed)::int as buckets,
         (select count(*) from upserted)::int as upserted, (select count(*) from removed)::int as removed`;
}

export interface RollupPoint {
  pointId: number;
  /** Bucket start (UTC-aligned). */
  bucket: Date;
  /** Samples with a value. */
  n: number;
  min: number | null;
  max: number | null;
  /** Arithmetic mean of the samples' values (null when n = 0). */
  avg: number | null;
  /** Time-weighted mean over the covered part of the bucket (null when nothing is covered). */
  twa: number | null;
  last: number | null;
  /** Σ value × seconds (W → J). */
  integral: number;
  /** Seconds of the bucket covered by holds. */
  coveredS: number;
  /** Counter increase (null for gauges). */
  delta: number | null;
}

/** Rollup rows of `pointIds` whose bucket starts in [from, to), by point then time. Buckets without data are absent. */
export async function rollupSeries(
  db: Db, pointIds: number[], from: Date, to: Date, resolution: RollupResolution,
): Promise<RollupPoint[]> {
  const table = TABLE[resolution];
  if (!table) throw new Error(`unknown rollup resolution ${resolution}`);
  if (pointIds.length === 0) return [];
  const rows = await db.query<Record<string, unknown>>(
    `select point_id, bucket, n, min, max, case when n > 0 then sum / n end as avg, twa, last, integral, covered_s, delta
       from ${table}
      where point_id = any($1::int4[]) and bucket >= $2 and bucket < $3
      order by point_id, bucket`,
    [pointIds, from.toISOString(), to.toISOString()]);
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({
    pointId: Number(r.point_id),
    bucket: r.bucket instanceof Date ? r.bucket : new Date(String(r.bucket)),
    n: Number(r.n),
    min: num(r.min), max: num(r.max), avg: num(r.avg), twa: num(r.twa), last: num(r.last),
    integral: Number(r.integral), coveredS: Number(r.covered_s), delta: num(r.delta),
  }));
}

/** Rollup progress for /metrics. */
export interface RollupBacklog {
  /** Age in seconds of the oldest unprocessed dirty mark (0 when none). */
  lagSeconds: number;
  dirtyMinutes: number;
  dirtyHours: number;
  dirtyDays: number;
}

export async function rollupBacklog(db: Db): Promise<RollupBacklog> {
  const [r] = await db.query<Record<string, unknown>>(
    `select coalesce(extract(epoch from now() - (select min(marked_at) from rollup_dirty)), 0)::float8 as lag,
            (select count(*) from rollup_dirty)::int as m, (select count(*) from rollup_dirty_1h)::int as h,
            (select count(*) from rollup_dirty_1d)::int as d`);
  return { lagSeconds: Math.max(0, Number(r.lag)), dirtyMinutes: Number(r.m), dirtyHours: Number(r.h), dirtyDays: Number(r.d) };
}

/** Retention per resolution in days; null keeps forever. */
export interface Retention { rawDays: number | null; minuteDays: number | null; hourDays: number | null; dayDays: number | null }
export const DEFAULT_RETENTION: Retention = { rawDays: 90, minuteDays: 400, hourDays: null, dayDays: null };

const RETAINED: Array<[keyof Retention, string, string]> = [
  ['rawDays', 'samples', 'ts'], ['minuteDays', 'rollups_1m', 'bucket'],
  ['hourDays', 'rollups_1h', 'bucket'], ['dayDays', 'rollups_1d', 'bucket'],
];

/**
 * Kiban's own retention where TimescaleDB is absent: deletes rows older than the retention of their table in
 * batches of `batch` rows (short statements, no long locks), at most `maxBatches` per table per call.
 * Returns the rows deleted per table.
 */
export async function deleteExpired(
  db: Db, retention: Retention, now = new Date(), opts: { batch?: number; maxBatches?: number } = {},
): Promise<Record<string, number>> {
  const batch = opts.batch ?? 10_000;
  const maxBatches = opts.maxBatches ?? 10;
  const deleted: Record<string, number> = {};
  for (const [key, table, col] of RETAINED) {
    const days = retention[key];
    deleted[table] = 0;
    if (days === null || !(days > 0)) continue;
    const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
    for (let i = 0; i < maxBatches; i++) {
      const [r] = await db.query<{ n: number }>(
        `with gone as (
           delete from ${table} where (point_id, ${col}) in (
             select point_id, ${col} from ${table} where ${col} < $1 limit $2)
           returning 1)
         select count(*)::int as n from gone`, [cutoff, batch]);
      deleted[table] += Number(r.n);
      if (Number(r.n) < batch) break;
    }
  }
  return deleted;
}

/**
 * TimescaleDB: makes the retention policies match `retention` (migration 0005 installs the defaults).
 * Returns the tables whose policy changed.
 */
export async function syncTimescaleRetention(db: Db, retention: Retention): Promise<string[]> {
  const jobs = await db.query<{ table: string; drop_after: string | null }>(
    `select hypertable_name as table, config->>'drop_after' as drop_after
       from timescaledb_information.jobs where proc_name = 'policy_retention' and hypertable_schema = 'public'`);
  const hypertables = new Set((await db.query<{ t: string }>(
    "select hypertable_name as t from timescaledb_information.hypertables where hypertable_schema = 'public'")).map((r) => r.t));
  const changed: string[] = [];
  for (const [key, table] of RETAINED) {
    if (!hypertables.has(table)) continue;
    const days = retention[key];
    const current = jobs.find((j) => j.table === table);
    const want = days === null ? null : `${days} days`;
    if ((current?.drop_after ?? null) === want) continue;
    if (current) await db.query('select remove_retention_policy($1::regclass, if_exists => true)', [table]);
    if (want) await db.query('select add_retention_policy($1::regclass, $2::interval)', [table, want]);
    changed.push(table);
  }
  return changed;
}
