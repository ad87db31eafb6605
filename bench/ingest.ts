/**
 * Ingest: sustained samples/s through the HTTP ingest path of a real `kiban server` process (authentication,
 * validation, the idempotency ledger, COPY into staging, ON CONFLICT into `samples`, rollup dirty marks, commit
 * before the answer, the rollup job running alongside), against raw COPY of the same rows by a bare client into
 * a table of the same shape and indexes, on the same database in the same run. Also measures the server's
 * longest event-loop stall during the run (from its /metrics). DATABASE_URL = a fresh database on that server;
 * unset = embedded PGlite (the bare client is then PGlite itself, COPY from a blob).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { openDb } from '../db/client.ts';
import type { Bench } from './index.ts';
import { freshDatabase } from './support.ts';

const KIBAN = fileURLToPath(new URL('../server/cli/kiban.mjs', import.meta.url));
const DEVICES = 20;
const POINTS_PER_DEVICE = 50;
const POINTS = DEVICES * POINTS_PER_DEVICE;
const BATCH = 10_000;
/** Requests in flight at once, like several collectors sending together. */
const CLIENTS = Number(process.env.KIBAN_BENCH_CLIENTS ?? 4);
const STEP_MS = 10_000;

interface Phase { samples: number; seconds: number; rate: number }

export const ingestBench: Bench = {
  name: 'ingest',
  description: 'samples/s through the HTTP ingest path of a kiban server vs raw COPY of the same rows by a bare client (same DB, same run), with the server\'s event-loop stall',
  async run({ quick, log }) {
    const perPhase = quick ? 200_000 : 1_000_000;
    const rounds = quick ? 1 : 2;
    const fresh = await freshDatabase('ingest', log);
    const adminToken = `bench-${randomBytes(16).toString('hex')}`;
    let server: ChildProcess | undefined;
    try {
      const started = await startKiban(fresh, adminToken, log);
      server = started.child;
      const url = started.url;
      const tokenRes = await request(`${url}/api/v1/tokens`, {
        method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench-collector', role: 'collector' }),
      });
      if (tokenRes.status !== 201) throw new Error(`creating a collector token: HTTP ${tokenRes.status} ${await tokenRes.text()}`);
      const token = (await tokenRes.json() as { token: string }).token;

      // Declarations once (a warm-up batch), as a collector's first batch after start does.
      const devices = Array.from({ length: DEVICES }, (_, d) => `bench-pdu-${String(d).padStart(2, '0')}`);
      const keys = devices.flatMap((dev) => Array.from({ length: POINTS_PER_DEVICE }, (_, p) => `${dev}/outlet.${p}.power`));
      const t0 = Date.now() - 40 * 86_400_000;
      const warm = await post(url, token, JSON.stringify({
        batchId: randomUUID(), collector: 'bench',
        devices: devices.map((name) => ({ name, kind: 'pdu', protocol: 'snmp' })),
        points: keys.map((key) => { const [device, metric] = key.split('/'); return { key, device, metric, unit: 'W', kind: 'gauge' }; }),
        samples: keys.map((point, i) => ({ point, ts: new Date(t0).toISOString(), value: i, quality: 'ok' })),
      }));
      if (warm.status !== 200) throw new Error(`warm-up batch: HTTP ${warm.status} ${await warm.text()}`);

      const bare = await bareClient(fresh, log);
      const ids = await bare.pointIds(keys);
      log(`${perPhase.toLocaleString('en')} samples per phase, batches of ${BATCH.toLocaleString('en')}, ${POINTS} points, ${CLIENTS} requests in flight; ${rounds} round(s), best of each`);

      // Rows of phase k: every point every 10 s, from its own time range so no phase conflicts with another.
      let phaseNo = 0;
      const phaseRows = () => {
        const start = t0 + STEP_MS * (1 + phaseNo++ * Math.ceil(perPhase / POINTS));
        const rows: Array<{ i: number; ts: string; value: number }> = new Array(perPhase);
        for (let n = 0; n < perPhase; n++) {
          rows[n] = { i: n % POINTS, ts: new Date(start + Math.floor(n / POINTS) * STEP_MS).toISOString(), value: Math.round((400 + (n % 997)) * 100) / 100 };
        }
        return rows;
      };

      const copyRuns: Phase[] = [];
      const httpRuns: Phase[] = [];
      let maxStallMs = 0;
      let maxIdleStallMs = 0;
      let maxCatchUpS = 0;
      let refused = 0;
      for (let r = 0; r < rounds; r++) {
        // Raw COPY: the same rows as COPY text, batch by batch, one connection (the bare client's best case on 2 cores).
        await settle(url, adminToken);
        const copyRows = phaseRows();
        const texts: string[] = [];
        for (let b = 0; b < copyRows.length; b += BATCH) {
          texts.push(copyRows.slice(b, b + BATCH).map((x) => `${ids[x.i]}\t${x.ts}\t${x.value}\t0\n`).join(''));
        }
        // The idle server's event loop is watched here too: the stall the machine's load alone causes (control).
        let watch = await watchStall(url, adminToken);
        let t = performance.now();
        for (const text of texts) await bare.copy(text);
        const copySeconds = (performance.now() - t) / 1000;
        const idleStall = await watch();
        maxIdleStallMs = Math.max(maxIdleStallMs, idleStall);
        copyRuns.push({ samples: perPhase, seconds: copySeconds, rate: perPhase / copySeconds });
        log(`  round ${r + 1} raw COPY (bare client):   ${Math.round(perPhase / copySeconds).toLocaleString('en')} samples/s (idle server's longest event-loop stall meanwhile ${idleStall.toFixed(1)} ms)`);

        // HTTP: the same number of rows as collector batches (bodies prepared before the clock starts).
        await settle(url, adminToken);
        const httpRows = phaseRows();
        const bodies: string[] = [];
        for (let b = 0; b < httpRows.length; b += BATCH) {
          bodies.push(JSON.stringify({
            batchId: randomUUID(), collector: 'bench',
            samples: httpRows.slice(b, b + BATCH).map((x) => ({ point: keys[x.i], ts: x.ts, value: x.value, quality: 'ok' })),
          }));
        }
        watch = await watchStall(url, adminToken);
        t = performance.now();
        let next = 0;
        await Promise.all(Array.from({ length: CLIENTS }, async () => {
          while (next < bodies.length) {
            const body = bodies[next++];
            for (;;) {
              const res = await post(url, token, body);
              if (res.status === 200) { await res.arrayBuffer(); break; }
              if (res.status === 503) { refused++; await res.arrayBuffer(); await sleep(1000 * Number(res.headers.get('retry-after') ?? 1)); continue; }
              throw new Error(`ingest: HTTP ${res.status} ${await res.text()}`);
            }
          }
        }));
        const httpSeconds = (performance.now() - t) / 1000;
        const stall = await watch();
        maxStallMs = Math.max(maxStallMs, stall);
        // The rollup job runs alongside the whole time; how long after the last acknowledgement is it done?
        const caughtUp = await settle(url, adminToken);
        maxCatchUpS = Math.max(maxCatchUpS, caughtUp);
        httpRuns.push({ samples: perPhase, seconds: httpSeconds, rate: perPhase / httpSeconds });
        log(`  round ${r + 1} kiban HTTP ingest:        ${Math.round(perPhase / httpSeconds).toLocaleString('en')} samples/s (server's longest event-loop stall ${stall.toFixed(1)} ms; rollups caught up ${caughtUp.toFixed(1)} s after the last ack)`);
      }
      await bare.close();
      // Every acknowledged sample is stored, once: counted after the server has stopped (it holds an embedded database).
      await stopKiban(server);
      const check = await openDb(fresh.url ? { url: fresh.url } : { dataDir: path.join(fresh.dir, 'db') });
      const [{ n: stored }] = await check.query<{ n: number }>('select count(*)::int as n from samples');
      await check.close();
      const expected = POINTS + rounds * perPhase;
      if (Number(stored) !== expected) throw new Error(`samples table holds ${stored} rows, expected ${expected}: ingest lost or duplicated data`);

      const best = (xs: Phase[]) => Math.max(...xs.map((x) => x.rate));
      const value = best(httpRuns);
      const baseline = best(copyRuns);
      const ratio = value / baseline;
      const embedded = !fresh.url;
      log(`kiban HTTP ingest ${Math.round(value).toLocaleString('en')} samples/s = ${(ratio * 100).toFixed(0)} % of raw COPY ${Math.round(baseline).toLocaleString('en')}; `
        + `longest server event-loop stall ${maxStallMs.toFixed(1)} ms (idle server under the COPY load: ${maxIdleStallMs.toFixed(1)} ms); rollups caught up at most ${maxCatchUpS.toFixed(1)} s after a phase; ${refused} requests refused (503) and retried; ${stored.toLocaleString('en')} samples stored, each once`);
      return {
        bench: 'ingest', backend: embedded ? 'pglite' : 'postgresql', value: Math.round(value), unit: 'samples/s',
        baseline: Math.round(baseline), ratio: Number(ratio.toFixed(3)),
        target: embedded ? 30_000 : Math.round(0.6 * baseline),
        maxEventLoopStallMs: Number(maxStallMs.toFixed(1)), idleServerMaxStallMs: Number(maxIdleStallMs.toFixed(1)), rollupCatchUpS: Number(maxCatchUpS.toFixed(1)),
        rounds: httpRuns.map((h, i) => ({ http: Math.round(h.rate), copy: Math.round(copyRuns[i].rate) })), refused503: refused, batch: BATCH, clients: CLIENTS, samplesPerPhase: perPhase,
      };
    } finally {
      if (server) await stopKiban(server);
      await fresh.drop();
    }
  },
};

async function stopKiban(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
  if (server.exitCode === null && server.signalCode === null) { server.kill('SIGKILL'); await exited; }
}

/**
 * fetch, retried once when a kept-alive connection turns out closed: the server closes idle connections after
 * its keep-alive timeout, and this process (which also runs the embedded baseline's PGlite on its own event
 * loop) may reuse one before it has seen the close. Safe for ingest too: a resent batch is idempotent.
 */
async function request(input: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch (err: any) {
    if (err?.cause?.code !== 'UND_ERR_SOCKET') throw err;
    return fetch(input, init);
  }
}

function post(url: string, token: string, body: string): Promise<Response> {
  return request(`${url}/api/v1/ingest`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
}

/** The server's longest event-loop delay (ms) since the previous scrape. */
async function scrapeMaxStall(url: string, token: string): Promise<number> {
  const text = await (await request(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  const m = /^kiban_event_loop_delay_max_seconds (\S+)$/m.exec(text);
  if (!m) throw new Error('/metrics has no kiban_event_loop_delay_max_seconds');
  return Number(m[1]) * 1000;
}

/**
 * Waits (at most 300 s) until the rollup job has caught up, so one phase's rollup work does not slow the next;
 * returns the seconds it waited.
 */
async function settle(url: string, token: string): Promise<number> {
  const start = performance.now();
  const until = Date.now() + 300_000;
  while (Date.now() < until) {
    const text = await (await request(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    const lag = /^kiban_rollup_lag_seconds (\S+)$/m.exec(text);
    if (!lag || Number(lag[1]) === 0) break;
    await sleep(250);
  }
  return (performance.now() - start) / 1000;
}

/** Scrapes the server's longest event-loop delay every 500 ms until the returned function is called; it returns the maximum (ms). */
async function watchStall(url: string, token: string): Promise<() => Promise<number>> {
  await scrapeMaxStall(url, token); // resets the server's event-loop histogram
  let stop = false;
  let max = 0;
  const watcher = (async () => {
    while (!stop) {
      await sleep(500);
      max = Math.max(max, await scrapeMaxStall(url, token));
    }
  })();
  return async () => {
    stop = true;
    await watcher;
    return Math.max(max, await scrapeMaxStall(url, token));
  };
}

async function startKiban(fresh: { url?: string; dir: string }, adminToken: string, log: (m: string) => void): Promise<{ child: ChildProcess; url: string }> {
  // KIBAN_BENCH_SERVER_NODE_ARGS passes node flags to the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it.
  const nodeArgs = (process.env.KIBAN_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, KIBAN, 'server', '--port', '0', '--data-dir', fresh.dir], {
    env: { ...process.env, DATABASE_URL: fresh.url ?? '', KIBAN_ADMIN_TOKEN: adminToken, KIBAN_LOG_LEVEL: 'warn' },
    stdio: ['ignore', process.env.KIBAN_BENCH_SERVER_STDOUT ? 'inherit' : 'ignore', 'pipe'],
  });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kiban server did not start within 180 s:\n${err}`)), 180_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /kiban: serving (http:\/\/\S+)/.exec(err);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`kiban server exited (${code}):\n${err}`)); });
  });
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`  [server] ${d}`));
  log(`kiban server (pid ${child.pid}) at ${url}`);
  return { child, url };
}

interface BareClient {
  pointIds(keys: string[]): Promise<number[]>;
  copy(text: string): Promise<void>;
  close(): Promise<void>;
}

const BASELINE_TABLE = 'create table bench_copy (point_id int4 not null, ts timestamptz not null, value float8, quality int2 not null, primary key (point_id, ts))';

/**
 * The bare client: the `postgres` driver on one connection, or an in-process PGlite on its own directory
 * (the embedded server's database is held by the server process). The baseline table has the columns,
 * primary key and ts index of `samples`.
 */
async function bareClient(fresh: { url?: string; dir: string }, log: (m: string) => void): Promise<BareClient> {
  if (fresh.url) {
    const sql = postgres(fresh.url, { max: 1, onnotice: () => {} });
    await sql.unsafe('drop table if exists bench_copy');
    await sql.unsafe(BASELINE_TABLE);
    await sql.unsafe('create index on bench_copy (ts)');
    return {
      pointIds: async (keys) => {
        const rows = await sql<{ id: number; key: string }[]>`select p.id, d.name || '/' || p.metric as key from points p join devices d on d.id = p.device_id where d.name || '/' || p.metric = any(${keys})`;
        const byKey = new Map(rows.map((r) => [r.key, r.id]));
        return keys.map((k) => byKey.get(k)!);
      },
      copy: async (text) => { await pipeline(Readable.from([text]), await sql.unsafe('copy bench_copy (point_id, ts, value, quality) from stdin').writable()); },
      close: () => sql.end({ timeout: 5 }),
    };
  }
  // Embedded: the server process holds its database; the baseline runs in a second PGlite in this process.
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = await PGlite.create(path.join(fresh.dir, 'baseline'));
  await pg.exec(`${BASELINE_TABLE}; create index on bench_copy (ts);`);
  log('baseline: a bare PGlite (same build, own directory), COPY from a blob');
  return {
    pointIds: async (keys) => keys.map((_, i) => i + 1), // ids only shape the baseline's rows
    copy: async (text) => { await pg.query('copy bench_copy (point_id, ts, value, quality) from \'/dev/blob\'', [], { blob: new Blob([text]) }); },
    close: () => pg.close(),
  };
}
