/**
 * End-to-end tests of the whole simulated data center (issue 3, acceptance 1 and 2): the real simulator
 * (`startSim`) read by real third-party clients — net-snmp's snmpbulkwalk/snmpget (v2c and v3 authPriv),
 * mbpoll, Python pymodbus, mosquitto_sub against the Mosquitto broker on 127.0.0.1:1883 — and energy
 * conservation checked on the values those clients read, against the ground truth of the control API.
 *
 * Physics is paused for this file (tickMs of 10 minutes: the state of the first tick is served for the
 * whole run), so protocol values and truth describe the same instant and can be compared exactly, up to
 * the integer resolution of each protocol.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from './index.ts';
import {
  api, compareOids, device, mbpoll, mosquittoSub, pymodbusRead, skipWithout, snmpbulkwalk, snmpget, SNMP_V3_ARGS, truth,
  type WalkLine,
} from './test-support/clients.ts';

const UPS_MIB = '1.3.6.1.2.1.33';
const RARITAN = '1.3.6.1.4.1.13742.6';
const SENTRY4 = '1.3.6.1.4.1.1718.4';
const UPS = {
  outputSource: `${UPS_MIB}.1.4.1.0`,
  inputTruePower: `${UPS_MIB}.1.3.3.1.5.1`,
  outputPower: `${UPS_MIB}.1.4.4.1.4.1`,
  outputPercentLoad: `${UPS_MIB}.1.4.4.1.5.1`,
  minutesRemaining: `${UPS_MIB}.1.2.3.0`,
  batteryVoltage: `${UPS_MIB}.1.2.5.0`,
} as const;
/** Raritan measurementsOutletSensorValue / measurementsInletSensorValue; sensorType activePower = 5. */
const RARITAN_OUTLET_VALUE = `${RARITAN}.5.4.3.1.4`;
const RARITAN_INLET_ACTIVE_POWER = `${RARITAN}.5.2.3.1.4.1.1.5`;
/** Sentry4 st4OutletActivePower (W) and st4InputCordActivePower (W). */
const SENTRY4_OUTLET_ACTIVE_POWER = `${SENTRY4}.1.8.3.1.7`;
const SENTRY4_CORD_ACTIVE_POWER = `${SENTRY4}.1.3.3.1.3.1.1`;

const mqttSite = `e2e-sim-${process.pid}-${Date.now()}`;
let sim: SimHandle;

beforeAll(async () => {
  sim = await startSim({
    controlPort: 0, mqttUrl: 'mqtt://127.0.0.1:1883', mqttSite, sensorPublishIntervalMs: 1000,
    // Paused physics: one instant for the whole file.
    tickMs: 600_000,
  });
});
afterAll(async () => {
  await sim?.stop();
});

function expectStrictlyIncreasing(lines: WalkLine[]) {
  for (let i = 1; i < lines.length; i++) {
    if (compareOids(lines[i - 1].oid, lines[i].oid) >= 0) throw new Error(`OID not increasing: ${lines[i - 1].oid} then ${lines[i].oid}`);
  }
}
const value = (lines: WalkLine[], oid: string) => {
  const line = lines.find((l) => l.oid === oid);
  if (!line) throw new Error(`${oid} not in the walk`);
  return Number(/-?\d+/.exec(line.value)![0]);
};

describe('third-party clients read the simulators (acceptance 1)', () => {
  it.skipIf(skipWithout('snmpbulkwalk'))('snmpbulkwalk v2c walks the whole UPS-MIB of ups-a1 in strictly increasing OID order, values = truth', async () => {
    const walk = await snmpbulkwalk(device(sim, 'ups-a1').port, UPS_MIB);
    expect(walk.code, walk.stderr).toBe(0);
    expect(walk.stderr).not.toMatch(/not increasing/i);
    expectStrictlyIncreasing(walk.lines);
    expect(walk.lines.length).toBeGreaterThan(45);
    const ups = await truth(sim, 'ups-a1');
    expect(value(walk.lines, UPS.outputSource)).toBe(3); // normal(3)
    expect(value(walk.lines, UPS.outputPower)).toBe(Math.round(ups.outputPowerW));
    expect(value(walk.lines, UPS.inputTruePower)).toBe(Math.round(ups.inputPowerW));
    expect(value(walk.lines, UPS.outputPercentLoad)).toBe(Math.round(ups.outputPercentLoad));
    expect(value(walk.lines, UPS.batteryVoltage)).toBe(Math.round(ups.batteryVoltageV * 10)); // 0.1 V DC
  });

  it.skipIf(skipWithout('snmpbulkwalk'))('snmpbulkwalk v3 authPriv (SHA/AES) walks the same UPS-MIB as v2c', async () => {
    const port = device(sim, 'ups-a1').port;
    const [v3, v2c] = [await snmpbulkwalk(port, UPS_MIB, { auth: SNMP_V3_ARGS }), await snmpbulkwalk(port, UPS_MIB)];
    expect(v3.code, v3.stderr).toBe(0);
    expectStrictlyIncreasing(v3.lines);
    expect(v3.lines).toEqual(v2c.lines);
    // A wrong privacy key gets nothing: USM is really enforced.
    const wrong = await snmpget(port, [UPS.outputSource], { auth: [...SNMP_V3_ARGS.slice(0, -1), 'not-the-priv-key'], timeoutS: 1, retries: 0 });
    expect(wrong.code).not.toBe(0);
    expect(wrong.varbinds.size).toBe(0);
  });

  it.skipIf(skipWithout('snmpbulkwalk'))('snmpbulkwalk v2c walks the Raritan PDU2-MIB subtree of a Raritan PDU, outlet powers = truth', async () => {
    const id = 'r1-a01-pdu-a';
    expect(device(sim, id).profile).toBe('raritan-px2');
    const walk = await snmpbulkwalk(device(sim, id).port, RARITAN);
    expect(walk.code, walk.stderr).toBe(0);
    expectStrictlyIncreasing(walk.lines);
    expect(walk.lines.length).toBeGreaterThan(1000);
    const pdu = await truth(sim, id);
    for (const o of pdu.outlets) expect(value(walk.lines, `${RARITAN_OUTLET_VALUE}.1.${o.index}.5`)).toBe(Math.round(o.activePowerW));
    expect(value(walk.lines, RARITAN_INLET_ACTIVE_POWER)).toBe(Math.round(pdu.inlet.activePowerW));
  });

  it.skipIf(skipWithout('snmpbulkwalk'))('snmpbulkwalk v2c walks the Sentry4 subtree of a ServerTech PDU, outlet powers = truth', async () => {
    const id = 'r1-b01-pdu-a';
    expect(device(sim, id).profile).toBe('servertech-sentry4');
    const walk = await snmpbulkwalk(device(sim, id).port, SENTRY4);
    expect(walk.code, walk.stderr).toBe(0);
    expectStrictlyIncreasing(walk.lines);
    expect(walk.lines.length).toBeGreaterThan(300);
    const pdu = await truth(sim, id);
    for (const o of pdu.outlets) expect(value(walk.lines, `${SENTRY4_OUTLET_ACTIVE_POWER}.1.1.${o.index}`)).toBe(Math.round(o.activePowerW));
    expect(value(walk.lines, SENTRY4_CORD_ACTIVE_POWER)).toBe(Math.round(pdu.inlet.activePowerW));
  });

  it.skipIf(skipWithout('mbpoll'))('mbpoll reads the UPS APC map: status bits, runtime as u32 most-significant word first', async () => {
    const port = device(sim, 'ups-a1-modbus').port;
    const ups = await truth(sim, 'ups-a1');
    // BatteryRuntimeRemaining: holding registers 128–129 (mbpoll reference 129), u32, MSW first (-B).
    const runtime = await mbpoll(port, { type: '4:int', ref: 129, bigEndianWords: true });
    expect(runtime.code, runtime.stderr).toBe(0);
    expect(runtime.values.get(129)).toBe(Math.round(ups.minutesRemaining * 60));
    const raw = await mbpoll(port, { type: '4', ref: 129, count: 2 });
    expect(raw.values.get(129)! * 65536 + raw.values.get(130)!).toBe(runtime.values.get(129));
    // UPSStatus_BF (registers 0–1, u32 MSW first): bit 1 online.
    const status = await mbpoll(port, { type: '4:int', ref: 1, bigEndianWords: true });
    expect(status.values.get(1)! & 0b10).toBe(0b10);
    // OutputVoltage (register 142): binary fixed point, 2^6.
    const volts = await mbpoll(port, { type: '4', ref: 143 });
    expect(volts.values.get(143)! / 64).toBeCloseTo(ups.outputVoltageV, 1);
  });

  it.skipIf(skipWithout('mbpoll'))('mbpoll reads the CRAC iCOM input and holding registers (÷10 scaling)', async () => {
    const port = device(sim, 'crac-r1-a').port;
    const crac = await truth(sim, 'crac-r1-a');
    const state = await mbpoll(port, { type: '3', ref: 100 }); // 30100 System Operating State
    expect(state.code, state.stderr).toBe(0);
    expect(state.values.get(100)).toBe(1); // on
    const temps = await mbpoll(port, { type: '3', ref: 102, count: 4 }); // 30102 status … 30105 supply air
    expect(temps.values.get(102)).toBe(crac.systemStatus);
    expect(temps.values.get(104)).toBe(Math.round(crac.returnAirTempC * 10));
    expect(temps.values.get(105)).toBe(Math.round(crac.supplyAirTempC * 10));
    const fan = await mbpoll(port, { type: '3', ref: 451 });
    expect(fan.values.get(451)).toBe(Math.round(crac.fanSpeedPct));
    const setpoint = await mbpoll(port, { type: '4', ref: 263 }); // 40263 return air set point, tenths °C
    expect(setpoint.values.get(263)).toBe(240);
  });

  it.skipIf(skipWithout('mbpoll'))('mbpoll reads the meter registers in each meter\'s word order', async () => {
    const utility = await truth(sim, 'meter-utility');
    const u = await mbpoll(device(sim, 'meter-utility').port, { type: '4:int', ref: 5, bigEndianWords: true }); // ABCD
    expect(u.code, u.stderr).toBe(0);
    expect(u.values.get(5)).toBe(Math.round(utility.powerW));
    const pv = await truth(sim, 'meter-pv');
    const p = await mbpoll(device(sim, 'meter-pv').port, { type: '4:int', ref: 5 }); // CDAB: mbpoll's default word order
    expect(p.values.get(5)).toBe(Math.round(pv.powerW));
    const volts = await mbpoll(device(sim, 'meter-utility').port, { type: '4', ref: 1 });
    expect(volts.values.get(1)).toBe(Math.round(utility.voltageV * 10));
  });

  it.skipIf(skipWithout('python3'))('pymodbus reads the 32-bit energy counters with the documented word order (PV CDAB, utility ABCD) = truth', async () => {
    for (const [id, wordOrder] of [['meter-pv', 'CDAB'], ['meter-utility', 'ABCD']] as const) {
      const d = device(sim, id);
      expect(d.modbus?.wordOrder).toBe(wordOrder);
      const meter = await truth(sim, id);
      // Active Energy (32-bit Wh): holding registers 8–9.
      const r = await pymodbusRead(d.port, { address: 8, count: 2, wordOrder });
      expect(r.error ?? r.exception, r.text).toBeUndefined();
      expect(r.uint32).toBe(Math.floor(meter.energyWh));
      const [first, second] = r.registers!;
      const decoded = wordOrder === 'ABCD' ? first * 65536 + second : second * 65536 + first;
      expect(decoded).toBe(r.uint32);
      // The Word Order register (65) documents the setting on the device itself.
      const wo = await pymodbusRead(d.port, { address: 65, count: 1 });
      expect(wo.registers).toEqual([wordOrder === 'ABCD' ? 0 : 1]);
    }
  });

  it.skipIf(skipWithout('mosquitto_sub'))('mosquitto_sub receives every rack sensor\'s JSON messages and the retained "online" availability', async () => {
    const sensors = sim.devices.filter((d) => d.kind === 'sensor');
    expect(sensors).toHaveLength(8);
    const sub = await mosquittoSub([`kiban/${mqttSite}/#`]);
    try {
      for (const s of sensors) {
        const avail = await sub.waitFor((m) => m.topic === s.mqtt!.availabilityTopic, { what: `${s.id} availability` });
        expect(avail.payload).toBe('online');
        const msg = await sub.waitFor((m) => m.topic === s.mqtt!.topic, { what: `${s.id} data` });
        const payload = JSON.parse(msg.payload);
        const t = await truth(sim, s.rackId!);
        expect(payload).toMatchObject({
          unit: 'C',
          inlet: { top: Math.round(t.inletTopC * 10) / 10, middle: Math.round(t.inletMiddleC * 10) / 10, bottom: Math.round(t.inletBottomC * 10) / 10 },
          outlet: Math.round(t.outletC * 10) / 10,
          humidity: Math.round(t.humidityPct * 10) / 10,
        });
        expect(Number.isNaN(Date.parse(payload.ts))).toBe(false);
      }
    } finally {
      await sub.stop();
    }
  });
});

describe('energy is conserved through the protocols (acceptance 2)', () => {
  /** Σ outlet active power and inlet active power of one PDU, both read over SNMP (integer W). */
  async function pduPowersOverSnmp(id: string): Promise<{ outletsW: number; inletW: number; outlets: number }> {
    const d = device(sim, id);
    if (d.profile === 'raritan-px2') {
      const walk = await snmpbulkwalk(d.port, RARITAN_OUTLET_VALUE);
      expect(walk.code, walk.stderr).toBe(0);
      const outlets = walk.lines.filter((l) => l.oid.endsWith('.5')); // sensorType activePower(5)
      const inlet = await snmpget(d.port, [RARITAN_INLET_ACTIVE_POWER]);
      return { outletsW: outlets.reduce((s, l) => s + Number(l.value), 0), inletW: Number(inlet.varbinds.get(RARITAN_INLET_ACTIVE_POWER)!.value), outlets: outlets.length };
    }
    const walk = await snmpbulkwalk(d.port, SENTRY4_OUTLET_ACTIVE_POWER);
    expect(walk.code, walk.stderr).toBe(0);
    const inlet = await snmpget(d.port, [SENTRY4_CORD_ACTIVE_POWER]);
    return { outletsW: walk.lines.reduce((s, l) => s + Number(l.value), 0), inletW: Number(inlet.varbinds.get(SENTRY4_CORD_ACTIVE_POWER)!.value), outlets: walk.lines.length };
  }

  it.skipIf(skipWithout('snmpbulkwalk', 'snmpget'))('Σ outlets = PDU inlet on every PDU (both vendors); Σ PDU inlets + distribution loss = UPS output (SNMP)', async () => {
    const pdus = sim.devices.filter((d) => d.kind === 'pdu');
    expect(new Set(pdus.map((p) => p.profile))).toEqual(new Set(['raritan-px2', 'servertech-sentry4']));
    const inletByUps = new Map<string, number>();
    const countByUps = new Map<string, number>();
    for (const p of pdus) {
      const { outletsW, inletW, outlets } = await pduPowersOverSnmp(p.id);
      expect(outlets).toBe(24);
      expect(inletW).toBeGreaterThan(0);
      // Each integer reading is within 0.5 W of the truth: the sum of 24 outlets within 12 W of the inlet.
      expect(Math.abs(outletsW - inletW), `${p.id}: Σ outlets ${outletsW} W vs inlet ${inletW} W`).toBeLessThanOrEqual(0.5 * outlets + 0.5);
      const t = await truth(sim, p.id);
      expect(inletW).toBe(Math.round(t.inlet.activePowerW));
      inletByUps.set(t.upsId, (inletByUps.get(t.upsId) ?? 0) + inletW);
      countByUps.set(t.upsId, (countByUps.get(t.upsId) ?? 0) + 1);
    }
    expect([...inletByUps.keys()].sort()).toEqual(['ups-a1', 'ups-b1']);
    for (const [upsId, pduInletsW] of inletByUps) {
      const ups = await truth(sim, upsId);
      const outputW = Number((await snmpget(device(sim, upsId).port, [UPS.outputPower])).varbinds.get(UPS.outputPower)!.value);
      expect(ups.distributionLossW).toBeGreaterThan(0);
      const slack = 0.5 * countByUps.get(upsId)! + 1;
      expect(Math.abs(pduInletsW + ups.distributionLossW - outputW), `${upsId}: Σ PDU inlets ${pduInletsW} + loss ${ups.distributionLossW} vs output ${outputW}`).toBeLessThanOrEqual(slack);
    }
  });

  it.skipIf(skipWithout('snmpget', 'mbpoll'))('facility total = Σ UPS input + CRAC electrical + lighting = utility + generator + PV meters (Modbus)', async () => {
    const res = await api(sim, 'GET', '/sim/v1/truth/facility');
    expect(res.status).toBe(200);
    const f = res.body.values;
    let upsInputSnmpW = 0;
    for (const id of ['ups-a1', 'ups-b1']) upsInputSnmpW += Number((await snmpget(device(sim, id).port, [UPS.inputTruePower])).varbinds.get(UPS.inputTruePower)!.value);
    let cracW = 0;
    for (const id of ['crac-r1-a', 'crac-r1-b']) cracW += (await truth(sim, id)).electricalPowerW;
    expect(cracW).toBeCloseTo(f.coolingW, 6);
    expect(f.lightingW).toBeGreaterThan(0);
    expect(Math.abs(upsInputSnmpW - f.upsInputW)).toBeLessThanOrEqual(1); // two integer readings
    expect(f.upsInputW + f.coolingW + f.lightingW).toBeCloseTo(f.totalW, 6);
    expect(Math.abs(upsInputSnmpW + cracW + f.lightingW - f.totalW)).toBeLessThanOrEqual(1);

    // Meters: Active Power, s32 W at holding 4–5, in each meter's word order.
    let metersW = 0;
    for (const id of ['meter-utility', 'meter-generator', 'meter-pv']) {
      const d = device(sim, id);
      const r = await mbpoll(d.port, { type: '4:int', ref: 5, bigEndianWords: d.modbus!.wordOrder === 'ABCD' });
      expect(r.code, r.stderr).toBe(0);
      metersW += r.values.get(5)!;
    }
    expect(f.utilityW + f.generatorW + f.pvW).toBeCloseTo(f.totalW, 6);
    expect(Math.abs(metersW - f.totalW), `meters ${metersW} W vs facility ${f.totalW} W`).toBeLessThanOrEqual(1.5);
  });
});

describe('control API rejects bad fault requests with JSON naming the field', () => {
  const post = (body: unknown) => api(sim, 'POST', '/sim/v1/faults', body);

  it('400 for a body that is not JSON', async () => {
    const res = await post('{"kind": ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
  });

  it('400 naming kind / target / params.<field> for invalid input, 404 for unknown targets and faults', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ target: 'ups-a1' }, 400, 'kind'],
      [{ kind: 'meltdown', target: 'ups-a1' }, 400, 'kind'],
      [{ kind: 'battery_bad' }, 400, 'target'],
      [{ kind: 'battery_bad', target: 'ups-zz' }, 404, 'target'],
      [{ kind: 'battery_bad', target: 'r1-a01-pdu-a' }, 400, 'target'],
      [{ kind: 'outlet_overload', target: 'r1-a01-pdu-a', params: { outlet: 99 } }, 400, 'params.outlet'],
      [{ kind: 'device_slow', target: 'crac-r1-a', params: { delayMs: 'soon' } }, 400, 'params.delayMs'],
      [{ kind: 'battery_bad', target: 'ups-a1', params: { extra: 1 } }, 400, 'params'],
    ];
    for (const [body, status, field] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.details?.field, JSON.stringify(res.body)).toBe(field);
      expect(typeof res.body.error.message).toBe('string');
    }
    const del = await api(sim, 'DELETE', '/sim/v1/faults/f-none');
    expect(del.status).toBe(404);
    expect(del.body.error.details.field).toBe('id');
    const unknownTruth = await api(sim, 'GET', '/sim/v1/truth/nope');
    expect(unknownTruth.status).toBe(404);
    expect(unknownTruth.body.error.details.field).toBe('device');
    expect((await api(sim, 'GET', '/sim/v1/faults')).body.items).toEqual([]);
  });
});
