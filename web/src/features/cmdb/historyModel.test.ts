import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../api/cmdb.ts';
import { historyView } from './historyModel.ts';

const entry = (partial: Partial<HistoryEntry>): HistoryEntry => ({
  id: 1, at: '2026-12-01T00:00:00Z', actor: 'admin', source: 'api', action: 'update', entity: 'ci', changes: [], ...partial,
});

describe('historyView', () => {
  it('reads a relationship from this CI’s side', () => {
    const changes = [
      { field: 'kind', before: null, after: 'powered_by' }, { field: 'from', before: null, after: 'r1-a01' },
      { field: 'to', before: null, after: 'r1-a01-pdu-b' }, { field: 'feed', before: null, after: 'B' },
      { field: 'note', before: null, after: null },
    ];
    expect(historyView(entry({ entity: 'relation', action: 'create', changes }), 'r1-a01')).toEqual({
      relation: { kind: 'powered_by', outgoing: true, other: 'r1-a01-pdu-b', feed: 'B', port: undefined },
      showBefore: false, rows: [],
    });
    expect(historyView(entry({ entity: 'relation', action: 'create', changes }), 'r1-a01-pdu-b').relation)
      .toMatchObject({ outgoing: false, other: 'r1-a01' });
  });

  it('shows a new CI’s values without empty fields, attributes one by one', () => {
    const view = historyView(entry({
      action: 'create',
      changes: [
        { field: 'key', before: null, after: 'r1-a01' }, { field: 'links', before: null, after: [] },
        { field: 'attributes', before: null, after: { uHeight: 42, maxKw: 8 } }, { field: 'name', before: null, after: 'R1-A01' },
      ],
    }), 'r1-a01');
    expect(view.showBefore).toBe(false);
    expect(view.rows.map((row) => row.field)).toEqual(['name', 'attributes.maxKw', 'attributes.uHeight']);
  });

  it('keeps before and after of a change', () => {
    const view = historyView(entry({ changes: [{ field: 'status', before: 'active', after: 'maintenance' }] }), 'x');
    expect(view).toEqual({ relation: undefined, showBefore: true, rows: [{ field: 'status', before: 'active', after: 'maintenance' }] });
  });
});
