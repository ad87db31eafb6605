/**
 * Register maps as data: each register says where it lives, how it is encoded (type, scale, word order)
 * and how its engineering value is derived from device state. The same definitions drive the wire
 * (RegisterBank) and the documentation (describeRegisterMap / registerMapMarkdown), so the docs cannot
 * drift from what the simulator serves.
 *
 * Also the one set of register encoders (fixed point, 16/32/64-bit words in either word order, packed
 * ASCII strings) that every simulated Modbus device uses, the hand-written APC UPS map included.
 */
import { ModbusException, ModbusExceptionCode, type CommBehaviour, type ModbusUnit, type RegisterTable } from './modbus-server.ts';

export type RegisterType = 'u16' | 's16' | 'u32' | 's32' | 'u64';
/** ABCD = most significant word first; CDAB = least significant word first (for 64-bit: all four words reversed). */
export type WordOrder = 'ABCD' | 'CDAB';
export type RegisterAccess = 'r' | 'rw' | 'w';

export const WORDS_PER_TYPE: Record<RegisterType, number> = { u16: 1, s16: 1, u32: 2, s32: 2, u64: 4 };

export interface RegisterDef<S> {
  table: RegisterTable;
  /** 0-based protocol address (what goes on the wire). */
  address: number;
  name: string;
  type: RegisterType;
  /** Engineering unit of the decoded value ('' for enums, bitfields and plain numbers). */
  unit: string;
  /** raw = round(value × scale); a reader divides by `scale` ("divide by the Scale column"). */
  scale: number;
  access: RegisterAccess;
  description?: string;
  /** Where the address comes from: the vendor's published map, or assigned by Kiban in the vendor's style. */
  source?: 'vendor' | 'kiban';
  /** Integer counters wrap modulo 2^bits instead of saturating. */
  wraps?: boolean;
  /** Engineering value now. Write-only registers read back as 0. */
  read?(state: S): number | bigint;
  /** Only for single-word writable registers: check the raw word, then apply it. */
  write?: { validate(raw: number): boolean; apply(raw: number): void };
}

export interface RegisterMapRow {
  table: RegisterTable;
  functionCodes: string;
  /** 1-based register number as vendor documents write it (30001 + address / 40001 + address). */
  registerNumber: number;
  address: number;
  words: number;
  name: string;
  type: RegisterType;
  unit: string;
  scale: number;
  access: RegisterAccess;
  wordOrder?: WordOrder;
  description?: string;
  source?: 'vendor' | 'kiban';
}

export function registerNumber(table: RegisterTable, address: number): number {
  return (table === 'input' ? 30001 : 40001) + address;
}

/** Raw unsigned integer for a register of `type` from an engineering value. */
export function toRaw(def: Pick<RegisterDef<unknown>, 'type' | 'scale' | 'wraps'>, value: number | bigint): bigint {
  const bits = BigInt(WORDS_PER_TYPE[def.type] * 16);
  const modulus = 1n << bits;
  let raw: bigint;
  if (typeof value === 'bigint') raw = value * BigInt(def.scale);
  else if (!Number.isFinite(value)) raw = 0n;
  else raw = BigInt(Math.round(value * def.scale));
  const signed = def.type === 's16' || def.type === 's32';
  if (def.wraps) return ((raw % modulus) + modulus) % modulus;
  const min = signed ? -(modulus / 2n) : 0n;
  const max = signed ? modulus / 2n - 1n : modulus - 1n;
  if (raw < min) raw = min;
  if (raw > max) raw = max;
  return raw < 0n ? raw + modulus : raw;
}

/** Split a raw value into 16-bit words in the given word order. */
export function toWords(raw: bigint, words: number, order: WordOrder): number[] {
  const msFirst: number[] = [];
  for (let i = words - 1; i >= 0; i--) msFirst.push(Number((raw >> BigInt(i * 16)) & 0xffffn));
  return order === 'ABCD' ? msFirst : msFirst.reverse();
}

/** Inverse of toWords: what a client does with the registers it read. */
export function fromWords(words: number[], order: WordOrder, signed = false): bigint {
  const msFirst = order === 'ABCD' ? words : [...words].reverse();
  let raw = 0n;
  for (const w of msFirst) raw = (raw << 16n) | BigInt(w & 0xffff);
  if (signed) {
    const bits = BigInt(words.length * 16);
    if (raw >= 1n << (bits - 1n)) raw -= 1n << bits;
  }
  return raw;
}

/** One register's words for an engineering value (raw = round(value × scale), saturating unless `wraps`). */
export function encodeWords(type: RegisterType, value: number | bigint, opts: { scale?: number; wraps?: boolean; order?: WordOrder } = {}): number[] {
  return toWords(toRaw({ type, scale: opts.scale ?? 1, wraps: opts.wraps }, value), WORDS_PER_TYPE[type], opts.order ?? 'ABCD');
}

// Short-hands for hand-written maps (the APC UPS map): the same encoding as RegisterBank.
/** Round `value × factor` to an unsigned 16-bit register, saturating at 0 and 0xFFFF (non-finite → 0). */
export const u16 = (value: number, factor = 1): number => encodeWords('u16', value, { scale: factor })[0];
/** Round `value × factor` to a two's-complement signed 16-bit register, saturating at −32768/32767. */
export const s16 = (value: number, factor = 1): number => encodeWords('s16', value, { scale: factor })[0];
/** Binary fixed point (APC): value × 2^scale as an unsigned register. */
export const ufix = (value: number, scale: number): number => u16(value, 2 ** scale);
/** Binary fixed point (APC): value × 2^scale as a signed register. */
export const sfix = (value: number, scale: number): number => s16(value, 2 ** scale);
/** An unsigned 32-bit value as two registers (wraps modulo 2^32 like a hardware counter). */
export const u32Words = (value: number, order: WordOrder = 'ABCD'): number[] => encodeWords('u32', value, { wraps: true, order });
/** A signed 32-bit value as two registers (saturating). */
export const s32Words = (value: number, order: WordOrder = 'ABCD'): number[] => encodeWords('s32', value, { order });

/** ASCII text, 2 characters per register, first character in the high byte, NUL padded/truncated. */
export function stringWords(text: string, registers: number): number[] {
  const bytes = Buffer.alloc(registers * 2);
  bytes.write(text.slice(0, registers * 2), 'latin1');
  return Array.from({ length: registers }, (_, i) => bytes.readUInt16BE(i * 2));
}

/** Inverse of stringWords (trailing NULs dropped). */
export function decodeStringWords(words: number[]): string {
  const bytes = Buffer.alloc(words.length * 2);
  words.forEach((w, i) => bytes.writeUInt16BE(w, i * 2));
  return bytes.toString('latin1').replace(/\0+$/, '');
}

/**
 * Serves one device's register map from its current state. `state()` returning undefined (the device
 * is not in the model) answers exception 4, server device failure.
 */
export class RegisterBank<S> implements Pick<ModbusUnit, 'readRegisters' | 'writeRegisters'> {
  private readonly byTable: Record<RegisterTable, Map<number, { def: RegisterDef<S>; word: number }>>;

  constructor(readonly defs: RegisterDef<S>[], readonly wordOrder: WordOrder, private readonly state: () => S | undefined) {
    this.byTable = { input: new Map(), holding: new Map() };
    for (const def of defs) {
      const n = WORDS_PER_TYPE[def.type];
      if (def.write && n !== 1) throw new Error(`${def.name}: only single-word registers can be writable`);
      for (let word = 0; word < n; word++) {
        const table = this.byTable[def.table];
        if (table.has(def.address + word)) throw new Error(`${def.name}: ${def.table} address ${def.address + word} used twice`);
        table.set(def.address + word, { def, word });
      }
    }
  }

  readRegisters(table: RegisterTable, address: number, count: number): number[] {
    const map = this.byTable[table];
    for (let a = address; a < address + count; a++) {
      if (!map.has(a)) throw new ModbusException(ModbusExceptionCode.illegalDataAddress, `${table} ${a} not mapped`);
    }
    const state = this.state();
    if (state === undefined) throw new ModbusException(ModbusExceptionCode.serverDeviceFailure, 'device not in the model');
    const cache = new Map<RegisterDef<S>, number[]>();
    const out: number[] = [];
    for (let a = address; a < address + count; a++) {
      const { def, word } = map.get(a)!;
      let words = cache.get(def);
      if (!words) {
        const value = def.read ? def.read(state) : 0;
        words = encodeWords(def.type, value, { scale: def.scale, wraps: def.wraps, order: this.wordOrder });
        cache.set(def, words);
      }
      out.push(words[word]);
    }
    return out;
  }

  /** This bank as a Modbus unit that answers under `commBehaviour` (the device's communication faults). */
  asUnit(commBehaviour: () => CommBehaviour): ModbusUnit {
    return {
      readRegisters: (table, address, count) => this.readRegisters(table, address, count),
      writeRegisters: (address, values) => this.writeRegisters(address, values),
      commBehaviour,
    };
  }

  writeRegisters(address: number, values: number[]): void {
    const map = this.byTable.holding;
    const targets = values.map((_, i) => map.get(address + i));
    if (targets.some((t) => t === undefined)) throw new ModbusException(ModbusExceptionCode.illegalDataAddress);
    targets.forEach((t, i) => {
      const w = t!.def.write;
      // Read-only holding registers and out-of-range values are both "illegal data value" (exception 3).
      if (!w || !w.validate(values[i])) throw new ModbusException(ModbusExceptionCode.illegalDataValue, `${t!.def.name}: ${values[i]}`);
    });
    targets.forEach((t, i) => t!.def.write!.apply(values[i]));
  }
}

export function describeRegisterMap<S>(defs: RegisterDef<S>[], wordOrder?: WordOrder): RegisterMapRow[] {
  return defs
    .map((def) => {
      const words = WORDS_PER_TYPE[def.type];
      const functionCodes = def.table === 'input' ? '04' : def.access === 'r' ? '03' : def.access === 'w' ? '06/16' : '03/06/16';
      const row: RegisterMapRow = {
        table: def.table,
        functionCodes,
        registerNumber: registerNumber(def.table, def.address),
        address: def.address,
        words,
        name: def.name,
        type: def.type,
        unit: def.unit,
        scale: def.scale,
        access: def.access,
      };
      if (words > 1 && wordOrder) row.wordOrder = wordOrder;
      if (def.description) row.description = def.description;
      if (def.source) row.source = def.source;
      return row;
    })
    .sort((a, b) => (a.table === b.table ? a.address - b.address : a.table === 'input' ? -1 : 1));
}

/** A markdown table of a register map, for docs/simulators.md. */
export function registerMapMarkdown(rows: RegisterMapRow[]): string {
  const header = '| register | address (0-based) | FC | name | type | unit | scale (divide by) | word order | access | notes |\n|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map((r) => {
    const num = r.words > 1 ? `${r.registerNumber}–${r.registerNumber + r.words - 1}` : `${r.registerNumber}`;
    const note = [r.description, r.source === 'kiban' ? 'address assigned by Kiban' : undefined].filter(Boolean).join('; ');
    return `| ${num} | ${r.address} | ${r.functionCodes} | ${r.name} | ${r.type} | ${r.unit || '—'} | ${r.scale} | ${r.wordOrder ?? '—'} | ${r.access} | ${note} |`;
  });
  return [header, ...lines].join('\n');
}
