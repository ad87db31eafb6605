import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createSession, deleteSession, principalByTokenHash } from '../../../db/queries/auth.ts';
import { createRouter } from '../../lib/create-router.ts';
import { errorJson } from '../../lib/errors.ts';
import { hashSecret, newSecret } from '../../lib/secrets.ts';
import { SESSION_COOKIE } from '../../middlewares/auth.ts';
import { createSessionRoute, deleteSessionRoute, getSessionRoute } from './session.routes.ts';

export const sessionRouter = createRouter()
  .openapi(createSessionRoute, async (c) => {
    const { db, sessionTtlMs, logger } = c.get('deps');
    let token: string | undefined;
    try { token = ((await c.req.json()) as { token?: unknown })?.token as string | undefined; } catch { token = undefined; }
    const principal = typeof token === 'string' && token.length <= 512 ? await principalByTokenHash(db, hashSecret(token)) : undefined;
    if (!principal) {
      logger.warn({ ip: c.req.header('x-forwarded-for') ?? 'local' }, 'sign-in refused');
      return errorJson(c, 401, 'unauthorized', 'invalid API token');
    }
    const session = newSecret('kbs');
    await createSession(db, { sessionHash: hashSecret(session), tokenId: principal.tokenId, expiresAt: new Date(Date.now() + sessionTtlMs) });
    setCookie(c, SESSION_COOKIE, session, {
      httpOnly: true, sameSite: 'Strict', path: '/', maxAge: Math.floor(sessionTtlMs / 1000),
      secure: new URL(c.req.url).protocol === 'https:',
    });
    return c.json({ name: principal.name, role: principal.role }, 200);
  })
  .openapi(getSessionRoute, (c) => {
    const p = c.get('principal');
    return c.json({ name: p.name, role: p.role }, 200);
  })
  .openapi(deleteSessionRoute, async (c) => {
    const session = getCookie(c, SESSION_COOKIE);
    if (session) await deleteSession(c.get('deps').db, hashSecret(session));
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });
