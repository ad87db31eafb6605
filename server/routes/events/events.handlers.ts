import type { RouteHandler } from '@hono/zod-openapi';
import { listEvents, type EventView } from '../../../db/queries/events.ts';
import type { EVENT_SOURCES } from '../../contracts/ingest.ts';
import type { AppEnv } from '../../lib/context.ts';
import { errorJson } from '../../lib/errors.ts';
import type { listEventsRoute } from './events.routes.ts';

type EventSource = (typeof EVENT_SOURCES)[number];

/** Opaque keyset cursor: the (ts, id) of the last item of a page. */
const encodeCursor = (e: EventView) => Buffer.from(`${e.ts.toISOString()}|${e.id}`).toString('base64url');
function decodeCursor(cursor: string): { ts: Date; id: number } | undefined {
  const [ts, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const when = new Date(ts ?? '');
  const seq = Number(id);
  return Number.isNaN(when.getTime()) || !Number.isSafeInteger(seq) || seq < 0 ? undefined : { ts: when, id: seq };
}

export const handleListEvents: RouteHandler<typeof listEventsRoute, AppEnv> = async (c) => {
  const { db } = c.get('deps');
  const q = c.req.valid('query');
  const from = q.from ? new Date(q.from) : undefined;
  const to = q.to ? new Date(q.to) : undefined;
  if (from && to && !(from < to)) return errorJson(c, 400, 'invalid_request', 'from must be before to', { issues: [{ path: 'from', message: 'must be before to' }] });
  const after = q.cursor ? decodeCursor(q.cursor) : undefined;
  if (q.cursor && !after) return errorJson(c, 400, 'invalid_request', 'cursor: not a cursor this API returned', { issues: [{ path: 'cursor', message: 'invalid cursor' }] });

  // One more than asked tells whether there is a next page.
  const rows = await listEvents(db, { device: q.device, from, to, severities: q.severity, after, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const items = page.map((e) => ({
    eventId: e.eventId, device: e.device, ts: e.ts.toISOString(), source: e.source as EventSource, name: e.name,
    severity: e.severity, message: e.message, attributes: e.attributes, collector: e.collector, receivedAt: e.receivedAt.toISOString(),
  }));
  return c.json({ items, ...(rows.length > q.limit ? { next: encodeCursor(page[page.length - 1]) } : {}) }, 200);
};
