/**
 * The meter simulators read by third-party clients over real sockets: Python pymodbus 3.0 (Debian
 * python3-pymodbus, so /usr/bin/python3, not the pyenv one first in PATH) decodes 32- and 64-bit energy
 * counters with the documented word order; mbpoll's 32-bit mode agrees; modbus-serial checks the gateway.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ModbusRTU from 'modbus-serial';
import type { Fault, MeterSpec, MeterState, SimContext, SiteState } from '../../site/types.ts';
import { fromWords } from '../../protocols/modbus/register-map.ts';
import { ENERGY_METER_REGISTER_MAP, WATER_METER_REGISTER_MAP } from './meter-map.ts';
import { startMeters, type RunningMeters } from './meter-modbus.ts';

const PYTHON = '/usr/bin/python3';
const MBPOLL = '/usr/bin/mbpoll';

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? 1 : 0, stdout, stderr });
    });
  });
}

const hasPymodbus = existsSync(PYTHON) && (await run(PYTHON, ['-c', 'import pymodbus.client'])).code === 0;
const skipPymodbus = !hasPymodbus && process.env.CI !== 'true';
const skipMbpoll = !existsSync(MBPOLL) && process.env.CI !== 'true';

/** Holding registers [address, address+count) of a unit, read by pymodbus 3.0. */
async function pymodbusRead(port: number, address: number, count: number, unit = 1): Promise<number[]> {
  const script = [
    'import json, sys',
    'from pymodbus.client import ModbusTcpClient',
    `c = ModbusTcpClient("127.0.0.1", port=${port}, timeout=3)`,
    'assert c.connect(), "connect failed"',
    `r = c.read_holding_registers(${address}, ${count}, slave=${unit})`,
    'c.close()',
    'if r.isError(): sys.exit("modbus error: " + str(r))',
    'print(json.dumps(r.registers))',
  ].join('\n');
  const res = await run(PYTHON, ['-c', script]);
  if (res.code !== 0) throw new Error(`pymodbus failed: ${res.stderr || res.stdout}`);
  return JSON.parse(res.stdout.trim()) as number[];
}

function meter(id: string, kind: MeterState['kind'], o: Partial<MeterState>): MeterState {
  return { id, kind, powerW: 0, energyWh: 0, powerFactor: 1, demandW: 0, voltageV: 230, currentA: 0, volumeL: 0, flowLpm: 0, ...o };
}

function fakeContext(meters: Array<{ spec: MeterSpec; state: MeterState }>) {
  const faults: Fault[] = [];
  const state: SiteState = {
    simTimeMs: Date.parse('2025-06-01T12:00:00Z'), ups: new Map(), pdus: new Map(), sensors: new Map(), cracs: new Map(),
    meters: new Map(meters.map((m) => [m.spec.id, m.state])),
    facility: { outsideTempC: 20, itW: 0, pduInputW: 0, upsOutputW: 0, upsLossesW: 0, coolingW: 0, lightingW: 0, totalW: 0 },
  };
  const ctx: SimContext = {
    spec: { name: 't', seed: 1, latitude: 35, rooms: [], racks: [], ups: [], cracs: [], lightingW: 0, meters: meters.map((m) => m.spec) },
    state: () => state,
    faults: { forDevice: (id) => faults.find((f) => f.target === id) },
    startedAtMs: Date.now(),
    onTick: () => () => {},
  };
  return { ctx, state, faults };
}

// Utility energy beyond 2^32 Wh, so the 32-bit Wh register has wrapped and only the 64-bit one is whole.
const UTILITY_WH = 4_300_000_123.9;
const PV_WH = 1_234_567_890.4;
const { ctx, state, faults } = fakeContext([
  { spec: { id: 'meter-utility', kind: 'utility', wordOrder: 'ABCD' },
    state: meter('meter-utility', 'utility', { powerW: 523_456.4, energyWh: UTILITY_WH, powerFactor: 0.962, demandW: 510_321, voltageV: 231.4, currentA: 757.123 }) },
  { spec: { id: 'meter-pv', kind: 'pv', wordOrder: 'CDAB' },
    state: meter('meter-pv', 'pv', { powerW: 81_234, energyWh: PV_WH, powerFactor: 0.999, demandW: 80_002, voltageV: 229.8, currentA: 117.5 }) },
  { spec: { id: 'meter-generator', kind: 'generator', wordOrder: 'CDAB' },
    state: meter('meter-generator', 'generator', { powerW: -1_500, energyWh: 98_765.4, powerFactor: -0.5 }) },
  { spec: { id: 'meter-water', kind: 'water', wordOrder: 'CDAB' },
    state: meter('meter-water', 'water', { volumeL: 123_456_789.6, flowLpm: 42.37, voltageV: 0 }) },
]);

describe('meter register maps', () => {
  it('documents addresses, types, scaling and word order', () => {
    const energy = ENERGY_METER_REGISTER_MAP.CDAB;
    expect(energy.find((r) => r.registerNumber === 40009)).toMatchObject({ address: 8, type: 'u32', unit: 'Wh', wordOrder: 'CDAB' });
    expect(energy.find((r) => r.registerNumber === 40013)).toMatchObject({ address: 12, words: 4, type: 'u64', unit: 'Wh' });
    expect(energy.find((r) => r.registerNumber === 40002)).toMatchObject({ type: 's16', scale: 1000 });
    expect(WATER_METER_REGISTER_MAP.ABCD.find((r) => r.address === 2)).toMatchObject({ name: 'Flow', unit: 'L/min', scale: 10 });
  });
});

describe('meters, one TCP port per meter', () => {
  let meters: RunningMeters;
  const portOf = (id: string) => meters.endpoints.find((e) => e.id === id)!.port;
  beforeAll(async () => { meters = await startMeters(ctx, { host: '127.0.0.1' }); });
  afterAll(() => meters?.close());

  it('lists each meter with its unit id and word order', () => {
    expect(meters.endpoints.map((e) => [e.id, e.protocol, e.modbus])).toEqual([
      ['meter-utility', 'modbus', { unitId: 1, wordOrder: 'ABCD' }],
      ['meter-pv', 'modbus', { unitId: 1, wordOrder: 'CDAB' }],
      ['meter-generator', 'modbus', { unitId: 1, wordOrder: 'CDAB' }],
      ['meter-water', 'modbus', { unitId: 1, wordOrder: 'CDAB' }],
    ]);
  });

  describe.skipIf(skipPymodbus)('pymodbus', () => {
    it('reads the 32-bit and 64-bit energy counters of an ABCD meter (high word first)', async () => {
      const words = await pymodbusRead(portOf('meter-utility'), 8, 8);
      const wh32 = fromWords(words.slice(0, 2), 'ABCD');
      const tenthKwh32 = fromWords(words.slice(2, 4), 'ABCD');
      const wh64 = fromWords(words.slice(4, 8), 'ABCD');
      const truth = BigInt(Math.floor(state.meters.get('meter-utility')!.energyWh));
      expect(wh64).toBe(truth);
      expect(wh32).toBe(truth % 2n ** 32n); // the 32-bit Wh counter has wrapped
      expect(tenthKwh32).toBe(truth / 100n);
      // High word first, by hand: the first register is the most significant.
      expect(words[0] * 65536 + words[1]).toBe(Number(truth % 2n ** 32n));
      expect(words.slice(4, 8)).toEqual([0, 1, Number((truth >> 16n) & 0xffffn), Number(truth & 0xffffn)]);
    });

    it('reads the same counters of a CDAB meter (low word first)', async () => {
      const words = await pymodbusRead(portOf('meter-pv'), 8, 8);
      const truth = BigInt(Math.floor(PV_WH));
      expect(fromWords(words.slice(0, 2), 'CDAB')).toBe(truth);
      expect(words[1] * 65536 + words[0]).toBe(Number(truth));
      expect(fromWords(words.slice(2, 4), 'CDAB')).toBe(truth / 100n);
      expect(fromWords(words.slice(4, 8), 'CDAB')).toBe(truth);
      expect(words.slice(4, 8)).toEqual([Number(truth & 0xffffn), Number(truth >> 16n), 0, 0]);
      // Decoding with the wrong word order gives a different (wrong) number: the setting matters.
      expect(fromWords(words.slice(0, 2), 'ABCD')).not.toBe(truth);
    });

    it('reads voltage, current, power (s32), power factor (×1000, signed) and demand', async () => {
      const decode = async (id: string) => {
        const order = meters.endpoints.find((e) => e.id === id)!.modbus!.wordOrder!;
        const w = await pymodbusRead(portOf(id), 0, 8);
        return {
          voltageV: w[0] / 10,
          currentA: Number(fromWords(w.slice(2, 4), order)) / 1000,
          powerW: Number(fromWords(w.slice(4, 6), order, true)),
          powerFactor: Number(fromWords([w[1]], order, true)) / 1000,
          demandW: Number(fromWords(w.slice(6, 8), order, true)),
        };
      };
      expect(await decode('meter-utility')).toEqual({ voltageV: 231.4, currentA: 757.123, powerW: 523_456, powerFactor: 0.962, demandW: 510_321 });
      expect(await decode('meter-generator')).toMatchObject({ powerW: -1_500, powerFactor: -0.5 });
    });

    it('reads the water meter volume (u32 L) and flow (L/min ×10)', async () => {
      const w = await pymodbusRead(portOf('meter-water'), 0, 3);
      expect(Number(fromWords(w.slice(0, 2), 'CDAB'))).toBe(123_456_789);
      expect(w[2]).toBe(424);
      expect(await pymodbusRead(portOf('meter-water'), 64, 2)).toEqual([4, 1]); // kind water, word order CDAB
    });

    it('follows the counter as it advances', async () => {
      const m = state.meters.get('meter-pv')!;
      state.meters.set('meter-pv', { ...m, energyWh: PV_WH + 1_000.7 });
      try {
        const words = await pymodbusRead(portOf('meter-pv'), 12, 4);
        expect(fromWords(words, 'CDAB')).toBe(BigInt(Math.floor(PV_WH + 1_000.7)));
      } finally {
        state.meters.set('meter-pv', m);
      }
    });
  });

  describe.skipIf(skipMbpoll)('mbpoll', () => {
    const mbpoll = (id: string, args: string[], writeValues: string[] = []) =>
      run(MBPOLL, ['-m', 'tcp', '-p', String(portOf(id)), '-a', '1', '-1', '-o', '2', ...args, '127.0.0.1', ...writeValues]);
    it('reads 32-bit registers with its big-endian (-B, ABCD) and default (CDAB) word order', async () => {
      const utility = await mbpoll('meter-utility', ['-t', '4:int', '-B', '-r', '5']);
      expect(utility.stdout).toMatch(/^\[5\]:\s+523456$/m);
      const pv = await mbpoll('meter-pv', ['-t', '4:int', '-r', '9']);
      expect(pv.stdout).toMatch(new RegExp(`^\\[9\\]:\\s+${Math.floor(PV_WH)}$`, 'm'));
    });

    it('answers an unmapped register and a write to a read-only meter with exceptions', async () => {
      expect((await mbpoll('meter-utility', ['-t', '4', '-r', '17'])).stderr).toMatch(/Illegal data address/i);
      expect((await mbpoll('meter-utility', ['-t', '4', '-r', '9'], ['5'])).stderr).toMatch(/Illegal data value/i);
    });
  });

  it('device_slow, modbus_exception and device_silent (modbus-serial client)', async () => {
    const client = new ModbusRTU();
    await client.connectTCP('127.0.0.1', { port: portOf('meter-utility') });
    client.setID(1);
    client.setTimeout(1000);
    try {
      faults.push({ id: 'e', kind: 'modbus_exception', target: 'meter-utility', params: { code: 4 }, createdAtMs: 0 });
      await expect(client.readHoldingRegisters(0, 1)).rejects.toMatchObject({ modbusCode: 4 });
      faults.length = 0;
      faults.push({ id: 's', kind: 'device_silent', target: 'meter-utility', params: {}, createdAtMs: 0 });
      await expect(client.readHoldingRegisters(0, 1)).rejects.toThrow(/timed out/i);
      faults.length = 0;
      faults.push({ id: 'd', kind: 'device_slow', target: 'meter-utility', params: { delayMs: 400 }, createdAtMs: 0 });
      const t0 = Date.now();
      expect((await client.readHoldingRegisters(0, 1)).data).toEqual([2314]);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    } finally {
      faults.length = 0;
      await new Promise<void>((resolve) => client.close(() => resolve()));
    }
  });
});

describe('meters behind one Modbus TCP gateway port', () => {
  let meters: RunningMeters;
  const client = new ModbusRTU();
  beforeAll(async () => {
    meters = await startMeters(ctx, { host: '127.0.0.1', layout: 'gateway', gatewayTimeoutMs: 300 });
    await client.connectTCP('127.0.0.1', { port: meters.endpoints[0].port });
    client.setTimeout(2000);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => client.close(() => resolve()));
    await meters?.close();
  });

  it('shares one port, unit ids 1..n in site order', () => {
    expect(new Set(meters.endpoints.map((e) => e.port)).size).toBe(1);
    expect(meters.endpoints.map((e) => e.modbus!.unitId)).toEqual([1, 2, 3, 4]);
  });

  it('routes by unit id; unknown unit → 0x0A, silent meter → 0x0B after the gateway timeout', async () => {
    client.setID(1);
    expect((await client.readHoldingRegisters(64, 1)).data).toEqual([1]); // utility
    client.setID(4);
    expect((await client.readHoldingRegisters(64, 1)).data).toEqual([4]); // water
    if (!skipPymodbus) {
      const words = await pymodbusRead(meters.endpoints[0].port, 12, 4, 2);
      expect(fromWords(words, 'CDAB')).toBe(BigInt(Math.floor(PV_WH)));
    }
    client.setID(9);
    await expect(client.readHoldingRegisters(0, 1)).rejects.toMatchObject({ modbusCode: 0x0a });
    faults.push({ id: 's', kind: 'device_silent', target: 'meter-pv', params: {}, createdAtMs: 0 });
    try {
      client.setID(2);
      const t0 = Date.now();
      await expect(client.readHoldingRegisters(0, 1)).rejects.toMatchObject({ modbusCode: 0x0b });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    } finally {
      faults.length = 0;
    }
  });
});
