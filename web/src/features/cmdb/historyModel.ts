/**
 * Turns a history entry into what a person reads: for a relationship, one line from this CI's point of
 * view ("Powered by r1-a01-pdu-b, feed B"); for a new CI, the values it was created with (not a column of
 * "(empty) →"); for a change, each field before → after, attributes one by one.
 */
import type { FieldChange, HistoryEntry, RelationKind } from '../../api/cmdb.ts';

export interface HistoryRelation {
  kind: RelationKind | string;
  /** True when this CI is the relation's `from` ("powered by …"), false when it is the `to` ("powers …"). */
  outgoing: boolean;
  /** Key of the CI at the other end. */
  other: string;
  feed?: string;
  port?: string;
}

export interface HistoryRow {
  field: string;
  before: unknown;
  after: unknown;
}

export interface HistoryView {
  relation?: HistoryRelation;
  /** Show the before column (updates) or only the values (creates, deletes). */
  showBefore: boolean;
  rows: HistoryRow[];
}

const isEmpty = (value: unknown) =>
  value === undefined || value === null || value === ''
  || (Array.isArray(value) && value.length === 0)
  || (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `attributes: {a, b}` → `attributes.a`, `attributes.b`, keeping only attributes that differ. */
function expandAttributes(changes: readonly FieldChange[]): HistoryRow[] {
  return changes.flatMap((change): HistoryRow[] => {
    if (change.field !== 'attributes' || !(isRecord(change.before) || isRecord(change.after))) return [change];
    const before = isRecord(change.before) ? change.before : {};
    const after = isRecord(change.after) ? change.after : {};
    return [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
      .filter((name) => JSON.stringify(before[name] ?? null) !== JSON.stringify(after[name] ?? null))
      .map((name) => ({ field: `attributes.${name}`, before: before[name] ?? null, after: after[name] ?? null }));
  });
}

/** Fields in the order people look for them; the rest follow alphabetically. */
const FIELD_ORDER = ['name', 'status', 'type', 'parent', 'positionU', 'face', 'model', 'serial', 'assetTag', 'owner'];
const fieldRank = (field: string) => {
  const rank = FIELD_ORDER.indexOf(field);
  return rank < 0 ? FIELD_ORDER.length + (field.startsWith('attributes.') ? 1 : 0) : rank;
};

const RELATION_IDENTITY = new Set(['kind', 'from', 'to']);

export function historyView(entry: HistoryEntry, ciKey: string): HistoryView {
  const deleted = entry.action === 'delete';
  const value = (change: FieldChange) => (deleted ? change.before : change.after);
  const byField = new Map(entry.changes.map((change) => [change.field, value(change)]));

  let relation: HistoryRelation | undefined;
  if (entry.entity === 'relation' && typeof byField.get('kind') === 'string'
    && typeof byField.get('from') === 'string' && typeof byField.get('to') === 'string') {
    const from = byField.get('from') as string;
    const to = byField.get('to') as string;
    const outgoing = from === ciKey;
    relation = {
      kind: byField.get('kind') as string,
      outgoing,
      other: outgoing ? to : from,
      feed: typeof byField.get('feed') === 'string' ? byField.get('feed') as string : undefined,
      port: typeof byField.get('port') === 'string' ? byField.get('port') as string : undefined,
    };
  }

  const showBefore = entry.action === 'update';
  let rows = expandAttributes(entry.changes);
  if (relation) rows = rows.filter((row) => !RELATION_IDENTITY.has(row.field) && row.field !== 'feed' && row.field !== 'port');
  // A created or deleted thing has one value per field: show those that say something.
  if (!showBefore) rows = rows.filter((row) => !isEmpty(deleted ? row.before : row.after) && row.field !== 'key');
  rows.sort((a, b) => fieldRank(a.field) - fieldRank(b.field) || a.field.localeCompare(b.field));
  return { relation, showBefore, rows };
}
