import { createRoute, z } from '@hono/zod-openapi';
import { errorBody, errorResponses } from '../../lib/errors.ts';
import { readers } from '../../middlewares/auth.ts';
import { pointList } from '../latest/latest.routes.ts';

export const seriesItem = z.object({
  point: z.string(), unit: z.string(),
  resolution: z.string().openapi({ description: "'raw' or the bucket width, e.g. '60s'" }),
  samples: z.array(z.object({
    ts: z.string(), value: z.number().nullable(), min: z.number().nullable().optional(), max: z.number().nullable().optional(),
  })),
}).openapi('Series');

export const getSeriesRoute = createRoute({
  method: 'get', path: '/api/v1/series', tags: ['samples'],
  summary: 'Time series of several points, at most ~2 samples per pixel of the requested width',
  description: 'Raw samples when they fit in 2×width, else time buckets (mean, with min and max). Missing data '
    + 'stays missing (no interpolation); samples without a value (comm_loss…) are null.',
  middleware: [readers] as const,
  request: {
    query: z.object({
      points: pointList.pipe(z.array(z.string()).max(50)),
      from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'default: to − 1 h' }),
      to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'default: now' }),
      width: z.coerce.number().int().min(1).max(10_000).default(1000).openapi({ description: 'chart width in pixels' }),
    }),
  },
  responses: {
    200: { description: 'Series', content: { 'application/json': { schema: z.object({ from: z.string(), to: z.string(), items: z.array(seriesItem) }) } } },
    ...errorResponses,
    404: { description: 'Unknown point', content: { 'application/json': { schema: errorBody } } },
  },
});
