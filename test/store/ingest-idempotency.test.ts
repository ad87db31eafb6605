/**
 * Issue 5, acceptance 3 — idempotent ingest, on every backend:
 * - the same batch POSTed 3 times concurrently leaves one copy (and its minutes marked dirty once);
 * - a batch being written when the server is killed (SIGKILL) is either entirely present after restart or
 *   entirely absent, and a replay then leaves exactly one copy. Real server process, real database:
 *   PostgreSQL (TEST_DATABASE_URL) or an embedded data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../db/client.ts';
import { createApp } from '../../server/app.ts';
import { issueToken } from '../../server/index.ts';
import { LiveBus } from '../../server/live/bus.ts';
import { silentLogger } from '../../server/lib/logger.ts';
import { ServerMetrics } from '../../server/lib/metrics.ts';
import { upsBatch } from '../support/app.ts';
import { freshPostgresDatabase, openTestDb, openTimescalePglite, type TestDb } from '../support/databases.ts';
import { describeTier, postgresTier, type Tier } from '../support/tiers.ts';

const always: Tier = { name: 'embedded', available: true, why: '' };

async function countFor(db: Db, device: string): Promise<number> {
  const [r] = await db.query<{ n: number }>(
    `select count(*)::int as n from samples s join points p on p.id = s.point_id join devices d on d.id = p.device_id where d.name = $1`, [device]);
  return Number(r.n);
}

function concurrentReplay(backend: string, tier: Tier, open: () => Promise<TestDb>) {
  describeTier(tier, `ingest idempotency on ${backend}`, () => {
    let t: TestDb;
    let app: ReturnType<typeof createApp>;
    let token: string;
    beforeAll(async () => {
      t = await open();
      app = createApp({ db: t.db, logger: silentLogger(), bus: new LiveBus(), metrics: new ServerMetrics(), version: 'test', sessionTtlMs: 60_000 });
      token = await issueToken(t.db, 'collector-1', 'collector');
    });
    afterAll(async () => { await t?.close(); });

    const post = (batch: unknown) => Promise.resolve(app.request('/api/v1/ingest', {
      method: 'POST', body: JSON.stringify(batch), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    }));

    it('the same batch sent 3 times concurrently leaves one copy', async () => {
      const batch = upsBatch(2000, { device: 'ups-idem' });
      const responses = await Promise.all([1, 2, 3].map(() => post(batch)));
      const bodies = await Promise.all(responses.map((r) => r.json()));
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(bodies.filter((b) => !b.duplicate)).toHaveLength(1);
      expect(bodies.reduce((n, b) => n + b.inserted, 0)).toBe(2000);
      expect(await countFor(t.db, 'ups-idem')).toBe(2000);
      const [ledger] = await t.db.query<{ n: number }>('select count(*)::int as n from ingest_batches where batch_id = $1', [batch.batchId]);
      expect(Number(ledger.n)).toBe(1);
      // The minutes it touched are marked dirty for the rollups, in the same transaction as the samples.
      const [marks] = await t.db.query<{ n: number }>(
        `select count(*)::int as n from rollup_dirty r join points p on p.id = r.point_id join devices d on d.id = p.device_id where d.name = 'ups-idem'`);
      expect(Number(marks.n)).toBeGreaterThan(0);
    });

    it('a different batch repeating stored (point, ts) pairs inserts only the new ones', async () => {
      const first = upsBatch(100, { device: 'ups-overlap', start: Date.now() - 600_000 });
      expect((await (await post(first)).json()).inserted).toBe(100);
      const again = { ...first, batchId: crypto.randomUUID(), samples: [...first.samples, { ...first.samples[0], ts: new Date(Date.now() - 1000).toISOString() }] };
      const body = await (await post(again)).json();
      expect(body).toMatchObject({ duplicate: false, inserted: 1, accepted: 101 });
      expect(await countFor(t.db, 'ups-overlap')).toBe(101);
    });
  });
}

concurrentReplay('pglite', always, () => openTestDb('pglite'));
concurrentReplay('postgres', postgresTier(), () => openTestDb('postgres'));
concurrentReplay('timescaledb', always, () => openTimescalePglite());

const kibanBin = fileURLToPath(new URL('../../server/cli/kiban.mjs', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

interface Child { proc: ChildProcess; url: string; exited: Promise<void> }

async function startKiban(env: Record<string, string>, dataDir: string, adminToken: string): Promise<Child> {
  const port = await freePort();
  const proc = spawn(process.execPath, [kibanBin, 'server', '--port', String(port), '--data-dir', dataDir], {
    env: { ...process.env, KIBAN_ADMIN_TOKEN: adminToken, KIBAN_LOG_LEVEL: 'warn', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d) => { err += d; });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`kiban server exited: ${err}`);
    if (/serving http/.test(err)) return { proc, url, exited };
    if (i > 1200) { proc.kill('SIGKILL'); throw new Error(`kiban server did not start: ${err}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface KillDb {
  env: Record<string, string>;
  /** Samples of `device`, read while no server runs. */
  count(device: string): Promise<number>;
  /** Resolves once the server is writing the batch, if the backend lets us see that. */
  waitForWrite?(): Promise<void>;
  drop(): Promise<void>;
}

function killTest(backend: string, tier: Tier, database: (dataDir: string) => Promise<KillDb>) {
  describeTier(tier, `a batch interrupted by SIGKILL on ${backend}`, () => {
    const children: Child[] = [];
    let dataDir: string;
    let dbh: KillDb;
    beforeAll(async () => { dataDir = mkdtempSync(path.join(tmpdir(), 'kiban-kill-')); dbh = await database(dataDir); });
    afterAll(async () => {
      for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) { c.proc.kill('SIGKILL'); await c.exited; }
      await dbh?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('is all there or not there at all, and a replay leaves exactly one copy', { timeout: 240_000 }, async () => {
      const admin = 'kbn_kill_test_admin_token_000000000000';
      const device = 'ups-kill';
      const n = 50_000;
      const batch = upsBatch(n, { device, start: Date.now() - n * 1000 });
      const body = JSON.stringify(batch);
      const send = (url: string) => fetch(`${url}/api/v1/ingest`, { method: 'POST', body, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' } });

      const first = await startKiban(dbh.env, dataDir, admin);
      children.push(first);
      const inflight = send(first.url).then((r) => r.status, () => 'killed' as const);
      // Kill while the write is under way (PostgreSQL: once the statement shows in pg_stat_activity);
      // embedded: once the body has gone out and the server is parsing or writing it.
      if (dbh.waitForWrite) await dbh.waitForWrite();
      else await new Promise((r) => setTimeout(r, 300));
      first.proc.kill('SIGKILL');
      await first.exited;
      const outcome = await inflight;

      const before = await dbh.count(device);
      if (outcome === 200) expect(before).toBe(n); // acknowledged ⇒ committed
      expect([0, n]).toContain(before); // never part of a batch

      const second = await startKiban(dbh.env, dataDir, admin);
      children.push(second);
      const replay = await send(second.url);
      expect(replay.status).toBe(200);
      expect((await replay.json()).duplicate).toBe(before === n);
      second.proc.kill('SIGTERM');
      await second.exited;
      expect(await dbh.count(device)).toBe(n);
    });
  });
}

const countSql = `select count(*)::int as n from samples s join points p on p.id = s.point_id join devices d on d.id = p.device_id where d.name = $1`;

killTest('postgres', postgresTier(), async () => {
  const fresh = await freshPostgresDatabase();
  const sql = postgres(fresh.url, { max: 1, onnotice: () => {} });
  return {
    env: { DATABASE_URL: fresh.url },
    count: async (device) => Number((await sql.unsafe(countSql, [device]))[0]?.n ?? 0),
    waitForWrite: async () => {
      for (let i = 0; i < 5000; i++) {
        const rows = await sql`select 1 from pg_stat_activity where datname = current_database() and state = 'active' and query ilike '%ingest_stage%'`;
        if (rows.length > 0) return;
        await new Promise((r) => setTimeout(r, 2));
      }
      throw new Error('the write never showed in pg_stat_activity');
    },
    drop: async () => { await sql.end(); await fresh.drop(); },
  };
});

killTest('embedded', always, async (dataDir) => ({
  env: {},
  count: async (device) => {
    // The killed server left its pid lock; opening takes it over (the process is gone), like a restart does.
    const db = await openDb({ dataDir: path.join(dataDir, 'db'), migrate: false });
    try {
      const exists = await db.query(`select 1 from information_schema.tables where table_name = 'samples'`);
      return exists.length === 0 ? 0 : Number((await db.query<{ n: number }>(countSql, [device]))[0].n);
    } finally { await db.close(); }
  },
  drop: async () => {},
}));
