/**
 * Ingest write path: Kiban's idempotent batch write (ledger + unnest + ON CONFLICT) against a raw `unnest`
 * insert into a table of the same shape and indexes, on the same database in the same run. Uses DATABASE_URL when set, else embedded PGlite.
 */
import { randomUUID } from 'node:crypto';
import { openDb } from '../db/client.ts';
import { upsertDevices, upsertPoints, pointsByKey } from '../db/queries/devices.ts';
import { writeSampleBatch, type SampleRow } from '../db/queries/samples.ts';
import type { Bench } from './index.ts';

export const ingestBench: Bench = {
  name: 'ingest',
  description: 'samples/s through the idempotent ingest write vs a raw unnest insert (same DB, same run)',
  async run({ quick, log }) {
    const total = quick ? 100_000 : 1_000_000;
    const batchSize = 5_000;
    const pointsN = 100;
    const url = process.env.DATABASE_URL || undefined;
    const db = await openDb({ url });
    log(`ingest bench on ${db.kind}: ${total} samples in batches of ${batchSize}`);
    try {
      const run = randomUUID().slice(0, 8);
      const device = `bench-${run}`;
      await upsertDevices(db, [{ name: device, kind: 'other', protocol: 'snmp' }], 'bench');
      const decls = Array.from({ length: pointsN }, (_, i) => ({ key: `${device}/p${i}`, device, metric: `p${i}`, unit: 'W', kind: 'gauge' as const }));
      await upsertPoints(db, decls);
      const ids = (await pointsByKey(db, decls.map((d) => d.key))).map((p) => p.id);
      const t0 = Date.UTC(2026, 0, 1);
      const batchRows = (b: number): SampleRow[] => Array.from({ length: batchSize }, (_, i) => {
        const n = b * batchSize + i;
        return { pointId: ids[n % pointsN], ts: new Date(t0 + Math.floor(n / pointsN) * 1000).toISOString(), value: n * 0.5, quality: 'ok' };
      });
      const batches = total / batchSize;

      // Same shape and indexes as samples, so the ratio is the cost of idempotency (ledger + ON CONFLICT).
      await db.query('drop table if exists bench_raw');
      await db.query('create table bench_raw (point_id int4 not null, ts timestamptz not null, value float8, quality int2 not null, primary key (point_id, ts))');
      await db.query('create index bench_raw_ts_idx on bench_raw (ts)');
      let start = performance.now();
      for (let b = 0; b < batches; b++) {
        const rows = batchRows(b);
        await db.query('insert into bench_raw select * from unnest($1::int4[], $2::timestamptz[], $3::float8[], $4::int2[])',
          [rows.map((r) => r.pointId), rows.map((r) => r.ts), rows.map((r) => r.value), rows.map(() => 0)]);
      }
      const baseline = total / ((performance.now() - start) / 1000);
      log(`  baseline raw unnest: ${baseline.toFixed(0)} samples/s`);

      start = performance.now();
      for (let b = 0; b < batches; b++) await writeSampleBatch(db, { batchId: randomUUID(), collector: 'bench', rows: batchRows(b) });
      const value = total / ((performance.now() - start) / 1000);
      log(`  kiban ingest write:  ${value.toFixed(0)} samples/s`);
      await db.query('delete from samples where point_id = any($1::int4[])', [ids]);
      await db.query('drop table bench_raw');
      return { bench: 'ingest', value: Math.round(value), unit: 'samples/s', baseline: Math.round(baseline), ratio: Number((value / baseline).toFixed(3)) };
    } finally {
      await db.close();
    }
  },
};
