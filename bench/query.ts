/**
 * Query latency over a simulated year: a one-year chart of 10 points at 1,000 px through the HTTP API, and a
 * year of site energy through the query the energy API uses (rangeTotals), each against a bare SQL select
 * of the same rollup rows on the same database in the same run. Uses a fresh database on the DATABASE_URL
 * server (dropped afterwards), else embedded PGlite in a temporary directory.
 *
 * What is generated (and why it is representative): a year of 1-minute data for 5,000 points is 2.6e9 raw
 * samples and as many 1-minute rollup rows, which no query of this benchmark reads: a one-year chart at
 * 1,000 px is served from the 1-hour rollups and a year of energy from the 1-day rollups. So the 1-hour and
 * 1-day tables are generated in full for every point (1-day rows are aggregated from the 1-hour rows, as the
 * rollup job does), written in time order as the rollup job writes them (a point's rows are scattered over
 * the table, the realistic worst case for reading one point). 1-minute rows exist for the 10 charted points
 * (whole year) and for every point over the last day, so the tables have realistic neighbours; raw
 * samples are not generated.
 */
import path from 'node:path';
import { openDb, type Db } from '../db/client.ts';
import { rangeTotals, rollupBuckets, sitePointIds } from '../db/queries/series.ts';
import { planSeries, type RollupTable } from '../server/domain/series/resolution.ts';
import { silentLogger } from '../server/lib/logger.ts';
import { issueToken, startServer } from '../server/index.ts';
import type { Bench } from './index.ts';
import { freshDatabase, median, withoutIndexes } from './support.ts';

const YEAR_START = Date.UTC(2025, 0, 1);
const YEAR_END = YEAR_START + 365 * 86_400_000;
const METRICS = [
  { metric: 'inlet.power', unit: 'W', kind: 'gauge', role: 'pdu.inlet.power' },
  { metric: 'inlet.energy', unit: 'kWh', kind: 'counter', role: 'pdu.inlet.energy' },
  { metric: 'inlet.current', unit: 'A', kind: 'gauge', role: 'pdu.inlet.current' },
  { metric: 'inlet.voltage', unit: 'V', kind: 'gauge', role: 'pdu.inlet.voltage' },
  { metric: 'inlet.temp', unit: 'degC', kind: 'gauge', role: 'rack.inlet.temperature' },
] as const;

const ms = (x: number) => Number(x.toFixed(2));

async function timed(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn(); // warm caches and plans
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * A gauge's value at an hour, as SQL: a per-point level, a daily swing and a weekly one. Every rollup
 * column is filled the way the rollup job fills it for a point polled every minute.
 */
const hourRowsSql = (pointsExpr: string) => `
  insert into rollups_1h (point_id, bucket, n, sum, min, max, first_ts, last_ts, last, twa, integral, covered_s, delta)
  select p.id, h, 60, 60 * v, v - 0.05 * v, v + 0.05 * v, h, h + interval '59 minutes', v, v, v * 3600, 3600,
         case when p.kind = 'counter' then v / 1000 end
    from generate_series($1::timestamptz, $2::timestamptz - interval '1 hour', interval '1 hour') h
    cross join lateral (${pointsExpr} where h is not null) p
    cross join lateral (select 500 + (p.id % 97) * 20 + 150 * sin(extract(epoch from h) / 13750.99) + 50 * sin(extract(epoch from h) / 96256.9) as v) x`;

const minuteRowsSql = (pointsExpr: string) => `
  insert into rollups_1m (point_id, bucket, n, sum, min, max, first_ts, last_ts, last, twa, integral, covered_s, delta)
  select p.id, m, 1, v, v, v, m, m, v, v, v * 60, 60, case when p.kind = 'counter' then v / 60000 end
    from generate_series($1::timestamptz, $2::timestamptz - interval '1 minute', interval '1 minute') m
    cross join lateral (${pointsExpr} and m is not null) p
    cross join lateral (select 500 + (p.id % 97) * 20 + 150 * sin(extract(epoch from m) / 13750.99) + 50 * sin(extract(epoch from m) / 96256.9) as v) x`;

async function openFresh(log: (m: string) => void): Promise<{ db: Db; drop(): Promise<void> }> {
  const fresh = await freshDatabase('query', log);
  const db = await openDb(fresh.url ? { url: fresh.url } : { dataDir: path.join(fresh.dir, 'db') });
  return { db, drop: async () => { await db.close(); await fresh.drop(); } };
}

export const queryBench: Bench = {
  name: 'query',
  description: 'median ms of a 1-year 10-point chart at 1000 px (HTTP) and a year of site energy, vs bare SQL of the same rows',
  async run({ quick, log }) {
    const embedded = !process.env.DATABASE_URL;
    const pointCount = embedded ? (quick ? 100 : 500) : (quick ? 500 : 5000);
    const runs = quick ? 10 : 30;
    const devices = pointCount / METRICS.length;
    const { db, drop } = await openFresh(log);
    try {
      log(`query bench on ${db.kind}: ${pointCount} points (${devices} PDUs × ${METRICS.length}), ${runs} timed runs each`);
      await db.query(`insert into sites (code, name) values ('bench', 'Bench site')`);
      await db.query(
        `insert into devices (name, site_id, kind, protocol)
         select 'pdu-' || lpad(i::text, 5, '0'), s.id, 'pdu', 'snmp'
           from generate_series(1, $1::int) i cross join sites s where s.code = 'bench' order by i`, [devices]);
      await db.query(
        `insert into points (device_id, metric, unit, kind, role)
         select d.id, m.metric, m.unit, m.kind::point_kind, m.role from devices d
          cross join unnest($1::text[], $2::text[], $3::text[], $4::text[]) with ordinality m(metric, unit, kind, role, ord)
          order by d.id, m.ord`,
        [METRICS.map((m) => m.metric), METRICS.map((m) => m.unit), METRICS.map((m) => m.kind), METRICS.map((m) => m.role)]);

      // The 10 charted points: inlet power of PDUs spread over the whole id range (no two on the same heap pages).
      const charted = Array.from({ length: 10 }, (_, i) => `pdu-${String(1 + Math.floor((i * devices) / 10)).padStart(5, '0')}/inlet.power`);
      const chartedIds = (await db.query<{ id: number }>(
        `select p.id from points p join devices d on d.id = p.device_id where d.name || '/' || p.metric = any($1::text[])`, [charted])).map((r) => Number(r.id));
      const allPoints = `select id, kind::text as kind from points`; // `where` is appended
      const from = new Date(YEAR_START).toISOString();
      const to = new Date(YEAR_END).toISOString();

      let t0 = performance.now();
      // Loaded month by month so progress shows and no statement holds a year in memory.
      await withoutIndexes(db, 'rollups_1h', async () => {
        // Three months at a time on separate connections (PGlite serialises them anyway).
        let done = 0;
        for (let m = 0; m < 12; m += 3) {
          await Promise.all([m, m + 1, m + 2].map(async (month) => {
            const a = new Date(Date.UTC(2025, month, 1)).toISOString();
            const b = new Date(Math.min(Date.UTC(2025, month + 1, 1), YEAR_END)).toISOString();
            await db.query(hourRowsSql(allPoints), [a, b]);
            log(`  rollups_1h: ${++done}/12 months (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
          }));
        }
        log('  rollups_1h: rebuilding its indexes');
      });
      const [{ n: hourRows }] = await db.query<{ n: number }>('select count(*)::float8 as n from rollups_1h');
      log(`  rollups_1h: ${Number(hourRows).toLocaleString('en')} rows in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

      t0 = performance.now();
      // 1-day rows merged from the 1-hour rows, exactly as the rollup job merges them.
      await withoutIndexes(db, 'rollups_1d', () => db.query(
        `insert into rollups_1d (point_id, bucket, n, sum, min, max, first_ts, last_ts, last, twa, integral, covered_s, delta)
         select point_id, date_bin(interval '1 day', bucket, timestamptz '1970-01-01T00:00:00Z') as day,
                sum(n), sum(sum), min(min), max(max), min(first_ts), max(last_ts),
                (array_agg(last order by last_ts desc))[1], sum(integral) / nullif(sum(covered_s), 0),
                sum(integral), sum(covered_s), sum(delta)
           from rollups_1h group by 1, 2 order by 2, 1`).then(() => {}));
      const [{ n: dayRows }] = await db.query<{ n: number }>('select count(*)::float8 as n from rollups_1d');
      log(`  rollups_1d: ${Number(dayRows).toLocaleString('en')} rows in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

      t0 = performance.now();
      const minuteSpanDays = embedded || quick ? 7 : 365;
      await withoutIndexes(db, 'rollups_1m', async () => {
        await db.query(minuteRowsSql(`select id, kind::text as kind from points where id = any('{${chartedIds.join(',')}}'::int4[])`),
          [new Date(YEAR_END - minuteSpanDays * 86_400_000).toISOString(), to]);
        await db.query(minuteRowsSql(`select id, kind::text as kind from points where not (id = any('{${chartedIds.join(',')}}'::int4[]))`),
          [new Date(YEAR_END - 86_400_000).toISOString(), to]);
      });
      const [{ n: minuteRows }] = await db.query<{ n: number }>('select count(*)::float8 as n from rollups_1m');
      log(`  rollups_1m: ${Number(minuteRows).toLocaleString('en')} rows (charted points: ${minuteSpanDays} days; all points: last day) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      await db.query('vacuum analyze rollups_1m');
      await db.query('vacuum analyze rollups_1h');
      await db.query('vacuum analyze rollups_1d');
      await db.query('analyze points');
      await db.query('analyze devices');

      const server = await startServer({ db, port: 0, logger: silentLogger() });
      try {
        const token = await issueToken(db, 'bench', 'viewer');
        const chartUrl = `${server.url}/api/v1/series?points=${charted.join(',')}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&width=1000`;
        let shape = '';
        const chart = await timed(runs, async () => {
          const res = await fetch(chartUrl, { headers: { authorization: `Bearer ${token}` } });
          if (res.status !== 200) throw new Error(`series answered ${res.status}: ${await res.text()}`);
          const body = await res.json() as { items: Array<{ source: string; resolution: string; samples: unknown[] }> };
          shape = `${body.items.length} series from ${body.items[0].source} at ${body.items[0].resolution}, ${body.items.reduce((a, i) => a + i.samples.length, 0)} points`;
        });
        log(`  chart via HTTP: median ${median(chart).toFixed(1)} ms (${shape})`);
        const chartSource = (shape.match(/from (\w+)/)?.[1] ?? '1h') as RollupTable;
        const plan = planSeries({ fromMs: YEAR_START, toMs: YEAR_END, width: 1000, resolution: 'auto', agg: 'avg', pointCount: chartedIds.length });
        const chartQuery = await timed(runs, () => rollupBuckets(db, plan.source as RollupTable, chartedIds, new Date(YEAR_START), new Date(YEAR_END), plan.bucketSeconds));
        log(`  the same chart through its query function (rollupBuckets, no HTTP/auth/point lookup): median ${median(chartQuery).toFixed(1)} ms`);
        const bareChart = await timed(runs, () => db.query(
          `select point_id, bucket, n, sum, min, max, last, last_ts, integral, covered_s, delta from rollups_${chartSource}
            where point_id = any($1::int4[]) and bucket >= $2 and bucket < $3`, [chartedIds, from, to]));
        log(`  bare SQL select of the same rollup rows: median ${median(bareChart).toFixed(1)} ms`);

        const sitePower = await sitePointIds(db, 'bench', ['pdu.inlet.power']);
        let kwh = 0;
        const energy = await timed(runs, async () => {
          const totals = await rangeTotals(db, sitePower, new Date(YEAR_START), new Date(YEAR_END));
          kwh = totals.reduce((a, t) => a + (t.integral ?? 0), 0) / 3_600_000;
        });
        log(`  site energy (${sitePower.length} power points, a year): median ${median(energy).toFixed(1)} ms = ${Math.round(kwh).toLocaleString('en')} kWh`);
        const bareEnergy = await timed(runs, () => db.query(
          'select sum(integral) from rollups_1d where point_id = any($1::int4[]) and bucket >= $2 and bucket < $3', [sitePower, from, to]));
        log(`  bare SQL sum over the same 1-day rows: median ${median(bareEnergy).toFixed(1)} ms`);

        const value = median(chart);
        const baseline = median(bareChart);
        return {
          bench: 'query', value: ms(value), unit: 'ms', baseline: ms(baseline), ratio: Number((value / baseline).toFixed(2)), target: 100,
          db: db.kind, points: pointCount, runs, chart: shape, chartQueryFunctionMs: ms(median(chartQuery)),
          energyMs: ms(median(energy)), energyBaselineMs: ms(median(bareEnergy)), energyPoints: sitePower.length,
          rows: { '1m': Number(minuteRows), '1h': Number(hourRows), '1d': Number(dayRows) },
        };
      } finally {
        await server.close();
      }
    } finally {
      await drop();
    }
  },
};
