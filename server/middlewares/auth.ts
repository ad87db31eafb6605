/**
 * Authentication for /api/v1 (except health and sign-in) and /metrics: an API token in
 * `Authorization: Bearer …`, or the HttpOnly session cookie a browser got from POST /api/v1/session.
 */
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { principalBySessionHash, principalByTokenHash } from '../../db/queries/auth.ts';
import type { Role } from '../../db/schema/index.ts';
import type { AppEnv } from '../lib/context.ts';
import { errorJson } from '../lib/errors.ts';
import { hashSecret } from '../lib/secrets.ts';

export const SESSION_COOKIE = 'kiban_session';

const PUBLIC_ROUTES = new Set(['GET /api/v1/health', 'HEAD /api/v1/health', 'POST /api/v1/session']);

export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (PUBLIC_ROUTES.has(`${c.req.method} ${c.req.path}`)) return next();
    const { db } = c.get('deps');
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const principal = match ? await principalByTokenHash(db, hashSecret(match[1])) : undefined;
      if (!principal) return errorJson(c, 401, 'unauthorized', 'invalid API token', undefined);
      c.set('principal', principal);
      c.set('authVia', 'bearer');
      return next();
    }
    const session = getCookie(c, SESSION_COOKIE);
    if (session) {
      const principal = await principalBySessionHash(db, hashSecret(session));
      if (principal) {
        // Cookies ride along on cross-site requests; state changes must come from our own origin.
        if (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) {
          const origin = c.req.header('origin');
          const host = c.req.header('host');
          if (origin && host && new URL(origin).host !== host) {
            return errorJson(c, 403, 'forbidden', 'cross-origin request refused');
          }
        }
        c.set('principal', principal);
        c.set('authVia', 'session');
        return next();
      }
    }
    c.header('WWW-Authenticate', 'Bearer realm="kiban"');
    return errorJson(c, 401, 'unauthorized', 'authentication required: send Authorization: Bearer <token> or sign in');
  };
}

/** Lets the request through only for the given roles (admin is always allowed). */
export function requireRole(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!principal) return errorJson(c, 401, 'unauthorized', 'authentication required');
    if (principal.role !== 'admin' && !roles.includes(principal.role)) {
      return errorJson(c, 403, 'forbidden', `role ${principal.role} may not ${c.req.method} ${c.req.path}`);
    }
    return next();
  };
}

export const readers = requireRole('viewer');
