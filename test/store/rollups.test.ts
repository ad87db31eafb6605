/**
 * Rollups, with the same assertions on embedded PGlite, PostgreSQL (TEST_DATABASE_URL) and the PGlite
 * TimescaleDB build: every 1m/1h/1d row is compared with a brute-force model computed here in TypeScript from
 * the raw samples (docs/storage.md "Rollups and retention" states the rules both follow), over random irregular
 * samples with gaps, comm_loss nulls, counter resets and wraps, late and replayed data. Exact for
 * count/min/max/last/first/last timestamps; 1e-9 relative for sums, means, integrals and deltas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../db/client.ts';
import { pointsByKey, upsertDevices, upsertPoints } from '../../db/queries/devices.ts';
import {
  DEFAULT_RETENTION, ROLLUP_MAX_HOLD_S, WRAP_32, deleteExpired, dirtyMarkSql, markDirtyRange, refreshRollups,
  rollupBacklog, rollupSeries, syncTimescaleRetention,
} from '../../db/queries/rollups.ts';
import { freshPostgresDatabase, openTestDb, openTimescalePglite, type TestDb } from '../support/databases.ts';
import { getRollupJobStats, startRollupJob } from '../../server/jobs/rollups.ts';
import { describeTier, postgresTier, type Tier } from '../support/tiers.ts';
// Seeded PRNG of the simulators (mulberry32): the property tests replay exactly per seed.
import { mulberry32 as prng } from '../../firmware-sims/physics/prng.ts';

const always: Tier = { name: 'embedded', available: true, why: '' };
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const HOLD_MS = ROLLUP_MAX_HOLD_S * 1000;

interface RawSample { pointId: number; t: number; v: number | null }
type Kind = 'gauge' | 'counter';

interface ModelRow {
  n: number; sum: number | null; min: number | null; max: number | null;
  firstTs: number | null; lastTs: number | null; last: number | null;
  integral: number; coveredS: number; delta: number | null;
  /** Σ |value × seconds|: the scale for the relative tolerance of sums that may cancel. */
  absIntegral: number; absSum: number; absDelta: number;
}

/** Counter increase between consecutive valued samples (docs/storage.md): reset → new value; wrap 2^32/2^64. */
function increase(prev: number, cur: number): number {
  if (cur >= prev) return cur - prev;
  if (prev >= WRAP_32 * 0.75 && prev < WRAP_32 && cur < WRAP_32 * 0.25) return (cur + WRAP_32) - prev;
  if (prev >= 2 ** 64 * 0.75 && cur < 2 ** 64 * 0.25) return (cur + 2 ** 64) - prev;
  return cur;
}

/**
 * The brute force: straight from the definition, per bucket width, over all raw samples of one point (sorted),
 * without the 1m → 1h → 1d composition the database uses.
 */
function model(samples: RawSample[], kind: Kind, widthMs: number): Map<number, ModelRow> {
  const rows = new Map<number, ModelRow>();
  const row = (b: number) => {
    let r = rows.get(b);
    if (!r) {
      r = { n: 0, sum: null, min: null, max: null, firstTs: null, lastTs: null, last: null, integral: 0, coveredS: 0,
        delta: kind === 'counter' ? 0 : null, absIntegral: 0, absSum: 0, absDelta: 0 };
      rows.set(b, r);
    }
    return r;
  };
  let prevValue: number | null = null;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    if (s.v === null) continue;
    const b = Math.floor(s.t / widthMs) * widthMs;
    const r = row(b);
    r.n++;
    r.sum = (r.sum ?? 0) + s.v;
    r.absSum += Math.abs(s.v);
    r.min = r.min === null ? s.v : Math.min(r.min, s.v);
    r.max = r.max === null ? s.v : Math.max(r.max, s.v);
    if (r.firstTs === null) r.firstTs = s.t;
    r.lastTs = s.t;
    r.last = s.v;
    if (kind === 'counter' && prevValue !== null) {
      const inc = increase(prevValue, s.v);
      r.delta = (r.delta ?? 0) + inc;
      r.absDelta += Math.abs(inc);
    }
    prevValue = s.v;
    // The hold: until the next sample of any quality, at most the max hold, clipped at bucket edges.
    const end = Math.min(samples[i + 1]?.t ?? Infinity, s.t + HOLD_MS);
    for (let start = s.t; start < end;) {
      const bucket = Math.floor(start / widthMs) * widthMs;
      const pieceEnd = Math.min(end, bucket + widthMs);
      const secs = (pieceEnd - start) / 1000;
      const hr = row(bucket);
      hr.integral += s.v * secs;
      hr.absIntegral += Math.abs(s.v * secs);
      hr.coveredS += secs;
      start = pieceEnd;
    }
  }
  for (const [b, r] of rows) if (r.n === 0 && r.coveredS === 0) rows.delete(b);
  return rows;
}

/** Irregular samples: mostly 1–40 s apart, sometimes gaps beyond the max hold, some on exact minute edges, ~5 % nulls. */
function generate(seed: number, pointId: number, kind: Kind, start: number, count: number, nearWrap = false): RawSample[] {
  const rnd = prng(seed);
  const out: RawSample[] = [];
  let t = start + Math.floor(rnd() * 60_000);
  let counter = nearWrap ? WRAP_32 - 50_000 : Math.floor(rnd() * 1000);
  for (let i = 0; i < count; i++) {
    const r = rnd();
    if (r < 0.06) t += HOLD_MS + Math.floor(rnd() * 3 * HOUR / 4); // a gap longer than a hold (sometimes much longer)
    else if (r < 0.1) t = (Math.floor(t / MINUTE) + 1 + Math.floor(rnd() * 3)) * MINUTE; // exactly on a minute edge
    else if (r < 0.13) t += HOLD_MS - 1000 + Math.floor(rnd() * 2000); // around the hold limit
    else t += 1 + Math.floor(rnd() * 40_000);
    let v: number | null;
    if (rnd() < 0.05) v = null;
    else if (kind === 'gauge') v = Math.round(rnd() * 1e6) / 1e3 + (rnd() < 0.1 ? 0 : 1000);
    else {
      const x = rnd();
      if (x < 0.02) counter = Math.floor(rnd() * 100); // reset
      else counter += Math.floor(rnd() * 5000) + (rnd() < 0.2 ? 0.25 : 0);
      if (counter >= WRAP_32) counter -= WRAP_32; // a 32-bit counter wraps
      v = counter;
    }
    out.push({ pointId, t, v });
  }
  return out;
}

/** Inserts raw samples and marks their minutes dirty in one statement, as the ingest write does. */
async function insertSamples(db: Db, rows: RawSample[]): Promise<number> {
  if (rows.length === 0) return 0;
  // As writeSampleBatch does: a deadlock with a concurrent refresh (PostgreSQL) is retried.
  for (let attempt = 1; ; attempt++) {
    try {
      return await insertSamplesOnce(db, rows);
    } catch (err) {
      if (attempt < 4 && (err as { code?: string }).code === '40P01') continue;
      throw err;
    }
  }
}

async function insertSamplesOnce(db: Db, rows: RawSample[]): Promise<number> {
  const [r] = await db.query<{ n: number }>(
    `with ins as (
       insert into samples (point_id, ts, value, quality)
       select u.point_id, u.ts, u.value, case when u.value is null then 2 else 0 end
         from unnest($1::int4[], $2::timestamptz[], $3::float8[]) as u(point_id, ts, value)
       on conflict (point_id, ts) do nothing
       returning point_id, ts
     ), marked as (${dirtyMarkSql('ins')})
     select count(*)::int as n from ins`,
    [rows.map((s) => s.pointId), rows.map((s) => new Date(s.t).toISOString()), rows.map((s) => s.v)]);
  return Number(r.n);
}

const TABLES = { '1m': ['rollups_1m', MINUTE], '1h': ['rollups_1h', HOUR], '1d': ['rollups_1d', DAY] } as const;

async function storedRows(db: Db, table: string, pointId: number) {
  const rows = await db.query<Record<string, unknown>>(
    `select bucket, n, sum, min, max, first_ts, last_ts, last, twa, integral, covered_s, delta
       from ${table} where point_id = $1 order by bucket`, [pointId]);
  const num = (v: unknown) => (v === null ? null : Number(v));
  const time = (v: unknown) => (v === null ? null : new Date(v as string | Date).getTime());
  return rows.map((r) => ({
    bucket: time(r.bucket)!, n: Number(r.n), sum: num(r.sum), min: num(r.min), max: num(r.max),
    firstTs: time(r.first_ts), lastTs: time(r.last_ts), last: num(r.last), twa: num(r.twa),
    integral: Number(r.integral), coveredS: Number(r.covered_s), delta: num(r.delta),
  }));
}

function close(actual: number | null, expected: number | null, scale: number, what: string) {
  if (expected === null || actual === null) { expect(actual, what).toBe(expected); return; }
  const tol = 1e-9 * Math.max(Math.abs(expected), scale, 1e-300);
  if (!(Math.abs(actual - expected) <= tol)) expect.fail(`${what}: ${actual} vs expected ${expected} (tolerance ${tol})`);
}

/** Compares every stored 1m/1h/1d row of the points with the brute force over `raw`. Returns rows compared. */
async function compareAll(db: Db, raw: RawSample[], kinds: Map<number, Kind>): Promise<number> {
  let compared = 0;
  for (const [pointId, kind] of kinds) {
    const samples = raw.filter((s) => s.pointId === pointId).sort((a, b) => a.t - b.t);
    for (const [res, [table, width]] of Object.entries(TABLES)) {
      const expected = model(samples, kind, width);
      const stored = await storedRows(db, table, pointId);
      const where = (b: number) => `${res} point ${pointId} bucket ${new Date(b).toISOString()}`;
      expect(stored.map((r) => new Date(r.bucket).toISOString()), `${res} buckets of point ${pointId}`)
        .toEqual([...expected.keys()].sort((a, b) => a - b).map((b) => new Date(b).toISOString()));
      for (const s of stored) {
        const e = expected.get(s.bucket)!;
        const w = where(s.bucket);
        expect({ n: s.n, min: s.min, max: s.max, last: s.last, firstTs: s.firstTs, lastTs: s.lastTs }, w)
          .toEqual({ n: e.n, min: e.min, max: e.max, last: e.last, firstTs: e.firstTs, lastTs: e.lastTs });
        close(s.sum, e.sum, e.absSum, `${w} sum`);
        close(s.integral, e.integral, e.absIntegral, `${w} integral`);
        close(s.coveredS, e.coveredS, 0, `${w} covered_s`);
        close(s.twa, e.coveredS > 0 ? e.integral / e.coveredS : null, e.coveredS > 0 ? e.absIntegral / e.coveredS : 0, `${w} twa`);
        close(s.delta, e.delta, e.absDelta, `${w} delta`);
        compared++;
      }
    }
  }
  return compared;
}

let pointSeq = 0;
async function makePoints(db: Db, kinds: Kind[]): Promise<Map<number, Kind>> {
  const device = `rollup-dev-${++pointSeq}`;
  await upsertDevices(db, [{ name: device, kind: 'pdu', protocol: 'snmp' } as any], 'c1');
  const decls = kinds.map((kind, i) => ({ key: `${device}/m${i}`, device, metric: `m${i}`, unit: kind === 'counter' ? 'Wh' : 'W', kind }));
  await upsertPoints(db, decls);
  const pts = await pointsByKey(db, decls.map((d) => d.key));
  return new Map(decls.map((d, i) => [pts.find((p) => p.key === d.key)!.id, kinds[i]]));
}

function rollupContract(backend: string, tier: Tier, open: () => Promise<TestDb>) {
  describeTier(tier, `rollups on ${backend}`, () => {
    let t: TestDb;
    let db: Db;
    beforeAll(async () => { t = await open(); db = t.db; });
    afterAll(async () => { await t?.close(); });

    it('computes exact 1m/1h/1d rollups of a small hand-checked series', async () => {
      const kinds = await makePoints(db, ['gauge', 'counter']);
      const [gauge, counter] = [...kinds.keys()];
      const t0 = Date.UTC(2026, 0, 5, 10, 0, 0);
      // Gauge: 100 W from 10:00:30 held 60 s (next sample), then 200 W held up to the 300 s max, a comm_loss gap, then 50 W.
      // Counter: 10 → 25 → reset to 5 → 4294967290 → wrap to 6.
      const raw: RawSample[] = [
        { pointId: gauge, t: t0 + 30_000, v: 100 }, { pointId: gauge, t: t0 + 90_000, v: 200 },
        { pointId: gauge, t: t0 + 900_000, v: null }, { pointId: gauge, t: t0 + 960_000, v: 50 },
        { pointId: counter, t: t0 + 10_000, v: 10 }, { pointId: counter, t: t0 + 70_000, v: 25 },
        { pointId: counter, t: t0 + 130_000, v: 5 }, { pointId: counter, t: t0 + 190_000, v: 4294967290 },
        { pointId: counter, t: t0 + 250_000, v: 6 },
      ];
      expect(await insertSamples(db, raw)).toBe(raw.length);
      const done = await refreshRollups(db);
      expect(done.minutes).toBeGreaterThan(0);
      expect(done.hours).toBeGreaterThan(0);
      expect(done.days).toBeGreaterThan(0);
      const minute = await rollupSeries(db, [gauge], new Date(t0), new Date(t0 + HOUR), '1m');
      expect(minute.slice(0, 3).map((r) => [r.bucket.toISOString().slice(11, 16), r.n, r.avg, r.twa, r.integral, r.coveredS])).toEqual([
        ['10:00', 1, 100, 100, 3000, 30],
        ['10:01', 1, 200, 150, 9000, 60], // 100 W for 30 s, 200 W for 30 s
        ['10:02', 0, null, 200, 12000, 60], // held, no sample
      ]);
      const [hour] = await rollupSeries(db, [gauge], new Date(t0), new Date(t0 + HOUR), '1h');
      // 100 W × 60 s + 200 W × 300 s + 50 W × 300 s (the last hold is cut by the max hold, not by the hour).
      expect(hour).toMatchObject({ n: 3, min: 50, max: 200, last: 50, integral: 6000 + 60000 + 15000, coveredS: 660, delta: null });
      expect(hour.twa).toBeCloseTo(81000 / 660, 12);
      const [day] = await rollupSeries(db, [counter], new Date(t0 - DAY), new Date(t0 + DAY), '1d');
      expect(day).toMatchObject({ n: 5, last: 6, delta: 15 + 5 + (4294967290 - 5) + 12 });
      expect(await compareAll(db, raw, kinds)).toBeGreaterThan(10);
      // A replay changes nothing and leaves nothing dirty.
      expect(await insertSamples(db, raw)).toBe(0);
      expect(await refreshRollups(db)).toEqual({ minutes: 0, hours: 0, days: 0 });
      expect(await rollupBacklog(db)).toMatchObject({ lagSeconds: 0, dirtyMinutes: 0, dirtyHours: 0, dirtyDays: 0 });
    });

    for (const scenario of [1, 2, 3]) it(`property (seed ${scenario}): random irregular data with gaps, nulls, resets, late and replayed batches matches the brute force`, async () => {
      const kinds = await makePoints(db, ['gauge', 'gauge', 'counter', 'counter']);
      // Starts at 20:00 UTC and runs past midnight, so 1d rows combine partial days.
      const start = Date.UTC(2026, 2, 28, 20, 0, 0) + scenario * 7 * DAY;
      let raw: RawSample[] = [];
      let seed = 1;
      for (const [pointId, kind] of kinds) raw.push(...generate(scenario * 0x5eed + seed * 7919, pointId, kind, start, 1200, seed++ === 3));
      const decreases = (test: (prev: number, cur: number) => boolean) => [...kinds.keys()].reduce((n, p) => {
        const vals = raw.filter((s) => s.pointId === p && s.v !== null).map((s) => s.v!);
        return n + vals.filter((v, i) => i > 0 && v < vals[i - 1] && test(vals[i - 1], v)).length;
      }, 0);
      expect(decreases((prev) => prev >= WRAP_32 * 0.75), 'wraps in the data').toBeGreaterThan(0);
      expect(decreases((prev) => prev < WRAP_32 * 0.75), 'resets in the data').toBeGreaterThan(0);
      expect(raw.filter((s) => s.v === null).length, 'comm_loss samples').toBeGreaterThan(0);
      const rnd = prng(42 + scenario);
      // First delivery: ~80 % in time order; the rest arrives late, in random order, after a first refresh.
      const onTime = raw.filter(() => rnd() < 0.8);
      const late = raw.filter((s) => !onTime.includes(s)).sort(() => rnd() - 0.5);
      for (let i = 0; i < onTime.length; i += 500) await insertSamples(db, onTime.slice(i, i + 500));
      await refreshRollups(db, { chunk: 700 });
      expect(await compareAll(db, onTime, kinds)).toBeGreaterThan(100);
      const backlog = await rollupBacklog(db);
      expect(backlog.dirtyMinutes).toBe(0);
      // Late data in three batches, one of them replayed; refreshed in small chunks.
      const thirds = [late.slice(0, late.length / 3), late.slice(late.length / 3, (2 * late.length) / 3), late.slice((2 * late.length) / 3)];
      await insertSamples(db, thirds[0]);
      await refreshRollups(db, { chunk: 97 });
      await insertSamples(db, thirds[1]);
      await insertSamples(db, thirds[2]);
      expect(await insertSamples(db, thirds[1])).toBe(0);
      expect((await rollupBacklog(db)).dirtyMinutes).toBeGreaterThan(0);
      await refreshRollups(db, { chunk: 333 });
      raw = [...onTime, ...late];
      expect(await compareAll(db, raw, kinds)).toBeGreaterThan(300);
      // Re-aggregating everything again changes nothing, bit for bit (sums are taken in a fixed order).
      const before = await storedRows(db, 'rollups_1h', [...kinds.keys()][2]);
      await markDirtyRange(db, new Date(start - DAY), new Date(start + 30 * DAY), [...kinds.keys()]);
      await refreshRollups(db);
      expect(await storedRows(db, 'rollups_1h', [...kinds.keys()][2])).toEqual(before);
    });

    it('deletes expired raw samples and 1m rollups in batches, keeping hourly and daily ones', async () => {
      const kinds = await makePoints(db, ['gauge']);
      const [p] = [...kinds.keys()];
      const now = Date.UTC(2026, 5, 1, 0, 0, 0);
      const old = now - 500 * DAY;
      const raw: RawSample[] = Array.from({ length: 30 }, (_, i) => ({ pointId: p, t: old + i * 10_000, v: i }));
      raw.push({ pointId: p, t: now - DAY, v: 1 });
      await insertSamples(db, raw);
      await refreshRollups(db);
      const deleted = await deleteExpired(db, DEFAULT_RETENTION, new Date(now), { batch: 7 });
      expect(deleted.samples).toBeGreaterThanOrEqual(30);
      expect(deleted.rollups_1m).toBeGreaterThanOrEqual(5);
      expect(deleted.rollups_1h).toBe(0);
      const [left] = await db.query<{ n: number }>('select count(*)::int as n from samples where point_id = $1', [p]);
      expect(Number(left.n)).toBe(1);
      expect(await rollupSeries(db, [p], new Date(old - DAY), new Date(old + DAY), '1m')).toEqual([]);
      expect((await rollupSeries(db, [p], new Date(old - DAY), new Date(old + DAY), '1h')).map((r) => r.n)).toEqual([30]);
      // Late data older than raw retention is not re-aggregated from partial raw data.
      await insertSamples(db, [{ pointId: p, t: old + 400_000, v: 99 }]);
      await refreshRollups(db, { notBefore: new Date(now - 90 * DAY) });
      expect((await rollupSeries(db, [p], new Date(old - DAY), new Date(old + DAY), '1h')).map((r) => r.n)).toEqual([30]);
      expect((await rollupBacklog(db)).dirtyMinutes).toBe(0);
    });

    it('runs as a background job that reports lag and progress for /metrics', async () => {
      const kinds = await makePoints(db, ['gauge']);
      const [p] = [...kinds.keys()];
      const now = Date.now();
      const raw: RawSample[] = Array.from({ length: 20 }, (_, i) => ({ pointId: p, t: now - 3_600_000 + i * 15_000, v: 10 + i }));
      await insertSamples(db, raw);
      const job = startRollupJob({ db, intervalMs: 60_000, retention: DEFAULT_RETENTION, retentionEveryMs: 0 });
      try {
        expect(getRollupJobStats()).not.toBeNull();
        await job.tick();
        const stats = job.stats();
        expect(stats).toMatchObject({ errors: 0, lastError: null, dirtyMinutes: 0, lagSeconds: 0 });
        expect(stats.ticks).toBeGreaterThanOrEqual(1);
        expect(stats.processed.minutes).toBeGreaterThan(0);
        await compareAll(db, raw, kinds);
      } finally { await job.stop(); }
      expect(getRollupJobStats()).toBeNull();
    });

    it('gives way to ingest in small steps while its lag is under the bound, and works at full speed past it', async () => {
      const kinds = await makePoints(db, ['gauge']);
      const [p] = [...kinds.keys()];
      const now = Date.now();
      // 40 minutes of data: 40 dirty minutes, 8 chunks of 5.
      const raw: RawSample[] = Array.from({ length: 80 }, (_, i) => ({ pointId: p, t: now - 7_200_000 + i * 30_000, v: i % 7 }));
      await insertSamples(db, raw);
      const before = (await rollupBacklog(db)).dirtyMinutes;
      expect(before).toBeGreaterThanOrEqual(40);
      let ingestBusy = true;
      const yielding = startRollupJob({ db, intervalMs: 60_000, retention: DEFAULT_RETENTION, chunk: 5, yieldTo: () => ingestBusy });
      try {
        await yielding.tick();
        expect(yielding.stats()).toMatchObject({ yieldedTicks: 1, errors: 0 });
        expect(yielding.stats().dirtyMinutes).toBe(before - 5); // one chunk, not twenty
        ingestBusy = false;
        await yielding.tick();
        expect(yielding.stats()).toMatchObject({ yieldedTicks: 1, dirtyMinutes: 0 });
      } finally { await yielding.stop(); }
      await compareAll(db, raw, kinds);

      // Past the lag bound it no longer gives way, however busy ingest is.
      const more: RawSample[] = Array.from({ length: 80 }, (_, i) => ({ pointId: p, t: now - 3 * 3_600_000 + i * 30_000, v: i % 5 }));
      await insertSamples(db, more);
      const bounded = startRollupJob({ db, intervalMs: 60_000, retention: DEFAULT_RETENTION, chunk: 5, yieldTo: () => true, maxYieldS: 0 });
      try {
        await bounded.tick();
        expect(bounded.stats()).toMatchObject({ yieldedTicks: 0, dirtyMinutes: 0, errors: 0 });
      } finally { await bounded.stop(); }
      await compareAll(db, [...raw, ...more], kinds);
    });

    if (backend === 'timescaledb') {
      it('has samples as a compressed hypertable with compression and retention policies', async () => {
        const hyper = await db.query<{ hypertable_name: string; compression_enabled: boolean }>(
          "select hypertable_name, compression_enabled from timescaledb_information.hypertables where hypertable_schema = 'public' order by 1");
        expect(hyper).toEqual(expect.arrayContaining([
          { hypertable_name: 'samples', compression_enabled: true },
          { hypertable_name: 'rollups_1m', compression_enabled: true },
        ]));
        const jobs = await db.query<{ proc_name: string; hypertable_name: string; drop_after: string | null }>(
          `select proc_name, hypertable_name, config->>'drop_after' as drop_after from timescaledb_information.jobs
            where hypertable_schema = 'public' order by 2, 1`);
        expect(jobs).toEqual(expect.arrayContaining([
          expect.objectContaining({ proc_name: 'policy_compression', hypertable_name: 'samples' }),
          expect.objectContaining({ proc_name: 'policy_retention', hypertable_name: 'samples' }),
          expect.objectContaining({ proc_name: 'policy_retention', hypertable_name: 'rollups_1m' }),
        ]));
        // Configured retention replaces the migration's default; applying it again changes nothing.
        expect(await syncTimescaleRetention(db, { ...DEFAULT_RETENTION, rawDays: 30 })).toEqual(['samples']);
        expect(await syncTimescaleRetention(db, { ...DEFAULT_RETENTION, rawDays: 30 })).toEqual([]);
        const [raw] = await db.query<{ drop_after: string }>(
          "select config->>'drop_after' as drop_after from timescaledb_information.jobs where proc_name = 'policy_retention' and hypertable_name = 'samples'");
        expect(raw.drop_after).toBe('30 days');
      });
    }
  });
}

describeTier(postgresTier(), 'rollups with two replicas on PostgreSQL', () => {
  it('lets one replica compute at a time and still ends exact while samples keep arriving', async () => {
    const fresh = await freshPostgresDatabase();
    const a = await openDb({ url: fresh.url });
    const b = await openDb({ url: fresh.url, migrate: false });
    try {
      const kinds = await makePoints(a, ['gauge', 'counter']);
      const start = Date.UTC(2026, 4, 1, 0, 0, 0);
      const raw: RawSample[] = [];
      let seed = 11;
      for (const [pointId, kind] of kinds) raw.push(...generate(seed++, pointId, kind, start, 800));
      const rnd = prng(7);
      const shuffled = [...raw].sort(() => rnd() - 0.5);
      const writes = (async () => { for (let i = 0; i < shuffled.length; i += 100) await insertSamples(i % 200 ? a : b, shuffled.slice(i, i + 100)); })();
      const refresher = (db: Db) => (async () => { for (let i = 0; i < 15; i++) await refreshRollups(db, { chunk: 50 }); })();
      await Promise.all([writes, refresher(a), refresher(b)]);
      await refreshRollups(a);
      expect(await compareAll(a, raw, kinds)).toBeGreaterThan(100);
    } finally {
      await a.close();
      await b.close();
      await fresh.drop();
    }
  });
});

rollupContract('pglite', always, () => openTestDb('pglite'));
rollupContract('postgres', postgresTier(), () => openTestDb('postgres'));
rollupContract('timescaledb', always, openTimescalePglite);

describe('brute-force model', () => {
  it('follows the documented hold and counter rules', () => {
    const m = model([{ pointId: 1, t: 0, v: 2 }, { pointId: 1, t: 90_000, v: null }, { pointId: 1, t: 100_000, v: 4 }], 'gauge', MINUTE);
    // 2 holds [0, 90 s) (cut by the null), 4 holds [100 s, 400 s) (cut by the max hold).
    expect([...m.entries()].map(([b, r]) => [b / 1000, r.n, r.integral, r.coveredS])).toEqual([
      [0, 1, 120, 60], [60, 1, 60 + 80, 50], [120, 0, 240, 60], [180, 0, 240, 60], [240, 0, 240, 60], [300, 0, 240, 60], [360, 0, 160, 40],
    ]);
    expect(increase(10, 3)).toBe(3);
    expect(increase(WRAP_32 - 10, 5)).toBe(15);
  });
});
