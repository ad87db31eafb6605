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

/**
 * −1, 0, 1 in lexicographic OID order. Compares the dotted text component by component without splitting
 * it: the walk guard runs this once per varbind, and parsing both OIDs into arrays was a visible share of
 * the collector's CPU at fleet scale.
 */
export function compareOids(a: string, b: string, /** Both OIDs share their first `from` characters (a prefix ending in a dot). */ from = 0): number {
  let i = from;
  let j = from;
  for (;;) {
    const aDone = i >= a.length;
    const bDone = j >= b.length;
    if (aDone || bDone) return aDone && bDone ? 0 : aDone ? -1 : 1;
    let x = 0;
    let c: number;
    while (i < a.length && (c = a.charCodeAt(i)) !== 46) { x = x * 10 + (c - 48); i++; }
    let y = 0;
    while (j < b.length && (c = b.charCodeAt(j)) !== 46) { y = y * 10 + (c - 48); j++; }
    if (x !== y) return x < y ? -1 : 1;
    i++;
    j++;
  }
}

export interface WalkOptions {
  maxRepetitions: number;
  /**
   * Rows the column (each of the columns walked together) had last time. Each GETBULK then asks for at most the rows still expected plus one
   * (the one that shows the column has ended), never more than `maxRepetitions`: a column of 24 rows costs
   * one request of 25 instead of 50 varbinds, half of them from the next column, encoded by the agent and
   * decoded here only to be thrown away.
   */
  expectedRows?: number;
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

/** GETBULK of several columns (no non-repeaters): for each requested OID, its successors in order. */
export type GetBulkColumns = (oids: string[], maxRepetitions: number) => Promise<snmp.Varbind[][]>;

/** GETBULK of several columns through a net-snmp session (which already groups the answer by column). */
export function sessionGetBulkColumns(session: snmp.Session): GetBulkColumns {
  return (oids, maxRepetitions) => new Promise((resolve, reject) => {
    session.getBulk(oids, 0, maxRepetitions, (error, varbinds) => {
      if (error) reject(error);
      else resolve((varbinds ?? []) as unknown as snmp.Varbind[][]);
    });
  });
}

/**
 * Walk one column with GETBULK. Stops at the end of the column (an OID outside it, endOfMibView) and
 * fails with an error naming the OIDs when the agent returns a non-increasing OID (which would loop
 * forever) or more than `maxRows` rows.
 */
export async function walkColumn(getBulk: GetBulk, column: string, opts: WalkOptions): Promise<Map<string, snmp.Varbind>> {
  const walked = await walkColumns(async (oids, repetitions) => [await getBulk(oids, 0, repetitions)], [column], opts);
  const { rows, error } = walked.get(column)!;
  if (error) throw error;
  return rows;
}

/** The rows of one walked column, and why its walk stopped early if it did (the rows read so far are kept). */
export interface ColumnWalk {
  rows: Map<string, snmp.Varbind>;
  error?: SnmpWalkError;
}

/**
 * Walk several columns side by side, each GETBULK asking for the next rows of every column not finished
 * yet (as snmptable does): a table of 8 columns × 24 rows is one request instead of eight. Each column
 * ends on its own (an OID outside it, endOfMibView) and is guarded on its own like `walkColumn`: a
 * non-increasing OID or more than `maxRows` rows stops that column with an error, the others go on. An
 * agent may answer with fewer repetitions than asked (RFC 3416 §4.2.3, message too big): the walk simply
 * asks again from where each column got to; an empty answer ends the walk.
 */
export async function walkColumns(getBulk: GetBulkColumns, columns: readonly string[], opts: WalkOptions): Promise<Map<string, ColumnWalk>> {
  const maxRows = opts.maxRows ?? MAX_TABLE_ROWS;
  const state = columns.map((column) => ({ column, prefix: `${column}.`, last: column, rows: new Map<string, snmp.Varbind>(), done: false, error: undefined as SnmpWalkError | undefined }));
  let active = state;
  while (active.length > 0) {
    opts.signal?.throwIfAborted();
    let repetitions = opts.maxRepetitions;
    if (opts.expectedRows !== undefined) {
      let most = -1;
      for (const c of active) most = Math.max(most, opts.expectedRows - c.rows.size);
      if (most >= 0) repetitions = Math.min(opts.maxRepetitions, most + 1);
    }
    const answer = await getBulk(active.map((c) => c.last), repetitions);
    let received = 0;
    active.forEach((c, i) => {
      const varbinds = answer[i] ?? [];
      received += varbinds.length;
      for (const vb of varbinds) {
        if (vb.type === snmp.ObjectType.EndOfMibView || !vb.oid.startsWith(c.prefix)) { c.done = true; return; }
        // The first row of a column always follows the column OID; later ones share the column prefix.
        if (c.last !== c.column && compareOids(vb.oid, c.last, c.prefix.length) <= 0) {
          c.error = new SnmpWalkError(`OID not increasing: ${vb.oid} after ${c.last} while walking ${c.column} (agent bug; the walk stops here)`, c.column, c.rows);
          c.done = true;
          return;
        }
        if (c.rows.size >= maxRows) {
          c.error = new SnmpWalkError(`more than ${maxRows} rows under ${c.column}; raise the table's maxRows if this is right`, c.column, c.rows);
          c.done = true;
          return;
        }
        c.rows.set(vb.oid.slice(c.prefix.length), vb);
        c.last = vb.oid;
      }
    });
    if (received === 0) break;
    active = active.filter((c) => !c.done);
  }
  return new Map(state.map((c) => [c.column, { rows: c.rows, ...(c.error ? { error: c.error } : {}) }]));
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

/** What a row index means for one column, the same on every poll and every device of the profile. */
interface RowPlan {
  metric: string;
  decl: NonNullable<RawReading['decl']>;
}

/**
 * Per column (profile objects are loaded once and shared by every target of that profile): row index
 * suffix → its metric and declaration, or null when the row is not read (wrong index shape, filtered by
 * `match`). Parsing the index, matching and filling the templates per row and poll was most of the cost of
 * decoding a table; the `where` filter depends on values, so it stays per poll.
 */
const rowPlans = new WeakMap<SnmpColumnPoint, Map<string, RowPlan | null>>();
/** Bound per column (different devices may index differently); past it, plans are computed, not kept. */
const MAX_CACHED_ROWS_PER_COLUMN = 4 * MAX_TABLE_ROWS;

function rowPlan(table: SnmpTable, column: SnmpColumnPoint, suffix: string): RowPlan | null {
  let plans = rowPlans.get(column);
  if (!plans) {
    plans = new Map();
    rowPlans.set(column, plans);
  }
  let plan = plans.get(suffix);
  if (plan !== undefined) return plan;
  plan = null;
  const parts = parseOid(suffix);
  if (parts.length === table.index.length && parts.every((n) => Number.isSafeInteger(n))) {
    const labels = Object.fromEntries(table.index.map((name, i) => [name, parts[i]]));
    if (matches(labels, table.match) && matches(labels, column.match)) {
      plan = {
        metric: fillTemplate(column.metric, labels),
        decl: {
          unit: column.unit,
          kind: column.kind,
          ...(column.role ? { role: column.role } : {}),
          ...(column.description ? { description: fillTemplate(column.description, labels) } : {}),
          ...(column.states ? { states: column.states } : {}),
        },
      };
    }
  }
  if (plans.size < MAX_CACHED_ROWS_PER_COLUMN) plans.set(suffix, plan);
  return plan;
}

/**
 * One reading per table row and column point, in table, column and row order. Rows whose index has
 * the wrong number of components (or non-numeric ones) are skipped; readings carry how to declare the
 * point (`decl`, shared between readings: read it, never change it) since the metric exists only once
 * the row has been seen.
 */
export function decodeTables(tables: readonly SnmpTable[], walked: WalkedColumns): RawReading[] {
  const readings: RawReading[] = [];
  const seen = new Set<string>();
  for (const table of tables) {
    for (const column of table.columns) {
      const rows = walked.get(column.oid);
      if (!rows) continue;
      for (const [suffix, vb] of rows) {
        const plan = rowPlan(table, column, suffix);
        if (plan === null) continue;
        if (column.where) {
          const v = siblingNumber(walked, column.where.oid, suffix);
          if (v === undefined || !column.where.values.includes(v)) continue;
        }
        if (seen.has(plan.metric)) continue; // two rows mapped to one metric: the first wins
        seen.add(plan.metric);
        const { value, quality } = decodeRow(column, vb, suffix, walked);
        readings.push({ metric: plan.metric, value, quality, decl: plan.decl });
      }
    }
  }
  return readings;
}
