/**
 * The Modbus driver against the real simulators over TCP (physics frozen): the APC UPS card, a Liebert
 * CRAC, the utility meter (ABCD) and the PV meter (CDAB), each with its shipped profile; a Modbus
 * exception, a dead port, RTU over TCP through a tiny serial-gateway stand-in, and a profile that
 * would need registers beyond 65535.
 */
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../../firmware-sims/index.ts';
import { loadProfile, parseProfile, ProfileError, type ModbusProfile } from '../../profile.ts';
import type { PollTarget, RawReading } from '../types.ts';
import { ModbusDriver } from './modbus-driver.ts';

const never = new AbortController().signal;
const byMetric = (readings: RawReading[]) => Object.fromEntries(readings.map((r) => [r.metric, r]));

describe('Modbus driver against the simulators (real TCP)', () => {
  let sim: SimHandle;
  const driver = new ModbusDriver();
  const targetOf = (id: string): PollTarget => {
    const d = sim.devices.find((x) => x.id === id && x.protocol === 'modbus');
    if (!d) throw new Error(`no Modbus device ${id}: ${sim.devices.map((x) => x.id).join(', ')}`);
    return { device: d.id, host: d.host, port: d.port, timeoutMs: 1000, unitId: d.modbus?.unitId, ...(d.modbus?.wordOrder ? { wordOrder: d.modbus.wordOrder } : {}) };
  };
  const expectNear = (r: RawReading | undefined, expected: number, lsb: number, what = r?.metric ?? "?") => {
    expect(r?.quality, what).toBe('ok');
    expect(Math.abs(r!.value! - expected), `${what}: ${r!.value} vs ${expected}`).toBeLessThanOrEqual(lsb / 2 + 1e-9);
  };

  beforeAll(async () => {
    sim = await startSim({ controlPort: 0, tickMs: 600_000 });
  });
  afterAll(async () => {
    await driver.close();
    await sim?.stop();
  });

  it('APC UPS card: every point equals the simulator truth at the register resolution', async () => {
    const upsId = sim.spec.ups[0].id;
    const profile = await loadProfile('apc-ups-modbus');
    const readings = await driver.poll(targetOf(`${upsId}-modbus`), profile, never);
    expect(readings.map((r) => r.metric)).toEqual(profile.points.map((p) => p.metric));
    const r = byMetric(readings);
    const ups = sim.model.state().ups.get(upsId)!;
    expectNear(r['battery.runtime'], ups.minutesRemaining * 60, 1);
    expectNear(r['battery.charge'], ups.chargePercent, 2 ** -9);
    expectNear(r['battery.voltage'], ups.batteryVoltageV, 2 ** -5);
    expectNear(r['battery.temperature'], ups.batteryTemperatureC, 2 ** -7);
    expectNear(r['output.real_power_load'], (100 * ups.outputPowerW) / ups.ratedW, 2 ** -8);
    expectNear(r['output.apparent_power_load'], (100 * ups.outputApparentVA) / ups.ratedVA, 2 ** -8);
    expectNear(r['output.l1.current'], ups.outputCurrentA, 2 ** -5);
    expectNear(r['output.l1.voltage'], ups.outputVoltageV, 2 ** -6);
    expectNear(r['output.frequency'], ups.outputFrequencyHz, 2 ** -7);
    expect(r['output.energy']).toEqual({ metric: 'output.energy', value: Math.floor(ups.outputEnergyWh) % 2 ** 32, quality: 'ok' });
    expectNear(r['input.l1.voltage'], ups.inputVoltageV, 2 ** -6);
    expectNear(r.efficiency, ups.efficiencyPercent, 2 ** -7);
    expectNear(r['config.output.power_rating'], Math.min(65535, ups.ratedW), 0);
    expect(r['status.online'].value).toBe(ups.source === 'normal' ? 1 : 0);
    expect(driver.lastError(`${upsId}-modbus`)).toBeUndefined();
  });

  it('CRAC: °C and %RH tenths, states, fan and capacity', async () => {
    const cracId = sim.spec.cracs[0].id;
    const readings = await driver.poll(targetOf(cracId), await loadProfile('liebert-icom'), never);
    const r = byMetric(readings);
    const crac = sim.model.state().cracs.get(cracId)!;
    expect(r['system.operating_state'].value).toBe({ off: 0, on: 1, standby: 2 }[crac.state]);
    expect(r['system.status'].value).toBe(crac.systemStatus);
    expect(r['alarm.active'].value).toBe(crac.alarmActive ? 1 : 0);
    expectNear(r['return_air.temperature'], crac.returnAirTempC, 0.1);
    expectNear(r['supply_air.temperature'], crac.supplyAirTempC, 0.1);
    expectNear(r['return_air.humidity'], crac.returnHumidityPct, 0.1);
    expectNear(r['supply_air.humidity'], crac.supplyHumidityPct, 0.1);
    expectNear(r['fan.speed'], crac.fanSpeedPct, 1);
    expectNear(r['cooling.capacity'], crac.coolingCapacityPct, 1);
  });

  it.each(['meter-utility', 'meter-pv'])('%s: the energy meter in its own word order', async (meterId) => {
    const target = targetOf(meterId);
    expect(target.wordOrder).toBe(meterId === 'meter-pv' ? 'CDAB' : 'ABCD');
    const r = byMetric(await driver.poll(target, await loadProfile('kiban-energy-meter'), never));
    const m = sim.model.state().meters.get(meterId)!;
    expectNear(r.voltage, m.voltageV, 0.1);
    expectNear(r.power_factor, m.powerFactor, 0.001);
    expectNear(r.current, m.currentA, 0.001);
    expectNear(r.active_power, m.powerW, 1);
    expectNear(r.active_power_demand, m.demandW, 1);
    expect(r.active_energy.value).toBe(Math.floor(m.energyWh) % 2 ** 32);
    expect(r.active_energy_64.value).toBe(Math.floor(m.energyWh));
    expectNear(r.active_energy_kwh, Math.floor(m.energyWh / 100) / 10, 0);
  });

  it('a modbus_exception fault gives sentinels with the exception named, then recovers', async () => {
    const target = targetOf('meter-utility');
    const profile = await loadProfile('kiban-energy-meter');
    const res = await fetch(`${sim.controlUrl}/sim/v1/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'modbus_exception', target: 'meter-utility', params: { code: 4 } }) });
    expect(res.ok).toBe(true);
    const { id } = await res.json() as { id: string };
    try {
      const readings = await driver.poll(target, profile, never);
      expect(readings).toHaveLength(profile.points.length);
      for (const r of readings) expect(r, r.metric).toMatchObject({ value: null, quality: 'sentinel' });
      expect(driver.lastError('meter-utility')?.message).toMatch(/^server device failure \(4\) reading holding 0\.\.15 from unit 1 at 127\.0\.0\.1:\d+$/);
    } finally {
      await fetch(`${sim.controlUrl}/sim/v1/faults/${id}`, { method: 'DELETE' });
    }
    const again = await driver.poll(target, profile, never);
    expect(again.every((r) => r.quality === 'ok')).toBe(true);
    expect(driver.lastError('meter-utility')).toBeUndefined();
  });

  it('a dead port gives comm_loss for every point, quickly', async () => {
    const port = await new Promise<number>((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)); }); });
    const profile = await loadProfile('liebert-icom');
    const t0 = Date.now();
    const readings = await driver.poll({ device: 'dead', host: '127.0.0.1', port, timeoutMs: 500 }, profile, never);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(readings.every((r) => r.quality === 'comm_loss' && r.value === null)).toBe(true);
    expect(driver.lastError('dead')?.message).toMatch(/cannot connect|ECONNREFUSED/);
  });

  it('a silent device (device_silent) times out to comm_loss, one request in flight per connection', async () => {
    const target = { ...targetOf(sim.spec.cracs[0].id), timeoutMs: 300 };
    const profile = await loadProfile('liebert-icom');
    const res = await fetch(`${sim.controlUrl}/sim/v1/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'device_silent', target: target.device, params: {} }) });
    const { id } = await res.json() as { id: string };
    try {
      // two polls at once on the same connection: queued, not interleaved
      const [a, b] = await Promise.all([driver.poll(target, profile, never), driver.poll(target, profile, never)]);
      for (const r of [...a, ...b]) expect(r.quality).toBe('comm_loss');
    } finally {
      await fetch(`${sim.controlUrl}/sim/v1/faults/${id}`, { method: 'DELETE' });
    }
    const again = await driver.poll(target, profile, never);
    expect(again.every((r) => r.quality === 'ok'), JSON.stringify(again)).toBe(true);
  });

  describe('RTU over TCP (serial gateway)', () => {
    let gateway: Server;
    const sockets = new Set<Socket>();
    const crc16 = (buf: Buffer) => {
      let crc = 0xffff;
      for (const byte of buf) {
        crc ^= byte;
        for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >> 1) ^ 0xa001 : crc >> 1;
      }
      return crc;
    };
    beforeAll(async () => {
      // A transparent RTU-over-TCP gateway in front of the simulated meter: RTU read requests in (8 bytes
      // with CRC), Modbus TCP to the meter, RTU answers (with CRC) back.
      const upstream = sim.devices.find((d) => d.id === 'meter-utility')!;
      gateway = createServer((client) => {
        const up = new Socket();
        sockets.add(client).add(up);
        up.connect(upstream.port, upstream.host);
        let pending = Buffer.alloc(0);
        let tid = 0;
        client.on('data', (chunk) => {
          pending = Buffer.concat([pending, chunk]);
          while (pending.length >= 8) {
            const frame = pending.subarray(0, 8);
            pending = pending.subarray(8);
            if (crc16(frame.subarray(0, 6)) !== frame.readUInt16LE(6)) continue;
            const mbap = Buffer.alloc(7);
            mbap.writeUInt16BE(++tid & 0xffff, 0);
            mbap.writeUInt16BE(6, 4);
            mbap.writeUInt8(frame[0], 6);
            up.write(Buffer.concat([mbap, frame.subarray(1, 6)]));
          }
        });
        up.on('data', (chunk) => {
          const body = chunk.subarray(6, 6 + chunk.readUInt16BE(4)); // unit id + PDU
          const crc = Buffer.alloc(2);
          crc.writeUInt16LE(crc16(body));
          client.write(Buffer.concat([body, crc]));
        });
        const end = () => { client.destroy(); up.destroy(); };
        client.on('error', end); up.on('error', end); client.on('close', end); up.on('close', end);
      });
      await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      gateway.close(() => resolve());
    }));

    it('reads the meter through the gateway with RTU framing', async () => {
      const port = (gateway.address() as AddressInfo).port;
      const r = byMetric(await driver.poll({ device: 'meter-utility-rtu', host: '127.0.0.1', port, unitId: 1, transport: 'rtu-over-tcp', timeoutMs: 1000 }, await loadProfile('kiban-energy-meter'), never));
      const m = sim.model.state().meters.get('meter-utility')!;
      expect(driver.lastError('meter-utility-rtu')?.message).toBeUndefined();
      expect(r.active_energy_64).toMatchObject({ value: Math.floor(m.energyWh), quality: 'ok' });
      expectNear(r.voltage, m.voltageV, 0.1);
    });
  });
});

describe('profile limits', () => {
  const base = `model: Huge
protocol: modbus
kind: meter
points:
  - metric: text
    table: holding
    address: 65530
    type: bitfield
    words: 4
    unit: ''
    kind: gauge
`;
  it('rejects a point that runs beyond register 65535 at load, naming file, field and line', () => {
    expect(parseProfile(base, '/p/ok.yaml').protocol).toBe('modbus');
    try {
      parseProfile(base.replace('65530', '65534'), '/p/huge.yaml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ProfileError);
      expect((err as ProfileError).message).toBe('profile /p/huge.yaml:7: points[0].address: address 65534 + 4 registers ends at 65537, beyond the last Modbus address 65535');
    }
  });
  it('rejects a register count no request can carry (a "2 GB" read) and out-of-range addresses', () => {
    expect(() => parseProfile(base.replace('words: 4', 'words: 1073741824'), '/p/x.yaml')).toThrow(/points\[0\]\.words: .*125/);
    expect(() => parseProfile(base.replace('65530', '4294967296'), '/p/x.yaml')).toThrow(/points\[0\]\.address: .*65535/);
    expect(() => parseProfile(base.replace("type: bitfield\n    words: 4", 'type: u32\n    words: 4'), '/p/x.yaml')).toThrow(/words is only for bitfield and string/);
    expect(() => parseProfile(base.replace('table: holding', 'table: coils'), '/p/x.yaml')).toThrow(/points\[0\]\.table/);
    expect(() => parseProfile(base.replace('protocol: modbus', 'protocol: modbuss'), '/p/x.yaml')).toThrow(/x\.yaml:2: protocol: /);
  });
  it('an SNMP field in a Modbus profile is named', () => {
    expect(() => parseProfile(base.replace("    unit: ''", "    oid: 1.3.6.1\n    unit: ''"), '/p/x.yaml')).toThrow(/points\[0\].*oid/);
  });
  it('every shipped Modbus profile loads with the right protocol', async () => {
    for (const name of ['apc-ups-modbus', 'liebert-icom', 'kiban-energy-meter', 'kiban-water-meter'] as const) {
      const profile: ModbusProfile = await loadProfile(name);
      expect(profile.protocol).toBe('modbus');
    }
  });
});
