import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../../lib/errors.ts';
import { requireRole } from '../../middlewares/auth.ts';

const roleEnum = z.enum(['admin', 'viewer', 'collector']);

export const listTokensRoute = createRoute({
  method: 'get', path: '/api/v1/tokens', tags: ['auth'], summary: 'API tokens (names and roles; never secrets)',
  middleware: [requireRole('admin')] as const,
  responses: {
    200: { description: 'Tokens', content: { 'application/json': { schema: z.object({ items: z.array(z.object({
      name: z.string(), role: roleEnum, createdAt: z.string(), lastUsedAt: z.string().nullable(), revokedAt: z.string().nullable(),
    })) }) } } },
    401: errorResponses[401], 403: errorResponses[403],
  },
});

export const createTokenRoute = createRoute({
  method: 'post', path: '/api/v1/tokens', tags: ['auth'],
  summary: 'Create (or rotate) a named API token; the secret is shown once',
  middleware: [requireRole('admin')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: z.object({
    name: z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/), role: roleEnum,
  }) } } } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: z.object({ name: z.string(), role: roleEnum, token: z.string() }) } } },
    ...errorResponses,
  },
});
