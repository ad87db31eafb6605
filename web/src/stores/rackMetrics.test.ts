import { describe, expect, it } from 'vitest';
import type { RackSummary } from '../api/racks.ts';
import { hottest, leastFreeU, liveFilter, RACK_HOLD_LAST_VALUE_MS, RackLiveModel } from './rackMetrics.ts';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

function rack(key: string, over: Partial<RackSummary> = {}): RackSummary {
  return {
    key, name: key.toUpperCase(), siteKey: 'site', roomKey: 'r1', rowKey: 'r1-a', gridX: 1, gridY: 1,
    uHeight: 42, usedU: 10, freeU: 32, maxKw: 5, powerW: null, inletC: null,
    points: { power: [], inlet: [] }, measuredAt: null, stale: false, ...over,
  };
}

/** r1: two PDU inlets (1,000 W + 500 W) and two inlet probes (22 / 25 °C), all fresh at T0. */
const r1 = rack('r1', {
  powerW: 1500, inletC: 25,
  points: { power: ['pa/inlet.1.power', 'pb/inlet.1.power'], inlet: ['s/inlet.top.temperature', 's/inlet.bottom.temperature'] },
  latest: {
    power: [{ value: 1000, ts: iso(T0), fresh: true }, { value: 500, ts: iso(T0), fresh: true }],
    inlet: [{ value: 22, ts: iso(T0), fresh: true }, { value: 25, ts: iso(T0), fresh: true }],
  },
});
const sample = (point: string, value: number | null, ms: number, quality = 'ok') => ({ point, value, ts: iso(ms), quality });

describe('RackLiveModel', () => {
  it('starts from the per-point latest values of the summaries', () => {
    const m = new RackLiveModel();
    m.load([r1, rack('r2')], T0);
    expect([m.power('r1'), m.inlet('r1'), m.isStale('r1')]).toEqual([1500, 25, false]);
    expect([m.power('r2'), m.inlet('r2')]).toEqual([null, null]);
  });

  it('keeps the sum of the latest of each power point and the max of the latest of each inlet point', () => {
    const m = new RackLiveModel();
    m.load([r1], T0);
    const changed = m.apply([sample('pa/inlet.1.power', 1200, T0 + 1000), sample('s/inlet.bottom.temperature', 21, T0 + 1000)], T0 + 1000);
    expect([...changed]).toEqual([0]);
    expect(m.power('r1')).toBe(1700); // 1,200 (new) + 500 (held)
    expect(m.inlet('r1')).toBe(22); // the bottom probe cooled from 25 to 21: the top's 22 is now the hottest
    // An older sample arriving late changes nothing; a sample of a point we do not show is ignored.
    expect(m.apply([sample('pa/inlet.1.power', 9999, T0 + 500), sample('other/x', 1, T0 + 2000)], T0 + 2000).size).toBe(0);
    expect(m.power('r1')).toBe(1700);
  });

  it('a lost poll holds the point\'s last value for a minute; then it drops out of the sum and the rack is stale; age alone makes it stale', () => {
    const m = new RackLiveModel(600_000);
    m.load([r1], T0);
    // One lost poll is a blip: pb keeps its 500 W and the rack keeps reporting.
    m.apply([sample('pb/inlet.1.power', null, T0 + 1000, 'comm_loss')], T0 + 1000);
    expect([m.power('r1'), m.isStale('r1')]).toEqual([1500, false]);
    m.apply([sample('pb/inlet.1.power', null, T0 + 30_000, 'comm_loss')], T0 + 30_000);
    expect([m.power('r1'), m.isStale('r1')]).toEqual([1500, false]);
    // A minute after its last value, pb drops out of the sum and the rack is stale (the periodic recheck).
    expect([...m.recheck(T0 + RACK_HOLD_LAST_VALUE_MS + 1)]).toEqual([0]);
    expect([m.power('r1'), m.isStale('r1')]).toEqual([1000, true]);
    m.apply([sample('pb/inlet.1.power', 600, T0 + 70_000)], T0 + 70_000);
    expect([m.power('r1'), m.isStale('r1')]).toEqual([1600, false]);
    // Values that stop arriving make the rack stale by age, still shown.
    m.load([r1], T0);
    m.apply([sample('pb/inlet.1.power', 600, T0 + 2000)], T0 + 2000);
    expect([...m.recheck(T0 + 700_000)]).toEqual([0]);
    expect(m.isStale('r1')).toBe(true);
    expect(m.power('r1')).toBe(1600); // old values still shown, flagged stale
  });

  it('a point shared by two racks updates both', () => {
    const m = new RackLiveModel();
    const r2 = rack('r2', { points: { power: [], inlet: ['s/inlet.top.temperature'] }, latest: { power: [], inlet: [{ value: 22, ts: iso(T0), fresh: true }] } });
    m.load([r1, r2], T0);
    expect([...m.apply([sample('s/inlet.top.temperature', 30, T0 + 1000)], T0 + 1000)].sort()).toEqual([0, 1]);
    expect([m.inlet('r1'), m.inlet('r2')]).toEqual([30, 30]);
    expect(m.snapshot().map((r) => r.inletC)).toEqual([30, 30]);
  });
});

describe('helpers', () => {
  const racks = [rack('a', { inletC: 24, freeU: 10 }), rack('b', { inletC: 27.5, freeU: 2 }), rack('c', { inletC: null, freeU: 2 }), rack('d', { inletC: 27.5, freeU: 40 })];
  it('hottest: the highest inlet, ties by key, none when nothing is measured', () => {
    expect(hottest(racks)?.key).toBe('b');
    expect(hottest([rack('x')])).toBeUndefined();
  });
  it('leastFreeU: fullest first, ties by key', () => {
    expect(leastFreeU(racks, 3).map((r) => r.key)).toEqual(['b', 'c', 'a']);
    expect(leastFreeU(racks, 0)).toEqual([]);
  });
  it('subscribes point by point when few, by the scope location when many', () => {
    expect(liveFilter({ room: 'r1' }, [r1], ['a/b'])).toEqual({ points: ['a/b'] });
    const many = Array.from({ length: 1000 }, (_, i) => `d${i}/inlet.1.power`);
    expect(liveFilter({ room: 'r1' }, [r1], many)).toEqual({ locations: ['r1'] });
    expect(liveFilter({ racks: ['r1'] }, [r1], many)).toEqual({ locations: ['r1'] });
  });
});
