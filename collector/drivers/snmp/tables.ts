/**
 * SNMP tables: which columns a profile needs walked, a GETBULK column walk that refuses non-increasing
 * OIDs (as snmpbulkwalk does) and bounds the rows, and a pure decoder from walked varbinds to readings
 * (one per row and column point) so that golden vectors pin the behaviour down.
 */
import * as snmp from 'net-snmp';
import type { RawReading } from '../types.ts';
import { decodeVarbind, varbindNumber } from './decode.ts';
import { fillTemplate, MAX_TABLE_ROWS, type SnmpColumnPoint, type SnmpTable } from './profile-schema.ts';

/** Walked column OID → row index suffix (e.g. `1.3.5`) → varbind. */
export type WalkedColumns = Map<string, Map<string, snmp.Varbind>>;

export class SnmpWalkError extends Error {
  override name = 'SnmpWalkError';
  /** The rows read before the walk had to stop (snmpbulkwalk also prints what it got). */
  constructor(message: string, readonly column: string, readonly rows: Map<string, snmp.Varbind>) {
    super(message);
  }
}

/** Every column OID the tables need, value columns and their sibling columns, each once. */
export function columnsToWalk(tables: readonly SnmpTable[]): string[] {
  const oids = new Set<string>();
  for (const t of tables) {
    for (const c of t.columns) {
      oids.add(c.oid);
      if (c.decimalDigitsOid) oids.add(c.decimalDigitsOid);
      if (c.entitySensor) { oids.add(c.entitySensor.scaleOid); oids.add(c.entitySensor.precisionOid); }
      if (c.where) oids.add(c.where.oid);
      if (c.available) oids.add(c.available.oid);
    }
  }
  return [...oids];
}

export function parseOid(oid: string): number[] {
  return oid.split('.').map(Number);
}

/** −1, 0, 1 in lexicographic OID order. */
export function compareOids(a: string, b: string): number {
  const x = parseOid(a);
  const y = parseOid(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

export interface WalkOptions {
  maxRepetitions: number;
  /** More rows than this under one column is an error (a runaway or looping agent). */
  maxRows?: number;
  signal?: AbortSignal;
}

export type GetBulk = (oids: string[], nonRepeaters: number, maxRepetitions: number) => Promise<snmp.Varbind[]>;

/** GETBULK through a net-snmp session, flattened to one list of varbinds. */
export function sessionGetBulk(session: snmp.Session): GetBulk {
  return (oids, nonRepeaters, maxRepetitions) => new Promise((resolve, reject) => {
    session.getBulk(oids, nonRepeaters, maxRepetitions, (error, varbinds) => {
      if (error) reject(error);
      else resolve((varbinds ?? []).flat());
    });
  });
}

/**
 * Walk one column with GETBULK. Stops at the end of the column (an OID outside it, endOfMibView) and
 * fails with an error naming the OIDs when the agent returns a non-increasing OID (which would loop
 * forever) or more than `maxRows` rows.
 */
export async function walkColumn(getBulk: GetBulk, column: string, opts: WalkOptions): Promise<Map<string, snmp.Varbind>> {
  const rows = new Map<string, snmp.Varbind>();
  const prefix = `${column}.`;
  const maxRows = opts.maxRows ?? MAX_TABLE_ROWS;
  let last = column;
  for (;;) {
    opts.signal?.throwIfAborted();
    const varbinds = await getBulk([last], 0, opts.maxRepetitions);
    if (varbinds.length === 0) return rows;
    for (const vb of varbinds) {
      if (vb.type === snmp.ObjectType.EndOfMibView || !vb.oid.startsWith(prefix)) return rows;
      if (compareOids(vb.oid, last) <= 0) {
        throw new SnmpWalkError(`OID not increasing: ${vb.oid} after ${last} while walking ${column} (agent bug; the walk stops here)`, column, rows);
      }
      if (rows.size >= maxRows) throw new SnmpWalkError(`more than ${maxRows} rows under ${column}; raise the table's maxRows if this is right`, column, rows);
      rows.set(vb.oid.slice(prefix.length), vb);
      last = vb.oid;
    }
  }
}

function matches(labels: Record<string, number>, match: Record<string, number | number[]> | undefined): boolean {
  if (!match) return true;
  return Object.entries(match).every(([k, v]) => (Array.isArray(v) ? v.includes(labels[k]) : labels[k] === v));
}

function siblingNumber(walked: WalkedColumns, oid: string, suffix: string): number | undefined {
  const vb = walked.get(oid)?.get(suffix);
  return vb ? varbindNumber(vb) : undefined;
}

/** ENTITY-SENSOR-MIB exponent: 10^(3·(scale−9)) × 10^(−precision). */
export function entitySensorExponent(scale: number, precision: number): number {
  return 3 * (scale - 9) - precision;
}

function decodeRow(column: SnmpColumnPoint, vb: snmp.Varbind, suffix: string, walked: WalkedColumns): Pick<RawReading, 'value' | 'quality'> {
  if (column.available) {
    const flag = siblingNumber(walked, column.available.oid, suffix);
    if (flag === undefined || !column.available.values.includes(flag)) return { value: null, quality: 'sentinel' };
  }
  let exponent = 0;
  if (column.decimalDigitsOid) {
    const digits = siblingNumber(walked, column.decimalDigitsOid, suffix);
    if (digits === undefined || digits < 0 || digits > 18) return { value: null, quality: 'sentinel' };
    exponent = -digits;
  } else if (column.entitySensor) {
    const scale = siblingNumber(walked, column.entitySensor.scaleOid, suffix);
    const precision = siblingNumber(walked, column.entitySensor.precisionOid, suffix);
    if (scale === undefined || precision === undefined || scale < 1 || scale > 17 || precision < -8 || precision > 9) return { value: null, quality: 'sentinel' };
    exponent = entitySensorExponent(scale, precision);
  }
  return decodeVarbind(vb, column, exponent);
}

/**
 * One reading per table row and column point, in table, column and row order. Rows whose index has
 * the wrong number of components (or non-numeric ones) are skipped; readings carry how to declare the
 * point (`decl`) since the metric exists only once the row has been seen.
 */
export function decodeTables(tables: readonly SnmpTable[], walked: WalkedColumns): RawReading[] {
  const readings: RawReading[] = [];
  const seen = new Set<string>();
  for (const table of tables) {
    for (const column of table.columns) {
      const rows = walked.get(column.oid);
      if (!rows) continue;
      for (const [suffix, vb] of rows) {
        const parts = parseOid(suffix);
        if (parts.length !== table.index.length || parts.some((n) => !Number.isSafeInteger(n))) continue;
        const labels = Object.fromEntries(table.index.map((name, i) => [name, parts[i]]));
        if (!matches(labels, table.match) || !matches(labels, column.match)) continue;
        if (column.where) {
          const v = siblingNumber(walked, column.where.oid, suffix);
          if (v === undefined || !column.where.values.includes(v)) continue;
        }
        const metric = fillTemplate(column.metric, labels);
        if (seen.has(metric)) continue; // two rows mapped to one metric: the first wins
        seen.add(metric);
        readings.push({
          metric,
          ...decodeRow(column, vb, suffix, walked),
          decl: {
            unit: column.unit,
            kind: column.kind,
            ...(column.role ? { role: column.role } : {}),
            ...(column.description ? { description: fillTemplate(column.description, labels) } : {}),
            ...(column.states ? { states: column.states } : {}),
          },
        });
      }
    }
  }
  return readings;
}
