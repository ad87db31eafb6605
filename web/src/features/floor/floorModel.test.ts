import { describe, expect, it } from 'vitest';
import { rowInlets } from '../cooling/rowInlets.ts';
import {
  bucketColors, bucketOf, layoutRooms, NO_DATA, nextRack, OVERLAY_SCALES, overlayValue, rackCondition, SCALE_BUCKETS, type FloorRack, type Rgb,
} from './floorModel.ts';

const rack = (over: Partial<FloorRack> = {}): FloorRack => ({
  key: 'r1-a01', name: 'Rack R1-A01', roomKey: 'r1', rowKey: 'r1-a', gridX: 2, gridY: 1, uHeight: 42, usedU: 10, freeU: 32,
  maxKw: 5, powerW: 2000, inletC: 22, stale: false, measuredAt: null, ...over,
});

describe('rack condition until alarms exist', () => {
  it('normal inside the ASHRAE recommended range and under 80 % of budget', () => {
    expect(rackCondition(rack())).toBe('normal');
  });
  it('warning outside 18–27 °C or at 80 % of budget; critical outside 15–32 °C or at budget', () => {
    expect(rackCondition(rack({ inletC: 27.5 }))).toBe('warning');
    expect(rackCondition(rack({ inletC: 17 }))).toBe('warning');
    expect(rackCondition(rack({ powerW: 4000 }))).toBe('warning');
    expect(rackCondition(rack({ inletC: 32.5 }))).toBe('critical');
    expect(rackCondition(rack({ inletC: 14 }))).toBe('critical');
    expect(rackCondition(rack({ powerW: 5000 }))).toBe('critical');
  });
  it('not reporting when stale or nothing measured; a hot stale rack is still critical', () => {
    expect(rackCondition(rack({ stale: true }))).toBe('notReporting');
    expect(rackCondition(rack({ inletC: null, powerW: null }))).toBe('notReporting');
    expect(rackCondition(rack({ stale: true, inletC: 35 }))).toBe('critical');
  });
  it('a rack without budget is judged by its inlet only', () => {
    expect(rackCondition(rack({ maxKw: null, powerW: 99_000 }))).toBe('normal');
  });
});

describe('overlay colours', () => {
  const resolve = (c: { cssVar: string }): Rgb => ({ '--accent': [0, 0, 255], '--ok': [0, 255, 0], '--warn': [255, 128, 0], '--bad': [255, 0, 0], '--fg-muted': [128, 128, 128] } as Record<string, Rgb>)[c.cssVar];

  it('inlet: cool blue, recommended green, hot red; missing data has no colour', () => {
    const scale = OVERLAY_SCALES.inlet;
    const colors = bucketColors(scale, resolve);
    expect(colors).toHaveLength(SCALE_BUCKETS);
    expect(colors[bucketOf(scale, 10)]).toEqual([0, 0, 255]);
    expect(colors[bucketOf(scale, 21)]).toEqual([0, 255, 0]);
    expect(colors[bucketOf(scale, 40)]).toEqual([255, 0, 0]);
    expect(bucketOf(scale, null)).toBe(NO_DATA);
    expect(bucketOf(scale, 30)).toBeGreaterThan(bucketOf(scale, 26));
  });
  it('power is a share of the budget; alarm state is one colour per condition', () => {
    expect(overlayValue('power', rack({ powerW: 4000, maxKw: 5 }))).toBeCloseTo(80);
    expect(overlayValue('power', rack({ maxKw: null }))).toBeNull();
    const alarm = OVERLAY_SCALES.alarm;
    expect(bucketColors(alarm, resolve)[bucketOf(alarm, overlayValue('alarm', rack({ inletC: 40 })))]).toEqual([255, 0, 0]);
    expect(bucketOf(alarm, overlayValue('alarm', rack()))).not.toBe(bucketOf(alarm, overlayValue('alarm', rack({ inletC: 28 }))));
  });
});

describe('rooms side by side', () => {
  it('ten tall rooms fill a wide viewport in several columns, none overlapping', () => {
    const rooms = Array.from({ length: 10 }, (_, i) => ({ key: `r${i + 1}`, columns: 20, rows: 41 }));
    const laid = layoutRooms(rooms, 16 / 9);
    const columns = new Set(laid.rooms.map((r) => r.x));
    expect(columns.size).toBeGreaterThanOrEqual(4);
    for (const a of laid.rooms) {
      for (const b of laid.rooms) {
        if (a === b) continue;
        const overlap = a.x < b.x + b.columns && b.x < a.x + a.columns && a.y < b.y + b.rows && b.y < a.y + a.rows;
        expect(overlap, `${a.key} / ${b.key}`).toBe(false);
      }
    }
    expect(laid.width).toBeGreaterThanOrEqual(Math.max(...laid.rooms.map((r) => r.x + r.columns)));
  });
});

describe('arrow keys', () => {
  // Two rows of three racks: (0,0) (1,0) (2,0) / (0,3) (1,3) (2,3).
  const positions = Float32Array.from([0, 0, 1, 0, 2, 0, 0, 3, 1, 3, 2, 3]);
  it('move along the row, then to the row in front, and stop at the edge', () => {
    expect(nextRack(positions, 6, 0, 'right')).toBe(1);
    expect(nextRack(positions, 6, 1, 'down')).toBe(4);
    expect(nextRack(positions, 6, 4, 'left')).toBe(3);
    expect(nextRack(positions, 6, 3, 'left')).toBe(3);
    expect(nextRack(positions, 6, 5, 'up')).toBe(2);
  });
});

describe('inlet temperatures by row', () => {
  it('coolest, mean, hottest and how many are outside the recommended range; unmeasured racks counted, not averaged', () => {
    const rows = rowInlets([
      { rowKey: 'a', inletC: 20 }, { rowKey: 'a', inletC: 28 }, { rowKey: 'a', inletC: null }, { rowKey: 'b', inletC: 22 }, { rowKey: null, inletC: 40 },
    ]);
    expect(rows.get('a')).toEqual({ rowKey: 'a', racks: 3, measured: 2, minC: 20, avgC: 24, maxC: 28, outsideRecommended: 1 });
    expect(rows.get('b')?.outsideRecommended).toBe(0);
    expect(rows.size).toBe(2);
  });
});
