import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../../lib/errors.ts';
import { readers } from '../../middlewares/auth.ts';
import { pointList } from '../latest/latest.routes.ts';

export const streamRoute = createRoute({
  method: 'get', path: '/api/v1/stream', tags: ['samples'],
  summary: 'Live samples as Server-Sent Events (one multiplexed stream per client)',
  description: 'Events: `samples` with `{items: [{point, ts, value, quality}]}` as batches are committed; '
    + '`event` with `{items: [{eventId, device, ts, source, name, severity, message, attributes}]}` for committed '
    + 'events (SNMP traps, informs); `ping` every 15 s. Filter with `points` and/or `device`; no filter = everything.',
  middleware: [readers] as const,
  request: { query: z.object({ points: pointList.optional(), device: z.string().min(1).max(128).optional() }) },
  responses: {
    200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...errorResponses,
  },
});
