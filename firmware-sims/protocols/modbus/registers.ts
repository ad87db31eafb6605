/**
 * Encoding engineering values into 16-bit Modbus registers: unsigned/signed fixed point (decimal or
 * binary scale), 32-bit values in a chosen word order, and packed ASCII strings.
 */

export type WordOrder = 'ABCD' | 'CDAB';

/** Round `value × factor` to an unsigned 16-bit register, saturating at 0 and 0xFFFF. */
export function u16(value: number, factor = 1): number {
  const raw = Math.round(value * factor);
  return Number.isFinite(raw) ? Math.min(0xffff, Math.max(0, raw)) : 0;
}

/** Round `value × factor` to a two's-complement signed 16-bit register, saturating at ±32767/−32768. */
export function s16(value: number, factor = 1): number {
  const raw = Math.round(value * factor);
  const clamped = Number.isFinite(raw) ? Math.min(0x7fff, Math.max(-0x8000, raw)) : 0;
  return clamped & 0xffff;
}

/** Binary fixed point (APC): value × 2^scale as an unsigned register. */
export const ufix = (value: number, scale: number): number => u16(value, 2 ** scale);
/** Binary fixed point (APC): value × 2^scale as a signed register. */
export const sfix = (value: number, scale: number): number => s16(value, 2 ** scale);

/** An unsigned 32-bit value as two registers (wraps modulo 2^32 like a hardware counter). */
export function u32Words(value: number, order: WordOrder = 'ABCD'): [number, number] {
  const v = Math.round(value);
  const wrapped = ((v % 2 ** 32) + 2 ** 32) % 2 ** 32;
  const hi = Math.floor(wrapped / 0x10000);
  const lo = wrapped % 0x10000;
  return order === 'ABCD' ? [hi, lo] : [lo, hi];
}

/** A signed 32-bit value as two registers (saturating). */
export function s32Words(value: number, order: WordOrder = 'ABCD'): [number, number] {
  const v = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(value)));
  return u32Words(v < 0 ? v + 2 ** 32 : v, order);
}

/** ASCII text, 2 characters per register, first character in the high byte, NUL padded/truncated. */
export function stringWords(text: string, registers: number): number[] {
  const bytes = Buffer.alloc(registers * 2);
  bytes.write(text.slice(0, registers * 2), 'latin1');
  return Array.from({ length: registers }, (_, i) => bytes.readUInt16BE(i * 2));
}

export function decodeStringWords(words: number[]): string {
  const bytes = Buffer.alloc(words.length * 2);
  words.forEach((w, i) => bytes.writeUInt16BE(w, i * 2));
  return bytes.toString('latin1').replace(/\0+$/, '');
}
