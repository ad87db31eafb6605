/** The one error shape of the API: `{error: {code, message, details?}}` with a matching HTTP status. */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export const errorBody = z.object({
  error: z.object({
    code: z.string().openapi({ example: 'invalid_request' }),
    message: z.string(),
    details: z.any().optional().openapi({ description: 'structured detail, e.g. issues: [{path, message}]' }),
  }),
}).openapi('Error');

export class ApiError extends Error {
  constructor(readonly status: ContentfulStatusCode, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

/**
 * Returns the error response. Typed loosely on purpose: every route declares its error statuses in
 * `errorResponses`, and this keeps handlers free of per-status casts.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function errorJson(c: Context<any, any, any>, status: ContentfulStatusCode, code: string, message: string, details?: unknown): any {
  const body: { error: { code: string; message: string; details?: any } } = { error: { code, message } };
  if (details !== undefined) body.error.details = details;
  return c.json(body, status);
}

/** Standard error responses for OpenAPI route definitions. */
export const errorResponses = {
  400: { description: 'Invalid request: `details` names each bad field', content: { 'application/json': { schema: errorBody } } },
  401: { description: 'Missing or invalid credentials', content: { 'application/json': { schema: errorBody } } },
  403: { description: 'Authenticated, but the role does not allow this', content: { 'application/json': { schema: errorBody } } },
} as const;

export interface FieldIssue { path: string; message: string }

/** zod issues → `[{path: 'samples[3].value', message}]`, the form a person reads. */
export function fieldIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): FieldIssue[] {
  return issues.map((i) => ({
    path: i.path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${String(seg)}` : String(seg)), ''),
    message: i.message,
  }));
}

export function describeIssues(issues: FieldIssue[], max = 5): string {
  const shown = issues.slice(0, max).map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ');
  return issues.length > max ? `${shown}; and ${issues.length - max} more` : shown;
}
