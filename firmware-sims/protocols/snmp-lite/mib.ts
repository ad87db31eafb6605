/**
 * A MIB view as a sorted array of object instances whose values are computed from a per-request
 * context. The array (OIDs, pre-encoded OID TLVs, read functions) depends only on the device's
 * structure, so thousands of devices of the same model share one template; only the context differs.
 */
import { encodeOid, ErrorStatus, type SnmpValue } from './ber.ts';

export type Oid = readonly number[];

export function parseOid(text: string): number[] {
  const trimmed = text.startsWith('.') ? text.slice(1) : text;
  if (!/^\d+(\.\d+)+$/.test(trimmed)) throw new Error(`not a numeric OID: ${text}`);
  return trimmed.split('.').map(Number);
}

export function formatOid(oid: Oid): string {
  return oid.join('.');
}

export function compareOids(a: Oid, b: Oid): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

export function oidStartsWith(oid: Oid, prefix: Oid): boolean {
  if (oid.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (oid[i] !== prefix[i]) return false;
  return true;
}

export interface MibWrite<C> {
  /** Validate a SET value; return an ErrorStatus (noError to accept). Must not change anything. */
  check(ctx: C, type: number, value: SnmpValue): number;
  /** Apply a value that passed `check` (called only when every varbind of the request passed). */
  apply(ctx: C, value: SnmpValue): void;
}

export interface MibInstanceDefinition<C> {
  oid: number[];
  /** Number of leading arcs naming the object (without the instance), to tell noSuchObject from noSuchInstance. */
  objectLength: number;
  type: number;
  read(ctx: C): SnmpValue;
  write?: MibWrite<C>;
}

export interface MibEntry<C> extends MibInstanceDefinition<C> {
  /** The encoded OID TLV, reused in every response. */
  oidTlv: Buffer;
}

export class MibTemplate<C> {
  readonly entries: MibEntry<C>[];

  constructor(definitions: MibInstanceDefinition<C>[]) {
    const sorted = [...definitions].sort((a, b) => compareOids(a.oid, b.oid));
    for (let i = 1; i < sorted.length; i++) {
      if (compareOids(sorted[i - 1].oid, sorted[i].oid) === 0) throw new Error(`duplicate OID ${formatOid(sorted[i].oid)}`);
    }
    this.entries = sorted.map((d) => ({ ...d, oidTlv: encodeOid(d.oid) }));
  }

  /** Index of the instance with exactly this OID, or -1. */
  indexOf(oid: Oid): number {
    const i = this.lowerBound(oid);
    return i < this.entries.length && compareOids(this.entries[i].oid, oid) === 0 ? i : -1;
  }

  /** Index of the first instance whose OID is strictly greater than `oid` (entries.length at the end). */
  nextIndex(oid: Oid): number {
    let i = this.lowerBound(oid);
    if (i < this.entries.length && compareOids(this.entries[i].oid, oid) === 0) i++;
    return i;
  }

  /** True when `oid` names an instance of an object this view has (so a missing instance is noSuchInstance). */
  hasObjectFor(oid: Oid): boolean {
    const i = this.lowerBound(oid);
    for (const j of [i - 1, i]) {
      const e = this.entries[j];
      if (e && oid.length > e.objectLength && oidStartsWith(oid, e.oid.slice(0, e.objectLength))) return true;
    }
    return false;
  }

  private lowerBound(oid: Oid): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareOids(this.entries[mid].oid, oid) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** A write handler for an INTEGER object that accepts only the listed values. */
export function integerWrite<C>(allowed: readonly number[], apply: (ctx: C, value: number) => void): MibWrite<C> {
  return {
    check: (_ctx, type, value) => {
      if (type !== 0x02 || typeof value !== 'number') return ErrorStatus.wrongType;
      return allowed.includes(value) ? ErrorStatus.noError : ErrorStatus.wrongValue;
    },
    apply: (ctx, value) => apply(ctx, value as number),
  };
}
