/**
 * Device identity end to end, over real sockets: the simulator's UPS (SNMP agent and Modbus card) and PDUs
 * (Raritan, Sentry4) → a real collector → the real server's ingest → devices.identity, read back through
 * GET /api/v1/devices. A unit swapped in the simulator (identity_changed) shows up at the next identity read;
 * a device whose identity cannot be read is still polled; a declaration without identity keeps the stored one.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../db/client.ts';
import { listDevices, pointsByKey, upsertDevices } from '../db/queries/devices.ts';
import { latestSamples } from '../db/queries/samples.ts';
import { PDU_PROFILES } from '../firmware-sims/devices/pdu/fleet.ts';
import { serialFor } from '../firmware-sims/devices/pdu/pdu-runtime.ts';
import { defaultUpsIdentity, serialForId } from '../firmware-sims/devices/ups/ups-identity.ts';
import { startSim, type SimHandle } from '../firmware-sims/index.ts';
import { issueToken, startServer, type RunningServer } from '../server/index.ts';
import { silentLogger as serverSilentLogger } from '../server/lib/logger.ts';
import { startCollector, targetsFromSim, type CollectorHandle, type Logger, type TargetConfig } from './index.ts';
import { PROFILES_DIR } from './profile.ts';
import { deadUdpPort, waitFor } from './test-support/ingest-server.ts';

const UPS = 'ups-a1';
const UPS_MODBUS = 'ups-a1-modbus';
const RARITAN = 'r1-a01-pdu-a';
const SENTRY = 'r1-b01-pdu-a';
const NO_IDENTITY = 'ups-b1-no-identity';
const PARTIAL = 'ups-b1-partial';
const DEAD = 'ups-dead';

let sim: SimHandle;
let db: Db;
let server: RunningServer;
let collector: CollectorHandle;
let adminToken: string;
let dir: string;
const logs: Array<{ obj: Record<string, unknown>; msg?: string }> = [];

async function apiDevices(): Promise<Array<{ name: string; identity: Record<string, string | number> | null }>> {
  const res = await fetch(`${server.url}/api/v1/devices`, { headers: { authorization: `Bearer ${adminToken}` } });
  expect(res.status).toBe(200);
  return (await res.json()).items;
}
const identityOf = async (name: string) => (await apiDevices()).find((d) => d.name === name)?.identity ?? undefined;

beforeAll(async () => {
  sim = await startSim({ seed: 5, tickMs: 500 });
  db = await openDb();
  server = await startServer({ db, port: 0, logger: serverSilentLogger(), webDist: '/nonexistent', rollupJob: false });
  adminToken = await issueToken(db, 'admin', 'admin');
  const token = await issueToken(db, 'edge-identity', 'collector');
  dir = await mkdtemp(join(tmpdir(), 'kiban-identity-'));

  // Profiles whose identity the device cannot give: OIDs the agent lacks, a register the card does not map.
  const rfc1628 = await readFile(join(PROFILES_DIR, 'rfc1628-ups.yaml'), 'utf8');
  const noIdentityProfile = join(dir, 'ups-no-identity.yaml');
  await writeFile(noIdentityProfile, rfc1628.replace(/^identity:\n(?: {2}.*\n)+/m, 'identity:\n  serial: 1.3.6.1.4.1.99999.1.0\n  model: 1.3.6.1.4.1.99999.2.0\n'));
  const apc = await readFile(join(PROFILES_DIR, 'apc-ups-modbus.yaml'), 'utf8');
  const partialProfile = join(dir, 'ups-partial.yaml');
  await writeFile(partialProfile, apc.replace(/^ {2}serial: .*$/m, '  serial: { table: holding, address: 700, words: 8 }'));

  const fromSim = new Map((await targetsFromSim(sim.controlUrl, { mqtt: false })).map((t) => [t.device, t]));
  const pick = (device: string): TargetConfig => ({ ...fromSim.get(device)!, intervalMs: 500 });
  const targets: TargetConfig[] = [
    pick(UPS), pick(UPS_MODBUS), pick(RARITAN), pick(SENTRY),
    { ...pick('ups-b1'), device: NO_IDENTITY, profile: noIdentityProfile },
    { ...pick('ups-b1-modbus'), device: PARTIAL, profile: partialProfile },
    { device: DEAD, kind: 'ups', profile: 'rfc1628-ups', host: '127.0.0.1', port: await deadUdpPort(), intervalMs: 1000 },
  ];
  const record = (obj: object, msg?: string) => { logs.push({ obj: obj as Record<string, unknown>, msg }); };
  const logger: Logger = { info: record, warn: record, error: record };
  collector = await startCollector({
    name: 'edge-identity', serverUrl: server.url, token, outboxDir: join(dir, 'outbox'), targets, flushIntervalMs: 100,
    identityIntervalMs: 1000, telemetryIntervalMs: 0, logger,
  });
});

afterAll(async () => {
  await collector?.stop();
  await server?.close();
  await db?.close();
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('device identity: simulator → collector → server', () => {
  it('the UPS (SNMP agent and Modbus card) and both PDU families arrive with their identity', async () => {
    await waitFor(async () => {
      const devices = await apiDevices();
      return [UPS, UPS_MODBUS, RARITAN, SENTRY].every((name) => devices.find((d) => d.name === name)?.identity);
    }, 20_000, 'identities at the server');

    const ratedVA = sim.spec.ups.find((u) => u.id === UPS)!.ratedVA;
    const nameplate = defaultUpsIdentity(UPS, ratedVA);
    const ups = await identityOf(UPS);
    expect(ups).toMatchObject({ vendor: nameplate.manufacturer, model: nameplate.model, firmware: nameplate.firmware, sysObjectId: '1.3.6.1.2.1.33' });
    expect(ups!.sysDescr).toContain(`serial ${serialForId(UPS)}`);
    expect(ups!.serial).toBeUndefined(); // UPS-MIB has no serial number object
    expect(await identityOf(UPS_MODBUS)).toEqual({ model: nameplate.model, serial: serialForId(UPS), firmware: nameplate.firmware });

    expect(await identityOf(RARITAN)).toMatchObject({
      vendor: 'Raritan', model: PDU_PROFILES.raritan.model, serial: serialFor('QFC', RARITAN, 7), firmware: PDU_PROFILES.raritan.firmwareVersion,
      outletCount: 24, sysObjectId: '1.3.6.1.4.1.13742.6',
    });
    expect(await identityOf(SENTRY)).toMatchObject({
      model: PDU_PROFILES.sentry4.model, serial: serialFor('ABEF', SENTRY, 7), firmware: PDU_PROFILES.sentry4.firmwareVersion,
      outletCount: 24, sysObjectId: '1.3.6.1.4.1.1718.4',
    });
    // Stored as declared, in the table the audit reads.
    expect((await listDevices(db)).find((d) => d.name === RARITAN)!.identity).toMatchObject({ serial: serialFor('QFC', RARITAN, 7), outletCount: 24 });
  });

  it('a device that cannot tell who it is (fields missing, registers unmapped) is polled as usual; a dead one is not asked', async () => {
    await waitFor(async () => (await identityOf(PARTIAL)) !== undefined, 10_000, 'partial identity');
    const { model } = defaultUpsIdentity('ups-b1', sim.spec.ups.find((u) => u.id === 'ups-b1')!.ratedVA);
    expect(await identityOf(PARTIAL)).toEqual({ model, firmware: defaultUpsIdentity('ups-b1', 0).firmware });
    await waitFor(async () => {
      const names = (await apiDevices()).map((d) => d.name);
      return names.includes(NO_IDENTITY) && names.includes(DEAD);
    }, 15_000, 'the device without identity and the dead one declared');
    expect(await identityOf(NO_IDENTITY)).toBeUndefined();
    expect(await identityOf(DEAD)).toBeUndefined();
    // Its samples keep coming, ok.
    const [point] = await pointsByKey(db, [`${NO_IDENTITY}/output.l1.power`]);
    const [latest] = await latestSamples(db, [point.id]);
    expect(latest).toMatchObject({ quality: 'ok' });
    expect(latest.value).toBeGreaterThan(0);
    // Missing objects and unmapped registers are not failures (a failure would leave PARTIAL without identity).
    expect(logs.filter((l) => l.msg?.includes('identity not read') && /exception|noSuch/i.test(String(l.obj.err)))).toEqual([]);
  });

  it('a swapped unit (identity_changed in the simulator) is seen at the next identity read; cleared: the old nameplate again', async () => {
    const swapped = { serial: 'KS9900000042', model: 'KSP-20K Online UPS' };
    const res = await fetch(`${sim.controlUrl}/sim/v1/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'identity_changed', target: UPS, params: swapped }) });
    expect(res.status).toBe(201);
    const { id } = await res.json();
    await waitFor(async () => (await identityOf(UPS_MODBUS))?.serial === swapped.serial, 15_000, 'new serial at the server');
    expect(await identityOf(UPS_MODBUS)).toMatchObject(swapped);
    await waitFor(async () => String((await identityOf(UPS))?.sysDescr).includes(swapped.serial), 15_000, 'new sysDescr at the server');
    expect(logs.some((l) => l.msg === 'device identity changed' && l.obj.device === UPS_MODBUS)).toBe(true);
    expect((await fetch(`${sim.controlUrl}/sim/v1/faults/${id}`, { method: 'DELETE' })).status).toBe(204);
    await waitFor(async () => (await identityOf(UPS_MODBUS))?.serial === serialForId(UPS), 15_000, 'nameplate serial again');
  });

  it('upsertDevices keeps the stored identity when a declaration has none, and does not rewrite an unchanged row', async () => {
    await collector.stop();
    const row = async () => (await db.query<{ identity: Record<string, unknown> | null; updated_at: Date }>(
      'select identity, updated_at from devices where name = $1', [RARITAN]))[0];
    const before = await row();
    const decl = { name: RARITAN, kind: 'pdu' as const, protocol: 'snmp' as const, address: undefined, profile: 'raritan-px2' };
    const current = (await listDevices(db)).find((d) => d.name === RARITAN)!;
    const same = { ...decl, address: current.address ?? undefined, vendor: current.vendor ?? undefined, model: current.model ?? undefined };
    await upsertDevices(db, [same], current.collector!);
    expect(await row()).toEqual(before);
    await upsertDevices(db, [{ ...same, identity: before.identity as never }], current.collector!);
    expect(await row()).toEqual(before);
    await upsertDevices(db, [{ ...same, identity: { serial: 'QFC0000001', outletCount: 48 } }], current.collector!);
    const after = await row();
    expect(after.identity).toEqual({ serial: 'QFC0000001', outletCount: 48 });
    expect(after.updated_at.getTime()).toBeGreaterThanOrEqual(before.updated_at.getTime());
  });
});
