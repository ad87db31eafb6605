import { describe, expect, it } from 'vitest';
import { UPS_ALARM_ID_MAX, UPS_MIB_OBJECTS, updateUpsAlarmRows, wellKnownAlarmOid } from './rfc1628.ts';

describe('RFC 1628 alarm id rules', () => {
  it('starts at 1, increments, keeps ids of remaining rows and never reuses a freed id before wrapping', () => {
    let t = updateUpsAlarmRows([], ['onBattery', 'lowBattery'], 1000, 0);
    expect(t.rows.map((r) => [r.id, r.alarm])).toEqual([[1, 'onBattery'], [2, 'lowBattery']]);
    t = updateUpsAlarmRows(t.rows, ['lowBattery', 'depletedBattery'], 2000, t.lastId);
    expect(t.rows.map((r) => [r.id, r.alarm, r.sinceMs])).toEqual([[2, 'lowBattery', 1000], [3, 'depletedBattery', 2000]]);
    t = updateUpsAlarmRows(t.rows, ['lowBattery', 'depletedBattery', 'lowBattery'], 3000, t.lastId);
    expect(t.rows).toHaveLength(2); // one row per well-known alarm
  });

  it('wraps after the maximum to the first free id', () => {
    const t = updateUpsAlarmRows([{ id: 1, alarm: 'batteryBad', sinceMs: 0 }], ['batteryBad', 'tempBad'], 5, UPS_ALARM_ID_MAX);
    expect(t.rows.map((r) => r.id)).toEqual([1, 2]);
  });

  it('describes every object with a unique OID under upsMIB', () => {
    const oids = UPS_MIB_OBJECTS.map((o) => o.oid);
    expect(new Set(oids).size).toBe(oids.length);
    expect(oids.every((o) => o.startsWith('1.3.6.1.2.1.33.1.'))).toBe(true);
    expect(wellKnownAlarmOid('onBattery')).toBe('1.3.6.1.2.1.33.1.6.3.2');
    expect(wellKnownAlarmOid('testInProgress')).toBe('1.3.6.1.2.1.33.1.6.3.24');
  });
});
