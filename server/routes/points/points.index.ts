import { deviceExists, listPoints } from '../../../db/queries/devices.ts';
import { createRouter } from '../../lib/create-router.ts';
import { errorJson } from '../../lib/errors.ts';
import { listPointsRoute } from './points.routes.ts';

export const pointsRouter = createRouter().openapi(listPointsRoute, async (c) => {
  const { db } = c.get('deps');
  const { device, q, limit } = c.req.valid('query');
  if (device && !(await deviceExists(db, device))) return errorJson(c, 404, 'not_found', `unknown device ${device}`);
  const rows = await listPoints(db, { device, q, limit });
  return c.json({ items: rows.map(({ id: _id, ...p }) => p) }, 200);
});
