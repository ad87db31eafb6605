import { describe, expect, it } from 'vitest';
import { energyBalanceViolations } from '../physics/balance.ts';
import { SiteModel } from '../physics/site-model.ts';
import { rackServerLayout } from '../site/rack-layout.ts';
import { defaultDemoSite } from '../site/spec.ts';
import { FaultError, FaultRegistry } from './registry.ts';

const T0 = Date.UTC(2025, 6, 1, 3, 0, 0);
const S = 1000;
const MIN = 60_000;

function demo(): SiteModel {
  return new SiteModel(defaultDemoSite(1), { startSimTimeMs: T0 });
}

function faultError(fn: () => unknown): FaultError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FaultError) return err;
    throw err;
  }
  throw new Error('expected a FaultError');
}

describe('FaultRegistry: validation', () => {
  const registry = () => new FaultRegistry({ spec: defaultDemoSite(1), now: () => T0 });

  it('rejects an unknown kind, naming the field', () => {
    const err = faultError(() => registry().inject({ kind: 'meteor_strike', target: 'ups-a1' }));
    expect(err).toMatchObject({ code: 'invalid_kind', field: 'kind' });
    expect(err.message).toMatch(/meteor_strike.*utility_failure/);
  });

  it('rejects an unknown target as unknown_target', () => {
    expect(faultError(() => registry().inject({ kind: 'crac_failure', target: 'crac-9' }))).toMatchObject({ code: 'unknown_target', field: 'target' });
  });

  it('rejects a kind aimed at the wrong type of device', () => {
    const err = faultError(() => registry().inject({ kind: 'crac_failure', target: 'ups-a1' }));
    expect(err).toMatchObject({ code: 'invalid_target', field: 'target' });
    expect(err.message).toMatch(/crac_failure cannot target ups 'ups-a1'/);
    expect(faultError(() => registry().inject({ kind: 'utility_failure', target: 'meter-pv' }))).toMatchObject({ code: 'invalid_target' });
    expect(faultError(() => registry().inject({ kind: 'modbus_exception', target: 'r1-a01-pdu-a' }))).toMatchObject({ code: 'invalid_target' });
  });

  it('rejects bad params, naming the param', () => {
    expect(faultError(() => registry().inject({ kind: 'outlet_overload', target: 'r1-a01-pdu-a' }))).toMatchObject({ code: 'invalid_params', field: 'params.outlet' });
    expect(faultError(() => registry().inject({ kind: 'outlet_overload', target: 'r1-a01-pdu-a', params: { outlet: 25 } }))).toMatchObject({ field: 'params.outlet' });
    expect(faultError(() => registry().inject({ kind: 'device_slow', target: 'ups-a1', params: { delayMs: -5 } }))).toMatchObject({ field: 'params.delayMs' });
    expect(faultError(() => registry().inject({ kind: 'breaker_trip', target: 'r1-a01-pdu-a', params: { typo: 1 } }))).toMatchObject({ code: 'invalid_params' });
  });

  it('fills documented param defaults and stamps simulated time', () => {
    const r = registry();
    expect(r.inject({ kind: 'device_slow', target: 'crac-r1-a' })).toMatchObject({ id: 'f1', params: { delayMs: 3000 }, createdAtMs: T0 });
    expect(r.inject({ kind: 'modbus_exception', target: 'meter-utility' }).params).toEqual({ code: 4 });
    expect(r.inject({ kind: 'utility_failure', target: 'site' }).params).toEqual({ generator: true, generatorStartDelayS: 10 });
  });

  it('lists, clears, and refuses to clear an unknown id', () => {
    const r = registry();
    const a = r.inject({ kind: 'device_silent', target: 'ups-a1' });
    const b = r.inject({ kind: 'sensor_stuck', target: 'r1-a01' });
    expect(r.list().map((f) => f.id)).toEqual([a.id, b.id]);
    r.clear(a.id);
    expect(r.list()).toEqual([b]);
    expect(faultError(() => r.clear(a.id))).toMatchObject({ code: 'unknown_fault' });
  });

  it('forDevice returns the first communication fault, by protocol when asked; sensors by rack or sensor id', () => {
    const r = registry();
    r.inject({ kind: 'battery_bad', target: 'ups-a1' }); // physics: not for adapters
    const exc = r.inject({ kind: 'modbus_exception', target: 'ups-a1', params: { code: 2 } });
    const nsi = r.inject({ kind: 'snmp_no_such_instance', target: 'ups-a1' });
    expect(r.forDevice('ups-a1')).toBe(exc);
    expect(r.forDevice('ups-a1', 'snmp')).toBe(nsi);
    expect(r.forDevice('ups-b1')).toBeUndefined();
    const malformed = r.inject({ kind: 'mqtt_malformed', target: 'r1-a02' });
    expect(r.forDevice('r1-a02-sensor')).toBe(malformed);
    expect(r.forDevice('r1-a02')).toBe(malformed);
  });

  it('sensorMode: silent over stuck over noisy', () => {
    const r = registry();
    expect(r.sensorMode('r1-a01')).toBe('normal');
    const noisy = r.inject({ kind: 'sensor_noisy', target: 'r1-a01-sensor' });
    expect(r.sensorMode('r1-a01')).toBe('noisy');
    r.inject({ kind: 'sensor_stuck', target: 'r1-a01' });
    expect(r.sensorMode('r1-a01-sensor')).toBe('stuck');
    r.inject({ kind: 'sensor_silent', target: 'r1-a01' });
    expect(r.sensorMode('r1-a01')).toBe('silent');
    r.clear(noisy.id);
    expect(r.sensorMode('r1-a02')).toBe('normal');
  });
});

describe('physics faults change the site as real hardware would, and clear cleanly', () => {
  it('utility_failure on one UPS: battery, seconds on battery, runtime down, alarms, line bads once; recharge after', () => {
    const m = demo();
    const before = m.state().ups.get('ups-a1')!;
    const f = m.faults.inject({ kind: 'utility_failure', target: 'ups-a1' });
    let u = m.state().ups.get('ups-a1')!;
    expect(u).toMatchObject({ source: 'battery', inputPowerW: 0, inputVoltageV: 0, inputLineBads: before.inputLineBads + 1, secondsOnBattery: 0 });
    expect(u.alarms.map((a) => a.alarm)).toEqual(['onBattery']);
    expect(u.alarms[0].id).toBe(1);
    expect(u.batteryCurrentA).toBeLessThan(0);
    expect(m.state().ups.get('ups-b1')!.source).toBe('normal');
    let prevMinutes = u.minutesRemaining;
    let prevCharge = u.chargePercent;
    for (let i = 1; i <= 5; i++) {
      u = m.advance(T0 + i * 30 * S).ups.get('ups-a1')!;
      expect(u.secondsOnBattery).toBeCloseTo(i * 30, 6);
      expect(u.minutesRemaining).toBeLessThan(prevMinutes);
      expect(u.chargePercent).toBeLessThan(prevCharge);
      expect(u.inputLineBads).toBe(before.inputLineBads + 1);
      prevMinutes = u.minutesRemaining;
      prevCharge = u.chargePercent;
    }
    expect(u.outputPowerW).toBeGreaterThan(0);
    // Run on until low battery, then depletion: the output goes off and feed B carries the racks.
    let t = T0 + 150 * S;
    while (m.state().ups.get('ups-a1')!.batteryStatus === 'normal') m.advance((t += 10 * S));
    u = m.state().ups.get('ups-a1')!;
    expect(u.batteryStatus).toBe('low');
    expect(u.alarms.map((a) => a.alarm)).toEqual(['onBattery', 'lowBattery']);
    expect(u.alarms.map((a) => a.id)).toEqual([1, 2]);
    while (m.state().ups.get('ups-a1')!.source === 'battery') m.advance((t += 10 * S));
    u = m.state().ups.get('ups-a1')!;
    expect(u).toMatchObject({ source: 'none', outputPowerW: 0, batteryStatus: 'depleted' });
    expect(u.alarms.map((a) => a.alarm)).toEqual(['lowBattery', 'depletedBattery', 'upsOutputOff']);
    expect(m.state().pdus.get('r1-a01-pdu-a')!.inlet.activePowerW).toBe(0);
    expect(m.state().pdus.get('r1-a01-pdu-b')!.inlet.activePowerW).toBeCloseTo(m.state().sensors.get('r1-a01')!.rackPowerW, 6);
    expect(energyBalanceViolations(m.state())).toEqual([]);

    m.faults.clear(f.id);
    u = m.state().ups.get('ups-a1')!;
    expect(u).toMatchObject({ source: 'normal', secondsOnBattery: 0 });
    // Mains is back but the battery is still empty until the charger refills it.
    expect(u.alarms.map((a) => a.alarm)).toEqual(['lowBattery', 'depletedBattery']);
    expect(u.batteryPowerW).toBeGreaterThan(0); // charging draws from mains
    const chargeAtReturn = u.chargePercent;
    u = m.advance(t + 3 * 3_600_000).ups.get('ups-a1')!;
    expect(u.chargePercent).toBeGreaterThan(chargeAtReturn + 50);
    expect(u.alarms).toEqual([]);
    u = m.advance(t + 48 * 3_600_000).ups.get('ups-a1')!;
    expect(u.chargePercent).toBe(100);
    expect(u.batteryStatus).toBe('normal');
  });

  it('utility_failure on the site: every UPS on battery, CRACs stop, generator takes over after 10 s', () => {
    const m = demo();
    const f = m.faults.inject({ kind: 'utility_failure', target: 'site' });
    let s = m.state();
    expect([...s.ups.values()].every((u) => u.source === 'battery')).toBe(true);
    expect(s.facility).toMatchObject({ utilityAvailable: false, generatorRunning: false, totalW: 0, utilityW: 0, pvW: 0 });
    expect([...s.cracs.values()].every((c) => c.state === 'off' && c.electricalPowerW === 0)).toBe(true);
    s = m.advance(T0 + 5 * S);
    expect(s.facility.generatorRunning).toBe(false);
    s = m.advance(T0 + 11 * S);
    expect(s.facility.generatorRunning).toBe(true);
    expect([...s.ups.values()].every((u) => u.source === 'normal')).toBe(true);
    expect(s.facility.generatorW).toBeCloseTo(s.facility.totalW, 6);
    expect(s.meters.get('meter-generator')!.powerW).toBeGreaterThan(0);
    expect(s.meters.get('meter-utility')!.powerW).toBe(0);
    expect(energyBalanceViolations(s)).toEqual([]);
    m.faults.clear(f.id);
    s = m.state();
    expect(s.facility).toMatchObject({ utilityAvailable: true, generatorRunning: false, generatorW: 0 });
  });

  it('utility_failure with a generator that fails to start leaves the site on battery', () => {
    const m = demo();
    m.faults.inject({ kind: 'utility_failure', target: 'meter-utility', params: { generator: false } });
    const s = m.advance(T0 + 60 * S);
    expect([...s.ups.values()].every((u) => u.source === 'battery' && u.secondsOnBattery === 60)).toBe(true);
  });

  it('battery_bad: alarm, runtime collapses, battery status low/unknown; clear restores', () => {
    const m = demo();
    const before = m.state().ups.get('ups-a1')!;
    const f = m.faults.inject({ kind: 'battery_bad', target: 'ups-a1' });
    const u = m.state().ups.get('ups-a1')!;
    expect(u.alarms.map((a) => a.alarm)).toContain('batteryBad');
    expect(u.minutesRemaining).toBeCloseTo(before.minutesRemaining * 0.1, 6);
    expect(['low', 'unknown']).toContain(u.batteryStatus);
    m.faults.clear(f.id);
    expect(m.state().ups.get('ups-a1')!).toMatchObject({ batteryStatus: 'normal', alarms: [] });
    expect(m.state().ups.get('ups-a1')!.minutesRemaining).toBeCloseTo(before.minutesRemaining, 0);
  });

  it('ups_overload: >100 % load and outputOverload, then transfer to bypass; clear returns to normal', () => {
    const m = demo();
    const f = m.faults.inject({ kind: 'ups_overload', target: 'ups-b1', params: { percentLoad: 120, bypassAfterS: 30 } });
    let u = m.state().ups.get('ups-b1')!;
    expect(u.outputPercentLoad).toBeGreaterThanOrEqual(120);
    expect(u.source).toBe('normal');
    expect(u.alarms.map((a) => a.alarm)).toEqual(['outputOverload']);
    u = m.advance(T0 + 20 * S).ups.get('ups-b1')!;
    expect(u.source).toBe('normal');
    u = m.advance(T0 + 31 * S).ups.get('ups-b1')!;
    expect(u.source).toBe('bypass');
    expect(u.alarms.map((a) => a.alarm)).toEqual(['outputOverload', 'onBypass']);
    expect(u.bypassPowerW).toBe(u.outputPowerW);
    m.faults.clear(f.id);
    u = m.advance(T0 + 40 * S).ups.get('ups-b1')!;
    expect(u.source).toBe('normal');
    expect(u.alarms).toEqual([]);
    expect(u.outputPercentLoad).toBeLessThan(100);
  });

  it('ups_bypass: bypass source, onBypass alarm, no double-conversion losses', () => {
    const m = demo();
    const normal = m.state().ups.get('ups-a1')!;
    const f = m.faults.inject({ kind: 'ups_bypass', target: 'ups-a1' });
    const u = m.state().ups.get('ups-a1')!;
    expect(u.source).toBe('bypass');
    expect(u.alarms.map((a) => a.alarm)).toEqual(['onBypass']);
    expect(u.lossesW).toBeLessThan(normal.lossesW / 3);
    expect(u.efficiencyPercent).toBeGreaterThan(98);
    m.faults.clear(f.id);
    expect(m.state().ups.get('ups-a1')!.source).toBe('normal');
  });

  it('outlet_overload: that outlet draws above its rating and flags overload', () => {
    const m = demo();
    const f = m.faults.inject({ kind: 'outlet_overload', target: 'r1-a02-pdu-b', params: { outlet: 3, currentA: 18 } });
    const outlet = m.state().pdus.get('r1-a02-pdu-b')!.outlets[2];
    expect(outlet.currentA).toBeCloseTo(18, 9);
    expect(outlet.overload).toBe(true);
    expect(m.state().pdus.get('r1-a02-pdu-b')!.outlets.filter((o) => o.overload)).toHaveLength(1);
    expect(energyBalanceViolations(m.state())).toEqual([]);
    m.faults.clear(f.id);
    expect(m.state().pdus.get('r1-a02-pdu-b')!.outlets[2].overload).toBe(false);
  });

  it('breaker_trip: all outlets dead, breakerTripped, inlet voltage still present; the other feed carries the rack', () => {
    const m = demo();
    const f = m.faults.inject({ kind: 'breaker_trip', target: 'r1-b02-pdu-a' });
    const pdu = m.state().pdus.get('r1-b02-pdu-a')!;
    expect(pdu.breakerTripped).toBe(true);
    expect(pdu.inlet.activePowerW).toBe(0);
    expect(pdu.inlet.voltageV).toBeGreaterThan(200);
    expect(pdu.outlets.every((o) => o.activePowerW === 0 && o.voltageV === 0)).toBe(true);
    expect(m.state().pdus.get('r1-b02-pdu-b')!.inlet.activePowerW).toBeCloseTo(m.state().sensors.get('r1-b02')!.rackPowerW, 6);
    m.faults.clear(f.id);
    expect(m.state().pdus.get('r1-b02-pdu-a')!.breakerTripped).toBe(false);
    expect(m.state().pdus.get('r1-b02-pdu-a')!.inlet.activePowerW).toBeGreaterThan(0);
  });

  it('crac_failure: unit off in alarm, its racks climb toward hot-aisle temperature with inertia, bounded; recovery with inertia', () => {
    const m = demo();
    const start = m.state().sensors.get('r1-a01')!;
    const otherRowStart = m.state().sensors.get('r1-b01')!;
    const f = m.faults.inject({ kind: 'crac_failure', target: 'crac-r1-a' });
    const crac = m.state().cracs.get('crac-r1-a')!;
    expect(crac).toMatchObject({ state: 'off', systemStatus: 16, alarmActive: true, coolingW: 0, electricalPowerW: 0, fanSpeedPct: 0 });
    // The neighbouring CRAC in the room picks up part of the heat.
    expect(m.state().cracs.get('crac-r1-b')!.coolingW).toBeGreaterThan(m.state().cracs.get('crac-r1-b')!.heatLoadW);
    let prev = start.inletTopC;
    const series: number[] = [];
    for (let i = 1; i <= 30; i++) {
      const top = m.advance(T0 + i * MIN).sensors.get('r1-a01')!.inletTopC;
      expect(top).toBeGreaterThanOrEqual(prev - 0.05); // monotonic apart from load noise
      series.push(top);
      prev = top;
    }
    expect(series[0] - start.inletTopC).toBeLessThan(3); // inertia: not a jump
    expect(series[29]).toBeGreaterThan(start.inletTopC + 5);
    expect(series[29]).toBeLessThan(45);
    expect(m.state().sensors.get('r1-b01')!.inletTopC).toBeCloseTo(otherRowStart.inletTopC, 0);
    const returnAir = m.state().cracs.get('crac-r1-a')!.returnAirTempC;
    expect(series[29]).toBeLessThan(returnAir + 3);
    m.faults.clear(f.id);
    const justAfter = m.advance(T0 + 31 * MIN).sensors.get('r1-a01')!.inletTopC;
    expect(justAfter).toBeGreaterThan(start.inletTopC + 3); // still warm a minute later
    const later = m.advance(T0 + 90 * MIN).sensors.get('r1-a01')!.inletTopC;
    expect(later).toBeCloseTo(start.inletTopC, 0);
    expect(m.state().cracs.get('crac-r1-a')!).toMatchObject({ state: 'on', alarmActive: false, systemStatus: 1 });
  });

  it('CRAC alarm acknowledgement and commanded off', () => {
    const m = demo();
    m.faults.inject({ kind: 'crac_failure', target: 'crac-r1-a' });
    m.commandCrac('crac-r1-a', { ack: true });
    expect(m.state().cracs.get('crac-r1-a')!.alarmAcknowledged).toBe(true);
    m.commandCrac('crac-r1-b', { on: false });
    expect(m.state().cracs.get('crac-r1-b')!).toMatchObject({ state: 'off', alarmActive: false });
  });

  it('sensor_stuck freezes, sensor_noisy adds ±3 °C, sensor_silent keeps values and tells the adapter', () => {
    const m = demo();
    const stuck = m.faults.inject({ kind: 'sensor_stuck', target: 'r1-a01' });
    const frozen = m.state().sensors.get('r1-a01')!;
    m.faults.inject({ kind: 'crac_failure', target: 'crac-r1-a' });
    const later = m.advance(T0 + 20 * MIN).sensors.get('r1-a01')!;
    expect(later.inletTopC).toBe(frozen.inletTopC);
    expect(later.mode).toBe('stuck');
    expect(later.actual.inletTopC).toBeGreaterThan(frozen.inletTopC + 2);
    m.faults.clear(stuck.id);
    expect(m.state().sensors.get('r1-a01')!.inletTopC).toBe(m.state().sensors.get('r1-a01')!.actual.inletTopC);

    m.faults.inject({ kind: 'sensor_noisy', target: 'r1-a02' });
    let maxDev = 0;
    for (let i = 1; i <= 50; i++) {
      const s = m.advance(T0 + 20 * MIN + i * S).sensors.get('r1-a02')!;
      const dev = Math.abs(s.inletMiddleC - s.actual.inletMiddleC);
      expect(dev).toBeLessThanOrEqual(3);
      maxDev = Math.max(maxDev, dev);
    }
    expect(maxDev).toBeGreaterThan(1);

    m.faults.inject({ kind: 'sensor_silent', target: 'r1-a03-sensor' });
    expect(m.faults.sensorMode('r1-a03')).toBe('silent');
    expect(m.state().sensors.get('r1-a03')!.mode).toBe('silent');
  });
});

describe('configuration drift faults (what the configuration audit must find)', () => {
  const registry = () => new FaultRegistry({ spec: defaultDemoSite(1), now: () => T0 });

  it('validates: identity needs a field, loads go on spare outlets only, servers and outlets must exist', () => {
    const spec = defaultDemoSite(1);
    const layout = rackServerLayout(spec.racks[0]);
    const server = layout.servers[0];
    expect(faultError(() => registry().inject({ kind: 'identity_changed', target: 'ups-a1' }))).toMatchObject({ code: 'invalid_params' });
    expect(faultError(() => registry().inject({ kind: 'identity_changed', target: 'ups-a1', params: { serial: 'X'.repeat(17) } }))).toMatchObject({ field: 'params.serial' });
    expect(faultError(() => registry().inject({ kind: 'identity_changed', target: 'crac-r1-a', params: { serial: 'X1' } }))).toMatchObject({ code: 'invalid_target' });
    const onServer = faultError(() => registry().inject({ kind: 'undocumented_load', target: 'r1-a01-pdu-a', params: { outlet: server.outlet, watts: 300 } }));
    expect(onServer).toMatchObject({ code: 'invalid_params', field: 'params.outlet' });
    expect(onServer.message).toContain(server.name);
    expect(faultError(() => registry().inject({ kind: 'undocumented_load', target: 'r1-a01-pdu-a', params: { outlet: 25, watts: 300 } }))).toMatchObject({ field: 'params.outlet' });
    expect(faultError(() => registry().inject({ kind: 'outlet_off', target: 'r1-a01-pdu-a', params: {} }))).toMatchObject({ code: 'invalid_params' });
    expect(faultError(() => registry().inject({ kind: 'outlet_off', target: 'r1-a01-pdu-a', params: { outlet: 1, server: server.name } }))).toMatchObject({ code: 'invalid_params' });
    expect(faultError(() => registry().inject({ kind: 'outlet_off', target: 'r1-a01', params: { server: 'r1-a02-srv01' } }))).toMatchObject({ field: 'params.server' });
    expect(registry().inject({ kind: 'outlet_off', target: 'r1-a01', params: { server: server.name } }).params).toEqual({ server: server.name });
  });

  it('identityOf merges the identity_changed faults of a device, latest winning; nothing for others', () => {
    const r = registry();
    expect(r.identityOf('ups-a1')).toBeUndefined();
    const first = r.inject({ kind: 'identity_changed', target: 'ups-a1', params: { serial: 'KS0000000001', model: 'KSP-20K' } });
    r.inject({ kind: 'identity_changed', target: 'ups-a1', params: { serial: 'KS0000000002' } });
    expect(r.identityOf('ups-a1')).toEqual({ serial: 'KS0000000002', model: 'KSP-20K' });
    expect(r.identityOf('ups-b1')).toBeUndefined();
    expect(r.forDevice('ups-a1')).toBeUndefined(); // not a communication fault
    r.clear(first.id);
    expect(r.identityOf('ups-a1')).toEqual({ serial: 'KS0000000002' });
  });

  it('undocumented_load: a switched-off spare outlet comes on and draws the watts; inlet, UPS and facility carry exactly that much more', () => {
    const m = demo();
    const layout = rackServerLayout(m.spec.racks[0]);
    const outlet = layout.spareOutlets[0];
    const before = m.state();
    expect(before.pdus.get('r1-a01-pdu-a')!.outlets[outlet - 1]).toMatchObject({ name: 'spare', on: false, activePowerW: 0 });
    const f = m.faults.inject({ kind: 'undocumented_load', target: 'r1-a01-pdu-a', params: { outlet, watts: 350 } });
    const after = m.state();
    const o = after.pdus.get('r1-a01-pdu-a')!.outlets[outlet - 1];
    expect(o).toMatchObject({ on: true, activePowerW: 350 });
    expect(o.currentA).toBeGreaterThan(1);
    // Same instant, so the servers draw exactly what they drew before: the difference is the new load.
    expect(after.pdus.get('r1-a01-pdu-a')!.inlet.activePowerW - before.pdus.get('r1-a01-pdu-a')!.inlet.activePowerW).toBeCloseTo(350, 6);
    const ups = m.spec.racks[0].upsA;
    expect(after.ups.get(ups)!.outputPowerW - before.ups.get(ups)!.outputPowerW).toBeCloseTo(350 * 1.01, 6);
    expect(after.facility.itW - before.facility.itW).toBeCloseTo(350, 6);
    expect(after.facility.totalW - before.facility.totalW).toBeGreaterThan(350);
    expect(energyBalanceViolations(after)).toEqual([]);
    m.faults.clear(f.id);
    expect(m.state().pdus.get('r1-a01-pdu-a')!.outlets[outlet - 1]).toMatchObject({ on: false, activePowerW: 0 });
  });

  it('outlet_off: by outlet on one PDU the server moves to its other PSU; by server on the rack it draws nothing on either feed', () => {
    const m = demo();
    const layout = rackServerLayout(m.spec.racks[1]);
    const { name, outlet } = layout.servers[2];
    const serverW = (s = m.state()) => s.pdus.get('r1-a02-pdu-a')!.outlets[outlet - 1].activePowerW + s.pdus.get('r1-a02-pdu-b')!.outlets[outlet - 1].activePowerW;
    const drawn = serverW();
    expect(drawn).toBeGreaterThan(50);
    const one = m.faults.inject({ kind: 'outlet_off', target: 'r1-a02-pdu-a', params: { outlet } });
    expect(m.state().pdus.get('r1-a02-pdu-a')!.outlets[outlet - 1]).toMatchObject({ on: false, activePowerW: 0 });
    expect(serverW()).toBeCloseTo(drawn, 6);
    m.faults.clear(one.id);
    const both = m.faults.inject({ kind: 'outlet_off', target: 'r1-a02', params: { server: name } });
    expect(serverW()).toBe(0);
    expect(m.state().pdus.get('r1-a02-pdu-b')!.outlets[outlet - 1].on).toBe(false);
    expect(energyBalanceViolations(m.state())).toEqual([]);
    m.faults.clear(both.id);
    expect(serverW()).toBeCloseTo(drawn, 6);
  });
});
