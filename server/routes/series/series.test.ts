/**
 * GET /api/v1/series and /api/v1/latest on every backend (embedded PGlite; PostgreSQL with TEST_DATABASE_URL):
 * automatic resolution (raw → raw buckets → 1m → 1h → 1d), at most 2 × width points, exact merging of rollup
 * rows against a brute force, gaps kept as gaps, every aggregate, latest by point/device/location, bad params.
 * Rollup rows are written directly (random, irregular), so the read path is tested independently of the job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../db/client.ts';
import { rangeTotals } from '../../../db/queries/series.ts';
import { createApp } from '../../app.ts';
import { issueToken } from '../../index.ts';
import { LiveBus } from '../../live/bus.ts';
import { silentLogger } from '../../lib/logger.ts';
import { ServerMetrics } from '../../lib/metrics.ts';
import {
  aggregateValue, planSeries, ROLLUP_SECONDS, SERIES_AGGS, totalsSegments, type BucketAggregates, type RollupTable, type SeriesAgg,
} from '../../domain/series/resolution.ts';
import { openTestDb, type TestDb } from '../../../test/support/databases.ts';
import { describeTier, postgresTier, type Tier } from '../../../test/support/tiers.ts';
import { applyPlan } from '../../domain/cmdb/apply.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MIN = 60_000;
/** Raw samples: one hour before T0, every 10 s. 1m rollups: 3 days before T0. 1h: 90 days. 1d: 4 years. */
const T0 = Date.UTC(2026, 5, 10, 0, 0, 0);

interface RollupRow extends BucketAggregates { bucket: number; lastTs: number | null }

/** Deterministic PRNG so a failure reproduces. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

function randomRows(rand: () => number, table: RollupTable, from: number, to: number, opts: { counter: boolean; skip?: (t: number) => boolean }): RollupRow[] {
  const step = ROLLUP_SECONDS[table] * 1000;
  const rows: RollupRow[] = [];
  for (let b = from; b < to; b += step) {
    if (opts.skip?.(b)) continue;
    const empty = rand() < 0.03; // a bucket where every sample was comm_loss: a row with n = 0
    const n = empty ? 0 : 1 + Math.floor(rand() * 6);
    const values = Array.from({ length: n }, () => 1000 + rand() * 500);
    const covered = empty ? 0 : (step / 1000) * (0.5 + rand() / 2);
    const mean = n ? values.reduce((a, v) => a + v, 0) / n : 0;
    rows.push({
      bucket: b, n, sum: n ? values.reduce((a, v) => a + v, 0) : null,
      min: n ? Math.min(...values) : null, max: n ? Math.max(...values) : null,
      last: n ? values[n - 1] : null, lastTs: n ? b + Math.floor(rand() * step) : null,
      integral: mean * covered, coveredS: covered, delta: opts.counter ? rand() * 10 : null,
    });
  }
  return rows;
}

/** The brute force: merge rows into epoch-aligned buckets of `seconds`, field by field. */
function bruteMerge(rows: RollupRow[], seconds: number, from: number, to: number, step: number) {
  const groups = new Map<number, RollupRow[]>();
  const alignedFrom = Math.floor(from / step) * step;
  for (const r of rows) {
    if (r.bucket < alignedFrom || r.bucket >= to) continue;
    const b = Math.floor(r.bucket / (seconds * 1000)) * seconds * 1000;
    groups.set(b, [...(groups.get(b) ?? []), r]);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([b, rs]) => {
    const add = (f: (r: RollupRow) => number | null) => (rs.some((r) => f(r) !== null) ? rs.reduce((a, r) => a + (f(r) ?? 0), 0) : null);
    const withLast = rs.filter((r) => r.lastTs !== null).sort((x, y) => y.lastTs! - x.lastTs!);
    const mins = rs.map((r) => r.min).filter((v): v is number => v !== null);
    const maxs = rs.map((r) => r.max).filter((v): v is number => v !== null);
    const agg: BucketAggregates = {
      n: rs.reduce((a, r) => a + r.n, 0), sum: add((r) => r.sum), min: mins.length ? Math.min(...mins) : null,
      max: maxs.length ? Math.max(...maxs) : null, last: withLast[0]?.last ?? null,
      integral: add((r) => r.integral), coveredS: add((r) => r.coveredS), delta: add((r) => r.delta),
    };
    return { ts: b, agg };
  });
}

const close = (a: number | null, b: number | null) =>
  (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));

async function insertRollups(db: Db, table: RollupTable, pointId: number, rows: RollupRow[]) {
  for (let i = 0; i < rows.length; i += 5000) {
    const part = rows.slice(i, i + 5000);
    const c = <T>(f: (r: RollupRow) => T) => part.map(f);
    await db.query(
      `insert into rollups_${table} (point_id, bucket, n, sum, min, max, first_ts, last_ts, last, twa, integral, covered_s, delta)
       select $1, u.bucket, u.n, u.sum, u.min, u.max, u.bucket, u.last_ts, u.last,
              case when u.covered_s > 0 then u.integral / u.covered_s end, u.integral, u.covered_s, u.delta
         from unnest($2::timestamptz[], $3::int4[], $4::float8[], $5::float8[], $6::float8[], $7::timestamptz[], $8::float8[],
                     $9::float8[], $10::float8[], $11::float8[])
              as u(bucket, n, sum, min, max, last_ts, last, integral, covered_s, delta)`,
      [pointId, c((r) => new Date(r.bucket).toISOString()), c((r) => r.n), c((r) => r.sum), c((r) => r.min), c((r) => r.max),
        c((r) => (r.lastTs === null ? null : new Date(r.lastTs).toISOString())), c((r) => r.last), c((r) => r.integral),
        c((r) => r.coveredS), c((r) => r.delta)],
    );
  }
}

function seriesContract(backend: string, tier: Tier) {
  describeTier(tier, `series and latest on ${backend}`, () => {
    let t: TestDb;
    let call: (path: string) => Promise<Response>;
    const rollups: Record<RollupTable, RollupRow[]> = { '1m': [], '1h': [], '1d': [] };
    const counterRollups: Record<RollupTable, RollupRow[]> = { '1m': [], '1h': [], '1d': [] };
    const P = 'pdu-1/inlet.power';
    const E = 'pdu-1/inlet.energy';

    beforeAll(async () => {
      t = await openTestDb(backend as 'pglite' | 'postgres');
      const { db } = t;
      const app = createApp({ db, logger: silentLogger(), bus: new LiveBus(), metrics: new ServerMetrics(), version: 'test', sessionTtlMs: 3_600_000 });
      const token = await issueToken(db, 'viewer', 'viewer');
      call = (path) => Promise.resolve(app.request(path, { headers: { authorization: `Bearer ${token}` } }));

      await db.query(`insert into devices (name, kind, protocol) values ('pdu-1', 'pdu', 'snmp'), ('ups-1', 'ups', 'snmp')`);
      // Two sites in the CMDB, each with a rack named rack-01; pdu-1 in Tokyo's, ups-1 in room-1.
      await applyPlan(db, {
        source: 'test', models: [], relations: [],
        cis: [
          { key: 'tky', type: 'site', name: 'Tokyo' },
          { key: 'room-1', type: 'room', name: 'room-1', parent: 'tky' },
          { key: 'row-a', type: 'row', name: 'row-a', parent: 'room-1' },
          { key: 'tky-rack-01', type: 'rack', name: 'rack-01', parent: 'row-a', attributes: { uHeight: 42 } },
          { key: 'osk', type: 'site', name: 'Osaka' },
          { key: 'hall-b', type: 'room', name: 'hall-b', parent: 'osk' },
          { key: 'osk-rack-01', type: 'rack', name: 'rack-01', parent: 'hall-b', attributes: { uHeight: 42 } },
          { key: 'pdu-1', type: 'pdu', name: 'PDU 1', parent: 'tky-rack-01', devices: ['pdu-1'] },
          { key: 'ups-1', type: 'ups', name: 'UPS 1', parent: 'room-1', devices: ['ups-1'], attributes: { ratedKva: 10, ratedKw: 9 } },
        ],
      }, { actor: 'test', mode: 'all-or-nothing' });
      await db.query(`insert into devices (name, kind, protocol) values ('crac-9', 'crac', 'modbus')`);
      await db.query(`insert into points (device_id, metric, unit, kind, role)
        select d.id, m.metric, m.unit, m.kind::point_kind, m.role from devices d
        cross join (values ('inlet.power', 'W', 'gauge', 'pdu.inlet.power'), ('inlet.energy', 'kWh', 'counter', 'pdu.inlet.energy')) m(metric, unit, kind, role)
        where d.name = 'pdu-1'`);
      await db.query(`insert into points (device_id, metric, unit, kind) select id, 'output.power', 'W', 'gauge' from devices where name = 'ups-1'`);
      await db.query(`insert into points (device_id, metric, unit, kind) select id, 'supply.temp', 'degC', 'gauge' from devices where name = 'crac-9'`);
      const ids = Object.fromEntries((await db.query<{ key: string; id: number }>(
        `select d.name || '/' || p.metric as key, p.id from points p join devices d on d.id = p.device_id`)).map((r) => [r.key, Number(r.id)]));

      // Raw: every 10 s for the hour before T0, with a comm_loss (null) at -30 min and nothing from -20 to -15 min.
      await db.query(
        `insert into samples (point_id, ts, value, quality)
         select $1, g, case when g = $3::timestamptz then null else 1000 + extract(epoch from g)::int % 600 end,
                case when g = $3::timestamptz then 2 else 0 end
           from generate_series($2::timestamptz, $4::timestamptz - interval '10 seconds', interval '10 seconds') g
          where not (g >= $5::timestamptz and g < $6::timestamptz)`,
        [ids[P], new Date(T0 - HOUR).toISOString(), new Date(T0 - 30 * MIN).toISOString(), new Date(T0).toISOString(),
          new Date(T0 - 20 * MIN).toISOString(), new Date(T0 - 15 * MIN).toISOString()],
      );
      await db.query(`insert into samples (point_id, ts, value, quality) values ($1, $2, 4200, 0), ($3, $2, 18.5, 0)`,
        [ids['ups-1/output.power'], new Date(T0 - MIN).toISOString(), ids['crac-9/supply.temp']]);

      const rand = rng(42);
      // 1m: 3 days with a 6-hour hole (no rows at all) on the middle day.
      const hole = (b: number) => b >= T0 - 2 * DAY + 6 * HOUR && b < T0 - 2 * DAY + 12 * HOUR;
      rollups['1m'] = randomRows(rand, '1m', T0 - 3 * DAY, T0, { counter: false, skip: hole });
      rollups['1h'] = randomRows(rand, '1h', T0 - 90 * DAY, T0, { counter: false });
      rollups['1d'] = randomRows(rand, '1d', T0 - 4 * 365 * DAY, T0, { counter: false, skip: (b) => b >= T0 - 400 * DAY && b < T0 - 380 * DAY });
      for (const table of ['1m', '1h', '1d'] as const) await insertRollups(db, table, ids[P], rollups[table]);
      // The energy counter: consistent tables (1h = merge of 1m, 1d = merge of 1h) over 3 days, for range totals.
      counterRollups['1m'] = randomRows(rand, '1m', T0 - 3 * DAY, T0, { counter: true });
      counterRollups['1h'] = bruteMerge(counterRollups['1m'], 3600, T0 - 3 * DAY, T0, MIN).map(({ ts, agg }) => ({ ...agg, bucket: ts, lastTs: ts }));
      counterRollups['1d'] = bruteMerge(counterRollups['1h'], 86_400, T0 - 3 * DAY, T0, HOUR).map(({ ts, agg }) => ({ ...agg, bucket: ts, lastTs: ts }));
      for (const table of ['1m', '1h', '1d'] as const) await insertRollups(db, table, ids[E], counterRollups[table]);
    });
    afterAll(async () => { await t?.close(); });

    const series = async (params: string) => {
      const res = await call(`/api/v1/series?${params}`);
      expect(res.status, await res.clone().text()).toBe(200);
      return (await res.json()) as { items: Array<{ point: string; resolution: string; source: string; agg: string | null; samples: Array<{ ts: string; value: number | null; min?: number | null; max?: number | null; n?: number }> }> };
    };
    const range = (fromMs: number, toMs: number) => `from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}`;

    it('returns raw samples when they fit; a comm_loss sample is null and a hole has no samples', async () => {
      const { items } = await series(`points=${P}&${range(T0 - HOUR, T0)}&width=1000`);
      expect(items[0]).toMatchObject({ resolution: 'raw', source: 'raw', agg: null });
      expect(items[0].samples).toHaveLength(360 - 30);
      expect(items[0].samples.find((s) => s.ts === new Date(T0 - 30 * MIN).toISOString())!.value).toBeNull();
      expect(items[0].samples.some((s) => Date.parse(s.ts) >= T0 - 20 * MIN && Date.parse(s.ts) < T0 - 15 * MIN)).toBe(false);
    });

    it('buckets raw samples on the fly when a pixel spans under a minute, keeping the hole a hole', async () => {
      const { items } = await series(`points=${P}&${range(T0 - HOUR, T0)}&width=100`);
      expect(items[0]).toMatchObject({ resolution: '18s', source: 'raw', agg: 'avg' });
      expect(items[0].samples.length).toBeLessThanOrEqual(200);
      expect(items[0].samples.some((s) => Date.parse(s.ts) >= T0 - 20 * MIN && Date.parse(s.ts) < T0 - 15 * MIN - 18_000)).toBe(false);
      const first = items[0].samples[0];
      expect(first.ts).toBe(new Date(T0 - HOUR).toISOString());
      const v = (ms: number) => 1000 + ((ms / 1000) % 600);
      expect(first).toMatchObject({ n: 2, min: Math.min(v(T0 - HOUR), v(T0 - HOUR + 10_000)), max: Math.max(v(T0 - HOUR), v(T0 - HOUR + 10_000)) });
    });

    it('plans the finest rollup a pixel allows, within the read budget, and never more than 2 × width buckets', () => {
      const plan = (days: number, width: number, pointCount = 1) => planSeries({ fromMs: T0 - days * DAY, toMs: T0, width, resolution: 'auto', agg: 'avg', pointCount });
      expect(plan(1 / 24, 1000)).toEqual({ source: 'raw', bucketSeconds: 2 });
      expect(plan(2, 1000)).toEqual({ source: '1m', bucketSeconds: 120 });
      expect(plan(7, 1000)).toEqual({ source: '1m', bucketSeconds: 360 });
      expect(plan(7, 1000, 10).source).toBe('1h'); // 100,800 minute rows would exceed the request's read budget
      expect(plan(30, 1000).source).toBe('1h');
      expect(plan(365, 1000)).toEqual({ source: '1h', bucketSeconds: 18_000 });
      expect(plan(365, 1000, 10)).toEqual({ source: '1d', bucketSeconds: 86_400 });
      expect(plan(5 * 365, 1000)).toEqual({ source: '1d', bucketSeconds: 86_400 });
      expect(plan(10 * 365, 100, 50).source).toBe('1d');
      expect(planSeries({ fromMs: T0 - HOUR, toMs: T0, width: 100, resolution: 'auto', agg: 'twa', pointCount: 1 }).source).toBe('1m');
      // Randomised: the planned buckets never exceed 2 × width, whatever the alignment.
      const rand = rng(7);
      for (let i = 0; i < 2000; i++) {
        const width = 1 + Math.floor(rand() * 3000);
        const toMs = T0 + Math.floor(rand() * DAY * 30);
        const fromMs = toMs - 1000 - Math.floor(rand() ** 3 * 4000 * DAY);
        const p = planSeries({ fromMs, toMs, width, resolution: 'auto', agg: 'avg', pointCount: 1 + Math.floor(rand() * 50) });
        if (p.source === 'raw') { expect(Math.ceil((toMs - fromMs) / 1000 / p.bucketSeconds)).toBeLessThanOrEqual(2 * width); continue; }
        const step = ROLLUP_SECONDS[p.source] * 1000;
        const aligned = Math.floor(fromMs / step) * step;
        const count = Math.floor((toMs - 1) / (p.bucketSeconds * 1000)) - Math.floor(aligned / (p.bucketSeconds * 1000)) + 1;
        expect(count).toBeLessThanOrEqual(2 * width);
        expect(p.bucketSeconds % ROLLUP_SECONDS[p.source]).toBe(0);
      }
    });

    const cases: Array<{ name: string; from: number; to: number; width: number; table: RollupTable; resolution?: string }> = [
      { name: '1m over 2 days (hole inside)', from: T0 - 2 * DAY - 17 * MIN, to: T0 - 3 * MIN, width: 1000, table: '1m' },
      { name: '1m over 2 days at 37 px', from: T0 - 2 * DAY - 17 * MIN, to: T0 - 3 * MIN, width: 37, table: '1m', resolution: '1m' },
      { name: '1h over 60 days', from: T0 - 60 * DAY + 5 * MIN, to: T0, width: 1000, table: '1h' },
      { name: '1h over a year at 1000 px', from: T0 - 365 * DAY, to: T0, width: 1000, table: '1h', resolution: '1h' },
      { name: '1d over 5 years', from: T0 - 5 * 365 * DAY, to: T0, width: 1000, table: '1d' },
      { name: '1d over 4 years at 100 px (re-bucketed)', from: T0 - 4 * 365 * DAY, to: T0, width: 100, table: '1d' },
    ];
    for (const c of cases) {
      it(`merges rollup rows exactly: ${c.name}`, async () => {
        const { items } = await series(`points=${P}&${range(c.from, c.to)}&width=${c.width}&agg=twa${c.resolution ? `&resolution=${c.resolution}` : ''}`);
        const item = items[0];
        expect(item.source).toBe(c.table);
        expect(item.samples.length).toBeLessThanOrEqual(2 * c.width);
        expect(item.samples.length).toBeGreaterThan(0);
        const seconds = Number(item.resolution.replace(/s$/, ''));
        expect(seconds % ROLLUP_SECONDS[c.table]).toBe(0);
        const expected = bruteMerge(rollups[c.table], seconds, c.from, c.to, ROLLUP_SECONDS[c.table] * 1000);
        expect(item.samples.map((s) => s.ts)).toEqual(expected.map((e) => new Date(e.ts).toISOString()));
        item.samples.forEach((s, i) => {
          const e = expected[i].agg;
          expect(close(s.value, aggregateValue('twa', e)), `${s.ts} twa ${s.value} vs ${aggregateValue('twa', e)}`).toBe(true);
          expect(s.min).toBe(e.min);
          expect(s.max).toBe(e.max);
          expect(s.n).toBe(e.n);
        });
      });
    }

    it('keeps gaps as gaps: no buckets over the 6 h hole in 1m rows nor the 20-day hole in 1d rows', async () => {
      const m = (await series(`points=${P}&${range(T0 - 2 * DAY, T0 - DAY)}&width=500`)).items[0];
      expect(m.source).toBe('1m');
      const inHole = (s: { ts: string }) => Date.parse(s.ts) >= T0 - 2 * DAY + 6 * HOUR && Date.parse(s.ts) < T0 - 2 * DAY + 12 * HOUR - 60_000;
      expect(m.samples.filter(inHole)).toEqual([]);
      const d = (await series(`points=${P}&${range(T0 - 5 * 365 * DAY, T0)}&width=1000`)).items[0];
      expect(d.source).toBe('1d');
      expect(d.samples.filter((s) => Date.parse(s.ts) >= T0 - 400 * DAY && Date.parse(s.ts) < T0 - 380 * DAY)).toEqual([]);
      // A bucket whose samples were all value-less exists with n = 0 and a null value: shown as a gap, not as 0.
      const allRows = (await series(`points=${P}&${range(T0 - 2 * DAY, T0 - DAY)}&width=1000&resolution=1m&agg=avg`)).items[0];
      const empty = allRows.samples.filter((s) => s.n === 0);
      expect(empty.length).toBeGreaterThan(0);
      for (const s of empty) expect(s.value).toBeNull();
    });

    it('computes every aggregate from the merged rows', async () => {
      const from = T0 - 2 * DAY;
      const to = T0 - DAY;
      const expected = bruteMerge(rollups['1h'], 3 * 3600, from, to, HOUR);
      for (const agg of SERIES_AGGS) {
        const { items } = await series(`points=${P}&${range(from, to)}&width=4&resolution=1h&agg=${agg}`);
        expect(items[0]).toMatchObject({ agg, source: '1h', resolution: '10800s' });
        expect(items[0].samples).toHaveLength(expected.length);
        expect(items[0].samples.map((s) => s.value).every((v, i) => close(v, aggregateValue(agg as SeriesAgg, expected[i].agg)))).toBe(true);
      }
      const counter = (await series(`points=${E}&${range(from, to)}&width=4&resolution=1h&agg=delta`)).items[0];
      const counterExpected = bruteMerge(counterRollups['1h'], 3 * 3600, from, to, HOUR);
      expect(counter.samples.map((s) => s.value).every((v, i) => close(v, counterExpected[i].agg.delta))).toBe(true);
      const gaugeDelta = (await series(`points=${P}&${range(from, to)}&width=4&resolution=1h&agg=delta`)).items[0];
      expect(gaugeDelta.samples.every((s) => s.value === null)).toBe(true); // gauges have no counter delta
    });

    it('answers many points in one request, each with its own samples, in the order asked', async () => {
      const { items } = await series(`points=${E},${P}&${range(T0 - 2 * DAY, T0)}&width=500&agg=sum`);
      expect(items.map((i) => i.point)).toEqual([E, P]);
      expect(items.every((i) => i.source === '1m' && i.samples.length <= 1000)).toBe(true);
    });

    it('range totals tile days, hours and minutes exactly (site energy)', async () => {
      const { db } = t;
      const [{ id }] = await db.query<{ id: number }>(`select p.id from points p join devices d on d.id = p.device_id where d.name = 'pdu-1' and p.metric = 'inlet.energy'`);
      const from = T0 - 3 * DAY + 7 * HOUR + 13 * MIN;
      const to = T0 - 29 * MIN;
      expect(totalsSegments(from, to).map((s) => s.table).sort()).toEqual(['1d', '1h', '1h', '1m', '1m']);
      const [totals] = await rangeTotals(db, [Number(id)], new Date(from), new Date(to));
      const rows = counterRollups['1m'].filter((r) => r.bucket >= from && r.bucket < to);
      const sum = (f: (r: RollupRow) => number | null) => rows.reduce((a, r) => a + (f(r) ?? 0), 0);
      expect(totals.n).toBe(sum((r) => r.n));
      expect(close(totals.delta, sum((r) => r.delta))).toBe(true);
      expect(close(totals.integral, sum((r) => r.integral))).toBe(true);
      expect(close(totals.coveredS, sum((r) => r.coveredS))).toBe(true);
    });

    it('latest by point, by device and by location (id or name, including everything below it)', async () => {
      const keys = async (q: string) => {
        const res = await call(`/api/v1/latest?${q}`);
        expect(res.status, await res.clone().text()).toBe(200);
        return ((await res.json()).items as Array<{ point: string; value: number | null; unit: string }>).map((i) => i.point).sort();
      };
      expect(await keys(`points=${P},ups-1/output.power`)).toEqual([P, 'ups-1/output.power']);
      expect(await keys('device=pdu-1')).toEqual([P]); // the energy counter has no raw samples: omitted
      expect(await keys('location=room-1')).toEqual([P, 'ups-1/output.power']);
      expect(await keys('location=row-a')).toEqual([P]);
      const [{ id }] = await t.db.query<{ id: number }>(`select id from cis where key = 'room-1'`);
      expect(await keys(`location=${id}`)).toEqual([P, 'ups-1/output.power']);
      expect(await keys('location=hall-b')).toEqual([]);
      const res = await call('/api/v1/latest?device=ups-1');
      expect((await res.json()).items[0]).toMatchObject({ point: 'ups-1/output.power', value: 4200, unit: 'W', quality: 'ok', ts: new Date(T0 - MIN).toISOString() });
    });

    it('rejects bad parameters with specific errors', async () => {
      const status = async (q: string, code: number, path?: string) => {
        const res = await call(q);
        expect(res.status, q).toBe(code);
        const body = await res.json();
        if (path) expect(body.error.details.issues[0].path, q).toBe(path);
        return body;
      };
      expect((await status(`/api/v1/series?points=${P},pdu-1/nope`, 404)).error.details.unknown).toEqual(['pdu-1/nope']);
      await status(`/api/v1/series?points=${P}&${range(T0, T0 - DAY)}`, 400, 'from');
      await status(`/api/v1/series?points=${P}&width=0`, 400, 'width');
      await status(`/api/v1/series?points=${P}&width=10001`, 400, 'width');
      await status(`/api/v1/series?points=${P}&agg=median`, 400, 'agg');
      await status(`/api/v1/series?points=${P}&resolution=5m`, 400, 'resolution');
      await status(`/api/v1/series?points=${P}&${range(T0 - 30 * DAY, T0)}&resolution=raw`, 400, 'resolution');
      await status('/api/v1/latest?device=nope', 404);
      await status('/api/v1/latest?location=nowhere', 404);
      await status('/api/v1/latest?location=999999', 404);
      expect((await status('/api/v1/latest?location=rack-01', 400, 'location')).error.details.candidates).toHaveLength(2);
      await status('/api/v1/latest', 400);
      await status(`/api/v1/latest?device=pdu-1&location=room-1`, 400);
    });
  });
}

seriesContract('pglite', { name: 'embedded', available: true, why: '' });
seriesContract('postgres', postgresTier());
