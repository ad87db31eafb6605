import { createRoute, z } from '@hono/zod-openapi';

export const healthBody = z.object({
  status: z.enum(['ok', 'degraded']),
  db: z.enum(['pglite', 'postgres', 'timescaledb']),
  version: z.string(),
}).openapi('Health');

export const getHealth = createRoute({
  method: 'get', path: '/api/v1/health', tags: ['operations'], security: [],
  summary: 'Liveness and database backend (no authentication)',
  responses: {
    200: { description: 'Server and database are up', content: { 'application/json': { schema: healthBody } } },
    503: { description: 'Database unreachable', content: { 'application/json': { schema: healthBody } } },
  },
});
