/**
 * The CRAC simulator read and written by third-party Modbus clients over real sockets: mbpoll (1-based
 * register numbers: `-r 104` is protocol address 103) and modbus-serial's client for exact exception codes.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ModbusRTU from 'modbus-serial';
import type { CracState, Fault, SimContext, SiteState } from '../../site/types.ts';
import { startCracs, type RunningCracs } from './crac-modbus.ts';
import { ICOM_REGISTER_MAP, ICOM_STATUS_BITS, type CracCommand } from './icom-map.ts';

const MBPOLL = '/usr/bin/mbpoll';
const skipMbpoll = !existsSync(MBPOLL) && process.env.CI !== 'true';

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `[104]: 	300` lines of mbpoll output → {104: 300}. mbpoll prints 16-bit registers as signed. */
function mbpollValues(stdout: string): Record<number, number> {
  const out: Record<number, number> = {};
  for (const m of stdout.matchAll(/^\[(\d+)\]:\s+(-?\d+)/gm)) out[Number(m[1])] = Number(m[2]);
  return out;
}

function crac(overrides: Partial<CracState> = {}): CracState {
  return {
    id: 'crac-1', state: 'on', supplyAirTempC: 18.34, returnAirTempC: 29.96, returnHumidityPct: 45.25, supplyHumidityPct: 55.5,
    fanSpeedPct: 72.4, coolingCapacityPct: 61, coolingW: 52_000, electricalPowerW: 14_000, systemStatus: 1,
    alarmActive: false, alarmAcknowledged: false, ...overrides,
  };
}

function fakeContext(cracs: CracState[]) {
  const faults: Fault[] = [];
  const state: SiteState = {
    simTimeMs: Date.parse('2025-06-01T12:00:00Z'), ups: new Map(), pdus: new Map(), sensors: new Map(), meters: new Map(),
    cracs: new Map(cracs.map((c) => [c.id, c])),
    facility: { outsideTempC: 20, itW: 0, pduInputW: 0, upsOutputW: 0, upsLossesW: 0, coolingW: 0, lightingW: 0, totalW: 0 },
  };
  const ctx: SimContext = {
    spec: { name: 't', seed: 1, latitude: 35, rooms: [], racks: [], ups: [], meters: [], lightingW: 0,
      cracs: cracs.map((c) => ({ id: c.id, room: 'room-1', ratedCoolingW: 100_000 })) },
    state: () => state,
    faults: { forDevice: (id) => faults.find((f) => f.target === id) },
    startedAtMs: Date.now(),
    onTick: () => () => {},
  };
  return { ctx, state, faults };
}

const { ctx, state, faults } = fakeContext([crac(), crac({ id: 'crac-2', state: 'standby', alarmActive: true, alarmAcknowledged: true, systemStatus: 16 })]);
const commands: Array<[string, CracCommand]> = [];
let cracs: RunningCracs;
const portOf = (id: string) => cracs.endpoints.find((e) => e.id === id)!.port;
const mbpoll = (id: string, args: string[]) => run(MBPOLL, ['-m', 'tcp', '-p', String(portOf(id)), '-a', '1', '-1', '-o', '2', ...args]);

beforeAll(async () => {
  cracs = await startCracs(ctx, { host: '127.0.0.1', onCommand: (id, cmd) => commands.push([id, cmd]) });
});
afterAll(() => cracs?.close());

describe('CRAC endpoints', () => {
  it('lists one Modbus endpoint per unit with the liebert-icom profile', () => {
    expect(cracs.endpoints.map((e) => [e.id, e.kind, e.protocol, e.profile, e.modbus?.unitId])).toEqual([
      ['crac-1', 'crac', 'modbus', 'liebert-icom', 1],
      ['crac-2', 'crac', 'modbus', 'liebert-icom', 1],
    ]);
    expect(new Set(cracs.endpoints.map((e) => e.port)).size).toBe(2);
  });

  it('documents the iCOM addresses as 1-based register numbers over 0-based addresses', () => {
    const row = (n: number) => ICOM_REGISTER_MAP.find((r) => r.registerNumber === n)!;
    expect(row(30100)).toMatchObject({ table: 'input', address: 99, name: 'System Operating State' });
    expect(row(30102)).toMatchObject({ address: 101, name: 'System Status' });
    expect(row(40426)).toMatchObject({ table: 'holding', address: 425, access: 'rw' });
    expect(row(40427)).toMatchObject({ table: 'holding', address: 426, access: 'w' });
  });
});

describe.skipIf(skipMbpoll)('CRAC read and written with mbpoll', () => {
  it('reads return/supply air temperature ×10 (°C and °F) and humidity from input registers', async () => {
    const c = state.cracs.get('crac-1')!;
    const temps = await mbpoll('crac-1', ['-t', '3', '-r', '104', '-c', '2', '127.0.0.1']);
    expect(temps.code, temps.stderr).toBe(0);
    expect(mbpollValues(temps.stdout)).toEqual({ 104: Math.round(c.returnAirTempC * 10), 105: Math.round(c.supplyAirTempC * 10) });

    const fahrenheit = mbpollValues((await mbpoll('crac-1', ['-t', '3', '-r', '730', '-c', '2', '127.0.0.1'])).stdout);
    expect(fahrenheit).toEqual({ 730: Math.round((c.returnAirTempC * 9 / 5 + 32) * 10), 731: Math.round((c.supplyAirTempC * 9 / 5 + 32) * 10) });

    const humidity = mbpollValues((await mbpoll('crac-1', ['-t', '3', '-r', '130', '-c', '2', '127.0.0.1'])).stdout);
    expect(humidity).toEqual({ 130: Math.round(c.returnHumidityPct * 10), 131: Math.round(c.supplyHumidityPct * 10) });

    const fanAndCapacity = [
      mbpollValues((await mbpoll('crac-1', ['-t', '3', '-r', '451', '127.0.0.1'])).stdout)[451],
      mbpollValues((await mbpoll('crac-1', ['-t', '3', '-r', '564', '127.0.0.1'])).stdout)[564],
    ];
    expect(fanAndCapacity).toEqual([Math.round(c.fanSpeedPct), Math.round(c.coolingCapacityPct)]);
  });

  it('follows the state: operating state 30100, system status 30102 and the status bits 30103', async () => {
    const on = mbpollValues((await mbpoll('crac-1', ['-t', '3', '-r', '100', '127.0.0.1'])).stdout);
    expect(on[100]).toBe(1);
    const standby = mbpollValues((await mbpoll('crac-2', ['-t', '3', '-r', '102', '-c', '2', '127.0.0.1'])).stdout);
    expect(standby[102]).toBe(16);
    expect(standby[103]).toBe(ICOM_STATUS_BITS.standby | ICOM_STATUS_BITS.alarmActive | ICOM_STATUS_BITS.alarmAcknowledged);

    state.cracs.set('crac-1', crac({ state: 'off', returnAirTempC: 38.2 }));
    try {
      const off = mbpollValues((await mbpoll('crac-1', ['-t', '3', '-r', '100', '127.0.0.1'])).stdout);
      expect(off[100]).toBe(0);
      const bits = mbpollValues((await mbpoll('crac-1', ['-t', '3', '-r', '103', '127.0.0.1'])).stdout);
      expect(bits[103]).toBe(ICOM_STATUS_BITS.returnAirOverTemp);
    } finally {
      state.cracs.set('crac-1', crac());
    }
  });

  it('writing the On/Off register 40426 and Ack/Reset 40427 calls onCommand', async () => {
    commands.length = 0;
    expect((await mbpoll('crac-1', ['-t', '4', '-r', '426', '127.0.0.1', '0'])).code).toBe(0);
    expect((await mbpoll('crac-2', ['-t', '4', '-r', '426', '127.0.0.1', '1'])).code).toBe(0);
    expect((await mbpoll('crac-2', ['-t', '4', '-r', '427', '127.0.0.1', '4'])).code).toBe(0);
    expect((await mbpoll('crac-2', ['-t', '4', '-r', '427', '127.0.0.1', '2'])).code).toBe(0);
    expect(commands).toEqual([['crac-1', { on: false }], ['crac-2', { on: true }], ['crac-2', { ack: true }], ['crac-2', { reset: true }]]);
    // FC16 (several registers at once) reaches the same registers: mbpoll writes 2+ values with FC16.
    commands.length = 0;
    expect((await mbpoll('crac-1', ['-t', '4', '-r', '426', '127.0.0.1', '1', '4'])).code).toBe(0);
    expect(commands).toEqual([['crac-1', { on: true }], ['crac-1', { ack: true }]]);
  });

  it('a set point write within range is stored and read back in °C and °F', async () => {
    commands.length = 0;
    expect((await mbpoll('crac-1', ['-t', '4', '-r', '263', '127.0.0.1', '226'])).code).toBe(0);
    expect(commands).toEqual([['crac-1', { returnAirSetpointC: 22.6 }]]);
    expect(mbpollValues((await mbpoll('crac-1', ['-t', '4', '-r', '263', '127.0.0.1'])).stdout)[263]).toBe(226);
    expect(mbpollValues((await mbpoll('crac-1', ['-t', '3', '-r', '754', '127.0.0.1'])).stdout)[754]).toBe(Math.round((22.6 * 9 / 5 + 32) * 10));
  });

  it('answers an unmapped address with exception 2 and a bad or read-only write with exception 3', async () => {
    commands.length = 0;
    const unmapped = await mbpoll('crac-1', ['-t', '3', '-r', '500', '127.0.0.1']);
    expect(unmapped.code).not.toBe(0);
    expect(unmapped.stderr).toMatch(/Illegal data address/i);

    const holes = await mbpoll('crac-1', ['-t', '3', '-r', '100', '-c', '3', '127.0.0.1']); // 30101 is not mapped
    expect(holes.stderr).toMatch(/Illegal data address/i);

    const badValue = await mbpoll('crac-1', ['-t', '4', '-r', '426', '127.0.0.1', '7']);
    expect(badValue.stderr).toMatch(/Illegal data value/i);
    const badAck = await mbpoll('crac-1', ['-t', '4', '-r', '427', '127.0.0.1', '3']);
    expect(badAck.stderr).toMatch(/Illegal data value/i);
    const readOnly = await mbpoll('crac-1', ['-t', '4', '-r', '754', '127.0.0.1', '750']);
    expect(readOnly.stderr).toMatch(/Illegal data value/i);
    const outOfRange = await mbpoll('crac-1', ['-t', '4', '-r', '263', '127.0.0.1', '400']);
    expect(outOfRange.stderr).toMatch(/Illegal data value/i);
    // FC16 is all-or-nothing: one bad value and nothing is applied.
    const mixed = await mbpoll('crac-1', ['-t', '4', '-r', '426', '127.0.0.1', '1', '9']);
    expect(mixed.stderr).toMatch(/Illegal data value/i);
    expect(commands).toEqual([]);
  });
});

describe('CRAC communication faults (modbus-serial client)', () => {
  const client = new ModbusRTU();
  beforeAll(async () => {
    await client.connectTCP('127.0.0.1', { port: portOf('crac-1') });
    client.setID(1);
    client.setTimeout(1500);
  });
  afterAll(() => new Promise<void>((resolve) => client.close(() => resolve())));
  const readReturnTemp = () => client.readInputRegisters(103, 1);

  it('modbus_exception answers the configured exception code, then recovers', async () => {
    faults.push({ id: 'f1', kind: 'modbus_exception', target: 'crac-1', params: { code: 6 }, createdAtMs: Date.now() });
    try {
      await expect(readReturnTemp()).rejects.toMatchObject({ modbusCode: 6 });
    } finally {
      faults.length = 0;
    }
    expect((await readReturnTemp()).data).toEqual([300]);
  });

  it('device_slow answers after the delay, device_silent not at all', async () => {
    faults.push({ id: 'f2', kind: 'device_slow', target: 'crac-1', params: { delayMs: 700 }, createdAtMs: Date.now() });
    const t0 = Date.now();
    expect((await readReturnTemp()).data).toEqual([300]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(650);
    faults.length = 0;

    faults.push({ id: 'f3', kind: 'device_silent', target: 'crac-1', params: {}, createdAtMs: Date.now() });
    await expect(readReturnTemp()).rejects.toThrow(/timed out/i);
    faults.length = 0;
    expect((await readReturnTemp()).data).toEqual([300]);
  });

  it('the other unit is unaffected by a fault on crac-1', async () => {
    faults.push({ id: 'f4', kind: 'device_silent', target: 'crac-1', params: {}, createdAtMs: Date.now() });
    const other = new ModbusRTU();
    try {
      await other.connectTCP('127.0.0.1', { port: portOf('crac-2') });
      other.setID(1);
      other.setTimeout(1500);
      expect((await other.readInputRegisters(99, 1)).data).toEqual([2]);
    } finally {
      faults.length = 0;
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});
