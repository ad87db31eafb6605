/**
 * End to end on loopback: simulated UPS (SNMP over UDP) → collector (profile, outbox) → server (HTTP ingest)
 * → embedded database → API. No mocks: real sockets, real processes where the product runs as a process.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startStack, waitFor, type Stack } from '../support/stack.ts';
import { describeTier, snmpToolsTier } from '../support/tiers.ts';

const exec = promisify(execFile);
const POLL_MS = 1000;
const OUTPUT_LOAD_OID = '1.3.6.1.2.1.33.1.4.4.1.5.1';

/** Holds a port if nothing else does, so the demo is shown to work where 1883 and 5432 are taken. */
async function occupy(port: number): Promise<Server | undefined> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(undefined)); // already taken by a real broker/database: fine too
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

let stack: Stack;
const held: Server[] = [];
beforeAll(async () => {
  for (const p of [1883, 5432]) { const s = await occupy(p); if (s) held.push(s); }
  stack = await startStack({ pollIntervalMs: POLL_MS, simTickMs: 2000 });
});
afterAll(async () => {
  await stack?.stop();
  for (const s of held) s.close();
});

const latestOf = async (point: string) => {
  const res = await api(stack, `/api/v1/latest?points=${point}`);
  return res.ok ? (await res.json()).items[0] as { ts: string; value: number; quality: string } | undefined : undefined;
};

describe('the UPS reaches the database and the API', () => {
  it('health reports the embedded backend', async () => {
    expect(await (await fetch(`${stack.baseUrl}/api/v1/health`)).json()).toMatchObject({ status: 'ok', db: 'pglite' });
  });

  it('declares the UPS and its points with units and roles', async () => {
    const points = await waitFor(async () => {
      const { items } = await (await api(stack, `/api/v1/points?device=${stack.upsDevice}`)).json();
      return items.length > 10 ? items : undefined;
    });
    expect(points).toEqual(expect.arrayContaining([
      expect.objectContaining({ metric: 'output.l1.power', unit: 'W', role: 'ups.output.power' }),
      expect.objectContaining({ metric: 'output.l1.load', unit: '%', role: 'ups.output.load' }),
      expect.objectContaining({ metric: 'battery.status', states: expect.objectContaining({ 2: 'batteryNormal', 3: 'batteryLow' }) }),
    ]));
    const devices = (await (await api(stack, '/api/v1/devices')).json()).items;
    expect(devices).toContainEqual(expect.objectContaining({ name: stack.upsDevice, kind: 'ups', protocol: 'snmp', collector: 'demo-collector' }));
    // The collector reads every simulated device kind through a shipped profile (SNMP, Modbus and MQTT).
    const shipped = new Set(['rfc1628-ups', 'apc-ups-modbus', 'liebert-icom', 'kiban-energy-meter', 'kiban-water-meter', 'raritan-px2', 'servertech-sentry4', 'kiban-rack-env-json']);
    expect(devices.every((d: { profile: string }) => shipped.has(d.profile))).toBe(true);
  });

  it('gets fresh samples at every poll, stored in the database', async () => {
    const key = `${stack.upsDevice}/output.l1.power`;
    const first = await waitFor(() => latestOf(key));
    const second = await waitFor(async () => { const l = await latestOf(key); return l && l.ts > first.ts ? l : undefined; }, 10_000);
    expect(Date.parse(second.ts) - Date.parse(first.ts)).toBeGreaterThanOrEqual(POLL_MS * 0.5);
    expect(Date.now() - Date.parse(second.ts)).toBeLessThan(POLL_MS * 5);
    expect(second.quality).toBe('ok');
    const [row] = await stack.demo.db.query<{ n: number }>(
      `select count(*)::int as n from samples s join points p on p.id = s.point_id join devices d on d.id = p.device_id
        where d.name = $1 and p.metric = 'output.l1.power'`, [stack.upsDevice]);
    expect(Number(row.n)).toBeGreaterThanOrEqual(2);
  });

  it('stores what the simulator really produced (ground truth)', async () => {
    const key = `${stack.upsDevice}/output.l1.power`;
    // Compare within one physics tick: read truth, then the next stored sample, and retry across tick edges.
    await waitFor(async () => {
      const truth = await (await fetch(`${stack.demo.sim.controlUrl}/sim/v1/truth/${stack.upsDevice}`)).json();
      const after = Date.now();
      const l = await waitFor(async () => { const x = await latestOf(key); return x && Date.parse(x.ts) >= after ? x : undefined; }, 5000);
      return l.value === Math.round(truth.values.outputPowerW);
    }, 20_000, 0);
  });
});

describe('the demo site is described as configuration items', () => {
  it('every simulated device, and so every point, belongs to a CI; the UPS CI shows its live values', async () => {
    const simDevices = (await (await fetch(`${stack.demo.sim.controlUrl}/sim/v1/devices`)).json()).items as Array<{ id: string }>;
    // Wait until the collector has declared every simulated device.
    const declared = await waitFor(async () => {
      const { items } = await (await api(stack, '/api/v1/devices')).json();
      const names = new Set(items.map((d: { name: string }) => d.name));
      return simDevices.every((d) => names.has(d.id)) ? items as Array<{ name: string }> : undefined;
    }, 30_000);
    const owner = new Map<string, string>();
    for (let cursor: string | undefined, first = true; first || cursor; first = false) {
      const page = await (await api(stack, `/api/v1/cis?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)).json();
      for (const ci of page.items) for (const d of ci.devices) owner.set(d, ci.key);
      cursor = page.next;
    }
    const unlinked = declared.map((d) => d.name).filter((n) => !owner.has(n));
    expect(unlinked).toEqual([]);
    const points = (await (await api(stack, '/api/v1/points')).json()).items as Array<{ device: string }>;
    expect(points.filter((p) => !owner.has(p.device))).toEqual([]);
    // Both faces of a UPS (SNMP and Modbus) are one CI, whose points carry live values.
    expect(owner.get(stack.upsDevice)).toBe(owner.get(`${stack.upsDevice}-modbus`));
    const upsPoints = await waitFor(async () => {
      const { items } = await (await api(stack, `/api/v1/cis/${owner.get(stack.upsDevice)}/points`)).json();
      return items.some((p: { value: number | null }) => p.value !== null) ? items : undefined;
    });
    expect(upsPoints.find((p: { metric: string }) => p.metric === 'output.l1.power')).toMatchObject({ unit: 'W', quality: 'ok' });
  });
});

describeTier(snmpToolsTier(), "net-snmp's own client agrees with Kiban", () => {
  it('snmpget of upsOutputPercentLoad equals the value the collector stored within one poll', async () => {
    const ups = stack.demo.sim.devices.find((d) => d.id === stack.upsDevice)!;
    const key = `${stack.upsDevice}/output.l1.load`;
    const series = async (fromMs: number, toMs: number) => {
      const q = `points=${key}&from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}&width=1000`;
      return (await (await api(stack, `/api/v1/series?${q}`)).json()).items[0].samples as Array<{ ts: string; value: number }>;
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      const at = Date.now();
      const { stdout } = await exec('snmpget', ['-v2c', '-c', ups.snmp?.community ?? 'public', '-Oqv', `${ups.host}:${ups.port}`, OUTPUT_LOAD_OID]);
      const snmpValue = Number(stdout.trim());
      expect(Number.isInteger(snmpValue)).toBe(true);
      // The collector's samples within one poll either side of the snmpget.
      const near = await waitFor(async () => {
        const s = await series(at - POLL_MS, at + POLL_MS);
        return s.some((x) => Date.parse(x.ts) >= at) ? s : undefined;
      }, 10_000);
      if (near.some((x) => x.value === snmpValue)) return;
    }
    throw new Error('no stored sample within one poll matched snmpget in 3 attempts');
  });
});

describe('the demo as a user runs it (kiban CLI)', () => {
  const cli = path.resolve('server/cli/kiban.mjs');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kiban-cli-'));
  // A demo still running when a test fails or times out is killed, so none outlives the suite.
  const children = new Set<ReturnType<typeof spawn>>();
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  function runDemo() {
    const child = spawn(process.execPath, [cli, 'demo', '--data-dir', dataDir], {
      env: { ...process.env, PORT: '0', SIM_PORT: '0', KIBAN_ADMIN_TOKEN: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const ready = waitFor(async () => {
      const url = /Open:\s+(http:\/\/\S+)\/#token=(\S+)/.exec(out);
      return url ? { base: url[1], token: url[2] } : undefined;
    }, 60_000, 100);
    const stop = () => new Promise<number | null>((resolve) => { child.once('exit', (code) => resolve(code)); child.kill('SIGTERM'); });
    return { ready, stop, output: () => out };
  }

  it('prints the URL and token within 60 s, serves data, and keeps it across a restart', async () => {
    const started = Date.now();
    const first = runDemo();
    const a = await first.ready;
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(first.output()).toMatch(/Admin token: kbn_/);
    expect(await (await fetch(`${a.base}/api/v1/health`)).json()).toMatchObject({ status: 'ok', db: 'pglite' });
    const devices = await waitFor(async () => {
      const res = await fetch(`${a.base}/api/v1/devices`, { headers: { authorization: `Bearer ${a.token}` } });
      const items = res.ok ? (await res.json()).items as Array<{ name: string; kind: string }> : [];
      return items.find((d) => d.kind === 'ups') ? items : undefined;
    }, 20_000);
    const key = `${devices.find((d) => d.kind === 'ups')!.name}/output.l1.power`;
    // Raw samples since just before the demo started (a window that short is answered from raw samples; a
    // window of years would be answered from daily rollups: one bucket).
    const since = new Date(started - 60_000).toISOString();
    const countSamples = async (base: string, token: string) => {
      const res = await fetch(`${base}/api/v1/series?points=${key}&from=${since}&width=10000`, { headers: { authorization: `Bearer ${token}` } });
      return res.ok ? (await res.json()).items[0].samples.length as number : 0;
    };
    const before = await waitFor(async () => { const n = await countSamples(a.base, a.token); return n >= 2 ? n : undefined; }, 20_000);
    expect(await first.stop()).toBe(0);

    const second = runDemo();
    const b = await second.ready;
    expect(b.token).not.toBe(a.token); // a generated token is rotated; the old one no longer works
    expect((await fetch(`${b.base}/api/v1/devices`, { headers: { authorization: `Bearer ${a.token}` } })).status).toBe(401);
    const after = await countSamples(b.base, b.token);
    expect(after).toBeGreaterThanOrEqual(before);
    expect(await second.stop()).toBe(0);
  }, 150_000);

  it('a taken PORT gives a one-line error naming the port', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const res = await exec(process.execPath, [cli, 'demo', '--data-dir', dataDir], { env: { ...process.env, PORT: String(port) } })
        .then(() => ({ code: 0, stderr: '' }), (e) => ({ code: e.code as number, stderr: e.stderr as string }));
      expect(res.code).toBe(1);
      expect(res.stderr.trim().split('\n')).toEqual([`kiban demo: port ${port} is already in use (set PORT or --port to another port)`]);
    } finally { blocker.close(); }
  });
});
