import * as snmp from 'net-snmp';
import { describe, expect, it } from 'vitest';
import type { ProfilePoint } from '../../profile.ts';
import { applyScale, bufferToBigInt, decodeVarbind, type DecodedValue } from './decode.ts';

const point = (extra: Partial<ProfilePoint> = {}): ProfilePoint => ({ metric: 'm', oid: '1.3.6.1', unit: 'W', kind: 'gauge', ...extra });
const T = snmp.ObjectType;

// Golden vectors: what an agent returns → what the collector records.
const vectors: Array<[string, snmp.Varbind, Partial<ProfilePoint>, DecodedValue]> = [
  ['INTEGER watts', { oid: '1', type: T.Integer, value: 4012 }, {}, { value: 4012, quality: 'ok' }],
  ['0.1 A current', { oid: '1', type: T.Integer, value: 184 }, { scale: 0.1 }, { value: 18.4, quality: 'ok' }],
  ['0.1 Hz frequency', { oid: '1', type: T.Integer, value: 499 }, { scale: 0.1 }, { value: 49.9, quality: 'ok' }],
  ['0.1 V battery', { oid: '1', type: T.Integer, value: 2730 }, { scale: 0.1 }, { value: 273, quality: 'ok' }],
  ['0.01 scale', { oid: '1', type: T.Integer, value: 12345 }, { scale: 0.01 }, { value: 123.45, quality: 'ok' }],
  ['signed battery current', { oid: '1', type: T.Integer, value: -35 }, { scale: 0.1 }, { value: -3.5, quality: 'ok' }],
  ['Gauge32', { oid: '1', type: T.Gauge32, value: 4294967295 }, {}, { value: 4294967295, quality: 'ok' }],
  ['Counter32', { oid: '1', type: T.Counter32, value: 17 }, { kind: 'counter' }, { value: 17, quality: 'ok' }],
  ['TimeTicks', { oid: '1', type: T.TimeTicks, value: 360000 }, { scale: 0.01 }, { value: 3600, quality: 'ok' }],
  ['Counter64 8 bytes', { oid: '1', type: T.Counter64, value: Buffer.from('0000000100000000', 'hex') }, {}, { value: 4294967296, quality: 'ok' }],
  ['Counter64 9 bytes (BER 0x00)', { oid: '1', type: T.Counter64, value: Buffer.from('00ffffffffffffffff', 'hex') }, {}, { value: Number(0xffffffffffffffffn), quality: 'ok' }],
  ['Counter64 Wh scaled to kWh', { oid: '1', type: T.Counter64, value: Buffer.from('0f4240', 'hex') }, { scale: 0.001 }, { value: 1000, quality: 'ok' }],
  ['numeric OctetString', { oid: '1', type: T.OctetString, value: Buffer.from(' 230.5 ') }, {}, { value: 230.5, quality: 'ok' }],
  ['text OctetString', { oid: '1', type: T.OctetString, value: Buffer.from('n/a') }, {}, { value: null, quality: 'sentinel' }],
  ['noSuchObject', { oid: '1', type: T.NoSuchObject, value: null }, {}, { value: null, quality: 'sentinel' }],
  ['noSuchInstance', { oid: '1', type: T.NoSuchInstance, value: null }, {}, { value: null, quality: 'sentinel' }],
  ['endOfMibView', { oid: '1', type: T.EndOfMibView, value: null }, {}, { value: null, quality: 'sentinel' }],
  ['device sentinel -1', { oid: '1', type: T.Integer, value: -1 }, { sentinels: [-1] }, { value: null, quality: 'sentinel' }],
  ['above valid range', { oid: '1', type: T.Integer, value: 999 }, { valid: { max: 200 } }, { value: 999, quality: 'out_of_range' }],
  ['inside valid range', { oid: '1', type: T.Integer, value: 50 }, { valid: { min: 0, max: 200 } }, { value: 50, quality: 'ok' }],
];

describe('decodeVarbind golden vectors', () => {
  it.each(vectors)('%s', (_name, vb, extra, expected) => {
    expect(decodeVarbind(vb, point(extra))).toEqual(expected);
  });
});

describe('helpers', () => {
  it('applyScale avoids binary noise', () => {
    expect(174 * 0.1).not.toBe(17.4);
    expect(applyScale(174, 0.1)).toBe(17.4);
    expect(applyScale(7, undefined)).toBe(7);
  });
  it('bufferToBigInt handles empty, short and 9-byte buffers', () => {
    expect(bufferToBigInt(Buffer.alloc(0))).toBe(0n);
    expect(bufferToBigInt(Buffer.from([1, 0]))).toBe(256n);
    expect(bufferToBigInt(Buffer.from('00ffffffffffffffff', 'hex'))).toBe(0xffffffffffffffffn);
  });
});
