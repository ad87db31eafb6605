import { createRoute, z } from '@hono/zod-openapi';
import { SAMPLE_QUALITIES } from '../../contracts/ingest.ts';
import { errorBody, errorResponses } from '../../lib/errors.ts';
import { readers } from '../../middlewares/auth.ts';

/** `a,b,c` → ['a','b','c'] (bounded); shared by the routes that take a point list. */
export const pointList = z.string().min(1).max(20_000)
  .transform((s) => [...new Set(s.split(',').map((k) => k.trim()).filter(Boolean))])
  .pipe(z.array(z.string().max(257)).min(1).max(500))
  .openapi({ description: 'comma-separated point keys (<device>/<metric>), at most 500', example: 'ups-1/output.l1.power' });

export const latestItem = z.object({
  point: z.string(), ts: z.string(), value: z.number().nullable(), quality: z.enum(SAMPLE_QUALITIES), unit: z.string(),
}).openapi('LatestSample');

export const getLatestRoute = createRoute({
  method: 'get', path: '/api/v1/latest', tags: ['samples'], summary: 'Latest sample of each point, of a device, or of a location',
  description: 'Give exactly one of points, device or location. location takes a CMDB CI key, id or name and includes '
    + 'every device placed there or below (a room includes its rows and racks).',
  middleware: [readers] as const,
  request: {
    query: z.object({
      points: pointList.optional(),
      device: z.string().min(1).max(128).optional().openapi({ description: 'device name' }),
      location: z.string().min(1).max(128).optional().openapi({ description: 'a CMDB CI (key, id or name: a site, room, row, rack, …): the points of its collector devices and of every CI located below it', example: 'r1-a01' }),
    }),
  },
  responses: {
    200: { description: 'Latest samples (points without any sample are omitted)', content: { 'application/json': { schema: z.object({ items: z.array(latestItem) }) } } },
    ...errorResponses,
    404: { description: 'Unknown point, device or location', content: { 'application/json': { schema: errorBody } } },
  },
});
