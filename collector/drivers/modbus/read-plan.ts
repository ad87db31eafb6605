/**
 * Read planning: coalesce a profile's points into as few requests as the protocol allows (125
 * registers, 2000 bits) without ever reading an address the profile does not name, unless the caller
 * explicitly allows gaps of up to `maxGap` addresses (devices answer exception 2 for unmapped ones).
 */
import { isBitTable, MAX_BITS_PER_READ, MAX_REGISTERS_PER_READ, wordsOf, type ModbusProfilePoint, type ModbusTable } from './profile-schema.ts';

export interface ReadBlock {
  table: ModbusTable;
  /** First address and number of registers (or bits) of the request. */
  start: number;
  count: number;
  /** Indexes into the profile's points that this block answers. */
  points: number[];
}

export interface ReadPlanOptions {
  /** Unmapped addresses a block may span between two points (default 0). */
  maxGap?: number;
  maxRegisters?: number;
  maxBits?: number;
}

const TABLE_ORDER: readonly ModbusTable[] = ['coil', 'discrete', 'input', 'holding'];

export function planReads(points: readonly ModbusProfilePoint[], opts: ReadPlanOptions = {}): ReadBlock[] {
  const maxGap = opts.maxGap ?? 0;
  const blocks: ReadBlock[] = [];
  for (const table of TABLE_ORDER) {
    const limit = isBitTable(table) ? opts.maxBits ?? MAX_BITS_PER_READ : opts.maxRegisters ?? MAX_REGISTERS_PER_READ;
    const spans = points
      .map((p, index) => ({ index, start: p.address, end: p.address + wordsOf(p) - 1, table: p.table }))
      .filter((s) => s.table === table)
      .sort((a, b) => a.start - b.start || a.end - b.end);
    let current: ReadBlock | undefined;
    for (const span of spans) {
      if (span.end - span.start + 1 > limit) throw new RangeError(`point ${points[span.index].metric} needs ${span.end - span.start + 1} ${table} addresses, more than one request can read (${limit})`);
      const end = current ? current.start + current.count - 1 : -1;
      const joinable = current && span.start <= end + 1 + maxGap && Math.max(end, span.end) - current.start + 1 <= limit;
      if (current && joinable) {
        current.count = Math.max(end, span.end) - current.start + 1;
        current.points.push(span.index);
      } else {
        current = { table, start: span.start, count: span.end - span.start + 1, points: [span.index] };
        blocks.push(current);
      }
    }
  }
  return blocks;
}
