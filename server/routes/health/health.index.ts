import { createRouter } from '../../lib/create-router.ts';
import { getHealth } from './health.routes.ts';

export const healthRouter = createRouter().openapi(getHealth, async (c) => {
  const { db, version } = c.get('deps');
  try {
    await db.query('select 1');
    return c.json({ status: 'ok' as const, db: db.kind, version }, 200);
  } catch {
    return c.json({ status: 'degraded' as const, db: db.kind, version }, 503);
  }
});
