import { createRoute, z } from '@hono/zod-openapi';
import { errorBody, errorResponses } from '../../lib/errors.ts';
import { readers } from '../../middlewares/auth.ts';

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const ciKey = z.string().min(1).max(128);

/** Latest value of one point of a cooling unit's device (null when nothing was measured yet). */
export const floorPoint = z.object({
  key: z.string().openapi({ example: 'crac-r1-a/supply_air.temperature' }),
  unit: z.string(),
  value: z.number().nullable(),
  ts: z.string().nullable(),
  quality: z.string().nullable(),
  states: z.record(z.string(), z.string()).nullable().openapi({ description: 'labels of an enumerated point (raw value → state)' }),
}).openapi('FloorPoint');

/** What a cooling unit's points mean, by the role the collector profile gives them. */
export const COOLING_POINT_ROLES = {
  supplyAirC: 'crac.supply_air.temperature',
  returnAirC: 'crac.return_air.temperature',
  returnHumidityPct: 'crac.return_air.humidity',
  coolingCapacityPct: 'crac.cooling.capacity',
  fanSpeedPct: 'crac.fan.speed',
  operatingState: 'crac.operating_state',
  status: 'crac.status',
} as const;
export type CoolingPointName = keyof typeof COOLING_POINT_ROLES;

const coolingPoints = z.object(Object.fromEntries(Object.keys(COOLING_POINT_ROLES).map((k) => [k, floorPoint.nullable()])) as Record<CoolingPointName, z.ZodNullable<typeof floorPoint>>);

export const floorCoolingUnit = z.object({
  key: z.string().openapi({ example: 'crac-r1-a' }), name: z.string(), type: z.enum(['crac', 'chiller']), status: z.string(),
  kind: z.string().nullable().openapi({ description: 'crac, crah or in-row (attribute kind)' }),
  rowKey: z.string().nullable().openapi({ description: 'the row it stands in, when placed in one' }),
  gridX: z.number().nullable(), gridY: z.number().nullable(),
  coolingKw: z.number().nullable().openapi({ description: 'rated cooling capacity (attribute coolingKw)' }),
  devices: z.array(z.string()).openapi({ description: 'its collector devices' }),
  points: coolingPoints.openapi({ description: 'key points of its devices with their latest values: supply/return air °C, return humidity %RH, cooling capacity % and fan speed % in use, operating state and status' }),
}).openapi('FloorCoolingUnit');

export const floorRow = z.object({
  key: z.string().openapi({ example: 'r1-a' }), name: z.string(),
  gridRow: z.number().nullable().openapi({ description: 'grid row (tile) the racks of the row stand on' }),
  aisle: z.enum(['hot', 'cold', 'none']).nullable().openapi({ description: 'the aisle the racks face' }),
}).openapi('FloorRow');

export const floorRoom = z.object({
  key: z.string().openapi({ example: 'r1' }), name: z.string(),
  gridColumns: z.number().nullable(), gridRows: z.number().nullable(),
  tileMm: z.number().nullable().openapi({ description: 'edge of one floor tile, mm (typically 600)' }),
  rows: z.array(floorRow),
  coolingUnits: z.array(floorCoolingUnit),
}).openapi('FloorRoom');

export const floorResponse = z.object({
  site: z.object({ key: z.string(), name: z.string() }).nullable(),
  rooms: z.array(floorRoom),
}).openapi('Floor');

export const floorRoute = createRoute({
  method: 'get', path: '/api/v1/floor', tags: ['site view'],
  summary: 'Rooms of a site (or one room) with their floor grid, rows and cooling units with live key points',
  description: 'Give `site` (every room of the site, in its buildings) or `room` (that room alone). The racks standing on '
    + 'the grid come from GET /api/v1/racks (rack summaries with gridX/gridY), so every page agrees on them.',
  middleware: [readers] as const,
  request: {
    query: z.object({
      site: ciKey.optional().openapi({ description: 'site CI key', example: 'site' }),
      room: ciKey.optional().openapi({ description: 'room CI key', example: 'r1' }),
    }),
  },
  responses: {
    200: json(floorResponse, 'The rooms'),
    ...errorResponses,
    404: json(errorBody, 'No such site or room'),
  },
});
