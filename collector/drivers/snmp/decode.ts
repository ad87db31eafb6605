/**
 * Varbind → reading, as a pure function so that golden vectors can pin the behaviour down.
 */
import * as snmp from 'net-snmp';
import type { SampleQuality } from '../../../server/contracts/ingest.ts';
import type { SnmpProfilePoint } from '../../profile.ts';

export interface DecodedValue {
  value: number | null;
  quality: SampleQuality;
}

/** Multiply by the profile scale without binary noise (174 × 0.1 → 17.4, not 17.400000000000002). */
export function applyScale(raw: number, scale: number | undefined): number {
  if (scale === undefined || scale === 1) return raw;
  return Number.parseFloat((raw * scale).toPrecision(15));
}

/** Counter64 arrives as a big-endian Buffer, sometimes 9 bytes with a BER leading 0x00. */
export function bufferToBigInt(buffer: Buffer): bigint {
  return buffer.length === 0 ? 0n : BigInt(`0x${buffer.toString('hex')}`);
}

function rawNumber(vb: snmp.Varbind): number | undefined {
  const { value } = vb;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (Buffer.isBuffer(value)) {
    if (vb.type === snmp.ObjectType.Counter64) return Number(bufferToBigInt(value));
    if (vb.type === snmp.ObjectType.OctetString) {
      // Some agents report numbers as text, e.g. "230.5".
      const text = value.toString('latin1').trim();
      return /^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text) ? Number(text) : undefined;
    }
  }
  return undefined;
}

/** The number a varbind carries (Counter64 via BigInt, numeric text), or undefined for errors and text. */
export function varbindNumber(vb: snmp.Varbind): number | undefined {
  if (snmp.isVarbindError(vb)) return undefined;
  const raw = rawNumber(vb);
  return raw !== undefined && Number.isFinite(raw) ? raw : undefined;
}

/** The scaling fields a scalar point and a table column share. */
export type ScaledPoint = Pick<SnmpProfilePoint, 'scale' | 'sentinels' | 'valid'> & { divisor?: number };

/**
 * Raw → value: × scale ÷ divisor × 10^exponent (the exponent comes from sibling columns: −decimal digits
 * for Raritan, 3·(scale−9) − precision for ENTITY-SENSOR), rounded to 15 significant digits.
 */
export function decodeVarbind(vb: snmp.Varbind, point: ScaledPoint, exponent = 0): DecodedValue {
  const raw = varbindNumber(vb);
  if (raw === undefined) return { value: null, quality: 'sentinel' };
  if (point.sentinels?.includes(raw)) return { value: null, quality: 'sentinel' };
  const factor = (point.scale ?? 1) / (point.divisor ?? 1);
  const value = factor === 1 && exponent === 0 ? raw
    : exponent === 0 ? applyScale(raw, factor)
      : exponent < 0 ? Number.parseFloat((raw * factor / 10 ** -exponent).toPrecision(15))
        : Number.parseFloat((raw * factor * 10 ** exponent).toPrecision(15));
  const { min, max } = point.valid ?? {};
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) return { value, quality: 'out_of_range' };
  return { value, quality: 'ok' };
}
