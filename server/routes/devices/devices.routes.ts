import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../../lib/errors.ts';
import { readers } from '../../middlewares/auth.ts';

export const deviceView = z.object({
  name: z.string(), kind: z.string(), protocol: z.string(), address: z.string().nullable(),
  vendor: z.string().nullable(), model: z.string().nullable(), profile: z.string().nullable(),
  collector: z.string().nullable(),
  identity: z.record(z.string(), z.union([z.string(), z.number()])).nullable()
    .openapi({ description: 'what the device reported about itself (sysDescr, sysObjectId, vendor, model, serial, firmware, outletCount)' }),
  createdAt: z.string(),
}).openapi('Device');

export const listDevicesRoute = createRoute({
  method: 'get', path: '/api/v1/devices', tags: ['devices'], summary: 'Devices known to Kiban',
  middleware: [readers] as const,
  responses: {
    200: { description: 'Devices', content: { 'application/json': { schema: z.object({ items: z.array(deviceView) }) } } },
    401: errorResponses[401], 403: errorResponses[403],
  },
});
