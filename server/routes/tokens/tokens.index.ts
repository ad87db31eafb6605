import { listTokens, putToken } from '../../../db/queries/auth.ts';
import { createRouter } from '../../lib/create-router.ts';
import { hashSecret, newSecret } from '../../lib/secrets.ts';
import { createTokenRoute, listTokensRoute } from './tokens.routes.ts';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export const tokensRouter = createRouter()
  .openapi(listTokensRoute, async (c) => {
    const rows = await listTokens(c.get('deps').db);
    return c.json({ items: rows.map((t) => ({ name: t.name, role: t.role, createdAt: iso(t.createdAt)!, lastUsedAt: iso(t.lastUsedAt), revokedAt: iso(t.revokedAt) })) }, 200);
  })
  .openapi(createTokenRoute, async (c) => {
    const { name, role } = c.req.valid('json');
    const token = newSecret();
    await putToken(c.get('deps').db, { name, role, tokenHash: hashSecret(token) });
    c.get('deps').logger.info({ tokenName: name, role, by: c.get('principal').name }, 'API token created');
    return c.json({ name, role, token }, 201);
  });
