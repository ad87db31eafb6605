/**
 * The Modbus half of a device profile: where each point lives (table, 0-based protocol address), how
 * its registers encode it (type, word order, scaling) — as data, validated at load time.
 */
import { z } from 'zod';
import { commonPointFields, identityMapSchema } from '../../profile-common.ts';

export const MODBUS_TABLES = ['coil', 'discrete', 'input', 'holding'] as const;
export type ModbusTable = (typeof MODBUS_TABLES)[number];
export const MODBUS_TYPES = ['u16', 's16', 'u32', 's32', 'u64', 'f32', 'f64', 'string', 'bitfield'] as const;
export type ModbusType = (typeof MODBUS_TYPES)[number];
/**
 * Byte order of a multi-register value, named by where the bytes A (most significant) … D land:
 * ABCD big-endian words and bytes; CDAB words swapped; BADC bytes swapped inside each word; DCBA both.
 * For 64-bit values "words swapped" means all four words in ascending significance (as meters that
 * are "low word first" do), and BADC/DCBA swap the bytes of each word on top of that.
 */
export const WORD_ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;
export type WordOrder = (typeof WORD_ORDERS)[number];

/** Registers per type; `string` and `bitfield` take `words` (default 1). */
export const WORDS_OF_TYPE: Record<Exclude<ModbusType, 'string' | 'bitfield'>, number> = { u16: 1, s16: 1, u32: 2, s32: 2, u64: 4, f32: 2, f64: 4 };
/** Protocol limits of one read request: FC03/04 125 registers, FC01/02 2000 bits. */
export const MAX_REGISTERS_PER_READ = 125;
export const MAX_BITS_PER_READ = 2000;
const LAST_ADDRESS = 65535;

export function isBitTable(table: ModbusTable): boolean {
  return table === 'coil' || table === 'discrete';
}

/** How many addresses a point occupies (bits for coil/discrete, registers otherwise). */
export function wordsOf(point: { table: ModbusTable; type: ModbusType; words?: number }): number {
  if (isBitTable(point.table)) return 1;
  if (point.type === 'string' || point.type === 'bitfield') return point.words ?? 1;
  return WORDS_OF_TYPE[point.type];
}

const unitId = z.number().int().min(0).max(255);

export const modbusPointSchema = z.strictObject({
  ...commonPointFields,
  table: z.enum(MODBUS_TABLES),
  /** 0-based protocol address (holding 40001 in vendor documents is address 0). */
  address: z.number().int().min(0).max(LAST_ADDRESS),
  type: z.enum(MODBUS_TYPES),
  /** Registers of a string (2 characters each) or a bitfield (1–4). */
  words: z.number().int().min(1).max(MAX_REGISTERS_PER_READ).optional(),
  /** Bit of a bitfield (0 = least significant); the point's value is then 0 or 1. */
  bit: z.number().int().min(0).max(63).optional(),
  /** Overrides the profile's (and the target's) word order for this field. */
  wordOrder: z.enum(WORD_ORDERS).optional(),
  /** Decimal multiplier from the raw integer to the unit, e.g. 0.1 for tenths. */
  scale: z.number().finite().refine((s) => s !== 0, 'scale must not be 0').optional(),
  /** Binary fixed point (APC style): value = raw / 2^binaryScale. */
  binaryScale: z.number().int().min(-63).max(63).optional(),
  /** Added after scaling. */
  offset: z.number().finite().optional(),
}).superRefine((p, ctx) => {
  const bitTable = isBitTable(p.table);
  if (bitTable && p.type !== 'bitfield') ctx.addIssue({ code: 'custom', path: ['type'], message: `${p.table} points are single bits: use type bitfield` });
  if (bitTable && (p.words !== undefined || p.bit !== undefined)) ctx.addIssue({ code: 'custom', path: [p.words !== undefined ? 'words' : 'bit'], message: `${p.table} points are single bits: no words or bit` });
  if (p.type === 'string') ctx.addIssue({ code: 'custom', path: ['type'], message: 'a string register is not a sample value: list it under identity' });
  if (p.words !== undefined && p.type !== 'bitfield' && p.type !== 'string') ctx.addIssue({ code: 'custom', path: ['words'], message: `words is only for bitfield and string (${p.type} has ${WORDS_OF_TYPE[p.type as keyof typeof WORDS_OF_TYPE]})` });
  if (p.type === 'bitfield' && !bitTable && (p.words ?? 1) > 4) ctx.addIssue({ code: 'custom', path: ['words'], message: 'a bitfield has at most 4 registers (64 bits)' });
  if (p.bit !== undefined && p.type !== 'bitfield') ctx.addIssue({ code: 'custom', path: ['bit'], message: 'bit is only for type bitfield' });
  if (p.bit !== undefined && p.bit >= 16 * (p.words ?? 1)) ctx.addIssue({ code: 'custom', path: ['bit'], message: `bit ${p.bit} is outside a ${p.words ?? 1}-register bitfield` });
  const last = p.address + wordsOf(p) - 1;
  if (last > LAST_ADDRESS) ctx.addIssue({ code: 'custom', path: ['address'], message: `address ${p.address} + ${wordsOf(p)} registers ends at ${last}, beyond the last Modbus address ${LAST_ADDRESS}` });
});
export type ModbusProfilePoint = z.infer<typeof modbusPointSchema>;

/**
 * Where one identity field sits: a string of `words` registers (2 characters each, high byte first, trailing
 * NULs and blanks dropped) or an unsigned number (e.g. an outlet count). Read when polling starts and every
 * identityIntervalMs, not sampled.
 */
export const modbusIdentitySourceSchema = z.strictObject({
  table: z.enum(['input', 'holding']),
  address: z.number().int().min(0).max(LAST_ADDRESS),
  type: z.enum(['string', 'u16', 'u32']).default('string'),
  /** Registers of a string. */
  words: z.number().int().min(1).max(MAX_REGISTERS_PER_READ).optional(),
}).superRefine((f, ctx) => {
  if (f.type === 'string' && f.words === undefined) ctx.addIssue({ code: 'custom', path: ['words'], message: 'a string needs words (registers, 2 characters each)' });
  if (f.type !== 'string' && f.words !== undefined) ctx.addIssue({ code: 'custom', path: ['words'], message: `words is only for strings (${f.type} has ${WORDS_OF_TYPE[f.type]})` });
  const words = f.type === 'string' ? f.words ?? 1 : WORDS_OF_TYPE[f.type];
  if (f.address + words - 1 > LAST_ADDRESS) ctx.addIssue({ code: 'custom', path: ['address'], message: 'runs beyond the last Modbus address 65535' });
});
export type ModbusIdentitySource = z.infer<typeof modbusIdentitySourceSchema>;

/**
 * `identity:` of a Modbus profile: identity field → registers. The older list form
 * (`- { field: serial, table, address, words }`) is read as the same map.
 */
export const modbusIdentitySchema = z.preprocess(
  (v) => (Array.isArray(v) ? Object.fromEntries(v.map((e) => {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) return ['', e];
    const { field, ...source } = e as Record<string, unknown>;
    return [String(field), source];
  })) : v),
  identityMapSchema(modbusIdentitySourceSchema),
);

/** Profile-level Modbus settings (merged into the profile object of `protocol: modbus`). */
export const modbusProfileFields = {
  /** Default unit id (a target may override it, e.g. behind a gateway). */
  unitId: unitId.optional(),
  /** Default word order of multi-register values (a target may override it; a field's own wins). */
  wordOrder: z.enum(WORD_ORDERS).optional(),
  /**
   * Unmapped registers a read may span to coalesce points into fewer requests. Only set it where the
   * device is known to answer the whole range (default 0: reads never touch an address not in the profile).
   */
  maxGap: z.number().int().min(0).max(MAX_REGISTERS_PER_READ - 1).optional(),
  /** Identity field → registers (see modbusIdentitySourceSchema). */
  identity: modbusIdentitySchema.optional(),
  points: z.array(modbusPointSchema).min(1),
};
