import { createRoute, z } from '@hono/zod-openapi';
import {
  COLLECTOR_CONFIG_LIMITS, collectorConfigResponse, collectorName, collectorView, registerRequest, targetConfigSchema, targetListSchema,
} from '../../contracts/collector-config.ts';
import { errorBody, errorResponses } from '../../lib/errors.ts';
import { readers, requireRole } from '../../middlewares/auth.ts';

const notFound = { description: 'No such collector (or device assignment)', content: { 'application/json': { schema: errorBody } } };
const nameParam = z.object({ name: collectorName.openapi({ param: { name: 'name', in: 'path' }, example: 'site-a-edge-1' }) });
const targetParams = nameParam.extend({ device: collectorName.openapi({ param: { name: 'device', in: 'path' }, example: 'ups-a1' }) });

export const registerCollectorRoute = createRoute({
  method: 'post', path: '/api/v1/collectors/register', tags: ['collectors'],
  summary: 'Register a collector and get its targets',
  description: 'Creates or updates the collector and answers its current configuration. The first registration '
    + 'with a collector token binds the name to that token; another collector token claiming the name gets 403 '
    + 'until the bound token is revoked. An admin may register any name without binding it.',
  middleware: [requireRole('collector')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: registerRequest } } } },
  responses: {
    200: { description: 'Registered; the full configuration', content: { 'application/json': { schema: collectorConfigResponse } } },
    ...errorResponses,
  },
});

export const getCollectorConfigRoute = createRoute({
  method: 'get', path: '/api/v1/collectors/{name}/config', tags: ['collectors'],
  summary: 'A collector\'s targets; long-polls when `since` is its current version',
  description: 'Without `since`: the configuration now. With `since` equal to the current `configVersion`, the '
    + `request is held for up to \`wait\` seconds (default ${COLLECTOR_CONFIG_LIMITS.defaultWaitS}) and answered as soon as `
    + 'an admin changes the targets (`changed: true` with the new list), else with `{changed: false}`. The '
    + 'collector bound to the name, or an admin.',
  middleware: [requireRole('collector')] as const,
  request: {
    params: nameParam,
    query: z.object({
      since: z.coerce.number().int().min(0).optional().openapi({ description: 'the configVersion the caller has' }),
      wait: z.coerce.number().int().min(0).max(COLLECTOR_CONFIG_LIMITS.maxWaitS).optional()
        .openapi({ description: `seconds to hold the request when nothing changed (0–${COLLECTOR_CONFIG_LIMITS.maxWaitS})` }),
    }),
  },
  responses: {
    200: { description: 'Configuration, or `changed: false` after a quiet long poll', content: { 'application/json': { schema: collectorConfigResponse } } },
    ...errorResponses,
    404: notFound,
  },
});

export const listCollectorsRoute = createRoute({
  method: 'get', path: '/api/v1/collectors', tags: ['collectors'], summary: 'Collectors with their configuration version and last contact',
  middleware: [readers] as const,
  responses: {
    200: { description: 'Collectors', content: { 'application/json': { schema: z.object({ items: z.array(collectorView) }) } } },
    401: errorResponses[401], 403: errorResponses[403],
  },
});

const assignment = z.object({ name: z.string(), configVersion: z.number().int(), targets: z.array(targetConfigSchema) }).openapi('CollectorTargets');

export const replaceTargetsRoute = createRoute({
  method: 'put', path: '/api/v1/collectors/{name}/targets', tags: ['collectors'],
  summary: 'Replace a collector\'s whole target list (creates the collector if new)',
  description: 'Every target is validated as the collector validates it; a bare profile name must be a profile the '
    + 'collector ships. Device names must be unique. The version is bumped (and the collector woken) only when '
    + 'the list changed.',
  middleware: [requireRole('admin')] as const,
  request: {
    params: nameParam,
    body: { required: true, content: { 'application/json': { schema: z.object({ targets: targetListSchema }) } } },
  },
  responses: {
    200: { description: 'Replaced', content: { 'application/json': { schema: assignment } } },
    201: { description: 'Collector created with these targets', content: { 'application/json': { schema: assignment } } },
    ...errorResponses,
  },
});

const targetResult = z.object({ name: z.string(), configVersion: z.number().int(), target: targetConfigSchema }).openapi('CollectorTargetAssignment');

export const putTargetRoute = createRoute({
  method: 'put', path: '/api/v1/collectors/{name}/targets/{device}', tags: ['collectors'],
  summary: 'Assign one device to a collector, or change its assignment',
  description: '`device` in the body may be omitted; when given it must match the path.',
  middleware: [requireRole('admin')] as const,
  request: {
    params: targetParams,
    body: { required: true, content: { 'application/json': { schema: targetConfigSchema.partial({ device: true }) } } },
  },
  responses: {
    200: { description: 'Changed (or unchanged)', content: { 'application/json': { schema: targetResult } } },
    201: { description: 'Assigned', content: { 'application/json': { schema: targetResult } } },
    ...errorResponses,
    404: notFound,
  },
});

export const deleteTargetRoute = createRoute({
  method: 'delete', path: '/api/v1/collectors/{name}/targets/{device}', tags: ['collectors'],
  summary: 'Unassign one device from a collector',
  middleware: [requireRole('admin')] as const,
  request: { params: targetParams },
  responses: {
    200: { description: 'Unassigned', content: { 'application/json': { schema: z.object({ name: z.string(), device: z.string(), configVersion: z.number().int() }) } } },
    ...errorResponses,
    404: notFound,
  },
});
