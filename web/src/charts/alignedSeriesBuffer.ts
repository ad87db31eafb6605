/**
 * Chart model: time-aligned samples of several series in typed arrays, outside any Solid store.
 *
 * Rows are kept sorted by time in one contiguous window [start, end) of the columns, so the time column
 * can go to uPlot as a zero-copy `subarray`. Old rows are dropped by moving `start`; the columns are
 * compacted or grown (by doubling) only when `end` hits the capacity, so appends are amortised O(1).
 *
 * Each cell has a state: absent (this series has no sample at this time: uPlot joins over it), a value,
 * or a gap (null value, bad quality or missing data: uPlot breaks the line there, `spanGaps: false`).
 */
import type uPlot from 'uplot';

export const CELL_ABSENT = 0;
export const CELL_VALUE = 1;
export const CELL_GAP = 2;
type CellState = typeof CELL_ABSENT | typeof CELL_VALUE | typeof CELL_GAP;

export interface AlignedBufferOptions {
  initialCapacity?: number;
  /** Samples of different series closer than this (seconds) share a row, e.g. one poll of one device. */
  rowMergeToleranceSec?: number;
}

export class AlignedSeriesBuffer {
  readonly seriesCount: number;
  private readonly rowMergeToleranceSec: number;
  private timesSec: Float64Array;
  private values: Float64Array[];
  private cells: Uint8Array[];
  private start = 0;
  private end = 0;
  /** Reused output arrays: uPlot needs `null` for gaps and `undefined` for absent cells. */
  private readonly plotted: (number | null | undefined)[][];

  constructor(seriesCount: number, options: AlignedBufferOptions = {}) {
    const capacity = Math.max(16, options.initialCapacity ?? 1024);
    this.seriesCount = seriesCount;
    this.rowMergeToleranceSec = options.rowMergeToleranceSec ?? 0.5;
    this.timesSec = new Float64Array(capacity);
    this.values = Array.from({ length: seriesCount }, () => new Float64Array(capacity));
    this.cells = Array.from({ length: seriesCount }, () => new Uint8Array(capacity));
    this.plotted = Array.from({ length: seriesCount }, () => []);
  }

  get length(): number {
    return this.end - this.start;
  }

  get capacity(): number {
    return this.timesSec.length;
  }

  clear(): void {
    this.start = 0;
    this.end = 0;
  }

  firstTimeSec(): number | undefined {
    return this.length > 0 ? this.timesSec[this.start] : undefined;
  }

  lastTimeSec(): number | undefined {
    return this.length > 0 ? this.timesSec[this.end - 1] : undefined;
  }

  /**
   * Replaces the whole content with rows already aligned (e.g. by alignTracks): `timesSec` sorted, one
   * values and one cells column per series, all of `timesSec.length`. The columns are copied.
   */
  replaceAll(timesSec: Float64Array, values: readonly Float64Array[], cells: readonly Uint8Array[]): void {
    const rows = timesSec.length;
    if (values.length !== this.seriesCount || cells.length !== this.seriesCount) throw new Error('replaceAll: one column per series');
    if (rows > this.capacity) {
      let capacity = this.capacity;
      while (capacity < rows) capacity *= 2;
      this.timesSec = new Float64Array(capacity);
      this.values = this.values.map(() => new Float64Array(capacity));
      this.cells = this.cells.map(() => new Uint8Array(capacity));
    }
    this.timesSec.set(timesSec);
    for (let s = 0; s < this.seriesCount; s++) {
      this.values[s].set(values[s].subarray(0, rows));
      this.cells[s].set(cells[s].subarray(0, rows));
    }
    this.start = 0;
    this.end = rows;
  }

  /** Value of one cell at a row index (0 = first live row): a number, null (gap) or undefined (absent). */
  cell(seriesIndex: number, rowIndex: number): number | null | undefined {
    const row = this.start + rowIndex;
    const state = this.cells[seriesIndex][row];
    return state === CELL_VALUE ? this.values[seriesIndex][row] : state === CELL_GAP ? null : undefined;
  }

  /** Time (seconds) of a row index (0 = first live row). */
  timeAt(rowIndex: number): number {
    return this.timesSec[this.start + rowIndex];
  }

  /** Index of the first row at or after `timeSec` (binary search; `length` when there is none). */
  rowAtOrAfter(timeSec: number): number {
    let low = this.start;
    let high = this.end;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.timesSec[mid] < timeSec) low = mid + 1;
      else high = mid;
    }
    return low - this.start;
  }

  /** Records a value (or a gap, when `value` is null or not finite) for one series at `timeSec`. */
  set(seriesIndex: number, timeSec: number, value: number | null): void {
    if (seriesIndex < 0 || seriesIndex >= this.seriesCount || !Number.isFinite(timeSec)) return;
    const row = this.rowFor(seriesIndex, timeSec);
    const isValue = value !== null && Number.isFinite(value);
    this.cells[seriesIndex][row] = isValue ? CELL_VALUE : CELL_GAP;
    this.values[seriesIndex][row] = isValue ? value : 0;
  }

  /** Drops every row older than `timeSec`. */
  dropBefore(timeSec: number): void {
    while (this.start < this.end && this.timesSec[this.start] < timeSec) this.start++;
    if (this.start === this.end) this.clear();
  }

  /** Number of plotted values (cells holding a finite number) across all series. */
  valueCount(): number {
    let count = 0;
    for (const cells of this.cells) {
      for (let row = this.start; row < this.end; row++) if (cells[row] === CELL_VALUE) count++;
    }
    return count;
  }

  /** The data in uPlot's aligned form. The arrays are reused: pass them to `setData` right away. */
  toAlignedData(): uPlot.AlignedData {
    const rows = this.length;
    for (let series = 0; series < this.seriesCount; series++) {
      const out = this.plotted[series];
      const cells = this.cells[series];
      const values = this.values[series];
      out.length = rows;
      for (let i = 0; i < rows; i++) {
        const row = this.start + i;
        const cell = cells[row] as CellState;
        out[i] = cell === CELL_VALUE ? values[row] : cell === CELL_GAP ? null : undefined;
      }
    }
    return [this.timesSec.subarray(this.start, this.end), ...this.plotted] as uPlot.AlignedData;
  }

  private rowFor(seriesIndex: number, timeSec: number): number {
    if (this.length === 0 || timeSec > this.timesSec[this.end - 1]) {
      const last = this.end - 1;
      if (this.length > 0 && timeSec - this.timesSec[last] <= this.rowMergeToleranceSec
        && this.cells[seriesIndex][last] === CELL_ABSENT) {
        return last;
      }
      return this.insertRow(this.end, timeSec);
    }
    // Out of order (late or backfilled sample): binary search for the row or its insertion point.
    let low = this.start;
    let high = this.end;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.timesSec[mid] < timeSec) low = mid + 1;
      else high = mid;
    }
    if (low < this.end && this.timesSec[low] === timeSec) return low;
    return this.insertRow(low, timeSec);
  }

  /** Inserts an all-absent row before `position` (an absolute index in [start, end]). */
  private insertRow(position: number, timeSec: number): number {
    if (this.end === this.capacity) {
      const offset = position - this.start;
      this.makeRoom();
      position = this.start + offset;
    }
    if (position < this.end) {
      this.timesSec.copyWithin(position + 1, position, this.end);
      for (let s = 0; s < this.seriesCount; s++) {
        this.values[s].copyWithin(position + 1, position, this.end);
        this.cells[s].copyWithin(position + 1, position, this.end);
      }
    }
    this.end++;
    this.timesSec[position] = timeSec;
    for (let s = 0; s < this.seriesCount; s++) {
      this.values[s][position] = 0;
      this.cells[s][position] = CELL_ABSENT;
    }
    return position;
  }

  /** Compacts the live rows to index 0, doubling the capacity when they fill more than half of it. */
  private makeRoom(): void {
    const rows = this.length;
    const capacity = rows * 2 > this.capacity ? this.capacity * 2 : this.capacity;
    const move = <T extends Float64Array | Uint8Array>(column: T, make: (n: number) => T): T => {
      if (capacity === column.length) {
        column.copyWithin(0, this.start, this.end);
        return column;
      }
      const grown = make(capacity);
      grown.set(column.subarray(this.start, this.end));
      return grown;
    };
    this.timesSec = move(this.timesSec, (n) => new Float64Array(n));
    this.values = this.values.map((column) => move(column, (n) => new Float64Array(n)));
    this.cells = this.cells.map((column) => move(column, (n) => new Uint8Array(n)));
    this.start = 0;
    this.end = rows;
  }
}
