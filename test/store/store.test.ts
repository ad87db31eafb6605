/**
 * The store contract, with the same assertions on every backend: embedded PGlite (always), PostgreSQL 15
 * (TEST_DATABASE_URL) and the PGlite TimescaleDB build — migrations, idempotent batch writes, reads.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsFolder, type Db } from '../../db/client.ts';
import { principalByTokenHash, putToken } from '../../db/queries/auth.ts';
import { listDevices, listPoints, pointsByKey, upsertDevices, upsertPoints } from '../../db/queries/devices.ts';
import { bucketedSeries, latestSamples, rawSeries, writeSampleBatch, type SampleRow } from '../../db/queries/samples.ts';
import { openTestDb, openTimescalePglite, type TestDb } from '../support/databases.ts';
import { describeTier, postgresTier, type Tier } from '../support/tiers.ts';

const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: unknown[] };
const always: Tier = { name: 'embedded', available: true, why: '' };

function storeContract(backend: string, tier: Tier, open: () => Promise<TestDb>) {
  describeTier(tier, `store on ${backend}`, () => {
    let t: TestDb;
    let db: Db;
    beforeAll(async () => { t = await open(); db = t.db; });
    afterAll(async () => { await t?.close(); });

    it('applies every migration once and reports its backend', async () => {
      const [row] = await db.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations');
      expect(Number(row.n)).toBe(journal.entries.length);
      expect(db.kind).toBe(backend);
      const tables = await db.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_schema = 'public' order by 1");
      expect(tables.map((r) => r.table_name)).toEqual(expect.arrayContaining(['sites', 'devices', 'points', 'samples', 'ingest_batches', 'api_tokens', 'sessions', 'cis', 'ci_models', 'ci_relations', 'ci_devices', 'ci_history']));
    });

    it('upserts devices and points idempotently and keeps the latest declaration', async () => {
      const dev = { name: 'ups-a', kind: 'ups' as const, protocol: 'snmp' as const, address: '127.0.0.1:1161', model: 'Sim 8k' };
      await upsertDevices(db, [dev], 'c1');
      await upsertDevices(db, [dev], 'c1');
      const point = { key: 'ups-a/output.l1.power', device: 'ups-a', metric: 'output.l1.power', unit: 'kW', kind: 'gauge' as const };
      await upsertPoints(db, [point]);
      await upsertPoints(db, [{ ...point, unit: 'W', role: 'ups.output.power' }]);
      const status = { key: 'ups-a/battery.status', device: 'ups-a', metric: 'battery.status', unit: '', kind: 'gauge' as const, states: { 2: 'batteryNormal', 3: 'batteryLow' } };
      await upsertPoints(db, [status]);
      expect((await pointsByKey(db, [status.key]))[0].states).toEqual({ 2: 'batteryNormal', 3: 'batteryLow' });
      expect((await listDevices(db)).filter((d) => d.name === 'ups-a')).toHaveLength(1);
      const pts = await listPoints(db, { device: 'ups-a' });
      expect(pts).toHaveLength(2);
      expect(pts.find((p) => p.metric === 'output.l1.power')).toMatchObject({ key: 'ups-a/output.l1.power', unit: 'W', role: 'ups.output.power', kind: 'gauge' });
      expect(await pointsByKey(db, ['ups-a/output.l1.power', 'nope/x'])).toHaveLength(1);
    });

    it('writes a batch once even when it is sent three times concurrently', async () => {
      const [p] = await pointsByKey(db, ['ups-a/output.l1.power']);
      const base = Date.UTC(2026, 10, 1, 12, 0, 0);
      const rows: SampleRow[] = Array.from({ length: 500 }, (_, i) => ({ pointId: p.id, ts: new Date(base + i * 1000).toISOString(), value: 4000 + i, quality: 'ok' }));
      const batchId = randomUUID();
      const results = await Promise.all([1, 2, 3].map(() => writeSampleBatch(db, { batchId, collector: 'c1', rows })));
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(500);
      const [count] = await db.query<{ n: number }>('select count(*)::int as n from samples where point_id = $1', [p.id]);
      expect(Number(count.n)).toBe(500);
      // A different batch repeating some (point, ts) pairs adds only the new ones.
      const overlap = await writeSampleBatch(db, { batchId: randomUUID(), collector: 'c1', rows: [rows[0], { ...rows[0], ts: new Date(base + 600_000).toISOString() }] });
      expect(overlap).toEqual({ duplicate: false, inserted: 1, insertedEventIds: [] });
    });

    it('keeps samples without a value as gaps and returns the newest per point', async () => {
      const [p] = await pointsByKey(db, ['ups-a/output.l1.power']);
      const ts = new Date(Date.UTC(2026, 10, 1, 13, 0, 0)).toISOString();
      await writeSampleBatch(db, { batchId: randomUUID(), collector: 'c1', rows: [{ pointId: p.id, ts, value: null, quality: 'comm_loss' }] });
      const [latest] = await latestSamples(db, [p.id]);
      expect(latest).toMatchObject({ pointId: p.id, value: null, quality: 'comm_loss' });
      expect(latest.ts.toISOString()).toBe(ts);
    });

    it('returns raw samples in range and time buckets with min/max, leaving empty buckets out', async () => {
      const [p] = await pointsByKey(db, ['ups-a/output.l1.power']);
      const from = new Date(Date.UTC(2026, 10, 1, 12, 0, 0));
      const raw = await rawSeries(db, p.id, from, new Date(from.getTime() + 10_000), 100);
      expect(raw.map((s) => s.value)).toEqual([4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007, 4008, 4009]);
      const buckets = await bucketedSeries(db, p.id, from, new Date(from.getTime() + 3_600_000), 60);
      // 500 samples at 1 s from 12:00:00 fill minutes 0..8 (the 9th partly); one more sample at 12:10:00.
      expect(buckets.map((b) => b.ts.toISOString().slice(11, 16))).toEqual(['12:00', '12:01', '12:02', '12:03', '12:04', '12:05', '12:06', '12:07', '12:08', '12:10']);
      expect(buckets[0]).toMatchObject({ value: 4029.5, min: 4000, max: 4059 });
    });

    it('finds a principal by token hash and ignores revoked tokens', async () => {
      await putToken(db, { name: 'ops', role: 'viewer', tokenHash: 'hash-1' });
      expect(await principalByTokenHash(db, 'hash-1')).toMatchObject({ name: 'ops', role: 'viewer' });
      await db.query("update api_tokens set revoked_at = now() where name = 'ops'");
      expect(await principalByTokenHash(db, 'hash-1')).toBeUndefined();
    });
  });
}

storeContract('pglite', always, () => openTestDb('pglite'));
storeContract('postgres', postgresTier(), () => openTestDb('postgres'));
storeContract('timescaledb', always, openTimescalePglite);

describe('TimescaleDB migration (PGlite TimescaleDB build)', () => {
  it('turns samples into a hypertable partitioned on ts', async () => {
    const t = await openTimescalePglite();
    try {
      const rows = await t.db.query<{ hypertable_name: string; column_name: string }>(
        `select h.hypertable_name, d.column_name from timescaledb_information.hypertables h
           join timescaledb_information.dimensions d using (hypertable_schema, hypertable_name)`);
      // samples on ts; the rollup tables (migration 0005) on bucket.
      expect(rows).toEqual(expect.arrayContaining([{ hypertable_name: 'samples', column_name: 'ts' }]));
    } finally { await t.close(); }
  });

  it('leaves samples a plain table where the extension is absent (embedded PGlite)', async () => {
    const t = await openTestDb('pglite');
    try {
      const [row] = await t.db.query<{ n: number }>("select count(*)::int as n from pg_extension where extname = 'timescaledb'");
      expect(Number(row.n)).toBe(0);
      const [rel] = await t.db.query<{ relkind: string }>("select relkind from pg_class where relname = 'samples'");
      expect(rel.relkind).toBe('r');
    } finally { await t.close(); }
  });
});

describe('embedded database directory', () => {
  it('refuses a second opener with a clear error, keeps data across reopen, and takes over a stale lock', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { openDb } = await import('../../db/client.ts');
    const dir = mkdtempSync(`${tmpdir()}/kiban-lock-`);
    try {
      const first = await openDb({ dataDir: dir });
      await upsertDevices(first, [{ name: 'kept', kind: 'ups', protocol: 'snmp' }], 'c');
      await expect(openDb({ dataDir: dir })).rejects.toThrow(/in use by process \d+/);
      await first.close();
      writeFileSync(`${dir}/kiban.pid`, '999999999'); // a crashed process's leftover
      const again = await openDb({ dataDir: dir });
      expect((await listDevices(again)).map((d) => d.name)).toEqual(['kept']);
      await again.close();
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
