/**
 * Registers → reading, as pure functions so golden vectors can pin the behaviour down: word and byte
 * order, 16/32/64-bit integers and IEEE floats, bitfields, strings, sentinels, binary and decimal
 * scaling, offset and the plausible range.
 */
import type { SampleQuality } from '../../../server/contracts/ingest.ts';
import { isBitTable, wordsOf, type ModbusProfilePoint, type ModbusType, type WordOrder } from './profile-schema.ts';

export interface DecodedValue {
  value: number | null;
  quality: SampleQuality;
}

/**
 * The big-endian bytes of a multi-register value read in `order` (see WORD_ORDERS): ABCD as is, CDAB
 * words reversed, BADC bytes of each word swapped, DCBA both.
 */
export function bigEndianBytes(words: readonly number[], order: WordOrder): Buffer {
  const wordsMsFirst = order === 'CDAB' || order === 'DCBA' ? [...words].reverse() : words;
  const swapBytes = order === 'BADC' || order === 'DCBA';
  const out = Buffer.alloc(words.length * 2);
  wordsMsFirst.forEach((w, i) => {
    const word = w & 0xffff;
    out.writeUInt16BE(swapBytes ? ((word & 0xff) << 8) | (word >> 8) : word, i * 2);
  });
  return out;
}

/** Unsigned integer of 1–4 registers (bitfields). */
export function unsignedOf(words: readonly number[], order: WordOrder): bigint {
  const bytes = bigEndianBytes(words, order);
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}

/** The raw number a register set encodes, before scaling; NaN/±Infinity for such floats. */
export function rawNumber(words: readonly number[], type: Exclude<ModbusType, 'string'>, order: WordOrder, bit?: number): number {
  const b = bigEndianBytes(words, order);
  switch (type) {
    case 'u16': return b.readUInt16BE(0);
    case 's16': return b.readInt16BE(0);
    case 'u32': return b.readUInt32BE(0);
    case 's32': return b.readInt32BE(0);
    // Exact up to 2^53 Wh; energy counters never get there (1 PWh).
    case 'u64': return Number(b.readBigUInt64BE(0));
    case 'f32': return b.readFloatBE(0);
    case 'f64': return b.readDoubleBE(0);
    case 'bitfield': {
      const all = unsignedOf(words, order);
      return bit === undefined ? Number(all) : Number((all >> BigInt(bit)) & 1n);
    }
  }
}

/** ASCII/Latin-1 text, 2 characters per register with the first in the high byte, trailing NULs and blanks dropped. */
export function decodeString(words: readonly number[]): string {
  const text = bigEndianBytes(words, 'ABCD').toString('latin1');
  const nul = text.indexOf('\0');
  return (nul >= 0 ? text.slice(0, nul) : text).trimEnd();
}

/** raw / 2^binaryScale × scale + offset, without binary noise (174 × 0.1 → 17.4). */
export function scaleValue(raw: number, point: Pick<ModbusProfilePoint, 'scale' | 'binaryScale' | 'offset'>): number {
  let value = raw;
  if (point.binaryScale) value /= 2 ** point.binaryScale;
  if (point.scale !== undefined && point.scale !== 1) value *= point.scale;
  if (point.offset) value += point.offset;
  return value === raw ? value : Number.parseFloat(value.toPrecision(15));
}

/** Judge a raw number by the point's sentinels, scaling and plausible range. */
export function decodeRaw(raw: number, point: ModbusProfilePoint): DecodedValue {
  if (!Number.isFinite(raw)) return { value: null, quality: 'sentinel' };
  if (point.sentinels?.includes(raw)) return { value: null, quality: 'sentinel' };
  const value = scaleValue(raw, point);
  const { min, max } = point.valid ?? {};
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) return { value, quality: 'out_of_range' };
  return { value, quality: 'ok' };
}

/**
 * One point from the registers it occupies (exactly wordsOf(point) of them). `defaultOrder` is the
 * target's or profile's word order; the point's own `wordOrder` wins.
 */
export function decodeRegisters(words: readonly number[], point: ModbusProfilePoint, defaultOrder: WordOrder = 'ABCD'): DecodedValue {
  if (point.type === 'string') return { value: null, quality: 'sentinel' };
  return decodeRaw(rawNumber(words, point.type, point.wordOrder ?? defaultOrder, point.bit), point);
}

/** A coil or discrete input: 1 or 0. */
export function decodeBit(bit: boolean, point: ModbusProfilePoint): DecodedValue {
  return decodeRaw(bit ? 1 : 0, point);
}

/**
 * One point out of a block read from `blockStart` (registers, or bits as 0/1 for coils and discrete
 * inputs): what the driver does with every response.
 */
export function decodeFromBlock(point: ModbusProfilePoint, data: readonly number[], blockStart: number, defaultOrder: WordOrder = 'ABCD'): DecodedValue {
  const offset = point.address - blockStart;
  if (isBitTable(point.table)) return offset < data.length ? decodeBit(data[offset] !== 0, point) : { value: null, quality: 'sentinel' };
  const words = data.slice(offset, offset + wordsOf(point));
  if (offset < 0 || words.length < wordsOf(point)) return { value: null, quality: 'sentinel' };
  return decodeRegisters(words, point, defaultOrder);
}
