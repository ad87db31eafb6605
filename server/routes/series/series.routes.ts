import { createRoute, z } from '@hono/zod-openapi';
import { errorBody, errorResponses } from '../../lib/errors.ts';
import { readers } from '../../middlewares/auth.ts';
import { SERIES_AGGS, SERIES_RESOLUTIONS } from '../../domain/series/resolution.ts';
import { pointList } from '../latest/latest.routes.ts';

export const seriesSample = z.object({
  ts: z.string().openapi({ description: 'sample time, or the start of the bucket' }),
  value: z.number().nullable().openapi({ description: 'the sample value, or the bucket’s aggregate (`agg`); null = no valid data (comm_loss…)' }),
  min: z.number().nullable().optional().openapi({ description: 'lowest sample value in the bucket (aggregated items only)' }),
  max: z.number().nullable().optional().openapi({ description: 'highest sample value in the bucket (aggregated items only)' }),
  n: z.number().int().optional().openapi({ description: 'valid samples in the bucket (aggregated items only)' }),
});

export const seriesItem = z.object({
  point: z.string(), unit: z.string(),
  resolution: z.string().openapi({ description: "'raw', or the width of each returned bucket, e.g. '60s', '18000s'" }),
  source: z.enum(['raw', '1m', '1h', '1d']).openapi({ description: 'the table read: raw samples or a rollup resolution' }),
  agg: z.enum(SERIES_AGGS).nullable().openapi({ description: 'aggregate shown as value; null for raw samples' }),
  samples: z.array(seriesSample),
}).openapi('Series');

export const getSeriesRoute = createRoute({
  method: 'get', path: '/api/v1/series', tags: ['samples'],
  summary: 'Time series of several points, at most 2 samples per pixel of the requested width',
  description: 'resolution=auto: raw samples when they fit in 2×width; else, when a pixel spans under a minute, raw '
    + 'samples bucketed on the fly; else the coarsest rollup (1m, 1h, 1d) not wider than a pixel, its rows merged '
    + 'exactly into buckets of a whole number of rollup buckets. Missing data stays missing (absent buckets, no '
    + 'interpolation); samples without a value (comm_loss…) are null. Aggregated items carry min/max per bucket.',
  middleware: [readers] as const,
  request: {
    query: z.object({
      points: pointList.pipe(z.array(z.string()).max(50)),
      from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'default: to − 1 h' }),
      to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'default: now' }),
      width: z.coerce.number().int().min(1).max(10_000).default(1000).openapi({ description: 'chart width in pixels' }),
      agg: z.enum(SERIES_AGGS).default('avg').openapi({
        description: 'aggregate per bucket: avg (mean of samples), twa (time-weighted mean), min, max, last, sum, count, '
          + 'delta (counter increase), integral (value × seconds, e.g. W → J). twa, delta and integral come from rollups only.',
      }),
      resolution: z.enum(SERIES_RESOLUTIONS).default('auto').openapi({
        description: 'auto, or force raw samples (ranges up to 7 days) or one rollup table; buckets never exceed 2×width',
      }),
    }),
  },
  responses: {
    200: { description: 'Series', content: { 'application/json': { schema: z.object({ from: z.string(), to: z.string(), items: z.array(seriesItem) }) } } },
    ...errorResponses,
    404: { description: 'Unknown point', content: { 'application/json': { schema: errorBody } } },
  },
});
