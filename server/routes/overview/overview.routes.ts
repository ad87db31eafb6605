import { createRoute, z } from '@hono/zod-openapi';
import { SAMPLE_QUALITIES } from '../../contracts/ingest.ts';
import { CHAIN_COLUMNS } from '../../domain/site-power/types.ts';
import { errorBody, errorResponses } from '../../lib/errors.ts';
import { readers } from '../../middlewares/auth.ts';

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const siteQuery = z.object({
  site: z.string().min(1).max(128).optional().openapi({ description: 'key of the site CI; the first site when omitted', example: 'site' }),
});
const notFound = { 404: json(errorBody, 'No such site') };

const site = z.object({ key: z.string(), name: z.string() });
const coverage = z.object({ reported: z.number().int(), expected: z.number().int() })
  .openapi({ description: 'how many of the points the figure expects reported a present value' });
const flags = z.array(z.enum(['partial', 'not-metered', 'negative-clamped', 'includes-cooling', 'excludes-cooling']));
const readings = z.record(z.string(), z.object({
  value: z.number().nullable(), ts: z.string(), quality: z.enum(SAMPLE_QUALITIES), unit: z.string(),
  lastValue: z.number().optional().openapi({ description: 'the latest poll was lost: the value held from just before (for up to a minute)' }),
  lastValueTs: z.string().optional(),
}))
  .openapi({ description: 'latest sample of every point behind the figures, by point key' });
const powerFigure = (bases: [string, ...string[]]) => z.object({
  kw: z.number().nullable(), basis: z.enum(bases).nullable(),
  points: z.array(z.string()).openapi({ description: 'points whose sum (W) is the figure: follow them on the stream to keep it live' }),
  coverage, flags,
});
const upsPoints = z.object({
  output: z.array(z.string()), input: z.array(z.string()), load: z.array(z.string()),
  source: z.array(z.object({ key: z.string(), states: z.record(z.string(), z.string()).nullable() })),
  onBattery: z.array(z.string()), charge: z.string().nullable(), runtime: z.string().nullable(),
});

export const sitePowerView = z.object({
  site,
  at: z.string(),
  utility: powerFigure(['meters', 'ups-inputs']).openapi({ description: 'what the site takes in: supply meters (utility, generator, PV), else UPS inputs + metered cooling' }),
  it: powerFigure(['pdu-inlets', 'it-meters', 'ups-outputs']).openapi({ description: 'IT load: PDU inlets (PUE category 2), IT meters, or UPS outputs (category 1)' }),
  cooling: powerFigure(['meters']).openapi({ description: 'cooling: meters on cooling, CRACs/chillers or mechanical panels' }),
  losses: z.object({ kw: z.number().nullable(), flags }).openapi({ description: 'utility − IT − cooling, never below 0' }),
  ups: z.array(z.object({
    key: z.string(), name: z.string(), devices: z.array(z.string()), kw: z.number().nullable(),
    ratedKw: z.number().nullable(), ratedKva: z.number().nullable(), loadPct: z.number().nullable(),
    onBattery: z.boolean().nullable(), batteryChargePct: z.number().nullable(), runtimeMin: z.number().nullable(), points: upsPoints,
  })),
  readings,
}).openapi('SitePower');

export const sitePowerRoute = createRoute({
  method: 'get', path: '/api/v1/overview/power', tags: ['overview'],
  summary: 'Site power now: utility in, IT, cooling and losses, with the points behind each and their coverage; UPS status',
  middleware: [readers] as const, request: { query: siteQuery },
  responses: { 200: json(sitePowerView, 'Site power'), ...errorResponses, ...notFound },
});

export const deviceReportingView = z.object({
  site,
  at: z.string(),
  staleAfterSeconds: z.number().openapi({ description: 'a device with nothing newer than this is not reporting (stale)' }),
  silentAfterSeconds: z.number().openapi({ description: 'a device answering nothing (comm_loss) is not reporting once its last value is this old' }),
  total: z.number().int(),
  notReporting: z.number().int(),
  items: z.array(z.object({
    device: z.string(),
    ci: z.object({ key: z.string(), name: z.string(), type: z.string() }),
    reporting: z.boolean(),
    reason: z.enum(['never', 'comm_loss', 'stale']).nullable().openapi({ description: 'never reported; the collector cannot reach it (for longer than silentAfterSeconds); nothing new for longer than staleAfterSeconds' }),
    lastSample: z.string().nullable(),
    lastValue: z.string().nullable().openapi({ description: 'when it last delivered a value' }),
    probePoint: z.string().nullable().openapi({ description: 'a point of the device to watch on the stream: a value means it is back' }),
  })),
}).openapi('DeviceReporting');

export const deviceReportingRoute = createRoute({
  method: 'get', path: '/api/v1/overview/devices', tags: ['overview'],
  summary: 'The collector devices of a site and whether each is reporting (not reporting first)',
  middleware: [readers] as const, request: { query: siteQuery },
  responses: { 200: json(deviceReportingView, 'Devices and their reporting state'), ...errorResponses, ...notFound },
});

const chainNode = z.object({
  key: z.string(), type: z.string(), name: z.string(), status: z.string(),
  column: z.enum(CHAIN_COLUMNS), devices: z.array(z.string()),
  upsKeys: z.array(z.string()).openapi({ description: 'the UPSs the node is fed from' }),
  basis: z.enum(['measured', 'upstream', 'downstream']).nullable().openapi({ description: 'measured: its own points; upstream: its only supplier’s; downstream: the sum of what it feeds' }),
  kw: z.number().nullable(), points: z.array(z.string()), coverage,
  ratedKw: z.number().nullable(), ratedKva: z.number().nullable(),
  loadPoints: z.array(z.string()), loadPct: z.number().nullable(),
  ups: upsPoints.optional(),
});
const chainLink = z.object({
  from: z.string().openapi({ description: 'supplier' }), to: z.string().openapi({ description: 'consumer' }),
  side: z.enum(['A', 'B']).nullable(), via: z.array(z.string()).openapi({ description: 'feeds and breakers folded into the link' }),
  points: z.array(z.string()).openapi({ description: 'points whose sum is the flow; empty when not measurable' }),
  kw: z.number().nullable(), idle: z.boolean().openapi({ description: 'the supplier stands by (a generator not running)' }),
});

export const powerChainView = z.object({ site, at: z.string(), nodes: z.array(chainNode), links: z.array(chainLink), readings }).openapi('PowerChain');

export const powerChainRoute = createRoute({
  method: 'get', path: '/api/v1/power-chain', tags: ['overview'],
  summary: 'The power chain of a site: utility → transformer → UPS → panels → PDUs → racks, with live kW, ratings, load and the flow on each link',
  middleware: [readers] as const, request: { query: siteQuery },
  responses: { 200: json(powerChainView, 'Power chain'), ...errorResponses, ...notFound },
});
