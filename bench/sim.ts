/**
 * `kiban bench sim`: the simulated data center at site scale (2,000 racks = 4,000 PDUs; --quick: 200).
 * Measures startup time and memory, then one full poll of every device the way a collector polls them —
 * PDUs: walks of their measurement tables (Raritan inlet/outlet sensor values and switching states, Sentry4
 * input-cord and outlet monitor tables); UPSes: GET of every UPS-MIB profile point; UPS, CRAC and meter Modbus:
 * their register blocks — and checks every rack sensor published over MQTT within its interval.
 * Baseline, same run: the same number of UDP request/response round trips at the same concurrency against
 * a bare echo socket (the loopback limit of this process); ratio = baseline time / simulator time.
 */
import { createSocket } from 'node:dgram';
import ModbusRTU from 'modbus-serial';
import mqtt from 'mqtt';
import * as snmp from 'net-snmp';
import { loadProfile } from '../collector/profile.ts';
import { startSim, type SimEndpoint } from '../firmware-sims/index.ts';
import type { Bench } from './index.ts';

const CONCURRENCY = 64;
const POLL_INTERVAL_S = 60;
const MB = 1024 * 1024;

const PDU_TABLES: Record<string, string[]> = {
  'raritan-px2': ['1.3.6.1.4.1.13742.6.5.2.3.1.4', '1.3.6.1.4.1.13742.6.5.4.3.1.4', '1.3.6.1.4.1.13742.6.4.1.2.1.3'],
  'servertech-sentry4': ['1.3.6.1.4.1.1718.4.1.3.3.1', '1.3.6.1.4.1.1718.4.1.8.3.1'],
};
const MODBUS_BLOCKS: Record<string, Array<{ fc: 3 | 4; address: number; count: number }>> = {
  'apc-ups-modbus': [{ fc: 3, address: 128, count: 32 }],
  'liebert-icom': [{ fc: 4, address: 99, count: 1 }, { fc: 4, address: 101, count: 4 }, { fc: 4, address: 129, count: 2 }],
  'kiban-energy-meter': [{ fc: 3, address: 0, count: 16 }],
  'kiban-water-meter': [{ fc: 3, address: 0, count: 3 }],
};

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

interface Counters { requests: number; values: number; failures: number; latenciesMs: number[] }

function walk(session: snmp.Session, oid: string, c: Counters): Promise<void> {
  return new Promise((resolve, reject) => {
    session.subtree(oid, 50, (varbinds: snmp.Varbind[]) => { c.requests++; c.values += varbinds.length; },
      (err?: Error | null) => (err ? reject(err) : resolve()));
  });
}

function get(session: snmp.Session, oids: string[], c: Counters): Promise<void> {
  return new Promise((resolve, reject) => {
    session.get(oids, (err: Error | null, varbinds?: snmp.Varbind[]) => {
      c.requests++;
      if (err) return reject(err);
      c.values += varbinds?.length ?? 0;
      resolve();
    });
  });
}

async function pollDevice(d: SimEndpoint, upsOids: string[], c: Counters): Promise<void> {
  const started = performance.now();
  try {
    if (d.protocol === 'snmp') {
      const session = snmp.createSession(d.host, d.snmp?.community ?? 'public', { port: d.port, version: snmp.Version2c, timeout: 5000, retries: 1 });
      try {
        if (d.kind === 'ups') await get(session, upsOids, c);
        else for (const oid of PDU_TABLES[d.profile] ?? []) await walk(session, oid, c);
      } finally { session.close(); }
    } else if (d.protocol === 'modbus') {
      const client = new ModbusRTU();
      await client.connectTCP(d.host, { port: d.port });
      client.setID(d.modbus?.unitId ?? 1);
      client.setTimeout(5000);
      try {
        for (const b of MODBUS_BLOCKS[d.profile] ?? []) {
          const r = b.fc === 3 ? await client.readHoldingRegisters(b.address, b.count) : await client.readInputRegisters(b.address, b.count);
          c.requests++;
          c.values += r.data.length;
        }
      } finally { await new Promise<void>((r) => client.close(() => r())); }
    }
    c.latenciesMs.push(performance.now() - started);
  } catch {
    c.failures++;
  }
}

/** The same number of request/response round trips against a bare UDP echo socket: the loopback limit. */
async function echoBaseline(requests: number): Promise<number> {
  const server = createSocket('udp4');
  server.on('message', (msg, rinfo) => server.send(msg, rinfo.port, rinfo.address));
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
  const port = server.address().port;
  const payload = Buffer.alloc(120, 1);
  const started = performance.now();
  const perWorker = Math.ceil(requests / CONCURRENCY);
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    for (let i = 0; i < perWorker; i++) {
      await new Promise<void>((resolve) => { s.once('message', () => resolve()); s.send(payload, port, '127.0.0.1'); });
    }
    s.close();
  }));
  const seconds = (performance.now() - started) / 1000;
  server.close();
  return seconds;
}

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0; };

export const simBench: Bench = {
  name: 'sim',
  description: `start a ${2000}-rack simulated site, then poll every device once (vs UDP echo round trips)`,
  async run({ quick, log }) {
    const racks = quick ? 200 : 2000;
    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    const sim = await startSim({ racks, controlPort: 0, tickMs: 5000 });
    const startupS = (performance.now() - t0) / 1000;
    const rssAfterStart = process.memoryUsage().rss;
    const count = (kind: string) => sim.devices.filter((d) => d.kind === kind).length;
    log(`sim bench: ${racks} racks — ${count('pdu')} PDUs, ${count('ups')} UPS endpoints, ${count('crac')} CRACs, ${count('meter')} meters, ${count('sensor')} sensors`);
    log(`  startup ${startupS.toFixed(1)} s, RSS ${(rssAfterStart / MB).toFixed(0)} MB (+${((rssAfterStart - rssBefore) / MB).toFixed(0)} MB)`);
    try {
      // Rack sensors: every one must publish within its interval.
      const seen = new Set<string>();
      const sub = await mqtt.connectAsync(sim.mqttUrl, { clientId: `bench-${process.pid}` });
      sub.on('message', (topic) => { if (topic.endsWith('/env')) seen.add(topic); });
      await sub.subscribeAsync('kiban/#');

      const profile = await loadProfile('rfc1628-ups');
      const upsOids = profile.points.map((p) => p.oid);
      const c: Counters = { requests: 0, values: 0, failures: 0, latenciesMs: [] };
      const pollable = sim.devices.filter((d) => d.protocol !== 'mqtt');
      const t1 = performance.now();
      await pool(pollable, CONCURRENCY, (d) => pollDevice(d, upsOids, c));
      const pollS = (performance.now() - t1) / 1000;
      log(`  full poll of ${pollable.length} devices: ${pollS.toFixed(1)} s, ${c.requests} requests, ${c.values} values, ${c.failures} failures; per device p50 ${pct(c.latenciesMs, 0.5).toFixed(0)} ms, p99 ${pct(c.latenciesMs, 0.99).toFixed(0)} ms`);
      // Sensors stagger their first message over up to two intervals after start; then every 10 s.
      const waitUntil = Date.now() + 25_000;
      while (seen.size < count('sensor') && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 250));
      log(`  rack sensors heard (MQTT, 10 s interval, staggered start): ${seen.size}/${count('sensor')}`);
      await sub.endAsync();
      const rssAfterPoll = process.memoryUsage().rss;
      log(`  RSS after the poll ${(rssAfterPoll / MB).toFixed(0)} MB`);

      const echoS = await echoBaseline(c.requests);
      log(`  baseline: ${c.requests} UDP echo round trips at concurrency ${CONCURRENCY}: ${echoS.toFixed(1)} s`);
      if (c.failures > 0) log(`  WARNING: ${c.failures} devices did not answer`);
      log(`  within the ${POLL_INTERVAL_S} s poll interval: ${pollS <= POLL_INTERVAL_S ? 'yes' : 'NO'}`);
      return {
        bench: 'sim', value: Number(pollS.toFixed(2)), unit: 's per full poll', baseline: Number(echoS.toFixed(2)),
        ratio: Number((echoS / pollS).toFixed(3)), target: POLL_INTERVAL_S,
        racks, startupS: Number(startupS.toFixed(2)), rssMB: Math.round(rssAfterPoll / MB), devices: pollable.length,
        requests: c.requests, failures: c.failures, p99DeviceMs: Math.round(pct(c.latenciesMs, 0.99)),
        sensorsHeard: seen.size, sensors: count('sensor'),
      };
    } finally {
      await sim.stop();
    }
  },
};
