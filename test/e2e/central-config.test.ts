/**
 * Central configuration end to end, all real parts on loopback: simulator (SNMP, Modbus, MQTT) → collector
 * whose targets come from the server (or a watched file) → server → embedded database. Targets change while
 * the collector runs; nothing is restarted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileConfigSource, ServerConfigSource } from '../../collector/config-source.ts';
import { startCollector, targetsFromSim, type CollectorHandle, type TargetConfig } from '../../collector/index.ts';
import type { Logger } from '../../collector/logger.ts';
import { openDb, type Db } from '../../db/client.ts';
import { startSim, type SimHandle } from '../../firmware-sims/index.ts';
import { issueToken, startServer, type RunningServer } from '../../server/index.ts';
import { silentLogger } from '../../server/lib/logger.ts';
import { waitFor } from '../support/stack.ts';
import { collectorCliRunner } from '../../collector/test-support/cli.ts';

const POLL_MS = 300;

let sim: SimHandle;
let db: Db;
let server: RunningServer;
let adminToken: string;
let collectorToken: string;
let simTargets: Map<string, TargetConfig>;
const dirs: string[] = [];
const collectors: CollectorHandle[] = [];

const target = (device: string): TargetConfig => ({ ...simTargets.get(device)!, intervalMs: POLL_MS });
const tempDir = (prefix: string) => { const d = mkdtempSync(path.join(tmpdir(), prefix)); dirs.push(d); return d; };

function admin(pathAndQuery: string, init: { method?: string; json?: unknown } = {}) {
  return fetch(server.url + pathAndQuery, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
}

/** Samples stored for a device so far (what the API would show; counted directly to see every one). */
async function sampleCount(device: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `select count(*)::int as n from samples s join points p on p.id = s.point_id join devices d on d.id = p.device_id where d.name = $1`, [device]);
  return Number(row.n);
}

const arrives = (device: string, after = 0, timeoutMs = 15_000) => waitFor(async () => (await sampleCount(device)) > after, timeoutMs, 100);

/**
 * Once the collector no longer runs `device` (checked before calling), no poll of it starts: every sample
 * it still delivers is older than `since`. Late delivery of older samples is fine; a new poll is not.
 */
async function expectStopped(device: string, since: number) {
  await new Promise((r) => setTimeout(r, 2500));
  const [row] = await db.query<{ last: Date | string | null }>(
    `select max(s.ts) as last from samples s join points p on p.id = s.point_id join devices d on d.id = p.device_id where d.name = $1`, [device]);
  expect(row.last).not.toBeNull();
  expect(new Date(row.last!).getTime()).toBeLessThanOrEqual(since);
}

function captureLogger(): Logger & { lines: Array<{ level: string; obj: any; msg?: string }> } {
  const lines: Array<{ level: string; obj: any; msg?: string }> = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
}

beforeAll(async () => {
  sim = await startSim({ tickMs: 1000, sensorPublishIntervalMs: 300 });
  simTargets = new Map((await targetsFromSim(sim.controlUrl)).map((t) => [t.device, t]));
  db = await openDb();
  server = await startServer({ db, port: 0, logger: silentLogger() });
  adminToken = await issueToken(db, 'admin', 'admin');
  collectorToken = await issueToken(db, 'edge-e2e-token', 'collector');
});

afterAll(async () => {
  for (const c of collectors) await c.stop().catch(() => {});
  await server?.close();
  await db?.close();
  await sim?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('central configuration: assigned on the server, applied by a running collector', () => {
  let outboxDir: string;

  it('a collector started with only server, token and name polls the devices an admin assigned', async () => {
    const put = await admin('/api/v1/collectors/edge-e2e/targets', { method: 'PUT', json: { targets: [target('ups-a1'), target('meter-utility')] } });
    expect(put.status).toBe(201);

    outboxDir = tempDir('kiban-central-');
    const source = new ServerConfigSource({ serverUrl: server.url, token: collectorToken, name: 'edge-e2e', cacheDir: outboxDir, logger: silentLogger(), waitS: 10 });
    const collector = await startCollector({ name: 'edge-e2e', serverUrl: server.url, token: collectorToken, outboxDir, configSource: source, flushIntervalMs: 100, logger: silentLogger() });
    collectors.push(collector);
    expect(collector.targets().map((t) => t.device).sort()).toEqual(['meter-utility', 'ups-a1']);
    await arrives('ups-a1');
    await arrives('meter-utility');

    const list = await (await admin('/api/v1/collectors')).json();
    expect(list.items.find((c: any) => c.name === 'edge-e2e')).toMatchObject({ targetCount: 2, bound: true });
  });

  it('a device assigned while it runs is polled without restart', async () => {
    expect(await sampleCount('ups-b1')).toBe(0);
    const put = await admin('/api/v1/collectors/edge-e2e/targets/ups-b1', { method: 'PUT', json: target('ups-b1') });
    expect(put.status).toBe(201);
    await arrives('ups-b1', 0, 10_000);
    expect(collectors[0].targets().map((t) => t.device).sort()).toEqual(['meter-utility', 'ups-a1', 'ups-b1']);
  });

  it('a device unassigned while it runs stops being polled; the others go on', async () => {
    const del = await admin('/api/v1/collectors/edge-e2e/targets/ups-a1', { method: 'DELETE' });
    expect(del.status).toBe(200);
    await waitFor(async () => !collectors[0].targets().some((t) => t.device === 'ups-a1'), 10_000, 20);
    await expectStopped('ups-a1', Date.now());
    const before = await sampleCount('ups-b1');
    await arrives('ups-b1', before);
  });

  it('restarted while the server is down, it polls the cached targets, and picks up changes once the server is back', async () => {
    await collectors.shift()!.stop();
    const port = server.port;
    await server.close();

    const logger = captureLogger();
    const source = new ServerConfigSource({ serverUrl: `http://127.0.0.1:${port}`, token: collectorToken, name: 'edge-e2e', cacheDir: outboxDir, logger, waitS: 10, backoffMs: { initial: 200, max: 500 } });
    const collector = await startCollector({ name: 'edge-e2e', serverUrl: `http://127.0.0.1:${port}`, token: collectorToken, outboxDir, configSource: source, flushIntervalMs: 100, logger });
    collectors.push(collector);
    expect(collector.targets().map((t) => t.device).sort()).toEqual(['meter-utility', 'ups-b1']);
    expect(logger.lines.some((l) => l.msg?.includes('polling the cached targets'))).toBe(true);
    await waitFor(async () => collector.stats().polls >= 4, 10_000, 100);

    // The server returns on the same port; the outbox drains and new assignments apply.
    const before = await sampleCount('ups-b1');
    server = await startServer({ db, port, logger: silentLogger() });
    await arrives('ups-b1', before);
    const put = await admin('/api/v1/collectors/edge-e2e/targets/ups-a1', { method: 'PUT', json: target('ups-a1') });
    expect(put.status).toBe(201);
    await waitFor(async () => collector.targets().some((t) => t.device === 'ups-a1'), 10_000, 100);
    const a1 = await sampleCount('ups-a1');
    await arrives('ups-a1', a1);
  });
});

describe('local file configuration: edited while the collector runs', () => {
  it('applies additions (also MQTT), ignores an invalid edit with a clear error, and applies removals', async () => {
    const dir = tempDir('kiban-file-config-');
    const file = path.join(dir, 'targets.yaml');
    const yaml = (targets: TargetConfig[]) => `targets:\n${targets.map((t) => `  - ${JSON.stringify(t)}`).join('\n')}\n`;
    await writeFile(file, yaml([target('ups-a1-modbus')]));
    const logger = captureLogger();
    const collector = await startCollector({
      name: 'edge-file', serverUrl: server.url, token: collectorToken, outboxDir: path.join(dir, 'outbox'),
      configSource: new FileConfigSource({ file, logger, debounceMs: 100 }), flushIntervalMs: 100, logger,
    });
    collectors.push(collector);
    await arrives('ups-a1-modbus');

    await writeFile(file, yaml([target('ups-a1-modbus'), target('crac-r1-a'), target('r1-a01-sensor')]));
    await arrives('crac-r1-a', 0, 10_000);
    await arrives('r1-a01-sensor', 0, 10_000);

    await writeFile(file, yaml([target('ups-a1-modbus'), { ...target('crac-r1-a'), port: 99999 }]));
    await waitFor(async () => logger.lines.some((l) => l.level === 'error' && l.obj.file === file), 5000, 50);
    const error = logger.lines.find((l) => l.level === 'error' && l.obj.file === file)!;
    expect(error.obj.err).toContain(file);
    expect(error.obj.err).toContain('targets[1].port');
    expect(collector.targets().map((t) => t.device).sort()).toEqual(['crac-r1-a', 'r1-a01-sensor', 'ups-a1-modbus']);

    await writeFile(file, yaml([target('ups-a1-modbus')]));
    await waitFor(async () => collector.targets().length === 1, 5000, 20);
    const removedAt = Date.now();
    await expectStopped('crac-r1-a', removedAt);
    await expectStopped('r1-a01-sensor', removedAt);
    const before = await sampleCount('ups-a1-modbus');
    await arrives('ups-a1-modbus', before);
  });
});

describe('kiban collector CLI with central configuration', () => {
  const { run, killAll } = collectorCliRunner();
  afterAll(killAll);

  it('--server --token --name alone: registers, polls the assigned devices, follows changes', async () => {
    const token = await issueToken(db, 'edge-cli-token', 'collector');
    await admin('/api/v1/collectors/edge-cli/targets', { method: 'PUT', json: { targets: [target('meter-generator')] } });
    const r = run(['--server', server.url, '--name', 'edge-cli', '--outbox', path.join(tempDir('kiban-cli-central-'), 'outbox')], { KIBAN_TOKEN: token });
    await arrives('meter-generator', 0, 20_000);
    expect(r.out()).toContain('from server');
    await admin('/api/v1/collectors/edge-cli/targets/meter-pv', { method: 'PUT', json: target('meter-pv') });
    await arrives('meter-pv', 0, 10_000);
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(r.out() + r.err()).not.toContain(token);
  });

  it('a name bound to another collector\'s token stops the start with a clear message', async () => {
    const intruder = await issueToken(db, 'intruder', 'collector');
    const r = run(['--server', server.url, '--name', 'edge-cli', '--outbox', path.join(tempDir('kiban-cli-central-'), 'outbox')], { KIBAN_TOKEN: intruder });
    expect(await r.exited).toBe(1);
    expect(r.err()).toContain("refused registration of collector 'edge-cli'");
    expect(r.err()).toContain('registered to another token');
  });
});
