import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../../lib/errors.ts';
import { readers } from '../../middlewares/auth.ts';

export const pointView = z.object({
  key: z.string().openapi({ example: 'ups-1/output.l1.power' }), device: z.string(), metric: z.string(),
  unit: z.string(), kind: z.enum(['gauge', 'counter']), role: z.string().nullable(), description: z.string().nullable(),
  states: z.record(z.string(), z.string()).nullable().openapi({ description: 'labels of an enumerated point (raw value → state)' }),
}).openapi('Point');

export const listPointsRoute = createRoute({
  method: 'get', path: '/api/v1/points', tags: ['points'], summary: 'Points (measurable quantities), optionally of one device',
  middleware: [readers] as const,
  request: {
    query: z.object({
      device: z.string().min(1).max(128).optional(),
      q: z.string().trim().min(1).max(200).optional().openapi({ description: 'substring of the point key (device/metric) or its description, case-insensitive' }),
      limit: z.coerce.number().int().min(1).max(10_000).optional().openapi({ description: 'at most this many points (default: all)' }),
    }),
  },
  responses: {
    200: { description: 'Points', content: { 'application/json': { schema: z.object({ items: z.array(pointView) }) } } },
    ...errorResponses,
    404: { description: 'Unknown device', content: { 'application/json': { schema: errorResponses[400].content['application/json'].schema } } },
  },
});
