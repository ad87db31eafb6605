import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import type { AppEnv } from './context.ts';
import { describeIssues, errorJson, fieldIssues } from './errors.ts';

/** Request validation failures answer 400 naming every bad field. */
export const validationHook: Hook<any, AppEnv, any, any> = (result, c) => {
  if (!result.success) {
    const issues = fieldIssues(result.error.issues);
    return errorJson(c, 400, 'invalid_request', describeIssues(issues), { target: result.target, issues });
  }
};

export function createRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}
