/**
 * One end-to-end test per fault (issue 3, acceptance 3): injected with POST /sim/v1/faults on the real
 * simulator, observed with real clients the way an operator's tools would see it on real hardware, then
 * cleared with DELETE /sim/v1/faults/{id} and observed back to normal. Each test uses its own fault and
 * clears it (or targets a device no other test touches), so the tests do not depend on one another.
 * The thermal faults (crac_failure, sensor_stuck) need fast simulated time: thermal.e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rackServerLayout, startSim, type SimHandle } from './index.ts';
import {
  api, clearFault, device, injectFault, mbpoll, mosquittoSub, pollUntil, pymodbusRead, skipWithout, snmpbulkwalk, snmpget, snmpNumber,
  startSnmptrapd, truth, type Subscriber, type TrapReceiverProcess,
} from './test-support/clients.ts';

const UPS_MIB = '1.3.6.1.2.1.33';
const OID = {
  secondsOnBattery: `${UPS_MIB}.1.2.2.0`,
  outputSource: `${UPS_MIB}.1.4.1.0`,
  outputPercentLoad: `${UPS_MIB}.1.4.4.1.5.1`,
  identName: `${UPS_MIB}.1.1.5.0`,
  alarmTable: `${UPS_MIB}.1.6.2`,
  alarmDescrColumn: `${UPS_MIB}.1.6.2.1.2`,
  sysName: '1.3.6.1.2.1.1.5.0',
} as const;
/** upsWellKnownAlarms (.1.6.3.N) and the upsTrapOnBattery notification. */
const ALARM = {
  batteryBad: `${UPS_MIB}.1.6.3.1`,
  onBattery: `${UPS_MIB}.1.6.3.2`,
  outputOverload: `${UPS_MIB}.1.6.3.8`,
  onBypass: `${UPS_MIB}.1.6.3.9`,
} as const;
const UPS_TRAP_ON_BATTERY = `${UPS_MIB}.2.1`;
const SOURCE = { normal: 3, bypass: 4, battery: 5 } as const;

const RARITAN = '1.3.6.1.4.1.13742.6';
const SENTRY4 = '1.3.6.1.4.1.1718.4';
const RARITAN_SENSOR = { rmsCurrent: 1, activePower: 5, trip: 15 } as const;
const RaritanState = { open: 0, closed: 1, aboveUpperWarning: 5, aboveUpperCritical: 6 } as const;
const Sentry4Status = { normal: 0, breakerTripped: 12, highWarning: 16, highAlarm: 17 } as const;

const mqttSite = `e2e-faults-${process.pid}-${Date.now()}`;
let sim: SimHandle;
let trapd: TrapReceiverProcess | undefined;
let sub: Subscriber | undefined;

beforeAll(async () => {
  if (!skipWithout('snmptrapd')) trapd = await startSnmptrapd();
  sim = await startSim({
    controlPort: 0, mqttUrl: 'mqtt://127.0.0.1:1883', mqttSite, sensorPublishIntervalMs: 1000, tickMs: 500,
    trapReceivers: trapd ? [{ host: '127.0.0.1', port: trapd.port }] : [],
  });
  if (!skipWithout('mosquitto_sub')) sub = await mosquittoSub([`kiban/${mqttSite}/#`]);
});
afterAll(async () => {
  await sub?.stop();
  await sim?.stop();
  await trapd?.stop();
});

/** upsAlarmDescr values of the alarm table, walked with snmpbulkwalk. */
async function upsAlarmDescrs(upsId: string): Promise<string[]> {
  const walk = await snmpbulkwalk(device(sim, upsId).port, OID.alarmTable);
  expect(walk.code, walk.stderr).toBe(0);
  return walk.lines.filter((l) => l.oid.startsWith(`${OID.alarmDescrColumn}.`)).map((l) => l.value.replace(/^\./, ''));
}
const upsNumber = (upsId: string, oid: string) => snmpNumber(device(sim, upsId).port, oid);
/** Poll until the UPS reports `source` and its alarm table has (or lacks) the alarm row. */
async function untilUps(upsId: string, source: number, alarm: string, present: boolean): Promise<void> {
  await pollUntil(async () => ((await upsNumber(upsId, OID.outputSource)) === source ? true : undefined), { what: `${upsId} upsOutputSource ${source}` });
  await pollUntil(async () => ((await upsAlarmDescrs(upsId)).includes(alarm) === present ? true : undefined), { what: `${upsId} alarm ${alarm} ${present ? 'present' : 'gone'}` });
}

describe('UPS faults over SNMP', () => {
  it.skipIf(skipWithout('snmpget', 'snmpbulkwalk', 'snmptrapd'))('utility_failure on ups-a1: on battery(5), seconds on battery rising, upsAlarmOnBattery row, upsTrapOnBattery at snmptrapd; cleared back to normal(3)', async () => {
    const id = await injectFault(sim, 'utility_failure', 'ups-a1');
    await untilUps('ups-a1', SOURCE.battery, ALARM.onBattery, true);
    const first = await upsNumber('ups-a1', OID.secondsOnBattery);
    await pollUntil(async () => ((await upsNumber('ups-a1', OID.secondsOnBattery)) > first ? true : undefined), { what: 'upsSecondsOnBattery to rise' });
    // The trap, as logged by net-snmp's snmptrapd: snmpTrapOID.0 = upsTrapOnBattery.
    await pollUntil(() => (trapd!.output().includes(`.1.3.6.1.6.3.1.1.4.1.0 = OID: .${UPS_TRAP_ON_BATTERY}`) ? true : undefined), { what: 'upsTrapOnBattery at snmptrapd' });
    // The APC Modbus card of the same UPS agrees: UPSStatus_BF bit 2 (on battery).
    if (!skipWithout('mbpoll')) {
      const status = await mbpoll(device(sim, 'ups-a1-modbus').port, { type: '4:int', ref: 1, bigEndianWords: true });
      expect(status.values.get(1)! & 0b100).toBe(0b100);
    }
    // ups-b1 is on another feeder: unaffected.
    expect(await upsNumber('ups-b1', OID.outputSource)).toBe(SOURCE.normal);

    await clearFault(sim, id);
    await untilUps('ups-a1', SOURCE.normal, ALARM.onBattery, false);
    expect(await upsNumber('ups-a1', OID.secondsOnBattery)).toBe(0);
  });

  it.skipIf(skipWithout('snmpget', 'snmpbulkwalk'))('battery_bad on ups-b1: an upsAlarmBatteryBad row (and the APC battery-replace bit); cleared: row gone', async () => {
    const id = await injectFault(sim, 'battery_bad', 'ups-b1');
    await untilUps('ups-b1', SOURCE.normal, ALARM.batteryBad, true);
    if (!skipWithout('mbpoll')) {
      const err = await mbpoll(device(sim, 'ups-b1-modbus').port, { type: '4', ref: 20 }); // BatterySystemError_BF (19)
      expect(err.values.get(20)! & 0b100).toBe(0b100);
    }
    await clearFault(sim, id);
    await untilUps('ups-b1', SOURCE.normal, ALARM.batteryBad, false);
  });

  it.skipIf(skipWithout('snmpget', 'snmpbulkwalk'))('ups_overload on ups-a1: upsOutputPercentLoad > 100 and the outputOverload alarm; cleared: ≤ 100, row gone', async () => {
    const id = await injectFault(sim, 'ups_overload', 'ups-a1', { percentLoad: 120, bypassAfterS: 3600 });
    await untilUps('ups-a1', SOURCE.normal, ALARM.outputOverload, true);
    expect(await upsNumber('ups-a1', OID.outputPercentLoad)).toBeGreaterThan(100);
    await clearFault(sim, id);
    await untilUps('ups-a1', SOURCE.normal, ALARM.outputOverload, false);
    expect(await upsNumber('ups-a1', OID.outputPercentLoad)).toBeLessThanOrEqual(100);
  });

  it.skipIf(skipWithout('snmpget', 'snmpbulkwalk'))('ups_bypass on ups-b1: upsOutputSource bypass(4) and the onBypass alarm; cleared: normal(3), row gone', async () => {
    const id = await injectFault(sim, 'ups_bypass', 'ups-b1');
    await untilUps('ups-b1', SOURCE.bypass, ALARM.onBypass, true);
    await clearFault(sim, id);
    await untilUps('ups-b1', SOURCE.normal, ALARM.onBypass, false);
  });
});

describe('PDU faults over SNMP', () => {
  it.skipIf(skipWithout('snmpget'))('outlet_overload on a Sentry4 outlet: current over its rating, st4OutletStatus/CurrentStatus highAlarm; cleared: normal', async () => {
    const pdu = 'r1-b02-pdu-a';
    const port = device(sim, pdu).port;
    const current = `${SENTRY4}.1.8.3.1.3.1.1.3`; // st4OutletCurrent outlet 3, 0.01 A
    const utilized = `${SENTRY4}.1.8.3.1.5.1.1.3`; // st4OutletCurrentUtilized, 0.1 %
    const status = `${SENTRY4}.1.8.3.1.2.1.1.3`;
    const currentStatus = `${SENTRY4}.1.8.3.1.4.1.1.3`;
    const id = await injectFault(sim, 'outlet_overload', pdu, { outlet: 3 });
    await pollUntil(async () => ((await snmpNumber(port, status)) === Sentry4Status.highAlarm ? true : undefined), { what: 'st4OutletStatus highAlarm' });
    expect(await snmpNumber(port, currentStatus)).toBe(Sentry4Status.highAlarm);
    expect(await snmpNumber(port, utilized)).toBeGreaterThan(1000); // > 100.0 % of the outlet rating
    const t = await truth(sim, pdu);
    expect(await snmpNumber(port, current)).toBe(Math.round(t.outlets[2].currentA * 100));
    expect(t.outlets[2].currentA).toBeGreaterThan(t.outlets[2].ratedCurrentA);
    await clearFault(sim, id);
    await pollUntil(async () => ((await snmpNumber(port, status)) === Sentry4Status.normal ? true : undefined), { what: 'st4OutletStatus normal' });
    expect(await snmpNumber(port, utilized)).toBeLessThan(800);
  });

  it.skipIf(skipWithout('snmpget'))('outlet_overload on a Raritan outlet: rmsCurrent above its upper critical threshold, state aboveUpperCritical; cleared: normal', async () => {
    const pdu = 'r1-a03-pdu-a';
    const port = device(sim, pdu).port;
    const value = `${RARITAN}.5.4.3.1.4.1.5.${RARITAN_SENSOR.rmsCurrent}`; // outlet 5, 0.001 A
    const state = `${RARITAN}.5.4.3.1.3.1.5.${RARITAN_SENSOR.rmsCurrent}`;
    const threshold = `${RARITAN}.3.5.4.1.23.1.5.${RARITAN_SENSOR.rmsCurrent}`; // outletSensorUpperCriticalThreshold
    const id = await injectFault(sim, 'outlet_overload', pdu, { outlet: 5, currentA: 20 });
    await pollUntil(async () => ((await snmpNumber(port, state)) === RaritanState.aboveUpperCritical ? true : undefined), { what: 'aboveUpperCritical' });
    expect(await snmpNumber(port, value)).toBeGreaterThan(await snmpNumber(port, threshold));
    expect(await snmpNumber(port, value)).toBeCloseTo(20_000, -2);
    await clearFault(sim, id);
    await pollUntil(async () => ((await snmpNumber(port, state)) === 4 ? true : undefined), { what: 'outlet current state normal(4)' });
  });

  /** Inlet active power (W) of a PDU over SNMP. */
  const inletW = (pdu: string) => snmpNumber(device(sim, pdu).port,
    device(sim, pdu).profile === 'raritan-px2' ? `${RARITAN}.5.2.3.1.4.1.1.${RARITAN_SENSOR.activePower}` : `${SENTRY4}.1.3.3.1.3.1.1`);

  it.skipIf(skipWithout('snmpget', 'snmpbulkwalk'))('breaker_trip on a Raritan PDU: trip sensor open(0), every outlet 0 W, the other feed carries the whole rack; cleared: closed(1)', async () => {
    const [tripped, other] = ['r1-a02-pdu-a', 'r1-a02-pdu-b'];
    const port = device(sim, tripped).port;
    const tripState = `${RARITAN}.5.3.3.1.3.1.1.${RARITAN_SENSOR.trip}`;
    const before = { a: await inletW(tripped), b: await inletW(other) };
    const id = await injectFault(sim, 'breaker_trip', tripped);
    await pollUntil(async () => ((await snmpNumber(port, tripState)) === RaritanState.open ? true : undefined), { what: 'trip sensor open' });
    const outlets = await snmpbulkwalk(port, `${RARITAN}.5.4.3.1.4.1`);
    const powers = outlets.lines.filter((l) => l.oid.endsWith(`.${RARITAN_SENSOR.activePower}`)).map((l) => Number(l.value));
    expect(powers).toHaveLength(24);
    expect(powers.every((w) => w === 0)).toBe(true);
    expect(await inletW(tripped)).toBe(0);
    const after = await inletW(other);
    expect(after).toBeGreaterThan(1.6 * before.b); // ≈ doubled
    expect(Math.abs(after - (before.a + before.b)) / (before.a + before.b)).toBeLessThan(0.1); // the whole rack, ± load noise
    await clearFault(sim, id);
    await pollUntil(async () => ((await snmpNumber(port, tripState)) === RaritanState.closed ? true : undefined), { what: 'trip sensor closed' });
    expect(await inletW(tripped)).toBeGreaterThan(0);
  });

  it.skipIf(skipWithout('snmpget', 'snmpbulkwalk'))('breaker_trip on a Sentry4 PDU: breakerTripped(12) on the breaker and every outlet, outlets 0 W, other feed ≈ doubled; cleared: normal', async () => {
    const [tripped, other] = ['r1-b03-pdu-b', 'r1-b03-pdu-a'];
    const port = device(sim, tripped).port;
    const ocpStatus = `${SENTRY4}.1.6.3.1.1.1.1.1`;
    const before = { a: await inletW(other), b: await inletW(tripped) };
    const id = await injectFault(sim, 'breaker_trip', tripped);
    await pollUntil(async () => ((await snmpNumber(port, ocpStatus)) === Sentry4Status.breakerTripped ? true : undefined), { what: 'st4OcpStatus breakerTripped' });
    const statuses = (await snmpbulkwalk(port, `${SENTRY4}.1.8.3.1.2`)).lines.map((l) => Number(l.value));
    expect(statuses).toEqual(new Array(24).fill(Sentry4Status.breakerTripped));
    const powers = (await snmpbulkwalk(port, `${SENTRY4}.1.8.3.1.7`)).lines.map((l) => Number(l.value));
    expect(powers).toEqual(new Array(24).fill(0));
    const after = await inletW(other);
    expect(after).toBeGreaterThan(1.6 * before.a);
    expect(Math.abs(after - (before.a + before.b)) / (before.a + before.b)).toBeLessThan(0.1);
    await clearFault(sim, id);
    await pollUntil(async () => ((await snmpNumber(port, ocpStatus)) === Sentry4Status.normal ? true : undefined), { what: 'st4OcpStatus normal' });
  });
});

describe('configuration drift faults (what the configuration audit must find)', () => {
  const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
  const UPS_IDENT = { model: `${UPS_MIB}.1.1.2.0`, firmware: `${UPS_MIB}.1.1.3.0` } as const;
  const text = async (port: number, oids: string[]) => {
    const r = await snmpget(port, oids);
    expect(r.code, r.stderr).toBe(0);
    return oids.map((oid) => r.varbinds.get(oid)?.value.replace(/^"|"$/g, ''));
  };
  /** APC Modbus string registers (2 characters each, high byte first) read with pymodbus, 0-based address. */
  const modbusText = async (port: number, address: number, count: number) => {
    const r = await pymodbusRead(port, { address, count });
    expect(r.registers, JSON.stringify(r)).toHaveLength(count);
    return Buffer.from(r.registers!.flatMap((w) => [w >> 8, w & 0xff])).toString('latin1').replace(/\0+$/, '');
  };
  const rackLayout = (rackId: string) => rackServerLayout(sim.spec.racks.find((r) => r.id === rackId)!);

  it.skipIf(skipWithout('snmpget', 'python3'))('identity_changed: the UPS reports the swapped unit on SNMP (model, firmware, sysDescr) and Modbus (model, serial, firmware), a Raritan and a Sentry4 PDU their new serial/model/firmware; cleared: the nameplate again', async () => {
    const ups = device(sim, 'ups-a1').port;
    const upsModbus = device(sim, 'ups-a1-modbus').port;
    const [raritan, sentry] = [device(sim, 'r1-a01-pdu-a').port, device(sim, 'r1-b01-pdu-a').port];
    const raritanOids = [`${RARITAN}.3.2.1.1.4.1`, `${RARITAN}.3.2.1.1.3.1`, `${RARITAN}.3.2.3.1.6.1.1.1`]; // pduSerialNumber, pduModel, boardFirmwareVersion
    const sentryOids = [`${SENTRY4}.1.2.2.1.4.1`, `${SENTRY4}.1.2.2.1.5.1`, `${SENTRY4}.1.1.3.0`]; // st4UnitProductSN, st4UnitModel, st4SystemFirmwareVersion
    const before = {
      ups: await text(ups, [UPS_IDENT.model, UPS_IDENT.firmware, SYS_DESCR]), serial: await modbusText(upsModbus, 564, 8),
      raritan: await text(raritan, raritanOids), sentry: await text(sentry, sentryOids),
    };
    expect(before.serial).toMatch(/^KS24\d{8}$/);
    expect(before.ups[2]).toContain(before.serial);

    const swapped = { serial: 'KS9900000001', model: 'KSP-20K Online UPS', firmware: 'UPS 3.0.0' };
    const ids = [
      await injectFault(sim, 'identity_changed', 'ups-a1', swapped),
      await injectFault(sim, 'identity_changed', 'r1-a01-pdu-a', { serial: 'QFC9999999', firmware: '4.1.0.5-50000' }),
      await injectFault(sim, 'identity_changed', 'r1-b01-pdu-a', { serial: 'ABEF9999999', model: 'C2WG24TE-XXXX/C' }),
    ];
    expect(await text(ups, [UPS_IDENT.model, UPS_IDENT.firmware])).toEqual([swapped.model, swapped.firmware]);
    expect((await text(ups, [SYS_DESCR]))[0]).toContain(`serial ${swapped.serial}`);
    expect(await modbusText(upsModbus, 532, 16)).toBe(swapped.model);
    expect(await modbusText(upsModbus, 564, 8)).toBe(swapped.serial);
    expect(await modbusText(upsModbus, 516, 8)).toBe(swapped.firmware);
    expect(await text(raritan, raritanOids)).toEqual(['QFC9999999', before.raritan[1], '4.1.0.5-50000']);
    expect(await text(sentry, sentryOids)).toEqual(['ABEF9999999', 'C2WG24TE-XXXX/C', before.sentry[2]]);

    for (const id of ids) await clearFault(sim, id);
    expect(await text(ups, [UPS_IDENT.model, UPS_IDENT.firmware, SYS_DESCR])).toEqual(before.ups);
    expect(await modbusText(upsModbus, 564, 8)).toBe(before.serial);
    expect(await text(raritan, raritanOids)).toEqual(before.raritan);
    expect(await text(sentry, sentryOids)).toEqual(before.sentry);
  });

  it.skipIf(skipWithout('snmpget'))('undocumented_load on a spare Raritan outlet: switched on, drawing the watts, in the PDU inlet and the UPS output; cleared: off, 0 W', async () => {
    const pdu = 'r1-a02-pdu-b';
    const port = device(sim, pdu).port;
    const outlet = rackLayout('r1-a02').spareOutlets[0];
    const power = `${RARITAN}.5.4.3.1.4.1.${outlet}.${RARITAN_SENSOR.activePower}`;
    const relay = `${RARITAN}.4.1.2.1.3.1.${outlet}`; // outletSwitchingState on(7)/off(8)
    expect(await snmpNumber(port, relay)).toBe(8);
    expect(await snmpNumber(port, power)).toBe(0);
    const id = await injectFault(sim, 'undocumented_load', pdu, { outlet, watts: 420 });
    await pollUntil(async () => ((await snmpNumber(port, power)) === 420 ? true : undefined), { what: 'outlet drawing 420 W' });
    expect(await snmpNumber(port, relay)).toBe(7);
    const t = await truth(sim, pdu);
    expect(t.outlets[outlet - 1]).toMatchObject({ name: 'spare', on: true, activePowerW: 420 });
    const servers = t.outlets.slice(0, rackLayout('r1-a02').serverCount).reduce((sum: number, o: any) => sum + o.activePowerW, 0);
    expect(t.inlet.activePowerW).toBeCloseTo(servers + 420, 6);
    // The UPS feeding the PDU delivers it (with the 1 % distribution loss): energy is conserved tick by tick.
    const upsTruth = await truth(sim, sim.spec.racks.find((r) => r.id === 'r1-a02')!.upsB);
    expect(upsTruth.outputPowerW).toBeCloseTo(upsTruth.pduInputW * 1.01 + upsTruth.otherLoadW, 6);
    await clearFault(sim, id);
    await pollUntil(async () => ((await snmpNumber(port, relay)) === 8 ? true : undefined), { what: 'outlet off again' });
    expect(await snmpNumber(port, power)).toBe(0);
  });

  it.skipIf(skipWithout('snmpget'))('outlet_off: a documented server by name on its rack (Sentry4, both feeds) and one outlet by number on a PDU: off and 0 W; cleared: on and drawing again', async () => {
    const { name, outlet } = rackLayout('r1-b04').servers[1];
    const ports = [device(sim, 'r1-b04-pdu-a').port, device(sim, 'r1-b04-pdu-b').port];
    const state = `${SENTRY4}.1.8.3.1.1.1.1.${outlet}`; // st4OutletState on(1)/off(2)
    const power = `${SENTRY4}.1.8.3.1.7.1.1.${outlet}`;
    const drawn = (await snmpNumber(ports[0], power)) + (await snmpNumber(ports[1], power));
    expect(drawn).toBeGreaterThan(0);
    const byServer = await injectFault(sim, 'outlet_off', 'r1-b04', { server: name });
    for (const port of ports) {
      await pollUntil(async () => ((await snmpNumber(port, state)) === 2 ? true : undefined), { what: `${name} outlet off` });
      expect(await snmpNumber(port, power)).toBe(0);
    }
    await clearFault(sim, byServer);
    for (const port of ports) await pollUntil(async () => ((await snmpNumber(port, state)) === 1 ? true : undefined), { what: `${name} outlet on` });
    expect((await snmpNumber(ports[0], power)) + (await snmpNumber(ports[1], power))).toBeGreaterThan(0);

    const byOutlet = await injectFault(sim, 'outlet_off', 'r1-b04-pdu-b', { outlet });
    await pollUntil(async () => ((await snmpNumber(ports[1], state)) === 2 ? true : undefined), { what: 'pdu-b outlet off' });
    expect(await snmpNumber(ports[1], power)).toBe(0);
    expect(await snmpNumber(ports[0], power)).toBeGreaterThan(0); // the server runs on its feed-A PSU
    await clearFault(sim, byOutlet);
    await pollUntil(async () => ((await snmpNumber(ports[1], state)) === 1 ? true : undefined), { what: 'pdu-b outlet on' });
  });
});

describe('rack sensor faults over MQTT', () => {
  const dataTopic = (rackId: string) => device(sim, `${rackId}-sensor`).mqtt!.topic;
  const availabilityTopic = (rackId: string) => device(sim, `${rackId}-sensor`).mqtt!.availabilityTopic;
  /** The next `n` data messages of a rack after now, parsed. */
  async function nextReadings(rackId: string, n: number): Promise<any[]> {
    const from = sub!.messages.length;
    await pollUntil(() => (sub!.messages.slice(from).filter((m) => m.topic === dataTopic(rackId)).length >= n ? true : undefined), { timeoutMs: 30_000 + n * 2000, what: `${n} messages from ${rackId}` });
    return sub!.messages.slice(from).filter((m) => m.topic === dataTopic(rackId)).slice(0, n).map((m) => JSON.parse(m.payload));
  }
  const range = (xs: number[]) => Math.max(...xs) - Math.min(...xs);

  it.skipIf(skipWithout('mosquitto_sub'))('sensor_noisy on r1-a03: the spread of the readings grows; cleared: quiet again', async () => {
    const quiet = await nextReadings('r1-a03', 5);
    const id = await injectFault(sim, 'sensor_noisy', 'r1-a03', { amplitudeC: 5 });
    const noisy = await nextReadings('r1-a03', 6);
    await clearFault(sim, id);
    const spreadQuiet = range(quiet.map((r) => r.inlet.top));
    const spreadNoisy = Math.max(range(noisy.map((r) => r.inlet.top)), range(noisy.map((r) => r.inlet.middle)), range(noisy.map((r) => r.outlet)));
    expect(spreadQuiet).toBeLessThan(0.5);
    expect(spreadNoisy).toBeGreaterThan(1);
    const after = await nextReadings('r1-a03', 4);
    expect(range(after.map((r) => r.inlet.top))).toBeLessThan(0.5);
  });

  it.skipIf(skipWithout('mosquitto_sub'))('sensor_silent on r1-a04: the broker publishes the retained last will "offline"; cleared: "online" again and data resumes', async () => {
    const from = sub!.messages.length;
    const id = await injectFault(sim, 'sensor_silent', 'r1-a04');
    await sub!.waitFor((m) => m.topic === availabilityTopic('r1-a04') && m.payload === 'offline', { from, what: 'offline last will' });
    // A fresh subscriber gets the retained "offline" too (what a collector starting now would see).
    const late = await mosquittoSub([availabilityTopic('r1-a04')]);
    try {
      expect((await late.waitFor(() => true, { what: 'retained availability' })).payload).toBe('offline');
    } finally {
      await late.stop();
    }
    const cleared = sub!.messages.length;
    await clearFault(sim, id);
    await sub!.waitFor((m) => m.topic === availabilityTopic('r1-a04') && m.payload === 'online', { from: cleared, what: 'online again' });
    await sub!.waitFor((m) => m.topic === dataTopic('r1-a04'), { from: cleared, what: 'data again' });
  });

  it.skipIf(skipWithout('mosquitto_sub'))('mqtt_malformed on r1-b01: a data message JSON.parse rejects; cleared: valid JSON again', async () => {
    const from = sub!.messages.length;
    const id = await injectFault(sim, 'mqtt_malformed', 'r1-b01');
    const bad = await sub!.waitFor((m) => m.topic === dataTopic('r1-b01'), { from, what: 'a malformed message' });
    expect(() => JSON.parse(bad.payload)).toThrow(SyntaxError);
    const cleared = sub!.messages.length;
    await clearFault(sim, id);
    const good = await sub!.waitFor((m) => m.topic === dataTopic('r1-b01'), { from: cleared, what: 'a valid message' });
    expect(JSON.parse(good.payload)).toMatchObject({ unit: 'C' });
  });
});

describe('communication faults', () => {
  it.skipIf(skipWithout('snmpget', 'mbpoll'))('device_silent: snmpget to a PDU and mbpoll to a meter time out; cleared: both answer', async () => {
    const pduPort = device(sim, 'r1-a04-pdu-b').port;
    const meterPort = device(sim, 'meter-water').port;
    const snmpFault = await injectFault(sim, 'device_silent', 'r1-a04-pdu-b');
    const modbusFault = await injectFault(sim, 'device_silent', 'meter-water');
    const snmp = await snmpget(pduPort, [OID.sysName], { timeoutS: 1, retries: 0 });
    expect(snmp.code).not.toBe(0);
    expect(snmp.stderr).toMatch(/Timeout/i);
    const modbus = await mbpoll(meterPort, { ref: 1, timeoutS: 1 });
    expect(modbus.code).not.toBe(0);
    expect(modbus.values.size).toBe(0);
    expect(modbus.stderr + modbus.stdout).toMatch(/timed out/i);
    await clearFault(sim, snmpFault);
    await clearFault(sim, modbusFault);
    const back = await snmpget(pduPort, [OID.sysName]);
    expect(back.varbinds.get(OID.sysName)?.value).toBe('r1-a04-pdu-b');
    expect((await mbpoll(meterPort, { ref: 1, count: 2 })).values.size).toBe(2);
  });

  it.skipIf(skipWithout('snmpget', 'mbpoll'))('device_slow: the answer arrives, but not before the delay (SNMP PDU, Modbus CRAC)', async () => {
    const delayMs = 1500;
    const pdu = device(sim, 'r1-b04-pdu-b');
    const crac = device(sim, 'crac-r1-b');
    const ids = [await injectFault(sim, 'device_slow', pdu.id, { delayMs }), await injectFault(sim, 'device_slow', crac.id, { delayMs })];
    const snmp = await snmpget(pdu.port, [OID.sysName], { timeoutS: 6, retries: 0 });
    expect(snmp.code, snmp.stderr).toBe(0);
    expect(snmp.varbinds.get(OID.sysName)?.value).toBe(pdu.id);
    expect(snmp.elapsedMs).toBeGreaterThanOrEqual(delayMs);
    const modbus = await mbpoll(crac.port, { type: '3', ref: 100, timeoutS: 6 });
    expect(modbus.code, modbus.stderr).toBe(0);
    expect(modbus.values.get(100)).toBe(1);
    expect(modbus.elapsedMs).toBeGreaterThanOrEqual(delayMs);
    for (const id of ids) await clearFault(sim, id);
  });

  it.skipIf(skipWithout('mbpoll', 'python3', 'snmpget'))('modbus_exception: mbpoll and pymodbus get the exception code (meter and UPS card); SNMP of the UPS unaffected', async () => {
    const meter = device(sim, 'meter-generator');
    const upsModbus = device(sim, 'ups-b1-modbus');
    const meterFault = await injectFault(sim, 'modbus_exception', 'meter-generator', { code: 4 });
    const upsFault = await injectFault(sim, 'modbus_exception', 'ups-b1', { code: 6 });
    const m = await mbpoll(meter.port, { ref: 1 });
    expect(m.code).not.toBe(0);
    expect(m.stderr).toMatch(/Slave device or server failure/i);
    expect((await pymodbusRead(meter.port, { address: 8, count: 2 })).exception).toBe(4);
    expect((await pymodbusRead(upsModbus.port, { address: 128, count: 2 })).exception).toBe(6);
    const busy = await mbpoll(upsModbus.port, { ref: 129, count: 2 });
    expect(busy.stderr).toMatch(/busy/i);
    expect(await upsNumber('ups-b1', OID.outputSource)).toBe(SOURCE.normal);
    await clearFault(sim, meterFault);
    await clearFault(sim, upsFault);
    expect((await pymodbusRead(meter.port, { address: 8, count: 2 })).registers).toHaveLength(2);
    expect((await pymodbusRead(upsModbus.port, { address: 128, count: 2 })).registers).toHaveLength(2);
  });

  it.skipIf(skipWithout('snmpget'))('snmp_no_such_instance: snmpget shows noSuchInstance (whole PDU vendor subtree; one UPS object by params.oid); cleared: values again', async () => {
    const pdu = device(sim, 'r1-a01-pdu-b');
    const inletPower = `${RARITAN}.5.2.3.1.4.1.1.${RARITAN_SENSOR.activePower}`;
    const pduFault = await injectFault(sim, 'snmp_no_such_instance', pdu.id);
    const upsFault = await injectFault(sim, 'snmp_no_such_instance', 'ups-a1', { oid: OID.outputSource });
    const p = await snmpget(pdu.port, [inletPower, OID.sysName]);
    expect(p.varbinds.get(inletPower)?.value).toMatch(/No Such Instance/);
    expect(p.varbinds.get(OID.sysName)?.value).toBe(pdu.id); // MIB-II still answers
    const u = await snmpget(device(sim, 'ups-a1').port, [OID.outputSource, OID.identName]);
    expect(u.varbinds.get(OID.outputSource)?.value).toMatch(/No Such Instance/);
    expect(u.varbinds.get(OID.identName)?.value).toBe('ups-a1'); // only the named object is gone
    await clearFault(sim, pduFault);
    await clearFault(sim, upsFault);
    expect(Number((await snmpget(pdu.port, [inletPower])).varbinds.get(inletPower)?.value)).toBeGreaterThan(0);
    expect(await upsNumber('ups-a1', OID.outputSource)).toBe(SOURCE.normal);
  });

  it('every fault of this file was cleared', async () => {
    expect((await api(sim, 'GET', '/sim/v1/faults')).body.items).toEqual([]);
  });
});
