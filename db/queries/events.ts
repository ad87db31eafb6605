/**
 * Events: things that happened at a moment (SNMP traps and informs today). Written with the samples of
 * their ingest batch (samples.ts writeSampleBatch); read here, newest first, with a keyset cursor.
 */
import type { Db } from '../client.ts';
import type { EventSeverity } from '../schema/events.ts';

/** One event as the ingest path writes it (the device by name; it must exist). */
export interface EventInsert {
  eventId: string;
  device: string;
  /** ISO 8601. */
  ts: string;
  source: string;
  name: string;
  severity: EventSeverity;
  message: string;
  attributes: Record<string, unknown>;
}

export interface EventView {
  /** Internal sequence, used by the cursor only. */
  id: number;
  eventId: string;
  device: string;
  ts: Date;
  source: string;
  name: string;
  severity: EventSeverity;
  message: string;
  attributes: Record<string, unknown>;
  collector: string;
  receivedAt: Date;
}

export interface EventFilter {
  device?: string;
  from?: Date;
  to?: Date;
  severities?: EventSeverity[];
  /** Continue after this (ts, id), newest first. */
  after?: { ts: Date; id: number };
  limit: number;
}

/** Events matching the filter, newest first (ts, then arrival order). */
export async function listEvents(db: Db, f: EventFilter): Promise<EventView[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => { params.push(v); return `$${params.length}`; };
  if (f.device !== undefined) where.push(`d.name = ${p(f.device)}`);
  if (f.from) where.push(`e.ts >= ${p(f.from.toISOString())}`);
  if (f.to) where.push(`e.ts < ${p(f.to.toISOString())}`);
  if (f.severities?.length) where.push(`e.severity::text = any(${p(f.severities)}::text[])`);
  if (f.after) where.push(`(e.ts, e.id) < (${p(f.after.ts.toISOString())}::timestamptz, ${p(f.after.id)}::bigint)`);
  const rows = await db.query<{
    id: number | string; event_id: string; device: string; ts: Date | string; source: string; name: string; severity: EventSeverity;
    message: string; attributes: Record<string, unknown> | string; collector: string; received_at: Date | string;
  }>(
    `select e.id, e.event_id, d.name as device, e.ts, e.source, e.name, e.severity, e.message, e.attributes, e.collector, e.received_at
       from events e join devices d on d.id = e.device_id
      ${where.length ? `where ${where.join(' and ')}` : ''}
      order by e.ts desc, e.id desc
      limit ${p(f.limit)}`,
    params,
  );
  return rows.map((r) => ({
    id: Number(r.id), eventId: r.event_id, device: r.device, ts: new Date(r.ts), source: r.source, name: r.name,
    severity: r.severity, message: r.message,
    attributes: typeof r.attributes === 'string' ? JSON.parse(r.attributes) as Record<string, unknown> : r.attributes,
    collector: r.collector, receivedAt: new Date(r.received_at),
  }));
}

export async function eventCount(db: Db): Promise<number> {
  const [row] = await db.query<{ n: number }>('select count(*)::int as n from events');
  return Number(row.n);
}
