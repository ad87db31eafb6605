import { describe, expect, it } from 'vitest';
import type { RackSummary } from '../../api/racks.ts';
import { feedLevel, filterRacks, gridRowOf, inletLevel, powerLevel, sortRacks, uRowsTopFirst } from './rackFormat.ts';

const rack = (key: string, over: Partial<RackSummary> = {}): RackSummary => ({
  key, name: `Rack ${key.toUpperCase()}`, siteKey: 's', roomKey: 'r1', rowKey: 'r1-a', gridX: null, gridY: null,
  uHeight: 42, usedU: 0, freeU: 42, maxKw: 5, powerW: null, inletC: null, points: { power: [], inlet: [] }, measuredAt: null, stale: false, ...over,
});

describe('levels', () => {
  it('power: amber from 80 % of the budget, red from 100 %, nothing without a budget', () => {
    expect([powerLevel(3999, 5), powerLevel(4000, 5), powerLevel(5000, 5), powerLevel(5000, null), powerLevel(null, 5)]).toEqual(['ok', 'warn', 'bad', 'none', 'none']);
  });
  it('inlet: ASHRAE recommended 18–27 °C is ok, outside warns, outside the A1 allowable 15–32 °C is bad', () => {
    expect([18, 27, 27.1, 17.9, 32.5, 14].map(inletLevel)).toEqual(['ok', 'ok', 'warn', 'warn', 'bad', 'bad']);
  });
  it('feed: red at the continuous-load limit, amber just below it', () => {
    expect([feedLevel(5000, 7360, 0.8), feedLevel(5400, 7360, 0.8), feedLevel(5888, 7360, 0.8)]).toEqual(['ok', 'warn', 'bad']);
  });
});

describe('sorting and filtering', () => {
  const racks = [rack('a10', { freeU: 5, maxKw: 10 }), rack('a2', { freeU: 30 }), rack('b1', { freeU: 5, roomKey: 'r2' })];
  const live = { powerW: (k: string) => ({ a10: 4000, a2: 4500 } as Record<string, number>)[k] ?? null, inletC: (k: string) => ({ a2: 25, b1: 21 } as Record<string, number>)[k] ?? null };
  it('names sort numerically; unmeasured racks go last whichever the direction', () => {
    expect(sortRacks(racks, { key: 'name', descending: false }, live).map((r) => r.key)).toEqual(['a2', 'a10', 'b1']);
    expect(sortRacks(racks, { key: 'power', descending: true }, live).map((r) => r.key)).toEqual(['a2', 'a10', 'b1']);
    expect(sortRacks(racks, { key: 'powerPct', descending: true }, live).map((r) => r.key)).toEqual(['a2', 'a10', 'b1']); // 90 % vs 40 %
    expect(sortRacks(racks, { key: 'inlet', descending: false }, live).map((r) => r.key)).toEqual(['b1', 'a2', 'a10']);
    expect(sortRacks(racks, { key: 'freeU', descending: false }, live).map((r) => r.key)).toEqual(['a10', 'b1', 'a2']);
  });
  it('filters on every word over name, key, room and row', () => {
    expect(filterRacks(racks, 'r2').map((r) => r.key)).toEqual(['b1']);
    expect(filterRacks(racks, 'rack a1').map((r) => r.key)).toEqual(['a10']);
    expect(filterRacks(racks, '  ')).toHaveLength(3);
  });
});

describe('U geometry', () => {
  it('U1 at the bottom unless the rack is numbered from the top', () => {
    expect(uRowsTopFirst(4, false)).toEqual([4, 3, 2, 1]);
    expect(uRowsTopFirst(4, true)).toEqual([1, 2, 3, 4]);
    // A 2U device at U1–U2 of a 42U rack starts on grid row 41 (of 42) counted from the top.
    expect(gridRowOf(1, 2, 42, false)).toBe(41);
    expect(gridRowOf(42, 1, 42, false)).toBe(1);
    expect(gridRowOf(1, 2, 42, true)).toBe(1);
  });
});
