import { createRoute, z } from '@hono/zod-openapi';
import { EVENT_SEVERITIES, EVENT_SOURCES } from '../../contracts/ingest.ts';
import { errorResponses } from '../../lib/errors.ts';
import { readers } from '../../middlewares/auth.ts';

export const EVENTS_PAGE = { default: 100, max: 1000 } as const;

export const eventView = z.object({
  eventId: z.uuid(),
  device: z.string(),
  ts: z.string().openapi({ description: 'when the collector received it (ISO 8601)' }),
  source: z.enum(EVENT_SOURCES),
  name: z.string().openapi({ example: 'ups.on_battery' }),
  severity: z.enum(EVENT_SEVERITIES),
  message: z.string(),
  attributes: z.record(z.string(), z.unknown()).openapi({ description: 'decoded details: trap OID, varbinds by name, agent address' }),
  collector: z.string(),
  receivedAt: z.string().openapi({ description: 'when the server committed it' }),
}).openapi('Event');

const severityList = z.string().min(1).max(200)
  .transform((s) => [...new Set(s.split(',').map((x) => x.trim()).filter(Boolean))])
  .pipe(z.array(z.enum(EVENT_SEVERITIES)).min(1))
  .openapi({ description: 'comma-separated severities, e.g. critical,major', example: 'critical,major' });

export const listEventsRoute = createRoute({
  method: 'get', path: '/api/v1/events', tags: ['events'],
  summary: 'Events (SNMP traps and informs, …), newest first',
  description: 'Filter by device, time range [from, to) and severity. Pages of `limit` items; pass `next` back as '
    + '`cursor` for the following page (absent on the last page).',
  middleware: [readers] as const,
  request: {
    query: z.object({
      device: z.string().min(1).max(128).optional(),
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
      severity: severityList.optional(),
      limit: z.coerce.number().int().min(1).max(EVENTS_PAGE.max).default(EVENTS_PAGE.default),
      cursor: z.string().max(200).optional().openapi({ description: '`next` of the previous page' }),
    }),
  },
  responses: {
    200: {
      description: 'Events',
      content: { 'application/json': { schema: z.object({ items: z.array(eventView), next: z.string().optional() }).openapi('EventList') } },
    },
    ...errorResponses,
  },
});
