import { describe, expect, it } from 'vitest';
import type { UpsAlarmName } from '../site/types.ts';
import { EMPTY_ALARM_TABLE, MAX_UPS_ALARM_ID, reconcileAlarmTable, type UpsAlarmTable } from './ups-alarms.ts';

const set = (...names: UpsAlarmName[]) => new Set(names);

describe('UPS alarm table (RFC 1628 id rules)', () => {
  it('starts at 1, increments, one row per alarm, removes cleared rows, never reuses a live id', () => {
    let t = reconcileAlarmTable(EMPTY_ALARM_TABLE, set('onBattery'), 1);
    expect(t.rows).toEqual([{ id: 1, alarm: 'onBattery', sinceMs: 1 }]);
    t = reconcileAlarmTable(t, set('onBattery', 'lowBattery'), 2);
    expect(t.rows.map((r) => [r.id, r.alarm])).toEqual([[1, 'onBattery'], [2, 'lowBattery']]);
    expect(reconcileAlarmTable(t, set('onBattery', 'lowBattery'), 3)).toBe(t); // unchanged: same object
    t = reconcileAlarmTable(t, set('lowBattery'), 4);
    expect(t.rows.map((r) => r.id)).toEqual([2]);
    t = reconcileAlarmTable(t, set('lowBattery', 'onBattery'), 5);
    expect(t.rows.map((r) => [r.id, r.alarm])).toEqual([[2, 'lowBattery'], [3, 'onBattery']]);
    // a kept row keeps its detection time; a new row is stamped now
    expect(t.rows.map((r) => [r.alarm, r.sinceMs])).toEqual([['lowBattery', 2], ['onBattery', 5]]);
    t = reconcileAlarmTable(t, set('lowBattery', 'depletedBattery'), 6);
    expect(t.rows).toEqual([{ id: 2, alarm: 'lowBattery', sinceMs: 2 }, { id: 4, alarm: 'depletedBattery', sinceMs: 6 }]);
  });

  it('adds simultaneous alarms in well-known order', () => {
    const t = reconcileAlarmTable(EMPTY_ALARM_TABLE, set('onBypass', 'outputOverload', 'batteryBad'), 0);
    expect(t.rows.map((r) => r.alarm)).toEqual(['batteryBad', 'outputOverload', 'onBypass']);
  });

  it('wraps after the maximum to the first free id', () => {
    let t: UpsAlarmTable = { rows: [{ id: 1, alarm: 'batteryBad', sinceMs: 0 }, { id: MAX_UPS_ALARM_ID, alarm: 'onBattery', sinceMs: 0 }], nextId: MAX_UPS_ALARM_ID };
    t = reconcileAlarmTable(t, set('batteryBad', 'onBattery', 'lowBattery'), 1);
    expect(t.rows.find((r) => r.alarm === 'lowBattery')!.id).toBe(2);
  });
});
