import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../../lib/errors.ts';

export const principalView = z.object({ name: z.string(), role: z.enum(['admin', 'viewer', 'collector']) }).openapi('Principal');

export const createSessionRoute = createRoute({
  method: 'post', path: '/api/v1/session', tags: ['auth'],
  summary: 'Sign in a browser with an API token; sets an HttpOnly session cookie',
  request: { body: { required: false, content: { 'application/json': { schema: z.object({ token: z.string().max(512).optional() }) } } } },
  responses: {
    200: { description: 'Signed in', content: { 'application/json': { schema: principalView } } },
    ...errorResponses,
  },
});

export const getSessionRoute = createRoute({
  method: 'get', path: '/api/v1/session', tags: ['auth'], summary: 'Who am I',
  responses: { 200: { description: 'The caller', content: { 'application/json': { schema: principalView } } }, 401: errorResponses[401] },
});

export const deleteSessionRoute = createRoute({
  method: 'delete', path: '/api/v1/session', tags: ['auth'], summary: 'Sign out',
  responses: { 204: { description: 'Signed out' }, 401: errorResponses[401] },
});
