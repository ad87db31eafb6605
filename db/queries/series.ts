/**
 * Reads behind GET /api/v1/series and /latest: raw samples, on-the-fly buckets of raw samples, rollup rows
 * merged into pixel buckets, range totals (energy) and latest values by point, device or location.
 * Each function is one SQL round trip for any number of points (`= any($1)` or `unnest` + lateral).
 */
import type { Db } from '../client.ts';
import { qualityName, type LatestRow } from './samples.ts';
import {
  ROLLUP_SECONDS, totalsSegments, type BucketAggregates, type RollupTable,
} from '../../server/domain/series/resolution.ts';

const rollupTable = (t: RollupTable): string => {
  if (!(t in ROLLUP_SECONDS)) throw new Error(`unknown rollup table ${t}`);
  return `rollups_${t}`;
};

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const iso = (d: Date) => d.toISOString();

export interface RawPointSample { ts: Date; value: number | null }

/**
 * Raw samples of each point in [from, to), at most `limitPerPoint` each (ask for one more than you can show
 * to learn whether they fit). Samples without a value (comm_loss, …) come back as null: a gap, not a zero.
 */
export async function rawSamples(
  db: Db, pointIds: number[], from: Date, to: Date, limitPerPoint: number,
): Promise<Map<number, RawPointSample[]>> {
  const out = new Map<number, RawPointSample[]>(pointIds.map((id) => [id, []]));
  if (pointIds.length === 0) return out;
  const rows = await db.query<{ point_id: number; ts: Date | string; value: number | null }>(
    `select u.id as point_id, s.ts, s.value
       from unnest($1::int4[]) as u(id)
       cross join lateral (
         select ts, value from samples where point_id = u.id and ts >= $2 and ts < $3 order by ts limit $4
       ) s
      order by u.id, s.ts`,
    [pointIds, iso(from), iso(to), limitPerPoint],
  );
  for (const r of rows) out.get(r.point_id)!.push({ ts: new Date(r.ts), value: num(r.value) });
  return out;
}

export interface SeriesBucket extends BucketAggregates { ts: Date }

function bucketRow(r: Record<string, unknown>): SeriesBucket {
  return {
    ts: new Date(r.bucket as string), n: Number(r.n), sum: num(r.sum), min: num(r.min), max: num(r.max), last: num(r.last),
    integral: num(r.integral), coveredS: num(r.covered_s), delta: num(r.delta),
  };
}

function groupByPoint(pointIds: number[], rows: Record<string, unknown>[]): Map<number, SeriesBucket[]> {
  const out = new Map<number, SeriesBucket[]>(pointIds.map((id) => [id, []]));
  for (const r of rows) out.get(Number(r.point_id))?.push(bucketRow(r));
  return out;
}

/**
 * Raw samples bucketed on the fly into `bucketSeconds` buckets aligned to `from` (short ranges only: the
 * rollups serve anything coarser than a minute). Buckets without samples are absent; a bucket holding only
 * value-less samples has n = 0 and null aggregates. Time-weighted parts (integral, covered_s, delta) are null.
 */
export async function rawBuckets(
  db: Db, pointIds: number[], from: Date, to: Date, bucketSeconds: number,
): Promise<Map<number, SeriesBucket[]>> {
  if (pointIds.length === 0) return new Map();
  const rows = await db.query<Record<string, unknown>>(
    `select point_id, date_bin(make_interval(secs => $4), ts, $2::timestamptz) as bucket,
            count(value)::float8 as n, sum(value)::float8 as sum, min(value)::float8 as min, max(value)::float8 as max,
            (array_agg(value order by ts desc) filter (where value is not null))[1]::float8 as last,
            null::float8 as integral, null::float8 as covered_s, null::float8 as delta
       from samples
      where point_id = any($1::int4[]) and ts >= $2 and ts < $3
      group by 1, 2 order by 1, 2`,
    [pointIds, iso(from), iso(to), bucketSeconds],
  );
  return groupByPoint(pointIds, rows);
}

/**
 * Rollup rows of `table` whose bucket starts in [floor(from), to), merged into epoch-aligned buckets of
 * `bucketSeconds` (a multiple of the table's bucket, so each row lands in exactly one output bucket):
 * n, sum, integral, covered_s and delta add, min/max combine, last is the value of the newest row (the max of
 * [last_ts, last] pairs: a plain aggregate, so PostgreSQL can hash-aggregate instead of sorting every group).
 * With bucketSeconds equal to the table's bucket this returns the rollup rows themselves.
 */
export async function rollupBuckets(
  db: Db, table: RollupTable, pointIds: number[], from: Date, to: Date, bucketSeconds: number,
): Promise<Map<number, SeriesBucket[]>> {
  if (pointIds.length === 0) return new Map();
  const step = ROLLUP_SECONDS[table];
  if (bucketSeconds % step !== 0) throw new Error(`bucket of ${bucketSeconds}s is not a multiple of ${table}`);
  const alignedFrom = new Date(Math.floor(from.getTime() / (step * 1000)) * step * 1000);
  const merge = bucketSeconds !== step;
  const bucketExpr = merge ? `date_bin(make_interval(secs => $4), bucket, timestamptz '1970-01-01T00:00:00Z')` : 'bucket';
  const rows = await db.query<Record<string, unknown>>(
    `select point_id, ${bucketExpr} as bucket,
            sum(n)::float8 as n, sum(sum)::float8 as sum, min(min)::float8 as min, max(max)::float8 as max,
            (max(case when last_ts is not null then array[extract(epoch from last_ts)::float8, last] end))[2] as last,
            sum(integral)::float8 as integral, sum(covered_s)::float8 as covered_s, sum(delta)::float8 as delta
       from ${rollupTable(table)}
      where point_id = any($1::int4[]) and bucket >= $2 and bucket < $3
      group by 1, 2 order by 1, 2`,
    merge ? [pointIds, iso(alignedFrom), iso(to), bucketSeconds] : [pointIds, iso(alignedFrom), iso(to)],
  );
  return groupByPoint(pointIds, rows);
}

export interface RangeTotals extends Omit<BucketAggregates, 'last'> { pointId: number }

/**
 * Totals of each point over [from, to) (ends widened to whole minutes) from the coarsest rollups that
 * tile the range: days from rollups_1d, edge hours from rollups_1h, edge minutes from rollups_1m, in one
 * statement. Energy of a power point is integral / 3600 (W·s → Wh); of an energy counter, delta.
 * Points without any rollup row in the range are absent.
 */
export async function rangeTotals(db: Db, pointIds: number[], from: Date, to: Date): Promise<RangeTotals[]> {
  const segments = totalsSegments(from.getTime(), to.getTime());
  if (pointIds.length === 0 || segments.length === 0) return [];
  const params: unknown[] = [pointIds];
  const parts = segments.map((s) => {
    params.push(new Date(s.fromMs).toISOString(), new Date(s.toMs).toISOString());
    return `select point_id, n, sum, min, max, integral, covered_s, delta from ${rollupTable(s.table)}
             where point_id = any($1::int4[]) and bucket >= $${params.length - 1} and bucket < $${params.length}`;
  });
  const rows = await db.query<Record<string, unknown>>(
    `select point_id, sum(n)::float8 as n, sum(sum)::float8 as sum, min(min)::float8 as min, max(max)::float8 as max,
            sum(integral)::float8 as integral, sum(covered_s)::float8 as covered_s, sum(delta)::float8 as delta
       from (${parts.join('\n union all\n')}) r
      group by point_id order by point_id`,
    params,
  );
  return rows.map((r) => ({
    pointId: Number(r.point_id), n: Number(r.n), sum: num(r.sum), min: num(r.min), max: num(r.max),
    integral: num(r.integral), coveredS: num(r.covered_s), delta: num(r.delta),
  }));
}

/** Ids of a site's points, optionally only those with one of `roles` (site by code). */
export async function sitePointIds(db: Db, siteCode: string, roles?: string[]): Promise<number[]> {
  const rows = await db.query<{ id: number }>(
    `select p.id from points p join devices d on d.id = p.device_id join sites s on s.id = d.site_id
      where s.code = $1 and ($2::text[] is null or p.role = any($2::text[])) order by p.id`,
    [siteCode, roles ?? null],
  );
  return rows.map((r) => Number(r.id));
}

export interface LatestPointRow extends LatestRow { key: string; unit: string }

const latestSelect = `
  select p.id as point_id, d.name || '/' || p.metric as key, p.unit, s.ts, s.value, s.quality
    from devices d
    join points p on p.device_id = d.id
    cross join lateral (
      select ts, value, quality from samples where point_id = p.id order by ts desc limit 1
    ) s`;

function latestRows(rows: Array<{ point_id: number; key: string; unit: string; ts: Date | string; value: number | null; quality: number }>): LatestPointRow[] {
  return rows.map((r) => ({
    pointId: Number(r.point_id), key: r.key, unit: r.unit, ts: new Date(r.ts), value: num(r.value), quality: qualityName(r.quality),
  }));
}

/** The newest sample of every point of a device (points without samples are absent). */
export async function latestByDevice(db: Db, device: string): Promise<LatestPointRow[]> {
  return latestRows(await db.query(`${latestSelect} where d.name = $1 order by key`, [device]));
}

export interface LocationMatch { id: number; name: string; kind: string; site: string }

/**
 * CMDB CIs named by `ref`: a numeric id, a CI key, or a name (CIs of different rows or sites may share a
 * name, so several can match; a key is unique and wins). `site` is the key of the top of its location chain.
 */
export async function findLocations(db: Db, ref: string): Promise<LocationMatch[]> {
  const id = /^\d{1,9}$/.test(ref) ? Number(ref) : null;
  const rows = await db.query<{ id: number; name: string; kind: string; site: string; by_key: boolean }>(
    `with recursive matches as (
       select c.id, c.name, c.type, c.key = $2 as by_key from cis c
        where ($1::int4 is not null and c.id = $1) or ($1::int4 is null and (c.key = $2 or c.name = $2))
        limit 20
     ), up(match_id, id, parent_id) as (
       select m.id, c.id, c.parent_id from matches m join cis c on c.id = m.id
       union all
       select u.match_id, c.id, c.parent_id from up u join cis c on c.id = u.parent_id
     )
     select m.id, m.name, m.type as kind, m.by_key, (select c.key from up u join cis c on c.id = u.id where u.match_id = m.id and u.parent_id is null) as site
       from matches m order by m.id`,
    [id, ref],
  );
  const exact = rows.filter((r) => r.by_key);
  return (exact.length > 0 ? exact : rows).map((r) => ({ id: Number(r.id), name: r.name, kind: r.kind, site: r.site ?? '' }));
}

/** The newest sample of every point of the collector devices of a CI and of every CI located below it (room → row → rack → …). */
export async function latestByLocation(db: Db, locationId: number, limit = 10_000): Promise<LatestPointRow[]> {
  return latestRows(await db.query(
    `with recursive tree(id) as (
       select id from cis where id = $1
       union all
       select c.id from cis c join tree t on c.parent_id = t.id
     )
     ${latestSelect}
     where d.name in (select cd.device from ci_devices cd join tree t on t.id = cd.ci_id)
     order by key limit $2`,
    [locationId, limit],
  ));
}
