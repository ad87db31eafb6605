import { describe, expect, it } from 'vitest';
import { AlignedSeriesBuffer } from './alignedSeriesBuffer.ts';
import { GapTracker, parseResolutionSec } from './gapTracker.ts';

const columns = (buffer: AlignedSeriesBuffer) => {
  const [x, ...ys] = buffer.toAlignedData();
  return { x: Array.from(x as ArrayLike<number>), ys: ys.map((y) => Array.from(y as ArrayLike<number | null | undefined>)) };
};

describe('AlignedSeriesBuffer', () => {
  it('aligns two series on shared timestamps and marks absent cells undefined', () => {
    const buffer = new AlignedSeriesBuffer(2);
    buffer.set(0, 10, 1000);
    buffer.set(1, 10, 40);
    buffer.set(0, 20, 1100);
    expect(columns(buffer)).toEqual({ x: [10, 20], ys: [[1000, 1100], [40, undefined]] });
    expect(buffer.valueCount()).toBe(3);
  });

  it('merges samples of one poll that differ by milliseconds into one row', () => {
    const buffer = new AlignedSeriesBuffer(2);
    buffer.set(0, 10, 1);
    buffer.set(1, 10.004, 2);
    expect(columns(buffer).x).toEqual([10]);
  });

  it('turns null and non-finite values into gaps (null), which are not counted', () => {
    const buffer = new AlignedSeriesBuffer(1);
    buffer.set(0, 1, 5);
    buffer.set(0, 2, null);
    buffer.set(0, 3, Number.NaN);
    expect(columns(buffer).ys[0]).toEqual([5, null, null]);
    expect(buffer.valueCount()).toBe(1);
  });

  it('inserts late samples in time order and overwrites duplicates', () => {
    const buffer = new AlignedSeriesBuffer(1);
    for (const t of [1, 3, 5]) buffer.set(0, t, t);
    buffer.set(0, 4, 44);
    buffer.set(0, 0, 0);
    buffer.set(0, 3, 33);
    expect(columns(buffer)).toEqual({ x: [0, 1, 3, 4, 5], ys: [[0, 1, 33, 44, 5]] });
  });

  it('drops old rows and keeps working across compaction and growth', () => {
    const buffer = new AlignedSeriesBuffer(2, { initialCapacity: 16 });
    for (let t = 0; t < 1000; t++) {
      buffer.set(0, t, t);
      buffer.set(1, t, -t);
      buffer.dropBefore(t - 9); // a sliding window of 10 rows
    }
    const { x, ys } = columns(buffer);
    expect(x).toEqual([990, 991, 992, 993, 994, 995, 996, 997, 998, 999]);
    expect(ys[1][0]).toBe(-990);
    expect(buffer.capacity).toBeLessThanOrEqual(32); // a bounded window compacts, it does not grow forever

    for (let t = 1000; t < 1100; t++) buffer.set(0, t, t); // no dropping: must grow
    expect(buffer.length).toBe(110);
    expect(buffer.capacity).toBeGreaterThanOrEqual(110);
    expect(columns(buffer).ys[0].at(-1)).toBe(1099);
  });
});

describe('GapTracker', () => {
  it('reads rollup resolutions', () => {
    expect(parseResolutionSec('60s')).toBe(60);
    expect(parseResolutionSec('raw')).toBeUndefined();
  });

  it('opens a gap after a hole longer than 2.5 intervals of a known resolution', () => {
    const tracker = new GapTracker(60);
    expect(tracker.observe(0)).toBeUndefined();
    expect(tracker.observe(60)).toBeUndefined();
    expect(tracker.observe(300)).toBe(120);
  });

  it('learns the interval of raw samples and ignores late ones', () => {
    const tracker = new GapTracker();
    for (const t of [0, 5, 10, 15, 20]) expect(tracker.observe(t)).toBeUndefined();
    expect(tracker.observe(12)).toBeUndefined();
    expect(tracker.observe(60)).toBe(25);
    expect(tracker.observe(65)).toBeUndefined();
  });
});
