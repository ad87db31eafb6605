/**
 * The SNMP half of a device profile: scalar OIDs and tables (column OIDs whose instance suffix is an
 * index such as `<pduId>.<outlet>.<sensorType>`), with fixed scales, decimal digits from a sibling
 * column (Raritan) or ENTITY-SENSOR scale/precision columns — as data, validated at load time.
 */
import { z } from 'zod';
import { commonPointFields, metricName } from '../../profile-common.ts';

export const numericOid = z.string().regex(/^\.?\d+(\.\d+)+$/, 'numeric OID such as 1.3.6.1.2.1.33.1.4.1.0')
  .transform((oid) => (oid.startsWith('.') ? oid.slice(1) : oid));

const scaleField = z.number().finite().refine((s) => s !== 0, 'scale must not be 0');
/** Raw ÷ divisor, for factors YAML cannot write exactly (TimeTicks ÷ 6000 → minutes). */
const divisorField = z.number().finite().refine((d) => d !== 0, 'divisor must not be 0');

export const snmpPointSchema = z.strictObject({
  ...commonPointFields,
  oid: numericOid,
  /** Multiplier from the device's integer to the unit, e.g. 0.1 for a value in tenths. */
  scale: scaleField.optional(),
  divisor: divisorField.optional(),
});
export type SnmpProfilePoint = z.infer<typeof snmpPointSchema>;

/** Hard bounds of one table walk (rows per column, GETBULK repetitions). */
export const MAX_TABLE_ROWS = 10_000;
export const MAX_REPETITIONS = 100;

const indexName = z.string().regex(/^[a-z][A-Za-z0-9_]*$/, 'index component names are identifiers such as outlet or sensorType');
/** An index component must equal one value or be one of several. */
const indexMatch = z.record(indexName, z.union([z.number().int(), z.array(z.number().int()).min(1)]));
/** A sibling column (same index) whose value decides something about the reading. */
const siblingValues = z.strictObject({ oid: numericOid, values: z.array(z.number().int()).min(1) });
const TEMPLATE = /\{([A-Za-z0-9_]+)\}/g;

export const snmpColumnSchema = z.strictObject({
  ...commonPointFields,
  /** Template over the index components, e.g. `outlet.{outlet}.power`. */
  metric: z.string().min(1).max(128).regex(/^[a-z0-9{][a-zA-Z0-9._{}]*$/, 'lower-case letters, digits, . _ and {index} placeholders only'),
  /** Column OID; the rest of each instance OID is the row index. */
  oid: numericOid,
  /** Only rows whose index components have these values, e.g. `{sensorType: 5}`. */
  match: indexMatch.optional(),
  /** Only rows whose sibling column has one of these values (e.g. entPhySensorType 8 = celsius). */
  where: siblingValues.optional(),
  /** Sibling column that must hold one of these values for the reading to count (else sentinel). */
  available: siblingValues.optional(),
  scale: scaleField.optional(),
  divisor: divisorField.optional(),
  /** Sibling column holding the number of decimal digits: value ÷ 10^digits (Raritan PDU2-MIB). */
  decimalDigitsOid: numericOid.optional(),
  /** ENTITY-SENSOR-MIB: value × 10^(3·(scale−9)) × 10^(−precision) from these sibling columns. */
  entitySensor: z.strictObject({ scaleOid: numericOid, precisionOid: numericOid }).optional(),
});
export type SnmpColumnPoint = z.infer<typeof snmpColumnSchema>;

export const snmpTableSchema = z.strictObject({
  name: z.string().min(1).max(64),
  description: z.string().max(512).optional(),
  /** Names of the index components after the column OID, e.g. `[pduId, outlet, sensorType]`. */
  index: z.array(indexName).min(1).max(8),
  /** Index filter common to every column of the table. */
  match: indexMatch.optional(),
  /** At most this many rows per column; a longer walk fails with an error naming the column. */
  maxRows: z.number().int().min(1).max(MAX_TABLE_ROWS).optional(),
  columns: z.array(snmpColumnSchema).min(1),
}).superRefine((t, ctx) => {
  const names = new Set(t.index);
  if (names.size !== t.index.length) ctx.addIssue({ code: 'custom', path: ['index'], message: 'index component names must be unique' });
  const checkMatch = (m: Record<string, unknown> | undefined, path: PropertyKey[]) => {
    for (const k of Object.keys(m ?? {})) if (!names.has(k)) ctx.addIssue({ code: 'custom', path: [...path, k], message: `'${k}' is not an index component (${t.index.join(', ')})` });
  };
  checkMatch(t.match, ['match']);
  t.columns.forEach((c, i) => {
    checkMatch(c.match, ['columns', i, 'match']);
    for (const [, name] of c.metric.matchAll(TEMPLATE)) {
      if (!names.has(name)) ctx.addIssue({ code: 'custom', path: ['columns', i, 'metric'], message: `placeholder {${name}} is not an index component (${t.index.join(', ')})` });
    }
    const sample = c.metric.replace(TEMPLATE, '1');
    if (/[{}]/.test(sample) || !metricName.safeParse(sample).success) ctx.addIssue({ code: 'custom', path: ['columns', i, 'metric'], message: 'metric template must give lower-case letters, digits, . and _ only' });
    const scalings = [c.scale !== undefined || c.divisor !== undefined, c.decimalDigitsOid !== undefined, c.entitySensor !== undefined].filter(Boolean).length;
    if (scalings > 1) ctx.addIssue({ code: 'custom', path: ['columns', i], message: 'use one of scale/divisor, decimalDigitsOid or entitySensor' });
  });
});
export type SnmpTable = z.infer<typeof snmpTableSchema>;

/** Fill a metric (or description) template with one row's index components. */
export function fillTemplate(template: string, labels: Record<string, number>): string {
  return template.replace(TEMPLATE, (whole, name: string) => (name in labels ? String(labels[name]) : whole));
}

/** Profile-level SNMP settings (merged into the profile object of `protocol: snmp`). */
export const snmpProfileFields = {
  points: z.array(snmpPointSchema).min(1),
  tables: z.array(snmpTableSchema).optional(),
  /** GETBULK max-repetitions of table walks (default 25). */
  maxRepetitions: z.number().int().min(1).max(MAX_REPETITIONS).optional(),
};

/** SNMPv3 USM user of a target (authPriv), as a collector config or the simulator lists it. */
export const snmpV3UserSchema = z.object({
  user: z.string().min(1).max(32),
  authKey: z.string().min(8, 'USM keys have at least 8 characters'),
  privKey: z.string().min(8, 'USM keys have at least 8 characters'),
  authProtocol: z.enum(['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512']).optional(),
  privProtocol: z.enum(['des', 'aes', 'aes256b', 'aes256r']).optional(),
});
