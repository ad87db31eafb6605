/**
 * The UPS Modbus TCP server (APC Smart-UPS holding-register map) read by mbpoll and Python pymodbus.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeStringWords } from '../../protocols/modbus/register-map.ts';
import { APC_EFFICIENCY_CODE, APC_TRANSFER_REASON, APC_UPS_REGISTERS } from './apc-modbus-map.ts';
import { FakeSim, haveTool, makeUpsState, onBatteryState, runTool } from './test-fixtures.ts';
import { startUpsModbus, type UpsModbusServer } from './ups-modbus.ts';

const PYTHON = '/usr/bin/python3';
/** Reads [address, count] pairs with pymodbus; prints one JSON result per read. */
const PYMODBUS_READER = `
import json, sys, time
from pymodbus.client import ModbusTcpClient
port, unit, timeout, reads = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
client = ModbusTcpClient('127.0.0.1', port=port, timeout=timeout, retries=0)
client.connect()
out = []
for address, count in reads:
    started = time.monotonic()
    try:
        r = client.read_holding_registers(address, count, slave=unit)
        if r.isError():
            out.append({'error': getattr(r, 'exception_code', None), 'text': str(r), 'ms': (time.monotonic() - started) * 1000})
        else:
            out.append({'registers': r.registers, 'ms': (time.monotonic() - started) * 1000})
    except Exception as e:
        out.append({'error': None, 'text': repr(e), 'ms': (time.monotonic() - started) * 1000})
client.close()
print(json.dumps(out))
`;

type PyResult = { registers?: number[]; error?: number | null; text?: string; ms: number };

async function pymodbus(port: number, reads: Array<[number, number]>, opts: { unit?: number; timeoutS?: number } = {}): Promise<PyResult[]> {
  const r = await runTool(PYTHON, ['-c', PYMODBUS_READER, String(port), String(opts.unit ?? 1), String(opts.timeoutS ?? 3), JSON.stringify(reads)]);
  if (r.code !== 0) throw new Error(`pymodbus reader failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PyResult[];
}

/** mbpoll, one poll (-1), holding registers; mbpoll's -r is 1-based: protocol address a is -r a+1. */
async function mbpoll(port: number, address: number, count: number, format = '4:hex', extra: string[] = []) {
  const r = await runTool('mbpoll', ['-m', 'tcp', '-p', String(port), '-a', '1', '-t', format, '-r', String(address + 1), '-c', String(count), '-1', ...extra, '127.0.0.1']);
  const values = [...r.stdout.matchAll(/^\[(\d+)\]:\s+(\S+)/gm)].map((m) => ({ ref: Number(m[1]), value: m[2] }));
  return { ...r, values };
}

const s16 = (w: number) => (w >= 0x8000 ? w - 0x10000 : w);

describe('UPS Modbus TCP (APC map) read by mbpoll and pymodbus', () => {
  const sim = new FakeSim([makeUpsState()]);
  let server: UpsModbusServer;
  const tools = { mbpoll: false, python: false };

  beforeAll(async () => {
    tools.mbpoll = await haveTool('mbpoll');
    tools.python = (await runTool(PYTHON, ['-c', 'import pymodbus.client'])).code === 0;
    if (!tools.python && process.env.CI === 'true') throw new Error('python3-pymodbus is required in CI');
    server = await startUpsModbus(sim, 'ups-1', { host: '127.0.0.1', port: 0, unitId: 1 });
  });
  afterAll(async () => { await server?.close(); });

  it('mbpoll reads the runtime as a u32, most significant word first', async (t) => {
    if (!tools.mbpoll) return t.skip();
    sim.tick(makeUpsState({ minutesRemaining: 1234.5 })); // 74070 s > 65535: needs both words
    const r = await mbpoll(server.port, 128, 2);
    expect(r.code).toBe(0);
    expect(r.values.map((v) => v.ref)).toEqual([129, 130]);
    const [msw, lsw] = r.values.map((v) => parseInt(v.value, 16));
    expect(msw * 65536 + lsw).toBe(74070);
    expect(msw).toBe(1);
  });

  it('pymodbus reads the dynamic block in one request and decodes the binary fixed point values', async (t) => {
    if (!tools.python) return t.skip();
    const ups = makeUpsState({ minutesRemaining: 23.6 });
    sim.tick(ups);
    const [block] = await pymodbus(server.port, [[128, 32]]);
    expect(block.registers).toHaveLength(32);
    const at = (a: number) => block.registers![a - 128];
    expect(at(128) * 65536 + at(129)).toBe(Math.round(23.6 * 60));
    expect(at(130) / 2 ** 9).toBeCloseTo(ups.chargePercent, 2);
    expect(s16(at(131)) / 2 ** 5).toBeCloseTo(ups.batteryVoltageV, 1);
    expect(s16(at(135)) / 2 ** 7).toBeCloseTo(ups.batteryTemperatureC, 1);
    expect(at(136) / 2 ** 8).toBeCloseTo((100 * ups.outputPowerW) / ups.ratedW, 1);
    expect(at(138) / 2 ** 8).toBeCloseTo((100 * ups.outputApparentVA) / ups.ratedVA, 1);
    expect(at(140) / 2 ** 5).toBeCloseTo(ups.outputCurrentA, 1);
    expect(at(142) / 2 ** 6).toBeCloseTo(ups.outputVoltageV, 1);
    expect(at(144) / 2 ** 7).toBeCloseTo(ups.outputFrequencyHz, 2);
    expect(at(145) * 65536 + at(146)).toBe(ups.outputEnergyWh);
    expect(at(151) / 2 ** 6).toBeCloseTo(ups.inputVoltageV, 1);
    expect(s16(at(154)) / 2 ** 7).toBeCloseTo(ups.efficiencyPercent, 1);
    expect([at(132), at(137), at(150)]).toEqual([0, 0, 0]); // reserved registers inside the block

    // status block (NUT reads 0..26): online, transfer reason "system initialization"
    const [status] = await pymodbus(server.port, [[0, 27]]);
    expect((status.registers![0] * 65536 + status.registers![1]) & 0b110).toBe(0b010);
    expect(status.registers![2]).toBe(APC_TRANSFER_REASON.SystemInitialization);
  });

  it('strings, nominal ratings and every documented register decode; mbpoll agrees with pymodbus', async (t) => {
    if (!tools.python || !tools.mbpoll) return t.skip();
    const [firmware, model, serial, ratings] = await pymodbus(server.port, [[516, 8], [532, 16], [564, 8], [588, 2]]);
    expect(decodeStringWords(firmware.registers!)).toBe(server.identity.firmware);
    expect(decodeStringWords(model.registers!)).toBe(server.identity.model);
    expect(decodeStringWords(serial.registers!)).toBe(server.identity.serial);
    expect(ratings.registers).toEqual([10000, 8000]);
    // NUT's inventory read: 120 registers from 516 in one request
    const [inventory] = await pymodbus(server.port, [[516, 120]]);
    expect(inventory.registers).toHaveLength(120);
    const viaMbpoll = await mbpoll(server.port, 588, 2, '4');
    expect(viaMbpoll.values.map((v) => Number(v.value))).toEqual([10000, 8000]);
    // every register of the map is readable on its own
    const reads = APC_UPS_REGISTERS.map((r) => [r.address, r.length] as [number, number]);
    expect((await pymodbus(server.port, reads)).every((r) => r.registers !== undefined)).toBe(true);
  });

  it('unmapped addresses, reads leaving a block and oversize reads get exceptions', async (t) => {
    if (!tools.python || !tools.mbpoll) return t.skip();
    const [unmapped, leavesBlock, tooLong] = await pymodbus(server.port, [[200, 1], [158, 4], [0, 126]]);
    expect(unmapped.error).toBe(2);
    expect(leavesBlock.error).toBe(2);
    expect(tooLong.error).toBe(3);
    const viaMbpoll = await mbpoll(server.port, 200, 1);
    expect(viaMbpoll.code).not.toBe(0);
    expect(viaMbpoll.stderr + viaMbpoll.stdout).toMatch(/Illegal data address/i);
  });

  it('on battery with the input dead: input voltage 0xFFFF, efficiency −4, status and transfer reason follow', async (t) => {
    if (!tools.python) return t.skip();
    sim.tick(onBatteryState(makeUpsState()));
    const [dynamic, status] = await pymodbus(server.port, [[128, 32], [0, 27]]);
    expect(dynamic.registers![151 - 128]).toBe(0xffff);
    expect(s16(dynamic.registers![154 - 128])).toBe(APC_EFFICIENCY_CODE.onBattery);
    const bits = status.registers![0] * 65536 + status.registers![1];
    expect(bits & (1 << 2)).toBeTruthy(); // on battery
    expect(bits & (1 << 1)).toBe(0); // not online
    expect(status.registers![2]).toBe(APC_TRANSFER_REASON.LowInputVoltage);
    sim.tick(makeUpsState());
    const [back] = await pymodbus(server.port, [[0, 3]]);
    expect(back.registers![2]).toBe(APC_TRANSFER_REASON.AcceptableInput);
  });

  it('communication faults: modbus_exception, slow, silent', async (t) => {
    if (!tools.python || !tools.mbpoll) return t.skip();
    try {
      sim.setFault('ups-1', 'modbus_exception', { code: 6 });
      const busy = await pymodbus(server.port, [[128, 2], [588, 1], [200, 1]]);
      expect(busy.map((r) => r.error)).toEqual([6, 6, 6]);
      const viaMbpoll = await mbpoll(server.port, 128, 2);
      expect(viaMbpoll.stderr + viaMbpoll.stdout).toMatch(/busy/i);

      sim.setFault('ups-1', 'device_slow', { delayMs: 1200 });
      const [slow] = await pymodbus(server.port, [[588, 1]], { timeoutS: 5 });
      expect(slow.registers).toEqual([10000]);
      expect(slow.ms).toBeGreaterThanOrEqual(1150);

      sim.setFault('ups-1', 'device_silent');
      const [silent] = await pymodbus(server.port, [[588, 1]], { timeoutS: 1 });
      expect(silent.registers).toBeUndefined();
    } finally {
      sim.clearFault('ups-1');
    }
    const [ok] = await pymodbus(server.port, [[588, 1]]);
    expect(ok.registers).toEqual([10000]);
  });

  it('answers only its unit id (other unit ids get no answer and time out)', async (t) => {
    if (!tools.python) return t.skip();
    const [other] = await pymodbus(server.port, [[588, 1]], { unit: 7, timeoutS: 1 });
    expect(other.registers).toBeUndefined();
  });
});
