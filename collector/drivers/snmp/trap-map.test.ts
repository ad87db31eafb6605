/**
 * Golden vectors: the varbind lists real agents send (as net-snmp decodes them) → the event and the
 * point updates the shipped profiles' `traps:` maps give. Plus the schema's refusals.
 */
import * as snmp from 'net-snmp';
import { describe, expect, it } from 'vitest';
import { loadProfile, parseProfile, ProfileError, type SnmpProfile } from '../../profile.ts';
import { decodeTrap, v1TrapOid, type TrapVarbind } from './trap-map.ts';

const { Integer, OID, OctetString, TimeTicks } = snmp.ObjectType;
const frame = (trapOid: string): TrapVarbind[] => [
  { oid: '1.3.6.1.2.1.1.3.0', type: TimeTicks, value: 123456 },
  { oid: '1.3.6.1.6.3.1.1.4.1.0', type: OID, value: trapOid },
];
const ctx = { device: 'ups-a1', agent: '10.0.0.5', version: 'v2c' as const };

describe('rfc1628-ups trap map (golden vectors)', async () => {
  const ups = await loadProfile('rfc1628-ups');
  const traps = ups.traps;

  it('upsTrapOnBattery → ups.on_battery (major), output.source = battery(5), runtime and seconds on battery at once', () => {
    const vbs = [...frame('1.3.6.1.2.1.33.2.1'),
      { oid: '1.3.6.1.2.1.33.1.2.3.0', type: Integer, value: 17 },
      { oid: '1.3.6.1.2.1.33.1.2.2.0', type: Integer, value: 1 },
      { oid: '1.3.6.1.2.1.33.1.9.7.0', type: Integer, value: 5 }];
    expect(decodeTrap(traps, '1.3.6.1.2.1.33.2.1', vbs, ctx)).toEqual({
      name: 'ups.on_battery',
      severity: 'major',
      message: 'ups-a1 on battery: 17 min remaining, 1 s on battery',
      attributes: { trapOid: '1.3.6.1.2.1.33.2.1', agent: '10.0.0.5', snmpVersion: 'v2c', agentUptimeS: 1234.56, minutesRemaining: 17, secondsOnBattery: 1, lowBatteryTimeMin: 5 },
      setPoints: [{ metric: 'output.source', value: 5 }, { metric: 'battery.runtime', value: 17 }, { metric: 'battery.seconds_on_battery', value: 1 }],
    });
  });

  it('upsTrapAlarmEntryAdded(lowBattery) → ups.alarm.raised, critical, battery.status = batteryLow(3)', () => {
    const vbs = [...frame('1.3.6.1.2.1.33.2.3'),
      { oid: '1.3.6.1.2.1.33.1.6.2.1.1.4', type: Integer, value: 4 },
      { oid: '1.3.6.1.2.1.33.1.6.2.1.2.4', type: OID, value: '1.3.6.1.2.1.33.1.6.3.3' }];
    const e = decodeTrap(traps, '1.3.6.1.2.1.33.2.3', vbs, ctx);
    expect(e).toMatchObject({ name: 'ups.alarm.raised', severity: 'critical', message: 'ups-a1 alarm lowBattery raised (alarm id 4)' });
    expect(e.attributes).toMatchObject({ alarmId: 4, alarm: 'lowBattery', alarmRaw: '1.3.6.1.2.1.33.1.6.3.3' });
    expect(e.setPoints).toEqual([{ metric: 'battery.status', value: 3 }]);
  });

  it('upsTrapAlarmEntryAdded(fanFailure) → minor, no point update; an unlisted alarm keeps the default severity', () => {
    const fan = [...frame('1.3.6.1.2.1.33.2.3'), { oid: '1.3.6.1.2.1.33.1.6.2.1.1.2', value: 2 }, { oid: '1.3.6.1.2.1.33.1.6.2.1.2.2', value: '1.3.6.1.2.1.33.1.6.3.16' }];
    expect(decodeTrap(traps, '1.3.6.1.2.1.33.2.3', fan, ctx)).toMatchObject({ severity: 'minor', setPoints: [] });
    const bad = [...frame('1.3.6.1.2.1.33.2.3'), { oid: '1.3.6.1.2.1.33.1.6.2.1.1.1', value: 1 }, { oid: '1.3.6.1.2.1.33.1.6.2.1.2.1', value: '1.3.6.1.2.1.33.1.6.3.1' }];
    expect(decodeTrap(traps, '1.3.6.1.2.1.33.2.3', bad, ctx)).toMatchObject({ severity: 'major', message: 'ups-a1 alarm batteryBad raised (alarm id 1)' });
  });

  it('upsTrapAlarmEntryRemoved(onBattery) → ups.alarm.cleared (cleared), back on mains: output.source = normal(3), 0 s on battery', () => {
    const vbs = [...frame('1.3.6.1.2.1.33.2.4'), { oid: '1.3.6.1.2.1.33.1.6.2.1.1.1', value: 1 }, { oid: '1.3.6.1.2.1.33.1.6.2.1.2.1', value: '1.3.6.1.2.1.33.1.6.3.2' }];
    expect(decodeTrap(traps, '1.3.6.1.2.1.33.2.4', vbs, ctx)).toMatchObject({
      name: 'ups.alarm.cleared', severity: 'cleared', message: 'ups-a1 alarm onBattery cleared (alarm id 1)',
      setPoints: [{ metric: 'output.source', value: 3 }, { metric: 'battery.seconds_on_battery', value: 0 }],
    });
  });

  it('upsTrapTestCompleted: result label and test name; a failed test is major', () => {
    const vbs = (result: number) => [...frame('1.3.6.1.2.1.33.2.2'),
      { oid: '1.3.6.1.2.1.33.1.7.1.0', type: OID, value: '1.3.6.1.2.1.33.1.7.7.4' },
      { oid: '1.3.6.1.2.1.33.1.7.2.0', type: Integer, value: 1 },
      { oid: '1.3.6.1.2.1.33.1.7.3.0', type: Integer, value: result },
      { oid: '1.3.6.1.2.1.33.1.7.4.0', type: OctetString, value: Buffer.from('battery ok') }];
    expect(decodeTrap(traps, '1.3.6.1.2.1.33.2.2', vbs(1), ctx)).toMatchObject({ name: 'ups.test_completed', severity: 'info', message: 'ups-a1 self-test quickBatteryTest completed: donePass battery ok' });
    expect(decodeTrap(traps, '1.3.6.1.2.1.33.2.2', vbs(3), ctx).severity).toBe('major');
  });

  it('an OID the profile does not list → info snmp.trap.unknown with the OID and the varbinds (never dropped)', () => {
    const vbs = [...frame('1.3.6.1.4.1.99999.0.7'), { oid: '1.3.6.1.4.1.99999.1.1.0', type: OctetString, value: Buffer.from('door open') }, { oid: '1.3.6.1.4.1.99999.1.2.0', value: Buffer.from([0, 1, 2, 255]) }];
    expect(decodeTrap(traps, '1.3.6.1.4.1.99999.0.7', vbs, ctx)).toEqual({
      name: 'snmp.trap.unknown', severity: 'info', message: "ups-a1: notification 1.3.6.1.4.1.99999.0.7 is not in the device's profile",
      attributes: { trapOid: '1.3.6.1.4.1.99999.0.7', agent: '10.0.0.5', snmpVersion: 'v2c', agentUptimeS: 1234.56, varbinds: [{ oid: '1.3.6.1.4.1.99999.1.1.0', value: 'door open' }, { oid: '1.3.6.1.4.1.99999.1.2.0', value: '000102ff' }] },
      setPoints: [],
    });
  });

  it('generic SNMPv2 notifications are known for every device (coldStart)', () => {
    expect(decodeTrap(traps, '1.3.6.1.6.3.1.1.5.1', frame('1.3.6.1.6.3.1.1.5.1'), ctx)).toMatchObject({ name: 'snmp.cold_start', severity: 'info' });
  });

  it('missing varbinds leave ? in the message and no point update', () => {
    const e = decodeTrap(traps, '1.3.6.1.2.1.33.2.1', frame('1.3.6.1.2.1.33.2.1'), ctx);
    expect(e.message).toBe('ups-a1 on battery: ? min remaining, ? s on battery');
    expect(e.setPoints).toEqual([{ metric: 'output.source', value: 5 }]);
  });
});

describe('apc-powernet-ups trap map (golden vectors, v1 Trap-PDUs)', async () => {
  const apc = await loadProfile('apc-powernet-ups');
  const v1 = { ...ctx, version: 'v1' as const };
  const text = (s: string): TrapVarbind[] => [{ oid: '1.3.6.1.4.1.318.2.3.3.0', type: OctetString, value: Buffer.from(s) }];
  const cases: Array<[number, string, string, string, Array<{ metric: string; value: number }>]> = [
    [5, 'UPS: On battery power in response to an input power problem.', 'ups.on_battery', 'major', [{ metric: 'output.status', value: 3 }]],
    [9, 'INFORMATIONAL: Utility power has been restored.', 'ups.power_restored', 'cleared', [{ metric: 'output.status', value: 2 }]],
    [7, 'UPS: The battery power is too low to continue to support the load.', 'ups.battery_low', 'critical', []],
    [11, 'UPS: The battery is no longer low.', 'ups.battery_low_cleared', 'cleared', []],
  ];
  it.each(cases)('enterprise apc specific %i → %s', (specific, message, name, severity, setPoints) => {
    const oid = v1TrapOid('1.3.6.1.4.1.318', 6, specific);
    expect(oid).toBe(`1.3.6.1.4.1.318.0.${specific}`);
    const e = decodeTrap(apc.traps, oid, text(message), v1);
    expect(e).toMatchObject({ name, severity, setPoints, message: expect.stringContaining(message) });
    expect(e.attributes).toMatchObject({ trapOid: oid, text: message, snmpVersion: 'v1' });
  });

  it('v1 generic traps map to the SNMPv2 generic OIDs (RFC 3584)', () => {
    expect(v1TrapOid('1.3.6.1.4.1.318', 0, 0)).toBe('1.3.6.1.6.3.1.1.5.1');
    expect(v1TrapOid('1.3.6.1.4.1.318', 4, 0)).toBe('1.3.6.1.6.3.1.1.5.5');
  });
});

describe('traps: schema', () => {
  const base = `model: x\nprotocol: snmp\nkind: ups\npoints:\n  - { metric: output.source, oid: 1.3.6.1.2.1.33.1.4.1.0, unit: '', kind: gauge }\n`;
  const bad = (traps: string, field: string, reason: RegExp) => {
    let err: unknown;
    try { parseProfile(`${base}traps:\n${traps}`, 'x.yaml'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ProfileError);
    expect((err as ProfileError).field).toBe(field);
    expect((err as ProfileError).reason).toMatch(reason);
  };

  it('accepts a minimal trap and refuses bad severities, placeholders, set points and duplicates', () => {
    const ok = parseProfile(`${base}traps:\n  - { oid: 1.3.6.1.2.1.33.2.1, name: ups.on_battery, severity: major, message: 'on battery' }\n`, 'x.yaml') as SnmpProfile;
    expect(ok.traps).toHaveLength(1);
    bad("  - { oid: 1.3.6.1.2.1.33.2.1, name: ups.on_battery, severity: fatal, message: m }\n", 'traps[0].severity', /critical/);
    bad("  - { oid: 1.3.6.1.2.1.33.2.1, name: ups.on_battery, severity: major, message: '{nope}' }\n", 'traps[0].message', /\{nope\}/);
    bad("  - { oid: 1.3.6.1.2.1.33.2.1, name: ups.on_battery, severity: major, message: m, setPoints: [{ metric: battery.x, value: 1 }] }\n", 'traps[0].setPoints[0].metric', /not a metric/);
    bad("  - { oid: 1.3.6.1.2.1.33.2.1, name: ups.on_battery, severity: major, message: m, setPoints: [{ metric: output.source }] }\n", 'traps[0].setPoints[0]', /exactly one/);
    bad("  - { oid: 1.3.6.1.2.1.33.2.1, name: a, severity: major, message: m }\n  - { oid: 1.3.6.1.2.1.33.2.1, name: b, severity: info, message: m }\n", 'traps[1].oid', /duplicate/);
    bad("  - { oid: 1.3.6.1.2.1.33.2.1, name: Bad-Name, severity: major, message: m }\n", 'traps[0].name', /lower-case/);
  });
});
