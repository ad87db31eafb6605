/**
 * Golden vectors: raw registers → what the collector records, for every type, all four word orders,
 * scaling, sentinels, strings and bitfields; then every shipped Modbus profile against registers built
 * by the simulators' own encoders.
 */
import { describe, expect, it } from 'vitest';
import { encodeApcRegisters, isMappedAddress } from '../../../firmware-sims/devices/ups/apc-modbus-map.ts';
import { makeUpsState } from '../../../firmware-sims/devices/ups/test-fixtures.ts';
import { defaultUpsIdentity } from '../../../firmware-sims/devices/ups/ups-identity.ts';
import { icomRegisterDefs, ICOM_DEFAULTS } from '../../../firmware-sims/devices/crac/icom-map.ts';
import { meterRegisterDefs } from '../../../firmware-sims/devices/meter/meter-map.ts';
import { encodeWords, RegisterBank, stringWords, type WordOrder as SimWordOrder } from '../../../firmware-sims/protocols/modbus/register-map.ts';
import type { CracState, MeterState } from '../../../firmware-sims/site/types.ts';
import { loadProfile, type ModbusProfile } from '../../profile.ts';
import { bigEndianBytes, decodeFromBlock, decodeRegisters, decodeString, scaleValue, type DecodedValue } from './decode.ts';
import type { ModbusProfilePoint, WordOrder } from './profile-schema.ts';
import { planReads } from './read-plan.ts';

const point = (extra: Partial<ModbusProfilePoint> = {}): ModbusProfilePoint => ({ metric: 'm', unit: '', kind: 'gauge', table: 'holding', address: 0, type: 'u16', ...extra });
const ok = (value: number): DecodedValue => ({ value, quality: 'ok' });

// value 0x12345678 / -2 / 123.456f / 0x0102030405060708 / 1234.5678 in each byte order
const ORDERS: Record<WordOrder, { u32: number[]; s32: number[]; f32: number[]; u64: number[]; f64: number[] }> = {
  ABCD: { u32: [0x1234, 0x5678], s32: [0xffff, 0xfffe], f32: [0x42f6, 0xe979], u64: [0x0102, 0x0304, 0x0506, 0x0708], f64: [0x4093, 0x4a45, 0x6d5c, 0xfaad] },
  CDAB: { u32: [0x5678, 0x1234], s32: [0xfffe, 0xffff], f32: [0xe979, 0x42f6], u64: [0x0708, 0x0506, 0x0304, 0x0102], f64: [0xfaad, 0x6d5c, 0x4a45, 0x4093] },
  BADC: { u32: [0x3412, 0x7856], s32: [0xffff, 0xfeff], f32: [0xf642, 0x79e9], u64: [0x0201, 0x0403, 0x0605, 0x0807], f64: [0x9340, 0x454a, 0x5c6d, 0xadfa] },
  DCBA: { u32: [0x7856, 0x3412], s32: [0xfeff, 0xffff], f32: [0x79e9, 0xf642], u64: [0x0807, 0x0605, 0x0403, 0x0201], f64: [0xadfa, 0x5c6d, 0x454a, 0x9340] },
};

describe('word and byte orders', () => {
  it.each(Object.keys(ORDERS) as WordOrder[])('%s: u32, s32, f32, u64, f64', (order) => {
    const v = ORDERS[order];
    expect(decodeRegisters(v.u32, point({ type: 'u32' }), order)).toEqual(ok(0x12345678));
    expect(decodeRegisters(v.s32, point({ type: 's32' }), order)).toEqual(ok(-2));
    expect(decodeRegisters(v.f32, point({ type: 'f32' }), order).value).toBe(Math.fround(123.456));
    expect(decodeRegisters(v.u64, point({ type: 'u64' }), order)).toEqual(ok(Number(0x0102030405060708n)));
    expect(decodeRegisters(v.f64, point({ type: 'f64' }), order)).toEqual(ok(1234.5678));
    // the field's own word order wins over the profile/target default
    expect(decodeRegisters(v.u32, point({ type: 'u32', wordOrder: order }), order === 'ABCD' ? 'DCBA' : 'ABCD')).toEqual(ok(0x12345678));
  });

  it('f64 vectors are the IEEE bytes of 1234.5678', () => {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(1234.5678);
    expect(bigEndianBytes(ORDERS.ABCD.f64, 'ABCD')).toEqual(b);
  });

  it('agrees with the simulator encoder for ABCD and CDAB (32 and 64 bit)', () => {
    for (const order of ['ABCD', 'CDAB'] as const satisfies SimWordOrder[]) {
      expect(decodeRegisters(encodeWords('u32', 3_000_000_000, { order }), point({ type: 'u32' }), order)).toEqual(ok(3_000_000_000));
      expect(decodeRegisters(encodeWords('s32', -123_456, { order }), point({ type: 's32' }), order)).toEqual(ok(-123_456));
      expect(decodeRegisters(encodeWords('u64', 9_007_199_254_740_991n, { order }), point({ type: 'u64' }), order)).toEqual(ok(9_007_199_254_740_991));
    }
  });
});

describe('16-bit, scaling, sentinels, ranges', () => {
  const vectors: Array<[string, number[], Partial<ModbusProfilePoint>, DecodedValue]> = [
    ['u16', [0xffff], {}, ok(65535)],
    ['s16 negative', [0xffff], { type: 's16' }, ok(-1)],
    ['s16 tenths °C', [0xff9c], { type: 's16', scale: 0.1 }, ok(-10)],
    ['u16 tenths', [174], { scale: 0.1 }, ok(17.4)],
    ['thousandths PF', [950], { type: 's16', scale: 0.001 }, ok(0.95)],
    ['APC charge 2^9', [0xc800], { binaryScale: 9 }, ok(100)],
    ['APC battery V 2^5', [0x0da8], { type: 's16', binaryScale: 5 }, ok(109.25)],
    ['APC temperature 2^7 negative', [0xff80], { type: 's16', binaryScale: 7 }, ok(-1)],
    ['APC output V 2^6', [0x3980], { binaryScale: 6 }, ok(230)],
    ['APC efficiency 2^7', [12160], { type: 's16', binaryScale: 7, sentinels: [-1, -4] }, ok(95)],
    ['APC efficiency code -4 (on battery)', [0xfffc], { type: 's16', binaryScale: 7, sentinels: [-1, -4] }, { value: null, quality: 'sentinel' }],
    ['APC input V 0xFFFF n/a', [0xffff], { binaryScale: 6, sentinels: [65535] }, { value: null, quality: 'sentinel' }],
    ['offset after scale (K → °C)', [2982], { scale: 0.1, offset: -273.15 }, ok(25.05)],
    ['binary and decimal scale together', [512], { binaryScale: 9, scale: 1000 }, ok(1000)],
    ['u32 0.1 kWh', [0x0000, 0x03e8], { type: 'u32', scale: 0.1 }, ok(100)],
    ['above valid range', [150], { valid: { max: 100 } }, { value: 150, quality: 'out_of_range' }],
    ['below valid range', [0xfffe], { type: 's16', valid: { min: 0 } }, { value: -2, quality: 'out_of_range' }],
    ['f32 NaN', [0x7fc0, 0x0000], { type: 'f32' }, { value: null, quality: 'sentinel' }],
    ['f32 sentinel -1', [0xbf80, 0x0000], { type: 'f32', sentinels: [-1] }, { value: null, quality: 'sentinel' }],
    ['bitfield whole word', [0b1010], { type: 'bitfield' }, ok(10)],
    ['bitfield bit 1 set', [0b1010], { type: 'bitfield', bit: 1 }, ok(1)],
    ['bitfield bit 2 clear', [0b1010], { type: 'bitfield', bit: 2 }, ok(0)],
    ['32-bit bitfield bit 21 (APC overload)', [0x0020, 0x0002], { type: 'bitfield', words: 2, bit: 21 }, ok(1)],
    ['32-bit bitfield bit 1, CDAB', [0x0002, 0x0020], { type: 'bitfield', words: 2, bit: 1, wordOrder: 'CDAB' }, ok(1)],
  ];
  it.each(vectors)('%s', (_name, words, extra, expected) => {
    expect(decodeRegisters(words, point(extra))).toEqual(expected);
  });

  it('scaleValue avoids binary noise', () => {
    expect(174 * 0.1).not.toBe(17.4);
    expect(scaleValue(174, { scale: 0.1 })).toBe(17.4);
    expect(scaleValue(7, {})).toBe(7);
  });
});

describe('strings and bits', () => {
  it('strings: 2 characters per register, high byte first, NUL-trimmed', () => {
    expect(decodeString([0x536d, 0x6172, 0x742d, 0x5550, 0x5300, 0x0000])).toBe('Smart-UPS');
    expect(decodeString(stringWords('SRT8KXLI', 8))).toBe('SRT8KXLI');
    expect(decodeString([0x4142, 0x0043])).toBe('AB'); // stops at the first NUL
    expect(decodeString([])).toBe('');
  });
  it('coils and discrete inputs decode from the block as 0/1', () => {
    const coil = point({ table: 'coil', type: 'bitfield', address: 1002 });
    expect(decodeFromBlock(coil, [0, 0, 1, 0], 1000)).toEqual(ok(1));
    expect(decodeFromBlock({ ...coil, address: 1003 }, [0, 0, 1, 0], 1000)).toEqual(ok(0));
  });
  it('a block too short for the point is a sentinel, not garbage', () => {
    expect(decodeFromBlock(point({ type: 'u32', address: 11 }), [1, 2], 10)).toEqual({ value: null, quality: 'sentinel' });
  });
});

describe('read planning', () => {
  const p = (address: number, extra: Partial<ModbusProfilePoint> = {}) => point({ metric: `m${address}`, address, ...extra });
  it('coalesces contiguous points and never spans a gap by default', () => {
    const plan = planReads([p(0), p(1), p(2, { type: 'u32' }), p(10), p(5, { table: 'input' })]);
    expect(plan.map(({ table, start, count }) => ({ table, start, count }))).toEqual([
      { table: 'input', start: 5, count: 1 },
      { table: 'holding', start: 0, count: 4 },
      { table: 'holding', start: 10, count: 1 },
    ]);
    expect(plan[1].points).toEqual([0, 1, 2]);
  });
  it('spans gaps up to maxGap only', () => {
    const pts = [p(0), p(4), p(20)];
    expect(planReads(pts, { maxGap: 3 }).map((b) => [b.start, b.count])).toEqual([[0, 5], [20, 1]]);
    expect(planReads(pts, { maxGap: 2 }).map((b) => [b.start, b.count])).toEqual([[0, 1], [4, 1], [20, 1]]);
  });
  it('splits at 125 registers and 2000 coils', () => {
    const regs = Array.from({ length: 300 }, (_, i) => p(i));
    expect(planReads(regs).map((b) => b.count)).toEqual([125, 125, 50]);
    const coils = Array.from({ length: 2500 }, (_, i) => p(i, { table: 'coil', type: 'bitfield' }));
    expect(planReads(coils).map((b) => b.count)).toEqual([2000, 500]);
    // a multi-register value is never cut in two
    const wide = [...Array.from({ length: 124 }, (_, i) => p(i)), p(124, { type: 'u32' })];
    expect(planReads(wide).map((b) => [b.start, b.count])).toEqual([[0, 124], [124, 2]]);
  });
  it('overlapping points (bits of one bitfield) share one read', () => {
    const plan = planReads([p(0, { type: 'bitfield', words: 2, bit: 1 }), p(0, { type: 'bitfield', words: 2, bit: 21 }), p(2)]);
    expect(plan.map((b) => [b.start, b.count, b.points.length])).toEqual([[0, 3, 3]]);
  });
});

// ------------------------------------------------------------------ shipped profiles

/** Decode a whole profile the way the driver does: plan the reads, fetch each block, decode. */
function decodeProfile(profile: ModbusProfile, read: (table: string, address: number, count: number) => number[], order: WordOrder = profile.wordOrder ?? 'ABCD'): Record<string, DecodedValue> {
  const out: Record<string, DecodedValue> = {};
  for (const block of planReads(profile.points, { maxGap: profile.maxGap ?? 0 })) {
    const data = read(block.table, block.start, block.count);
    for (const i of block.points) out[profile.points[i].metric] = decodeFromBlock(profile.points[i], data, block.start, order);
  }
  return out;
}

describe('shipped profile apc-ups-modbus (registers from the simulator encoder)', () => {
  const identity = defaultUpsIdentity('ups-a1', 10_000);
  const decode = async (ups = makeUpsState()) => {
    const words = encodeApcRegisters({ ups, upsId: 'ups-a1', identity, transferReason: 8 });
    const profile = await loadProfile('apc-ups-modbus');
    return { ups, values: decodeProfile(profile, (table, address, count) => {
      expect(table).toBe('holding');
      return Array.from({ length: count }, (_, i) => {
        // as the card does: unmodelled registers inside an answered block read 0, others are exception 2
        if (!isMappedAddress(address + i)) throw new Error(`unmapped ${address + i}`);
        return words.get(address + i) ?? 0;
      });
    }) };
  };

  it('on mains: every point ok and equal to the state at the register resolution', async () => {
    const { ups, values } = await decode();
    const near = (metric: string, expected: number, lsb: number) => {
      expect(values[metric].quality, metric).toBe('ok');
      expect(Math.abs(values[metric].value! - expected), metric).toBeLessThanOrEqual(lsb / 2 + 1e-9);
    };
    near('battery.runtime', Math.round(ups.minutesRemaining * 60), 0);
    near('battery.charge', ups.chargePercent, 2 ** -9);
    near('battery.voltage', ups.batteryVoltageV, 2 ** -5);
    near('battery.temperature', ups.batteryTemperatureC, 2 ** -7);
    near('output.real_power_load', (100 * ups.outputPowerW) / ups.ratedW, 2 ** -8);
    near('output.l1.current', ups.outputCurrentA, 2 ** -5);
    near('output.l1.voltage', ups.outputVoltageV, 2 ** -6);
    near('output.frequency', ups.outputFrequencyHz, 2 ** -7);
    near('output.energy', Math.floor(ups.outputEnergyWh), 0);
    near('input.l1.voltage', ups.inputVoltageV, 2 ** -6);
    near('config.output.power_rating', ups.ratedW, 0);
    expect(values['status.online']).toEqual(ok(1));
    expect(values['status.on_battery']).toEqual(ok(0));
    expect(values['status.transfer_reason']).toEqual(ok(8));
  });

  it('on battery: input voltage and efficiency are sentinels, on_battery bit set', async () => {
    const { values } = await decode(makeUpsState({ source: 'battery', inputVoltageV: 0 }));
    expect(values['input.l1.voltage']).toEqual({ value: null, quality: 'sentinel' });
    expect(values.efficiency).toEqual({ value: null, quality: 'sentinel' });
    expect(values['status.on_battery']).toEqual(ok(1));
    expect(values['status.online']).toEqual(ok(0));
  });

  it('reads in three requests without leaving the answered blocks', async () => {
    const profile = await loadProfile('apc-ups-modbus');
    expect(planReads(profile.points, { maxGap: profile.maxGap }).map((b) => [b.start, b.count])).toEqual([[0, 3], [128, 27], [588, 2]]);
  });
});

describe('shipped profile liebert-icom (registers from the simulator register bank)', () => {
  const crac: CracState = {
    id: 'crac-1', state: 'on', supplyAirTempC: 17.96, returnAirTempC: 29.04, returnHumidityPct: 45.23, supplyHumidityPct: 60.1,
    fanSpeedPct: 65, coolingCapacityPct: 72, coolingW: 30_000, electricalPowerW: 9000, systemStatus: 16, alarmActive: true, alarmAcknowledged: false,
  };
  it('decodes tenths of °C and %RH, states and status bits', async () => {
    const bank = new RegisterBank(icomRegisterDefs({ returnAirSetpointC: ICOM_DEFAULTS.returnAirSetpointC }, () => {}), 'ABCD', () => crac);
    const profile = await loadProfile('liebert-icom');
    const values = decodeProfile(profile, (table, address, count) => bank.readRegisters(table as 'input' | 'holding', address, count));
    expect(values).toEqual({
      'system.operating_state': ok(1), 'system.status': ok(16), 'alarm.active': ok(1), 'alarm.acknowledged': ok(0),
      'return_air.temperature': ok(29), 'supply_air.temperature': ok(18), 'return_air.humidity': ok(45.2), 'supply_air.humidity': ok(60.1),
      'return_air.setpoint': ok(24), 'fan.speed': ok(65), 'cooling.capacity': ok(72),
    });
  });
});

describe('shipped meter profiles, ABCD and CDAB (registers from the simulator register bank)', () => {
  const meter: MeterState = {
    id: 'meter-utility', kind: 'utility', powerW: 28_000.4, energyWh: 10_000_000.7, powerFactor: 0.95, demandW: -27_500, voltageV: 400.04,
    currentA: 41.2052, volumeL: 123_456.9, flowLpm: 12.52,
  };
  it.each(['ABCD', 'CDAB'] as const)('energy meter %s (target word order overrides the profile default)', async (order) => {
    const bank = new RegisterBank(meterRegisterDefs('utility', order), order, () => meter);
    const profile = await loadProfile('kiban-energy-meter');
    const values = decodeProfile(profile, (table, address, count) => bank.readRegisters(table as 'holding', address, count), order);
    expect(values).toEqual({
      voltage: ok(400), power_factor: ok(0.95), current: ok(41.205), active_power: ok(28_000), active_power_demand: ok(-27_500),
      active_energy: ok(10_000_000), active_energy_kwh: ok(10_000), active_energy_64: ok(10_000_000),
    });
    if (order === 'CDAB') {
      // the wrong word order is exactly the mistake this setting exists to prevent
      const wrong = decodeProfile(profile, (table, address, count) => bank.readRegisters(table as 'holding', address, count), 'ABCD');
      expect(wrong.active_energy.value).not.toBe(10_000_000);
    }
  });
  it.each(['ABCD', 'CDAB'] as const)('water meter %s', async (order) => {
    const bank = new RegisterBank(meterRegisterDefs('water', order), order, () => meter);
    const profile = await loadProfile('kiban-water-meter');
    expect(decodeProfile(profile, (table, address, count) => bank.readRegisters(table as 'holding', address, count), order))
      .toEqual({ 'water.volume': ok(123_456), 'water.flow': ok(12.5) });
  });
});
