import { createRoot } from 'solid-js';
import { describe, expect, it } from 'vitest';
import type { ChartSeriesItem } from '../api/series.ts';
import { AlignedSeriesBuffer } from './alignedSeriesBuffer.ts';
import { chartCsv, CSV_BOM, csvFileName } from './chartCsv.ts';
import { createChartRange, MIN_SPAN_MS, PRESET_MS } from './chartRange.ts';
import { alignTracks, bucketStartSec, historyColumns, maxColumn, minColumn, valueColumn } from './seriesHistory.ts';

const T0 = Date.UTC(2026, 0, 1);
const iso = (sec: number) => new Date(T0 + sec * 1000).toISOString();

const raw = (point: string, samples: Array<[number, number | null]>): ChartSeriesItem => ({
  point, unit: 'W', resolution: 'raw', source: 'raw', agg: null,
  samples: samples.map(([sec, value]) => ({ ts: iso(sec), value })),
});

function loaded(keys: string[], items: ChartSeriesItem[]) {
  const columns = historyColumns(keys, items, T0);
  const buffer = new AlignedSeriesBuffer(keys.length * 3);
  buffer.replaceAll(columns.timesSec, columns.values, columns.cells);
  return { columns, buffer };
}

const column = (buffer: AlignedSeriesBuffer, c: number) => Array.from({ length: buffer.length }, (_, row) => buffer.cell(c, row));

describe('history columns', () => {
  it('aligns the points of one poll on one row and leaves a point without a sample absent there', () => {
    const { buffer } = loaded(['a', 'b'], [
      raw('a', [[0, 1], [10, 2], [20, 3]]),
      raw('b', [[0.004, 10], [20.002, 30]]),
    ]);
    expect(buffer.length).toBe(3);
    expect(column(buffer, valueColumn(0))).toEqual([1, 2, 3]);
    expect(column(buffer, valueColumn(1))).toEqual([10, undefined, 30]);
    expect(column(buffer, minColumn(0))).toEqual([undefined, undefined, undefined]); // raw: no band
  });

  it('turns a null sample and a hole in the data into gaps (null), so the line breaks', () => {
    const { buffer } = loaded(['a'], [raw('a', [[0, 1], [1, 1], [2, 1], [3, 1], [4, null], [5, 2], [30, 3], [31, 3]])]);
    const values = column(buffer, valueColumn(0));
    expect(values.filter((v) => v === null)).toHaveLength(2); // the comm-loss sample and the outage 5 → 30
    expect(values.at(-1)).toBe(3);
  });

  it('keeps min and max of aggregated buckets and breaks at a missing bucket', () => {
    const item: ChartSeriesItem = {
      point: 'a', unit: 'W', resolution: '60s', source: '1m', agg: 'avg',
      samples: [0, 60, 120, 600].map((sec, i) => ({ ts: iso(sec), value: 10 + i, min: 5 + i, max: 15 + i, n: 60 })),
    };
    const { buffer, columns } = loaded(['a'], [item]);
    expect(columns.resolutions).toEqual([{ point: 'a', resolution: '60s', source: '1m', aggregated: true }]);
    expect(column(buffer, valueColumn(0))).toEqual([10, 11, 12, null, 13]);
    expect(column(buffer, minColumn(0))).toEqual([5, 6, 7, null, 8]);
    expect(column(buffer, maxColumn(0))).toEqual([15, 16, 17, null, 18]);
    expect(columns.buckets[0]).toMatchObject({ widthSec: 60, originMs: 0, n: 60, sum: 13 * 60, min: 8, max: 18 });
  });

  it('sorts samples that arrive out of order', () => {
    const { buffer } = loaded(['a'], [raw('a', [[2, 3], [0, 1], [1, 2]])]);
    expect(column(buffer, valueColumn(0))).toEqual([1, 2, 3]);
  });

  it('aligns many points without quadratic work', () => {
    const n = 50_000; // 10 × 50,000 samples: an insertion per sample (quadratic) would take minutes
    const track = (offset: number) => {
      const timesSec = new Float64Array(n);
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) { timesSec[i] = i * 60 + offset; values[i] = i; }
      return { timesSec, values, length: n };
    };
    const aligned = alignTracks(Array.from({ length: 10 }, (_, p) => track(p * 0.001)));
    expect(aligned.timesSec.length).toBe(n);
    expect(aligned.values[9][n - 1]).toBe(n - 1);
  });

  it('puts a live sample in the bucket the server would have used', () => {
    expect(bucketStartSec(T0 / 1000 + 125, 0, 60)).toBe(T0 / 1000 + 120);
    expect(bucketStartSec(T0 / 1000 + 125, T0 + 10_000, 60)).toBe(T0 / 1000 + 70);
  });
});

describe('chart CSV', () => {
  it('writes what is plotted in the view: ISO time, values, empty gaps, BOM and CRLF', () => {
    const { buffer } = loaded(['a', 'b'], [raw('a', [[0, 1.5], [1, null], [2, 3]]), raw('b', [[0, 7], [5, 8]])]);
    const csv = chartCsv({
      buffer, timeHeader: '時刻 (UTC)', fromSec: T0 / 1000, toSec: T0 / 1000 + 2,
      columns: [{ header: 'a (W)', column: valueColumn(0) }, { header: 'b, "x" (W)', column: valueColumn(1) }],
    });
    expect(csv.startsWith(CSV_BOM)).toBe(true);
    expect(csv.slice(1).split('\r\n')).toEqual([
      '時刻 (UTC),a (W),"b, ""x"" (W)"',
      `${iso(0)},1.5,7`,
      `${iso(1)},,`,
      `${iso(2)},3,`,
      '',
    ]);
  });

  it('names files safely', () => {
    expect(csvFileName(['ups-a1/output.l1.power', '°C', '2026-01-01T0000'])).toBe('ups-a1-output.l1.power_-C_2026-01-01T0000.csv');
  });
});

describe('chart range', () => {
  const at = (now: number) => () => now;

  it('follows now on a preset, pins when panned into the past, follows again when panned back', () => {
    createRoot((dispose) => {
      const now = T0 + 10 * 86_400_000;
      const range = createChartRange('24h', at(now));
      expect(range.range()).toMatchObject({ follow: true, zoomed: false, toMs: now, fromMs: now - PRESET_MS['24h'] });
      range.pan(-0.5);
      expect(range.range()).toMatchObject({ follow: false, zoomed: true, toMs: now - PRESET_MS['24h'] / 2 });
      range.pan(0.5);
      expect(range.range()).toMatchObject({ follow: true, zoomed: false, toMs: now });
      range.zoomTo(now - 3_600_000 - 60_000, now - 60_000); // a selection ending a minute ago, 1 h wide: follows
      expect(range.range()).toMatchObject({ follow: true, zoomed: true, toMs: now, fromMs: now - 3_600_000 });
      range.zoomTo(now - 5 * 3_600_000, now - 4 * 3_600_000);
      expect(range.range()).toMatchObject({ follow: false, zoomed: true });
      range.zoomTo(now - 5 * 3_600_000, now - 5 * 3_600_000 + 10);
      expect(range.range().toMs - range.range().fromMs).toBe(MIN_SPAN_MS);
      range.reset();
      expect(range.range()).toMatchObject({ follow: true, zoomed: false, preset: '24h' });
      dispose();
    });
  });
});
