/**
 * The SNMP half of a device profile: scalar OIDs and tables (column OIDs whose instance suffix is an
 * index such as `<pduId>.<outlet>.<sensorType>`), with fixed scales, decimal digits from a sibling
 * column (Raritan) or ENTITY-SENSOR scale/precision columns — as data, validated at load time.
 */
import { z } from 'zod';
import { EVENT_SEVERITIES } from '../../../server/contracts/ingest.ts';
import { commonPointFields, identityMapSchema, metricName } from '../../profile-common.ts';

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

/** Event names are stable machine names, e.g. `ups.on_battery`. */
export const eventName = z.string().min(1).max(128).regex(/^[a-z0-9][a-z0-9._]*$/, 'lower-case letters, digits, . and _ only');
const varbindName = z.string().regex(/^[a-z][A-Za-z0-9_]*$/, 'varbind names are identifiers such as minutesRemaining').max(64);
const TRAP_RESERVED = new Set(['device', 'trapOid', 'agent']);

/** One object a notification carries, decoded into an event attribute named `name`. */
export const trapVarbindSchema = z.strictObject({
  name: varbindName,
  /** Object OID; a varbind matches it exactly or with any instance suffix (`.0`, `.<alarmId>`). */
  oid: numericOid,
  scale: scaleField.optional(),
  divisor: divisorField.optional(),
  /** Labels of raw values (integers or OIDs such as a well-known alarm), used in messages and attributes. */
  states: z.record(z.string().regex(/^-?\d+$|^\d+(\.\d+)+$/, 'state keys are integer values or numeric OIDs'), z.string().min(1).max(64)).optional(),
});

/** A point update the notification implies at once (a sample with the trap's receive time). */
export const trapSetPointSchema = z.strictObject({
  /** A metric of this profile's `points`. */
  metric: z.string().min(1).max(128),
  /** The value in the metric's unit (for an enumerated point: the raw state number). */
  value: z.number().finite().optional(),
  /** Or the (scaled) value of one of the trap's varbinds. */
  varbind: varbindName.optional(),
  /** Only when this varbind has this value (its label when it has states, else the number). */
  when: z.strictObject({ varbind: varbindName, equals: z.union([z.string(), z.number()]) }).optional(),
}).refine((s) => (s.value === undefined) !== (s.varbind === undefined), 'give exactly one of value or varbind');

/** One notification (snmpTrapOID.0 value) → one event. */
export const snmpTrapSchema = z.strictObject({
  /** snmpTrapOID.0; a v1 trap's OID is `<enterprise>.0.<specific>` (RFC 3584), e.g. 1.3.6.1.4.1.318.0.5. */
  oid: numericOid,
  name: eventName,
  severity: z.enum(EVENT_SEVERITIES),
  /** Text with `{varbind}` placeholders (and `{device}`, `{trapOid}`, `{agent}`). */
  message: z.string().min(1).max(512),
  description: z.string().max(512).optional(),
  varbinds: z.array(trapVarbindSchema).max(32).optional(),
  /** Severity by a varbind's value (label or number), e.g. which well-known alarm was added; else `severity`. */
  severityBy: z.strictObject({ varbind: varbindName, values: z.record(z.string().min(1).max(64), z.enum(EVENT_SEVERITIES)) }).optional(),
  setPoints: z.array(trapSetPointSchema).max(16).optional(),
}).superRefine((t, ctx) => {
  const names = new Set<string>();
  (t.varbinds ?? []).forEach((v, i) => {
    if (names.has(v.name)) ctx.addIssue({ code: 'custom', path: ['varbinds', i, 'name'], message: `duplicate varbind name '${v.name}'` });
    if (TRAP_RESERVED.has(v.name)) ctx.addIssue({ code: 'custom', path: ['varbinds', i, 'name'], message: `'${v.name}' is reserved` });
    if (v.scale !== undefined && v.divisor !== undefined) ctx.addIssue({ code: 'custom', path: ['varbinds', i], message: 'use scale or divisor, not both' });
    names.add(v.name);
  });
  for (const [, name] of t.message.matchAll(TEMPLATE)) {
    if (!names.has(name) && !TRAP_RESERVED.has(name)) ctx.addIssue({ code: 'custom', path: ['message'], message: `placeholder {${name}} is not a varbind of this trap` });
  }
  if (t.severityBy && !names.has(t.severityBy.varbind)) ctx.addIssue({ code: 'custom', path: ['severityBy', 'varbind'], message: `'${t.severityBy.varbind}' is not a varbind of this trap` });
  (t.setPoints ?? []).forEach((s, i) => {
    if (s.varbind && !names.has(s.varbind)) ctx.addIssue({ code: 'custom', path: ['setPoints', i, 'varbind'], message: `'${s.varbind}' is not a varbind of this trap` });
    if (s.when && !names.has(s.when.varbind)) ctx.addIssue({ code: 'custom', path: ['setPoints', i, 'when', 'varbind'], message: `'${s.when.varbind}' is not a varbind of this trap` });
  });
});
export type SnmpTrapDefinition = z.infer<typeof snmpTrapSchema>;

/** Trap-map checks that need the whole profile: unique OIDs, setPoints naming profile points. */
export function checkSnmpTraps(profile: { points: Array<{ metric: string }>; traps?: SnmpTrapDefinition[] }, ctx: z.RefinementCtx): void {
  const metrics = new Set(profile.points.map((p) => p.metric));
  const oids = new Map<string, number>();
  (profile.traps ?? []).forEach((t, i) => {
    const first = oids.get(t.oid);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['traps', i, 'oid'], message: `duplicate trap OID ${t.oid} (also traps[${first}])` });
    else oids.set(t.oid, i);
    (t.setPoints ?? []).forEach((s, j) => {
      if (!metrics.has(s.metric)) ctx.addIssue({ code: 'custom', path: ['traps', i, 'setPoints', j, 'metric'], message: `'${s.metric}' is not a metric of this profile's points` });
    });
  });
}

/** Profile-level SNMP settings (merged into the profile object of `protocol: snmp`). */
export const snmpProfileFields = {
  points: z.array(snmpPointSchema).min(1),
  tables: z.array(snmpTableSchema).optional(),
  /** Notifications (traps and informs) this device sends, each mapped to an event. */
  traps: z.array(snmpTrapSchema).max(500).optional(),
  /** GETBULK max-repetitions of table walks (default 25). */
  maxRepetitions: z.number().int().min(1).max(MAX_REPETITIONS).optional(),
  /**
   * Identity field → scalar instance OID (e.g. `sysDescr: 1.3.6.1.2.1.1.1.0`), read in one GET when polling
   * starts and every identityIntervalMs. Text from OCTET STRINGs, dotted OIDs from OBJECT IDENTIFIERs;
   * outletCount from an integer. Objects the agent does not have are left out.
   */
  identity: identityMapSchema(numericOid).optional(),
};

/** SNMPv3 USM user of a target (authPriv), as a collector config or the simulator lists it. */
export const snmpV3UserSchema = z.object({
  user: z.string().min(1).max(32),
  authKey: z.string().min(8, 'USM keys have at least 8 characters'),
  privKey: z.string().min(8, 'USM keys have at least 8 characters'),
  authProtocol: z.enum(['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512']).optional(),
  privProtocol: z.enum(['des', 'aes', 'aes256b', 'aes256r']).optional(),
});
