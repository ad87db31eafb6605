/**
 * The UPS alarm table with the id rules of RFC 1628 (upsAlarmTable): one row per present alarm condition,
 * ids start at 1 and increase with each new alarm, wrap after the maximum to the first id not in use, and a
 * row disappears when its condition clears. Managers use the id to tell a new alarm from an old one, so an
 * id is never reused while its row exists.
 */
import { UPS_WELL_KNOWN_ALARMS, type UpsAlarmName, type UpsAlarmRow } from '../site/types.ts';

/** upsAlarmId is PositiveInteger (1..2147483647). */
export const MAX_UPS_ALARM_ID = 2_147_483_647;

export interface UpsAlarmTable {
  rows: readonly UpsAlarmRow[];
  /** The id the next new row tries first. */
  nextId: number;
}

export const EMPTY_ALARM_TABLE: UpsAlarmTable = { rows: [], nextId: 1 };

function allocateId(used: Set<number>, start: number): number {
  let id = start;
  for (let tries = 0; tries <= used.size; tries++) {
    if (!used.has(id)) return id;
    id = id >= MAX_UPS_ALARM_ID ? 1 : id + 1;
  }
  throw new Error('UPS alarm table full'); // unreachable: at most 24 well-known alarms exist
}

/**
 * The table after the present conditions are `present`: rows of cleared conditions are removed, new
 * conditions get a row (in well-known-alarm order, so the result does not depend on set iteration order).
 * Returns the same object when nothing changed, so callers can cheaply detect changes.
 */
export function reconcileAlarmTable(table: UpsAlarmTable, present: ReadonlySet<UpsAlarmName>, nowMs: number): UpsAlarmTable {
  const kept = table.rows.filter((row) => present.has(row.alarm));
  const existing = new Set(kept.map((row) => row.alarm));
  const added = [...present].filter((alarm) => !existing.has(alarm))
    .sort((a, b) => UPS_WELL_KNOWN_ALARMS[a] - UPS_WELL_KNOWN_ALARMS[b]);
  if (added.length === 0 && kept.length === table.rows.length) return table;
  const rows = [...kept];
  const used = new Set(kept.map((row) => row.id));
  let nextId = table.nextId;
  for (const alarm of added) {
    const id = allocateId(used, nextId);
    used.add(id);
    rows.push({ id, alarm, sinceMs: nowMs });
    nextId = id >= MAX_UPS_ALARM_ID ? 1 : id + 1;
  }
  rows.sort((a, b) => a.id - b.id);
  return { rows, nextId };
}
