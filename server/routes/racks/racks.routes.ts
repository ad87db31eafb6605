import { createRoute, z } from '@hono/zod-openapi';
import { errorBody, errorResponses } from '../../lib/errors.ts';
import { readers } from '../../middlewares/auth.ts';

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const ciKeyText = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'a CI key: letters, digits and . _ : @ - only');

const pointLatest = z.object({
  value: z.number().nullable(), ts: z.string().nullable(), fresh: z.boolean().openapi({ description: 'quality ok and recent' }),
}).openapi('RackPointLatest');

export const rackSummary = z.object({
  key: z.string(), name: z.string(),
  siteKey: z.string().nullable(), roomKey: z.string().nullable(), rowKey: z.string().nullable(),
  gridX: z.number().nullable(), gridY: z.number().nullable(),
  uHeight: z.number().int(), usedU: z.number().int(), freeU: z.number().int(),
  maxKw: z.number().nullable().openapi({ description: 'power budget of the rack, kW (attribute maxKw)' }),
  powerW: z.number().nullable().openapi({ description: 'sum of the latest inlet power of the rack PDUs, W' }),
  inletC: z.number().nullable().openapi({ description: 'hottest latest inlet air temperature of the rack sensors, °C' }),
  points: z.object({ power: z.array(z.string()), inlet: z.array(z.string()) })
    .openapi({ description: 'point keys behind powerW (summed) and inletC (max), to keep them live from the stream' }),
  measuredAt: z.string().nullable(),
  stale: z.boolean().openapi({ description: 'some point behind the values has no valid sample in the last 10 minutes' }),
  latest: z.object({ power: z.array(pointLatest), inlet: z.array(pointLatest) }).optional()
    .openapi({ description: 'latest sample of each point of `points`, same order' }),
}).openapi('RackSummary');

export const listRacksRoute = createRoute({
  method: 'get', path: '/api/v1/racks', tags: ['racks'], summary: 'Rack summaries: place, used/free U, live power vs budget, hottest inlet',
  description: 'All racks, or those of a site or room (CMDB keys), or a list of racks. Power is the sum of the latest inlet power '
    + 'of the PDUs located in each rack; inlet is the hottest latest inlet air temperature of the sensors in or monitoring the rack.',
  middleware: [readers] as const,
  request: {
    query: z.object({
      site: ciKeyText.optional().openapi({ description: 'CI key of a site', example: 'site' }),
      room: ciKeyText.optional().openapi({ description: 'CI key of a room', example: 'r1' }),
      racks: z.string().min(1).max(100_000).optional()
        .transform((s) => (s === undefined ? undefined : [...new Set(s.split(',').map((k) => k.trim()).filter(Boolean))]))
        .pipe(z.array(ciKeyText).min(1).max(5000).optional())
        .openapi({ description: 'comma-separated rack keys (at most 5000)', example: 'r1-a01,r1-a02' }),
    }),
  },
  responses: {
    200: json(z.object({ items: z.array(rackSummary) }), 'Rack summaries ordered by key'),
    ...errorResponses,
    404: json(errorBody, 'Unknown site or room'),
  },
});

const keyParam = z.object({ key: ciKeyText.openapi({ param: { name: 'key', in: 'path' }, example: 'r1-a01' }) });
const pointRef = z.object({ key: z.string(), value: z.number().nullable(), ts: z.string().nullable(), quality: z.string().nullable(), unit: z.string() });

export const rackElevation = z.object({
  rack: z.object({
    key: z.string(), name: z.string(), uHeight: z.number().int(), descendingUnits: z.boolean(),
    maxKw: z.number().nullable(), model: z.string().nullable(),
    path: z.array(z.object({ key: z.string(), type: z.string(), name: z.string() })).openapi({ description: 'locations above the rack, the site first' }),
  }),
  summary: rackSummary,
  devices: z.array(z.object({
    key: z.string(), name: z.string(), type: z.string(), status: z.string(),
    model: z.string().nullable(), vendor: z.string().nullable(),
    positionU: z.number().int().openapi({ description: 'lowest U occupied' }), uHeight: z.number().int(),
    face: z.enum(['front', 'rear']), fullDepth: z.boolean().openapi({ description: 'occupies both faces' }),
    nameplateW: z.number().nullable(),
    powerW: z.number().nullable().openapi({ description: 'latest power: sum of its PDU outlets, else its own power points' }),
    powerPoints: z.array(z.string()).openapi({ description: 'point keys summed into powerW' }),
  })),
  unmounted: z.array(z.object({ key: z.string(), name: z.string(), type: z.string(), face: z.string().nullable() }))
    .openapi({ description: 'CIs in the rack without a U position (0U PDUs, sensors, feeds)' }),
  emptyRanges: z.array(z.object({ from: z.number().int(), to: z.number().int(), size: z.number().int() })),
  pdus: z.array(z.object({
    key: z.string(), name: z.string(), feed: z.string().nullable(), devices: z.array(z.string()),
    inletPower: z.array(pointRef),
    outlets: z.array(z.object({
      outlet: z.string(), device: z.object({ key: z.string(), name: z.string() }).nullable(),
      power: pointRef.nullable(), state: z.object({ key: z.string(), value: z.number().nullable(), label: z.string().nullable(), states: z.record(z.string(), z.string()).nullable().openapi({ description: 'value → state name' }), ts: z.string().nullable(), quality: z.string().nullable() }).nullable(),
    })),
  })),
  feeds: z.array(z.object({
    key: z.string(), name: z.string(), side: z.string().nullable(), voltageV: z.number().nullable(), ratedA: z.number().nullable(),
    maxUtilization: z.number().openapi({ description: 'continuous-load limit as a fraction of the rating (NEC 80 %)' }),
    ratedW: z.number().nullable(), loadW: z.number().nullable(), loadPoints: z.array(z.string()),
    source: z.object({ key: z.string(), name: z.string() }).nullable(),
  })),
  inlets: z.array(pointRef.extend({ position: z.enum(['top', 'middle', 'bottom', 'other']), ci: z.string() })),
}).openapi('RackElevation');

export const rackElevationRoute = createRoute({
  method: 'get', path: '/api/v1/racks/{key}/elevation', tags: ['racks'], summary: 'Rack elevation: devices at their U, PDUs and outlets, feeds, inlet temperatures',
  middleware: [readers] as const,
  request: { params: keyParam },
  responses: {
    200: json(rackElevation, 'The rack as mounted, with latest values'),
    ...errorResponses,
    404: json(errorBody, 'No such rack'),
  },
});

