/**
 * Two real server replicas on one PostgreSQL database: a batch ingested through replica A reaches an SSE
 * client on replica B through LISTEN/NOTIFY, once; A's own clients get it once too. Also measures the A → B
 * fan-out latency reported in docs/scaling.md. Needs TEST_DATABASE_URL (required under CI=true).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDb, type Db } from '../../db/client.ts';
import { upsBatch } from '../../test/support/app.ts';
import { freshPostgresDatabase } from '../../test/support/databases.ts';
import { SseReader } from '../../test/support/sse.ts';
import { describeTier, postgresTier } from '../../test/support/tiers.ts';
import { issueToken, startServer, type RunningServer } from '../index.ts';
import { silentLogger } from '../lib/logger.ts';
import { relayOf } from './pg-relay.ts';
import { applyPlan } from '../domain/cmdb/apply.ts';

describeTier(postgresTier(), 'live fan-out across replicas (PostgreSQL LISTEN/NOTIFY)', () => {
  let fresh: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let dbA: Db; let dbB: Db;
  let a: RunningServer; let b: RunningServer;
  let token: string; let collector: string;

  beforeAll(async () => {
    fresh = await freshPostgresDatabase();
    dbA = await openDb({ url: fresh.url });
    dbB = await openDb({ url: fresh.url });
    token = await issueToken(dbA, 'viewer', 'viewer');
    collector = await issueToken(dbA, 'collector-1', 'collector');
    a = await startServer({ db: dbA, port: 0, logger: silentLogger() });
    b = await startServer({ db: dbB, port: 0, logger: silentLogger() });
  }, 60_000);
  afterAll(async () => {
    await a?.close(); await b?.close();
    await dbA?.close(); await dbB?.close();
    await fresh?.drop();
  });

  const stream = async (server: RunningServer, query: string) => {
    const res = await fetch(`${server.url}/api/v1/stream${query}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const sse = new SseReader(res);
    await sse.until((m) => m.some((x) => x.event === 'ready'));
    // The stream announced itself before 'ready'; the other replica has heard it once it relays to this one.
    const other = server === a ? b : a;
    for (let i = 0; i < 200 && !(relayOf(other.bus)!.stats.peersWatching > 0); i++) await new Promise((r) => setTimeout(r, 10));
    expect(relayOf(other.bus)!.stats.peersWatching).toBe(1);
    return sse;
  };
  const ingest = async (server: RunningServer, batch: unknown) => {
    const res = await fetch(`${server.url}/api/v1/ingest`, {
      method: 'POST', headers: { authorization: `Bearer ${collector}`, 'content-type': 'application/json' }, body: JSON.stringify(batch),
    });
    expect(res.status).toBe(200);
    return res.json();
  };

  it('relays nothing while no other replica has live streams (a single server pays nothing per batch)', async () => {
    await ingest(a, upsBatch(500, { device: 'rep-0' }));
    expect(relayOf(a.bus)!.stats).toMatchObject({ sentMessages: 0, unwatched: 1, peersWatching: 0 });
    expect(relayOf(b.bus)!.stats.received).toBe(0);
  });

  it('a batch ingested through A reaches a client on B, complete and once; A\'s client gets it once', async () => {
    const onB = await stream(b, '?device=rep-1');
    const onA = await stream(a, '?device=rep-1');
    const batch = upsBatch(5000, { device: 'rep-1' }); // ~50 notifications
    await ingest(a, batch);
    await ingest(a, batch); // a replay commits nothing and relays nothing
    const expected = batch.samples.map((s) => `${s.point}@${s.ts}`).sort();
    await onB.until(() => onB.samples().length >= 5000, 20_000);
    await onA.until(() => onA.samples().length >= 5000, 20_000);
    // Give stray duplicates time to arrive before counting.
    await new Promise((r) => setTimeout(r, 500));
    await onB.until(() => true); await onA.until(() => true);
    expect(onB.samples().map((s) => `${s.point}@${s.ts}`).sort()).toEqual(expected);
    expect(onA.samples().map((s) => `${s.point}@${s.ts}`).sort()).toEqual(expected);
    expect(onB.samples()[0]).toEqual({ ...batch.samples[0] });
    await onA.close(); await onB.close();
  }, 60_000);

  it('a location subscription on B follows devices placed under it (names and ids resolve on PostgreSQL)', async () => {
    await ingest(a, upsBatch(2, { device: 'rep-loc' }));
    await applyPlan(dbA, {
      source: 'test', models: [], relations: [],
      cis: [
        { key: 'p1', type: 'site', name: 'Site P' },
        { key: 'hall-p', type: 'room', name: 'Hall P', parent: 'p1' },
        { key: 'p-r01', type: 'rack', name: 'P-R01', parent: 'hall-p', attributes: { uHeight: 42 } },
        { key: 'ups-rep-loc', type: 'ups', name: 'UPS rep-loc', parent: 'p-r01', devices: ['rep-loc'], attributes: { ratedKva: 10, ratedKw: 9 } },
      ],
    }, { actor: 'test', mode: 'all-or-nothing' });
    const [room] = await dbA.query<{ id: number }>(`select id from cis where key = 'hall-p'`);
    const [rack] = await dbA.query<{ id: number }>(`select id from cis where key = 'p-r01'`);
    const onB = await stream(b, `?location=${encodeURIComponent('Hall P')},${rack.id}`);
    expect(onB.of('ready')[0].data.subscribed.locations.sort()).toEqual([Number(room.id), Number(rack.id)].sort());
    await ingest(a, upsBatch(4, { device: 'rep-loc' }));
    await ingest(a, upsBatch(4, { device: 'rep-other' }));
    await onB.until(() => onB.samples().length >= 4);
    expect(new Set(onB.samples().map((s) => s.point.split('/')[0]))).toEqual(new Set(['rep-loc']));
    await onB.close();
  }, 30_000);

  it('events cross replicas too; /metrics on both shows the relay and the pool', async () => {
    const onB = await stream(b, '?device=rep-ev');
    const batch = { ...upsBatch(2, { device: 'rep-ev' }), events: [{ eventId: crypto.randomUUID(), device: 'rep-ev', ts: new Date().toISOString(), source: 'snmp-trap', name: 'ups.on_battery', severity: 'major', message: 'ü'.repeat(1000), attributes: { varbinds: 'v'.repeat(8_000) } }] };
    await ingest(a, batch);
    await onB.until(() => onB.of('event').length > 0);
    expect(onB.of('event')[0].data.items[0]).toMatchObject({ eventId: batch.events[0].eventId, message: batch.events[0].message, attributes: batch.events[0].attributes });
    await onB.close();
    const scrape = async (s: RunningServer) => (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    const [ta, tb] = [await scrape(a), await scrape(b)];
    expect(metric(ta, 'kiban_live_relay_sent_total')).toBeGreaterThanOrEqual(3);
    expect(metric(tb, 'kiban_live_relay_received_total')).toBeGreaterThanOrEqual(3);
    expect(metric(ta, 'kiban_live_relay_received_total')).toBe(0); // its own notifications are skipped
    expect(metric(ta, 'kiban_db_pool_size')).toBe(10);
    expect(ta).toMatch(/^kiban_db_pool_connections\{state="idle"\} \d+$/m);
    expect(tb).toMatch(/^kiban_live_relay_delay_seconds_count [1-9]\d*$/m);
  }, 30_000);

  it('measures fan-out latency: a client on B sees a batch how long after a client on A', async () => {
    const onA = await stream(a, '?device=rep-lat');
    const onB = await stream(b, '?device=rep-lat');
    await ingest(a, upsBatch(2, { device: 'rep-lat' })); // declares the device and points
    await onB.until(() => onB.samples().length >= 2);
    await onA.until(() => onA.samples().length >= 2);
    const arrival = (sse: SseReader, n: number) => {
      // performance.now() of the message that completed the first n samples.
      let seen = 0;
      for (const m of sse.of('samples')) { seen += m.data.items.length; if (seen >= n) return m.at; }
      return NaN;
    };
    const report: string[] = [];
    for (const [size, rounds] of [[100, 40], [5000, 8]] as const) {
      const ack: number[] = []; const delay: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const [na, nb] = [onA.samples().length, onB.samples().length];
        const t0 = performance.now();
        await ingest(a, upsBatch(size, { device: 'rep-lat', start: Date.now() - (size > 1000 ? 86_400_000 : 10_800_000) + i * (size / 2) * 1000 }));
        ack.push(performance.now() - t0);
        await onA.until(() => onA.samples().length >= na + size, 20_000);
        await onB.until(() => onB.samples().length >= nb + size, 20_000);
        delay.push(arrival(onB, nb + size) - arrival(onA, na + size));
      }
      const q = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))].toFixed(1);
      report.push(`${size}-sample batches ×${rounds}: ingest ack on A median ${q(ack, 0.5)} ms; B after A median ${q(delay, 0.5)} ms, p90 ${q(delay, 0.9)} ms, max ${q(delay, 1)} ms`);
      expect(Number(q(delay, 0.5))).toBeLessThan(size > 1000 ? 1000 : 250);
    }
    console.log(`fan-out A→B (PostgreSQL LISTEN/NOTIFY): ${report.join('; ')}`);
    await onA.close(); await onB.close();
  }, 120_000);
});
