/** Live power figures from named points: sums in kW across units, lost polls held briefly, older samples ignored. */
import { describe, expect, it } from 'vitest';
import { HOLD_LAST_VALUE_MS, LiveReadings } from './liveReadings.ts';

const T0 = Date.parse('2026-01-10T03:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function readings() {
  const r = new LiveReadings();
  r.load({
    'pdu-a/inlet.1.power': { value: 2_000, ts: iso(T0), quality: 'ok', unit: 'W' },
    'pdu-b/inlet.1.power': { value: 1_500, ts: iso(T0), quality: 'ok', unit: 'W' },
    'meter/active_power': { value: 40, ts: iso(T0), quality: 'ok', unit: 'kW' },
    'pdu-c/inlet.1.power': { value: null, ts: iso(T0), quality: 'comm_loss', unit: 'W', lastValue: 900, lastValueTs: iso(T0 - 10_000) },
  });
  return r;
}
const watched = new Set(['pdu-a/inlet.1.power', 'pdu-b/inlet.1.power', 'meter/active_power', 'pdu-c/inlet.1.power']);

describe('LiveReadings', () => {
  it('sums power points into kW whatever their unit, and counts who reported', () => {
    const r = readings();
    expect(r.sumKw(['pdu-a/inlet.1.power', 'pdu-b/inlet.1.power'], T0)).toEqual({ kw: 3.5, reported: 2 });
    expect(r.sumKw(['meter/active_power'], T0)).toEqual({ kw: 40, reported: 1 });
    expect(r.sumKw(['nowhere/x'], T0)).toEqual({ kw: null, reported: 0 });
  });

  it('follows the stream: a newer sample replaces the value, an older one is ignored, unwatched points are not kept', () => {
    const r = readings();
    expect(r.apply([{ point: 'pdu-a/inlet.1.power', ts: iso(T0 + 1_000), value: 2_500, quality: 'ok' }], watched)).toBe(true);
    expect(r.apply([{ point: 'pdu-a/inlet.1.power', ts: iso(T0 - 1_000), value: 1, quality: 'ok' }], watched)).toBe(false);
    expect(r.apply([{ point: 'other/x', ts: iso(T0 + 1_000), value: 1, quality: 'ok' }], watched)).toBe(false);
    expect(r.value('pdu-a/inlet.1.power', T0 + 1_000)).toBe(2_500);
    expect(r.value('other/x', T0 + 1_000)).toBeNull();
  });

  it('a lost poll keeps the last value for the hold time, then the point counts as not reporting', () => {
    const r = readings();
    r.apply([{ point: 'pdu-a/inlet.1.power', ts: iso(T0 + 1_000), value: null, quality: 'comm_loss' }], watched);
    expect(r.current('pdu-a/inlet.1.power')).toBeNull();
    expect(r.value('pdu-a/inlet.1.power', T0 + 5_000)).toBe(2_000);
    expect(r.sumKw(['pdu-a/inlet.1.power', 'pdu-b/inlet.1.power'], T0 + 5_000)).toEqual({ kw: 3.5, reported: 2 });
    expect(r.value('pdu-a/inlet.1.power', T0 + HOLD_LAST_VALUE_MS + 1)).toBeNull();
    // Held from the server's snapshot too.
    expect(r.value('pdu-c/inlet.1.power', T0)).toBe(900);
    expect(r.value('pdu-c/inlet.1.power', T0 + HOLD_LAST_VALUE_MS)).toBeNull();
    expect(r.lastValueMs('pdu-a/inlet.1.power')).toBe(T0);
  });
});
